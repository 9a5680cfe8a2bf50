"""Suspensions, appeals and roles: who may act on whom, what the database holds after, what
the member is told, and what the public log says.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community import permissions
from community.accounts.models import Role, User
from community.db import Forbidden
from community.extensions import db
from community.mentorship.models import MentorshipMessage
from community.moderation import log, members, reviews
from community.moderation.models import (
    APPEAL_MAX,
    Action,
    Review,
    ReviewCause,
    Suspension,
    TargetType,
)
from community.timeutil import utcnow
from tests.conftest import make_post, make_user
from tests.mentorship_support import make_mentor, make_request
from tests.moderation_support import (
    flag,
    log_entries,
    moderation_notices,
    reviews_of,
    stored,
    suspend,
)

APPEAL_NOTICE = reviews.NOTICES[ReviewCause.APPEAL]


@pytest.fixture
def staff(app):
    """A member, two moderators and two admins."""
    return {
        "member": make_user("mira"),
        "mod": make_user("mod", role=Role.MODERATOR),
        "mod2": make_user("moe", role=Role.MODERATOR),
        "admin": make_user("ada", role=Role.ADMIN),
        "admin2": make_user("alan", role=Role.ADMIN),
    }


def suspensions_of(user: User) -> list[Suspension]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Suspension).where(Suspension.user_id == user.id).order_by(Suspension.id)
        )
    )


def run_out(suspension: Suspension) -> None:
    """Move a dated suspension's end into the past, as if its time had passed."""
    ended = utcnow() - timedelta(seconds=1)
    row = stored(Suspension, suspension.id)
    row.ends_at = ended
    row.user.suspended_until = ended
    db.session.commit()


def appeal(member: User, text: str = "It was a misunderstanding.") -> Suspension:
    suspension = members.appeal(member, text)
    db.session.commit()
    return suspension


# --- suspending ------------------------------------------------------------------------------


def test_a_moderator_suspends_a_member_until_lifted(staff):
    member, mod = staff["member"], staff["mod"]
    assert permissions.can_write(member)

    suspension = members.suspend(member, mod, "  Repeated   spam ")
    db.session.commit()

    user = stored(User, member.id)
    assert user.suspended_at is not None and user.suspended_until is None
    assert user.is_suspended
    assert not permissions.can_write(user)
    [row] = suspensions_of(member)
    assert row.id == suspension.id
    assert (row.moderator_id, row.reason, row.ends_at, row.lifted_at) == (
        mod.id,
        "Repeated spam",
        None,
        None,
    )
    assert row.is_current()
    [entry] = log_entries(Action.SUSPEND)
    assert (entry.moderator_id, entry.target_type, entry.target_id, entry.subject_id) == (
        mod.id,
        TargetType.MEMBER,
        member.id,
        member.id,
    )
    assert (entry.reason, entry.detail) == ("Repeated spam", "until lifted")
    assert moderation_notices(member) == ["Your account is suspended: Repeated spam"]
    assert members.current_suspension(user).id == suspension.id


def test_a_dated_suspension_ends_by_itself(staff):
    member = staff["member"]
    until = (utcnow() + timedelta(days=7)).replace(microsecond=0)

    suspension = suspend(member, staff["mod"], "Cool off", until)

    user = stored(User, member.id)
    assert user.suspended_until == until
    assert user.is_suspended and not permissions.can_write(user)
    assert suspensions_of(member)[0].ends_at == until
    assert log_entries(Action.SUSPEND)[0].detail == f"until {until:%d %b %Y %H:%M} UTC"
    assert moderation_notices(member) == [
        f"Your account is suspended until {until:%d %b %Y}: Cool off"
    ]

    # A week later, the member writes again, and nobody had to lift anything.
    run_out(suspension)
    user = stored(User, member.id)
    assert not user.is_suspended
    assert permissions.can_write(user)
    assert members.current_suspension(user) is None
    assert not suspensions_of(member)[0].is_current()
    assert db.session.scalar(select(func.count(User.id)).where(User.not_suspended())) == 5


