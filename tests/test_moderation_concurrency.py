"""Moderators and members acting on one object at the same moment: each change happens once.

Each thread has its own app context, hence its own session and database connection, as
separate web workers would; a barrier releases them together so their statements overlap.
Closing a review and hiding content are conditional UPDATEs, so of two moderators one
acts and the other is told it was done; flags share one review through a partial unique
index; the admins are locked while counted, so two cannot demote each other.

They run on PostgreSQL, where the losers wait on row locks and then find the change made,
and on SQLite too, where the first write takes the database's write lock and the others
queue behind it: the rules must hold on both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.db import Refused
from community.discussions.comment_models import Comment
from community.discussions.models import Post
from community.extensions import db
from community.moderation import members, services, targets
from community.moderation.models import (
    Action,
    Flag,
    FlagReason,
    Review,
    Suspension,
    TargetType,
)
from tests.conftest import make_post, make_user
from tests.moderation_support import (
    add_comment,
    flag,
    log_entries,
    moderation_notices,
    reviews_of,
    stored,
    suspend,
)

DONE = "done"
#: What a racer does: load its objects (before the start), then return the move to make.
Racer = Callable[[], Callable[[], object]]


def race(app, racers: list[Racer]) -> list[str]:
    """Run every racer in its own thread and app context, all released at once.

    Each racer's outcome, by position: ``DONE`` when its move was committed, else the
    refusal's class and message (a refusal rolls its unit of work back, as a view does).
    """
    barrier = threading.Barrier(len(racers))
    outcomes: list[str | None] = [None] * len(racers)

    def run(position: int, racer: Racer) -> None:
        with app.app_context():
            try:
                move = racer()
                barrier.wait(timeout=10)
                try:
                    move()
                    db.session.commit()
                    outcomes[position] = DONE
                except Refused as refusal:
                    db.session.rollback()
                    outcomes[position] = f"{type(refusal).__name__}: {refusal}"
            except Exception as error:  # reported, so a failure says what went wrong
                barrier.abort()
                outcomes[position] = f"error: {type(error).__name__}: {error}"
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=run, args=(position, racer))
        for position, racer in enumerate(racers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert None not in outcomes, "a thread did not finish"
    return outcomes


def one_done(outcomes: list[str], refusal: str) -> None:
    """Exactly one racer went through; every other was refused with ``refusal``."""
    assert outcomes.count(DONE) == 1, outcomes
    others = [outcome for outcome in outcomes if outcome != DONE]
    assert all(outcome.startswith(refusal) for outcome in others), outcomes


def as_user(user_id: int) -> User:
    return db.session.get(User, user_id)


@pytest.fixture
def thread(app):
    """A post with one comment, three members, two moderators and an admin (by id)."""
    author = make_user("olga")
    commenter = make_user("carl")
    post = make_post(author, "How I moved into data", "It took a year.")
    comment = add_comment(post, commenter)
    ids = {
        "post": post.id,
        "comment": comment.id,
        "commenter": commenter.id,
        "members": [make_user().id for _ in range(3)],
        "mods": [
            make_user("mod", role=Role.MODERATOR).id,
            make_user("moe", role=Role.MODERATOR).id,
        ],
        "admin": make_user("ada", role=Role.ADMIN).id,
    }
    return ids


def test_two_moderators_dismissing_one_review_close_it_once(app, thread):
    comment_id, post_id = thread["comment"], thread["post"]
    flaggers = [as_user(user_id) for user_id in thread["members"]]
    review_id = flag(TargetType.COMMENT, comment_id, *flaggers).id
    assert stored(Comment, comment_id).hidden_at is not None
    assert stored(Post, post_id).comment_count == 0
    db.session.remove()

    def dismisser(moderator_id: int) -> Racer:
        def load():
            review = db.session.get(Review, review_id)
            target = targets.get(TargetType.COMMENT, comment_id)
            moderator = as_user(moderator_id)
            return lambda: services.dismiss(review, target, moderator, "A fair opinion")

        return load

    outcomes = race(app, [dismisser(moderator_id) for moderator_id in thread["mods"]])

    one_done(outcomes, "AlreadyHandled")
    winner = thread["mods"][outcomes.index(DONE)]
    review = stored(Review, review_id)
    assert (review.closed_by_id, review.outcome) == (winner, Action.DISMISS.value)
    [entry] = log_entries(Action.DISMISS)
    assert (entry.moderator_id, entry.target_id, entry.detail) == (
        winner,
        comment_id,
        "3 flags; restored",
    )
    assert stored(Comment, comment_id).hidden_at is None
    assert stored(Post, post_id).comment_count == 1


def test_two_moderators_hiding_one_comment_hide_it_once(app, thread):
    comment_id, post_id = thread["comment"], thread["post"]
    review_id = flag(TargetType.COMMENT, comment_id, as_user(thread["members"][0])).id
    assert stored(Post, post_id).comment_count == 1
    db.session.remove()

    def hider(moderator_id: int) -> Racer:
        def load():
            target = targets.get(TargetType.COMMENT, comment_id)
            moderator = as_user(moderator_id)
            return lambda: services.moderate("hide", target, moderator, "Personal attack")

        return load

    outcomes = race(app, [hider(moderator_id) for moderator_id in thread["mods"]])

    one_done(outcomes, "AlreadyHandled: It is already hidden.")
    winner = thread["mods"][outcomes.index(DONE)]
    comment = stored(Comment, comment_id)
    assert comment.hidden_at is not None and comment.hidden_reason == "Personal attack"
    assert stored(Post, post_id).comment_count == 0
    [entry] = log_entries(Action.HIDE)
    assert (entry.moderator_id, entry.target_id) == (winner, comment_id)
    review = stored(Review, review_id)
    assert (review.closed_by_id, review.outcome) == (winner, Action.HIDE.value)
    commenter = as_user(thread["commenter"])
    assert moderation_notices(commenter) == ["A moderator removed your comment: Personal attack"]


FLAGGERS = 8


def test_many_members_flagging_one_comment_at_once_share_one_review(app, thread):
    comment_id, post_id = thread["comment"], thread["post"]
    flaggers = [make_user().id for _ in range(FLAGGERS)]
    staff = [*thread["mods"], thread["admin"]]
    db.session.remove()

    def flagger(member_id: int) -> Racer:
        def load():
            target = targets.get(TargetType.COMMENT, comment_id)
            member = as_user(member_id)
            return lambda: services.flag(target, member, FlagReason.SPAM, "Spam link")

        return load

    outcomes = race(app, [flagger(member_id) for member_id in flaggers])

    assert outcomes == [DONE] * FLAGGERS
    [review] = reviews_of(TargetType.COMMENT, comment_id)
    assert review.is_open
    assert review.flag_count == FLAGGERS
    stored_flags = db.session.scalars(select(Flag)).all()
    assert sorted(f.reporter_id for f in stored_flags) == sorted(flaggers)
    assert {f.review_id for f in stored_flags} == {review.id}
    for moderator_id in staff:
        assert moderation_notices(as_user(moderator_id)) == [
            "Members flagged a comment: it waits in the moderation queue."
        ]
    # Past the threshold several flaggers try to hide it; it is hidden, and counted, once.
    assert len(log_entries(Action.AUTO_HIDE)) == 1
    assert stored(Comment, comment_id).hidden_at is not None
    assert stored(Post, post_id).comment_count == 0


def test_one_member_flagging_twice_at_once_is_counted_once(app, thread):
    comment_id, member_id = thread["comment"], thread["members"][0]
    db.session.remove()

    def flagger() -> Callable[[], object]:
        target = targets.get(TargetType.COMMENT, comment_id)
        member = as_user(member_id)
        return lambda: services.flag(target, member, FlagReason.SPAM, "Spam link")

    outcomes = race(app, [flagger, flagger])

    one_done(outcomes, "ModerationRefused: You have already flagged this comment.")
    [review] = reviews_of(TargetType.COMMENT, comment_id)
    assert review.flag_count == 1
    assert db.session.scalar(select(func.count(Flag.id))) == 1


def test_the_only_two_admins_demoting_each_other_leave_one_admin(app):
    first, second = make_user("ada", role=Role.ADMIN).id, make_user("alan", role=Role.ADMIN).id
    db.session.remove()

    def demote(member_id: int, admin_id: int) -> Racer:
        def load():
            member, admin = as_user(member_id), as_user(admin_id)
            return lambda: members.set_role(member, Role.MEMBER, admin, "Stepping back")

        return load

    outcomes = race(app, [demote(second, first), demote(first, second)])

    one_done(outcomes, "MemberActionRefused: There must always be an admin")
    db.session.expire_all()
    admins = db.session.scalars(select(User.id).where(User.role == Role.ADMIN)).all()
    assert len(admins) == 1
    [entry] = log_entries(Action.SET_ROLE)
    assert entry.detail == "admin → member"
    assert entry.moderator_id == admins[0]


def test_two_moderators_suspending_one_member_at_once_suspend_once(app, thread):
    member_id = thread["members"][0]
    db.session.remove()

    def suspender(moderator_id: int) -> Racer:
        def load():
            member, moderator = as_user(member_id), as_user(moderator_id)
            return lambda: members.suspend(member, moderator, "Repeated spam")

        return load

    outcomes = race(app, [suspender(moderator_id) for moderator_id in thread["mods"]])

    one_done(outcomes, "AlreadyHandled")
    assert len(log_entries(Action.SUSPEND)) == 1
    assert stored(User, member_id).is_suspended
    assert moderation_notices(as_user(member_id)) == ["Your account is suspended: Repeated spam"]


def test_two_moderators_answering_one_appeal_answer_it_once(app, thread):
    member_id, admin_id = thread["members"][0], thread["admin"]
    suspension_id = suspend(as_user(member_id), as_user(admin_id)).id
    members.appeal(as_user(member_id), "It was my own blog.")
    db.session.commit()
    db.session.remove()

    def answer(moderator_id: int, lift: bool) -> Racer:
        def load():
            suspension = db.session.get(Suspension, suspension_id)
            moderator = as_user(moderator_id)
            return lambda: members.answer_appeal(suspension, moderator, lift, "Considered")

        return load

    mod, mod2 = thread["mods"]
    outcomes = race(app, [answer(mod, True), answer(mod2, False)])

    one_done(outcomes, "AlreadyHandled")
    lifted = outcomes[0] == DONE
    entries = log_entries(Action.UNSUSPEND) + log_entries(Action.UPHOLD)
    assert len(entries) == 1
    assert entries[0].action is (Action.UNSUSPEND if lifted else Action.UPHOLD)
    assert stored(User, member_id).is_suspended is not lifted
    [review] = reviews_of(TargetType.SUSPENSION, suspension_id)
    assert review.outcome == entries[0].action.value