def test_a_member_whose_suspension_ended_can_be_suspended_again(staff):
    member, mod = staff["member"], staff["mod"]
    run_out(suspend(member, mod, "First", utcnow() + timedelta(days=1)))

    suspend(stored(User, member.id), mod, "Second")

    assert [s.reason for s in suspensions_of(member)] == ["First", "Second"]
    user = stored(User, member.id)
    assert user.is_suspended and user.suspended_until is None
    assert members.current_suspension(user).reason == "Second"


def test_an_end_in_the_past_is_refused(staff):
    member = staff["member"]

    with pytest.raises(members.MemberActionRefused, match="in the future") as refusal:
        members.suspend(member, staff["mod"], "Spam", utcnow() - timedelta(minutes=1))
    db.session.rollback()

    assert refusal.value.field == "until"
    assert not stored(User, member.id).is_suspended
    assert suspensions_of(member) == []
    assert log_entries() == []


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_suspending_needs_a_reason(staff, reason):
    member = staff["member"]

    with pytest.raises(log.ReasonMissing):
        members.suspend(member, staff["mod"], reason)
    db.session.rollback()

    assert not stored(User, member.id).is_suspended
    assert suspensions_of(member) == []
    assert moderation_notices(member) == []


def test_suspending_a_suspended_member_is_refused(staff):
    member = staff["member"]
    suspend(member, staff["mod"], "First")

    with pytest.raises(reviews.AlreadyHandled, match="already suspended"):
        members.suspend(member, staff["mod2"], "Second")
    db.session.rollback()

    assert [s.reason for s in suspensions_of(member)] == ["First"]
    assert len(log_entries(Action.SUSPEND)) == 1


@pytest.mark.parametrize(
    ("actor", "subject", "allowed"),
    [
        ("mod", "member", True),
        ("admin", "member", True),
        ("admin", "mod", True),
        ("mod", "mod2", False),
        ("mod", "admin", False),
        ("admin", "admin2", False),
        ("mod", "mod", False),
        ("admin", "admin", False),
        ("member", "mod", False),
        ("member", "member2", False),
    ],
)
def test_who_may_suspend_whom(staff, actor, subject, allowed):
    staff["member2"] = make_user("max")
    moderator, member = staff[actor], staff[subject]

    if allowed:
        suspend(member, moderator, "Rules")
        assert stored(User, member.id).is_suspended
        assert len(log_entries(Action.SUSPEND)) == 1
        return
    with pytest.raises(Forbidden):
        members.suspend(member, moderator, "Rules")
    db.session.rollback()
    assert not stored(User, member.id).is_suspended
    assert suspensions_of(member) == []
    assert log_entries() == []
    assert moderation_notices(member) == []


def test_a_suspended_moderator_suspends_nobody(staff):
    suspend(staff["mod"], staff["admin"])

    with pytest.raises(Forbidden):
        members.suspend(staff["member"], staff["mod"], "Rules")
    db.session.rollback()

    assert not stored(User, staff["member"].id).is_suspended


def test_a_deleted_account_is_not_suspended(staff):
    member = staff["member"]
    member.deleted_at = utcnow()
    db.session.commit()

    with pytest.raises(Forbidden):
        members.suspend(member, staff["mod"], "Rules")
    db.session.rollback()

    assert suspensions_of(member) == []


def test_suspending_settles_flags_about_the_member_and_their_messages_only(staff):
    member, mod = staff["member"], staff["mod"]
    profile_review = flag(TargetType.MEMBER, member.id, staff["mod2"])
    mentor = make_mentor(make_user("olga"))
    request = make_request(member, mentor)
    message = MentorshipMessage(
        request_id=request.id, author_id=member.id, body_md="Buy it", body_html="<p>Buy it</p>"
    )
    db.session.add(message)
    db.session.commit()
    message_review = flag(TargetType.MESSAGE, message.id, mentor.user)
    post = make_post(member, "Buy my course", "Cheap.")
    post_review = flag(TargetType.POST, post.id, staff["mod2"])

    suspend(member, mod, "Selling courses")

    for settled in (profile_review, message_review):
        closed = stored(Review, settled.id)
        assert (closed.closed_by_id, closed.outcome) == (mod.id, Action.SUSPEND.value)
    assert stored(Review, post_review.id).is_open


def test_a_suspended_member_writes_nothing(staff):
    member = staff["member"]
    post = make_post(staff["mod"], "Welcome", "Hello.")
    suspend(member, staff["mod"])
    user = stored(User, member.id)
    post = stored(type(post), post.id)

    assert not permissions.can_write(user)
    assert not permissions.can_create_post(user)
    assert not permissions.can_comment(user, post)
    assert not permissions.can_flag_post(user, post)
    assert not permissions.can_flag_member(user, staff["mod"])
    assert not permissions.can_submit_event(user)
    assert not permissions.can_follow(user)
    # Reading stays open.
    assert permissions.can_read_post(user, post)


# --- lifting ---------------------------------------------------------------------------------


def test_a_moderator_lifts_a_suspension(staff):
    member, mod = staff["member"], staff["mod"]
    suspend(member, mod)

    members.unsuspend(stored(User, member.id), staff["mod2"], "Served long enough")
    db.session.commit()

    user = stored(User, member.id)
    assert (user.suspended_at, user.suspended_until) == (None, None)
    assert permissions.can_write(user)
    [row] = suspensions_of(member)
    assert row.lifted_at is not None and not row.is_current()
    [entry] = log_entries(Action.UNSUSPEND)
    assert (entry.moderator_id, entry.target_id, entry.reason, entry.detail) == (
        staff["mod2"].id,
        member.id,
        "Served long enough",
        "",
    )
    assert moderation_notices(member)[-1] == "Your suspension is lifted: Served long enough"


def test_lifting_what_is_not_suspended_is_refused(staff):
    member = staff["member"]

    with pytest.raises(reviews.AlreadyHandled, match="not suspended"):
        members.unsuspend(member, staff["mod"], "Nothing")
    db.session.rollback()

    assert log_entries() == []


def test_lifting_needs_a_reason_and_the_right_to_suspend(staff):
    moderator = staff["mod"]
    suspend(moderator, staff["admin"])

    with pytest.raises(Forbidden):
        members.unsuspend(stored(User, moderator.id), staff["mod2"], "Colleague")
    db.session.rollback()
    with pytest.raises(log.ReasonMissing):
        members.unsuspend(stored(User, moderator.id), staff["admin"], "")
    db.session.rollback()

    assert stored(User, moderator.id).is_suspended
    assert log_entries(Action.UNSUSPEND) == []


def test_lifting_during_an_appeal_answers_it(staff):
    member, mod = staff["member"], staff["mod"]
    suspend(member, mod)
    suspension = appeal(stored(User, member.id))

    members.unsuspend(stored(User, member.id), mod, "Fair point")
    db.session.commit()

    row = stored(Suspension, suspension.id)
    assert (row.appeal_outcome, row.appeal_answer) == (Action.UNSUSPEND.value, "Fair point")
    [review] = reviews_of(TargetType.SUSPENSION, suspension.id)
    assert (review.closed_by_id, review.outcome) == (mod.id, Action.UNSUSPEND.value)


# --- appeals ---------------------------------------------------------------------------------


def test_a_suspended_member_appeals_once_and_moderators_hear_once(staff):
    member = staff["member"]
    suspension = suspend(member, staff["mod"])

    appeal(stored(User, member.id), "  I posted my own blog, not spam. ")

    row = stored(Suspension, suspension.id)
    assert row.appeal == "I posted my own blog, not spam."
    assert row.appealed_at is not None and row.appeal_outcome is None
    [review] = reviews_of(TargetType.SUSPENSION, suspension.id)
    assert (review.cause, review.subject_id, review.is_open) == (
        ReviewCause.APPEAL,
        member.id,
        True,
    )
    for name in ("mod", "mod2", "admin", "admin2"):
        assert moderation_notices(staff[name]) == [APPEAL_NOTICE]

    with pytest.raises(members.MemberActionRefused, match="already appealed"):
        members.appeal(stored(User, member.id), "Please, again")
    db.session.rollback()

    assert stored(Suspension, suspension.id).appeal == "I posted my own blog, not spam."
    assert len(reviews_of(TargetType.SUSPENSION, suspension.id)) == 1
    assert moderation_notices(staff["mod"]) == [APPEAL_NOTICE]


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Say why"), ("   ", "Say why"), ("x" * (APPEAL_MAX + 1), "under")],
)
def test_an_appeal_needs_words_within_bounds(staff, text, message):
    member = staff["member"]
    suspension = suspend(member, staff["mod"])

    with pytest.raises(members.MemberActionRefused, match=message) as refusal:
        members.appeal(stored(User, member.id), text)
    db.session.rollback()

    assert refusal.value.field == "appeal"
    assert stored(Suspension, suspension.id).appealed_at is None
    assert reviews_of(TargetType.SUSPENSION, suspension.id) == []


def test_members_not_suspended_have_nothing_to_appeal(staff):
    member = staff["member"]

    with pytest.raises(members.MemberActionRefused, match="not suspended"):
        members.appeal(member, "Why not")
    db.session.rollback()

    run_out(suspend(member, staff["mod"], "Short", utcnow() + timedelta(hours=1)))
    with pytest.raises(members.MemberActionRefused, match="not suspended"):
        members.appeal(stored(User, member.id), "It ended anyway")
    db.session.rollback()

    assert db.session.scalar(select(func.count(Review.id))) == 0


def test_each_suspension_has_its_own_appeal(staff):
    member, mod = staff["member"], staff["mod"]
    first = suspend(member, mod, "First")
    appeal(stored(User, member.id))
    members.answer_appeal(stored(Suspension, first.id), mod, True, "Fair")
    db.session.commit()

    second = suspend(stored(User, member.id), mod, "Second")
    appeal(stored(User, member.id), "Again a misunderstanding")

    assert stored(Suspension, second.id).appeal == "Again a misunderstanding"
    assert len(reviews_of(TargetType.SUSPENSION, second.id)) == 1


def test_an_appeal_accepted_lifts_the_suspension(staff):
    member, mod = staff["member"], staff["mod2"]
    suspension = suspend(member, staff["mod"])
    appeal(stored(User, member.id))

    members.answer_appeal(stored(Suspension, suspension.id), mod, True, "You are right")
    db.session.commit()

    user = stored(User, member.id)
    assert not user.is_suspended and permissions.can_write(user)
    row = stored(Suspension, suspension.id)
    assert row.lifted_at is not None
    assert (row.appeal_outcome, row.appeal_answer) == (Action.UNSUSPEND.value, "You are right")
    [review] = reviews_of(TargetType.SUSPENSION, suspension.id)
    assert (review.closed_by_id, review.outcome) == (mod.id, Action.UNSUSPEND.value)
    [entry] = log_entries(Action.UNSUSPEND)
    assert (entry.moderator_id, entry.target_type, entry.target_id, entry.detail) == (
        mod.id,
        TargetType.MEMBER,
        member.id,
        "on appeal",
    )
    assert entry.reason == "You are right"
    assert moderation_notices(member)[-1] == (
        "Your appeal was accepted and your suspension lifted: You are right"
    )


def test_an_appeal_upheld_keeps_the_suspension(staff):
    member, mod = staff["member"], staff["mod2"]
    suspension = suspend(member, staff["mod"])
    appeal(stored(User, member.id))

    members.answer_appeal(stored(Suspension, suspension.id), mod, False, "The links were ads")
    db.session.commit()

    user = stored(User, member.id)
    assert user.is_suspended and not permissions.can_write(user)
    row = stored(Suspension, suspension.id)
    assert row.lifted_at is None
    assert (row.appeal_outcome, row.appeal_answer) == (Action.UPHOLD.value, "The links were ads")
    [review] = reviews_of(TargetType.SUSPENSION, suspension.id)
    assert (review.closed_by_id, review.outcome) == (mod.id, Action.UPHOLD.value)
    [entry] = log_entries(Action.UPHOLD)
    assert (entry.moderator_id, entry.target_id, entry.detail) == (mod.id, member.id, "on appeal")
    assert moderation_notices(member)[-1] == (
        "Your appeal was considered and the suspension stays: The links were ads"
    )
    # Upheld is final: no second appeal.
    with pytest.raises(members.MemberActionRefused, match="already appealed"):
        members.appeal(user, "Please")
    db.session.rollback()


def test_accepting_an_appeal_of_an_ended_suspension_leaves_a_newer_one(staff):
    member, mod = staff["member"], staff["mod"]
    old = suspend(member, mod, "First", utcnow() + timedelta(days=1))
    appeal(stored(User, member.id))
    run_out(old)
    newer = suspend(stored(User, member.id), mod, "Second")

    members.answer_appeal(stored(Suspension, old.id), staff["mod2"], True, "First was unfair")
    db.session.commit()

    assert stored(Suspension, newer.id).is_current()
    assert stored(User, member.id).is_suspended
    assert moderation_notices(member)[-1] == (
        "Your appeal was accepted (the suspension had already ended): First was unfair"
    )


def test_an_appeal_is_answered_once(staff):
    member = staff["member"]
    suspension = suspend(member, staff["mod"])
    appeal(stored(User, member.id))
    members.answer_appeal(stored(Suspension, suspension.id), staff["mod"], False, "No")
    db.session.commit()

    with pytest.raises(reviews.AlreadyHandled):
        members.answer_appeal(stored(Suspension, suspension.id), staff["mod2"], True, "Yes")
    db.session.rollback()

    assert stored(User, member.id).is_suspended
    assert stored(Suspension, suspension.id).appeal_outcome == Action.UPHOLD.value
    assert len(log_entries(Action.UPHOLD)) == 1
    assert log_entries(Action.UNSUSPEND) == []


def test_an_appeal_without_an_appeal_cannot_be_answered(staff):
    suspension = suspend(staff["member"], staff["mod"])

    with pytest.raises(reviews.AlreadyHandled):
        members.answer_appeal(stored(Suspension, suspension.id), staff["mod"], True, "Yes")
    db.session.rollback()

    assert stored(User, staff["member"].id).is_suspended


def test_answering_an_appeal_needs_a_reason_and_the_right_to_suspend(staff):
    moderator = staff["mod"]
    suspension = suspend(moderator, staff["admin"])
    appeal(stored(User, moderator.id))

    for actor in (staff["mod2"], staff["member"], moderator):
        with pytest.raises(Forbidden):
            members.answer_appeal(stored(Suspension, suspension.id), actor, True, "Yes")
        db.session.rollback()
    with pytest.raises(log.ReasonMissing):
        members.answer_appeal(stored(Suspension, suspension.id), staff["admin"], True, " ")
    db.session.rollback()

    assert stored(User, moderator.id).is_suspended
    [review] = reviews_of(TargetType.SUSPENSION, suspension.id)
    assert review.is_open
    assert log_entries(Action.UNSUSPEND) == []

    members.answer_appeal(stored(Suspension, suspension.id), staff["admin2"], True, "Mistake")
    db.session.commit()
    assert not stored(User, moderator.id).is_suspended


# --- roles -----------------------------------------------------------------------------------


def test_an_admin_grants_a_role(staff):
    member, admin = staff["member"], staff["admin"]

    members.set_role(member, Role.MODERATOR, admin, "Helps every day")
    db.session.commit()

    assert stored(User, member.id).role is Role.MODERATOR
    [entry] = log_entries(Action.SET_ROLE)
    assert (entry.moderator_id, entry.target_type, entry.target_id, entry.subject_id) == (
        admin.id,
        TargetType.MEMBER,
        member.id,
        member.id,
    )
    assert (entry.reason, entry.detail) == ("Helps every day", "member → moderator")
    assert moderation_notices(member) == ["Your role is now moderator: Helps every day"]


@pytest.mark.parametrize("actor", ["mod", "member"])
def test_only_admins_grant_roles(staff, actor):
    member = staff["member2"] = make_user("max")

    with pytest.raises(Forbidden):
        members.set_role(member, Role.MODERATOR, staff[actor], "Promote")
    db.session.rollback()

    assert stored(User, member.id).role is Role.MEMBER
    assert log_entries() == []


def test_a_suspended_admin_grants_nothing(staff):
    admin = staff["admin"]
    admin.suspended_at = utcnow()
    db.session.commit()

    with pytest.raises(Forbidden):
        members.set_role(staff["member"], Role.MODERATOR, stored(User, admin.id), "Promote")
    db.session.rollback()

    assert stored(User, staff["member"].id).role is Role.MEMBER


def test_granting_the_role_a_member_has_is_refused(staff):
    with pytest.raises(members.MemberActionRefused, match="already is moderator"):
        members.set_role(staff["mod"], Role.MODERATOR, staff["admin"], "Again")
    db.session.rollback()

    assert log_entries() == []


def test_a_deleted_account_holds_no_role(staff):
    member = staff["member"]
    member.deleted_at = utcnow()
    db.session.commit()

    with pytest.raises(members.MemberActionRefused, match="can't hold a role"):
        members.set_role(member, Role.MODERATOR, staff["admin"], "Promote")
    db.session.rollback()

    assert stored(User, member.id).role is Role.MEMBER


def test_setting_a_role_needs_a_reason(staff):
    with pytest.raises(log.ReasonMissing):
        members.set_role(staff["member"], Role.MODERATOR, staff["admin"], "")
    db.session.rollback()

    assert stored(User, staff["member"].id).role is Role.MEMBER


def test_an_admin_demotes_another_admin_while_one_remains(staff):
    admin, other = staff["admin"], staff["admin2"]

    members.set_role(other, Role.MODERATOR, admin, "Stepping back")
    db.session.commit()

    assert stored(User, other.id).role is Role.MODERATOR
    assert log_entries(Action.SET_ROLE)[0].detail == "admin → moderator"


def test_an_admin_may_step_down_while_another_admin_remains(staff):
    admin = staff["admin"]

    members.set_role(admin, Role.MEMBER, admin, "Stepping down")
    db.session.commit()

    assert stored(User, admin.id).role is Role.MEMBER
    assert stored(User, staff["admin2"].id).role is Role.ADMIN
    # Nobody is told of their own action.
    assert moderation_notices(admin) == []


def test_the_last_admin_keeps_the_role(staff):
    admin, other = staff["admin"], staff["admin2"]
    members.set_role(other, Role.MEMBER, admin, "Left the team")
    db.session.commit()

    with pytest.raises(members.MemberActionRefused, match="always be an admin") as refusal:
        members.set_role(stored(User, admin.id), Role.MODERATOR, admin, "Stepping down")
    db.session.rollback()

    assert refusal.value.field == "role"
    assert stored(User, admin.id).role is Role.ADMIN
    assert len(log_entries(Action.SET_ROLE)) == 1


@pytest.mark.parametrize("gone", ["deleted", "no password", "suspended"])
def test_admins_who_cannot_act_do_not_count(staff, gone):
    admin, other = staff["admin"], staff["admin2"]
    if gone == "deleted":
        other.deleted_at = utcnow()
    elif gone == "no password":
        other.password_hash = None
    else:  # suspended before becoming admin, as the CLI can still do
        other.suspended_at = utcnow()
    db.session.commit()

    with pytest.raises(members.MemberActionRefused, match="always be an admin"):
        members.set_role(stored(User, admin.id), Role.MEMBER, admin, "Stepping down")
    db.session.rollback()

    assert stored(User, admin.id).role is Role.ADMIN


def test_a_suspended_member_is_not_made_admin(staff):
    member = staff["member"]
    suspend(member, staff["mod"], "Spam")

    with pytest.raises(members.MemberActionRefused, match="Lift the suspension first"):
        members.set_role(stored(User, member.id), Role.ADMIN, staff["admin"], "Trusted")
    db.session.rollback()

    assert stored(User, member.id).role is Role.MEMBER
    members.set_role(stored(User, member.id), Role.MODERATOR, staff["admin"], "Trusted")
    db.session.commit()
    assert stored(User, member.id).role is Role.MODERATOR


def test_moderators_are_listed_admins_first(staff):
    deleted = make_user("zed", role=Role.MODERATOR)
    deleted.deleted_at = utcnow()
    db.session.commit()

    assert [user.username for user in members.staff()] == ["ada", "alan", "mod", "moe"]
