"""Flags, moderator moves on content, dismissals, held posts, post edits, tag merges and
the event moves that reach the log: what each allows and refuses, as the database holds it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from community.accounts.models import Role
from community.db import Forbidden
from community.discussions import comment_services
from community.discussions import services as discussions
from community.discussions.comment_models import Comment
from community.discussions.models import Post, Tag, post_tags
from community.events import services as events
from community.events.models import Event, EventState, event_tags
from community.extensions import db
from community.moderation import holds, log, reviews, services, targets
from community.moderation.models import (
    FLAG_DETAILS_MAX,
    REASON_MAX,
    Action,
    Flag,
    FlagReason,
    Review,
    ReviewCause,
    TargetType,
)
from community.timeutil import utcnow
from tests.conftest import make_post, make_user
from tests.events_support import make_event, make_published_event
from tests.moderation_support import (
    add_comment,
    flag,
    log_entries,
    moderate,
    moderation_notices,
    reviews_of,
    stored,
    suspend,
)

QUEUE_NOTICE = "Members flagged a {}: it waits in the moderation queue."


@pytest.fixture
def cast(app):
    """An author with a post and a comment, three members, two moderators and an admin."""
    author = make_user("olga")
    commenter = make_user("carl")
    post = make_post(author, "How I moved into data", "It took a year.")
    comment = add_comment(post, commenter)
    return {
        "author": author,
        "commenter": commenter,
        "post": post,
        "comment": comment,
        "members": [make_user("mia"), make_user("max"), make_user("ming")],
        "mod": make_user("mod", role=Role.MODERATOR),
        "mod2": make_user("moe", role=Role.MODERATOR),
        "admin": make_user("ada", role=Role.ADMIN),
    }


def target(kind: TargetType, target_id: int) -> targets.Target:
    return targets.get(kind, target_id)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def comment_count(post_id: int) -> int:
    return stored(Post, post_id).comment_count


# --- flags -------------------------------------------------------------------------------


def test_a_flag_is_stored_and_opens_one_review_moderators_hear_of(cast):
    comment, mia = cast["comment"], cast["members"][0]

    review = flag(TargetType.COMMENT, comment.id, mia)

    [stored_flag] = db.session.scalars(select(Flag)).all()
    assert (stored_flag.target_type, stored_flag.target_id) == (TargetType.COMMENT, comment.id)
    assert (stored_flag.reporter_id, stored_flag.reason) == (mia.id, FlagReason.SPAM)
    assert stored_flag.details == "looks like spam"
    assert stored_flag.review_id == review.id
    [row] = reviews_of(TargetType.COMMENT, comment.id)
    assert row.cause is ReviewCause.FLAGS
    assert (row.subject_id, row.flag_count, row.closed_at) == (cast["commenter"].id, 1, None)
    for staff in ("mod", "mod2", "admin"):
        assert moderation_notices(cast[staff]) == [QUEUE_NOTICE.format("comment")]
    # Members, the flagger and the author hear nothing.
    for member in (mia, cast["commenter"], cast["author"]):
        assert moderation_notices(member) == []


def test_flags_from_several_members_share_one_review_and_one_notice(cast):
    post = cast["post"]

    flag(TargetType.POST, post.id, *cast["members"][:2])

    [review] = reviews_of(TargetType.POST, post.id)
    assert review.flag_count == 2 == count(Flag)
    assert {f.review_id for f in db.session.scalars(select(Flag))} == {review.id}
    for staff in ("mod", "mod2", "admin"):
        assert moderation_notices(cast[staff]) == [QUEUE_NOTICE.format("post")]


def test_a_member_flags_an_object_once(cast):
    comment, mia = cast["comment"], cast["members"][0]
    flag(TargetType.COMMENT, comment.id, mia)

    with pytest.raises(services.ModerationRefused, match="already flagged this comment"):
        services.flag(target(TargetType.COMMENT, comment.id), mia, FlagReason.HARASSMENT)
    db.session.rollback()

    assert count(Flag) == 1
    [review] = reviews_of(TargetType.COMMENT, comment.id)
    assert review.flag_count == 1


def test_the_same_member_may_flag_different_objects(cast):
    mia = cast["members"][0]
    flag(TargetType.POST, cast["post"].id, mia)
    flag(TargetType.COMMENT, cast["comment"].id, mia)

    assert count(Flag) == 2
    assert count(Review) == 2


@pytest.mark.parametrize(
    ("reason", "details", "message"),
    [
        (FlagReason.OTHER, "", "Say what is wrong"),
        (FlagReason.OTHER, "   ", "Say what is wrong"),
        (FlagReason.SPAM, "x" * (FLAG_DETAILS_MAX + 1), f"Up to {FLAG_DETAILS_MAX}"),
    ],
)
def test_a_flag_without_the_details_it_needs_is_refused(cast, reason, details, message):
    with pytest.raises(services.ModerationRefused, match=message) as refusal:
        services.flag(target(TargetType.POST, cast["post"].id), cast["members"][0], reason, details)
    db.session.rollback()

    assert refusal.value.field == "details"
    assert count(Flag) == count(Review) == 0


def test_other_with_details_is_accepted_and_details_are_trimmed(cast):
    services.flag(
        target(TargetType.POST, cast["post"].id),
        cast["members"][0],
        FlagReason.OTHER,
        "  sells a bootcamp  ",
    )
    db.session.commit()

    assert db.session.scalar(select(Flag.details)) == "sells a bootcamp"


def test_members_cannot_flag_their_own_contribution(cast):
    with pytest.raises(services.ModerationRefused, match="your own"):
        services.flag(target(TargetType.POST, cast["post"].id), cast["author"], FlagReason.SPAM)
    db.session.rollback()

    assert count(Flag) == count(Review) == 0
    assert moderation_notices(cast["mod"]) == []


def test_flagging_what_no_longer_exists_is_refused(cast):
    with pytest.raises(services.ModerationRefused, match="no longer exists"):
        services.flag(target(TargetType.COMMENT, 9999), cast["members"][0], FlagReason.SPAM)
    db.session.rollback()

    assert count(Flag) == count(Review) == 0


def test_the_flagged_moderator_is_not_told_about_flags_on_their_own_content(cast):
    mod = cast["mod"]
    own = make_post(mod, "Moderating tips", "Be kind.")

    flag(TargetType.POST, own.id, cast["members"][0])

    assert moderation_notices(mod) == []
    assert moderation_notices(cast["mod2"]) == [QUEUE_NOTICE.format("post")]


def test_suspended_moderators_are_not_told_of_new_flags(cast):
    suspend(cast["mod2"], cast["admin"])

    flag(TargetType.POST, cast["post"].id, cast["members"][0])

    assert moderation_notices(cast["mod"]) == [QUEUE_NOTICE.format("post")]
    assert QUEUE_NOTICE.format("post") not in moderation_notices(cast["mod2"])


def test_a_flag_after_the_review_closed_opens_a_new_one(cast):
    post, (mia, max_, _) = cast["post"], cast["members"]
    review = flag(TargetType.POST, post.id, mia)
    services.dismiss(
        review, target(TargetType.POST, post.id), cast["mod"], "Not spam: a real story"
    )
    db.session.commit()

    flag(TargetType.POST, post.id, max_)

    first, second = reviews_of(TargetType.POST, post.id)
    assert first.closed_at is not None and first.outcome == Action.DISMISS.value
    assert (second.closed_at, second.flag_count) == (None, 1)
    # A new queue item: moderators are told again, once.
    assert moderation_notices(cast["mod"]) == [QUEUE_NOTICE.format("post")] * 2


@pytest.mark.parametrize("kind", [TargetType.MEMBER, TargetType.EVENT])
def test_flags_on_members_and_events_open_a_review_of_their_kind(cast, kind):
    if kind is TargetType.MEMBER:
        subject = cast["author"]
        target_id = subject.id
    else:
        subject = cast["author"]
        target_id = make_published_event(subject, cast["mod"]).id

    flag(kind, target_id, *cast["members"])

    [review] = reviews_of(kind, target_id)
    assert (review.subject_id, review.flag_count) == (subject.id, 3)
    # Only posts and comments are hidden by the threshold.
    assert log_entries(Action.AUTO_HIDE) == []
    assert moderation_notices(cast["mod"]) == [QUEUE_NOTICE.format(kind.label)]


# --- the flag threshold ------------------------------------------------------------------


def test_a_comment_is_hidden_when_enough_members_flag_it(cast):
    comment, post = cast["comment"], cast["post"]
    assert current_app.config["FLAGS_TO_HIDE"] == 3
    assert comment_count(post.id) == 1

    flag(TargetType.COMMENT, comment.id, *cast["members"][:2])
    assert stored(Comment, comment.id).hidden_at is None
    assert log_entries(Action.AUTO_HIDE) == []

    flag(TargetType.COMMENT, comment.id, cast["members"][2])

    hidden = stored(Comment, comment.id)
    assert hidden.hidden_at is not None
    assert "3 members flagged it" in hidden.hidden_reason
    assert comment_count(post.id) == 0
    [entry] = log_entries(Action.AUTO_HIDE)
    assert entry.moderator_id is None
    assert (entry.target_type, entry.target_id) == (TargetType.COMMENT, comment.id)
    assert entry.subject_id == cast["commenter"].id
    assert entry.reason == hidden.hidden_reason
    # Hidden until reviewed: the item stays in the queue.
    [review] = reviews_of(TargetType.COMMENT, comment.id)
    assert review.is_open and review.flag_count == 3


def test_flags_past_the_threshold_hide_once(cast):
    comment, post = cast["comment"], cast["post"]
    flag(TargetType.COMMENT, comment.id, *cast["members"], make_user("finn"))

    assert len(log_entries(Action.AUTO_HIDE)) == 1
    assert comment_count(post.id) == 0
    [review] = reviews_of(TargetType.COMMENT, comment.id)
    assert review.flag_count == 4


def test_a_post_is_hidden_by_the_threshold_too(cast):
    post = cast["post"]

    flag(TargetType.POST, post.id, *cast["members"])

    assert stored(Post, post.id).hidden_at is not None
    [entry] = log_entries(Action.AUTO_HIDE, TargetType.POST, post.id)
    assert (entry.moderator_id, entry.subject_id) == (None, cast["author"].id)


def test_the_threshold_follows_the_setting(cast):
    comment = cast["comment"]
    current_app.config["FLAGS_TO_HIDE"] = 2

    flag(TargetType.COMMENT, comment.id, cast["members"][0])
    assert stored(Comment, comment.id).hidden_at is None
    flag(TargetType.COMMENT, comment.id, cast["members"][1])

    assert stored(Comment, comment.id).hidden_at is not None
    assert "2 members flagged it" in log_entries(Action.AUTO_HIDE)[0].reason


def test_a_comment_a_moderator_already_hid_is_not_hidden_again_by_flags(cast):
    comment, post = cast["comment"], cast["post"]
    moderate("hide", TargetType.COMMENT, comment.id, cast["mod"], "Spam link")

    flag(TargetType.COMMENT, comment.id, *cast["members"])

    assert log_entries(Action.AUTO_HIDE) == []
    assert stored(Comment, comment.id).hidden_reason == "Spam link"
    assert comment_count(post.id) == 0


def test_confirming_an_automatic_hide_closes_the_review_with_the_moderators_reason(cast):
    comment, post, mod = cast["comment"], cast["post"], cast["mod"]
    flag(TargetType.COMMENT, comment.id, *cast["members"])

    moderate("hide", TargetType.COMMENT, comment.id, mod, "Selling a course")

    hidden = stored(Comment, comment.id)
    assert hidden.hidden_reason == "Selling a course"
    assert comment_count(post.id) == 0
    [review] = reviews_of(TargetType.COMMENT, comment.id)
    assert (review.closed_by_id, review.outcome) == (mod.id, Action.HIDE.value)
    [entry] = log_entries(Action.HIDE)
    assert (entry.moderator_id, entry.reason) == (mod.id, "Selling a course")


# --- dismissing flags --------------------------------------------------------------------


def test_dismissing_flags_closes_the_review_and_restores_what_they_hid(cast):
    comment, post, mod = cast["comment"], cast["post"], cast["mod"]
    review = flag(TargetType.COMMENT, comment.id, *cast["members"])
    assert comment_count(post.id) == 0

    services.dismiss(review, target(TargetType.COMMENT, comment.id), mod, "A fair opinion")
    db.session.commit()

    restored = stored(Comment, comment.id)
    assert (restored.hidden_at, restored.hidden_reason) == (None, "")
    assert comment_count(post.id) == 1
    closed = stored(Review, review.id)
    assert closed.closed_at is not None
    assert (closed.closed_by_id, closed.outcome) == (mod.id, Action.DISMISS.value)
    [entry] = log_entries(Action.DISMISS)
    assert (entry.moderator_id, entry.target_type, entry.target_id) == (
        mod.id,
        TargetType.COMMENT,
        comment.id,
    )
    assert (entry.subject_id, entry.reason) == (cast["commenter"].id, "A fair opinion")
    assert entry.detail == "3 flags; restored"
    assert entry.created_at is not None


def test_dismissing_flags_leaves_a_moderators_hide_in_place(cast):
    comment, post, mod = cast["comment"], cast["post"], cast["mod"]
    moderate("hide", TargetType.COMMENT, comment.id, mod, "Doxxing")
    # A flag sent while the moderator was hiding it opens a review after the hide.
    review = flag(TargetType.COMMENT, comment.id, cast["members"][0])

    services.dismiss(review, target(TargetType.COMMENT, comment.id), cast["mod2"], "Old news")
    db.session.commit()

    assert stored(Comment, comment.id).hidden_reason == "Doxxing"
    assert comment_count(post.id) == 0
    assert log_entries(Action.DISMISS)[0].detail == "1 flag"


def test_dismissing_one_flag_says_so_and_restores_nothing(cast):
    post = cast["post"]
    review = flag(TargetType.POST, post.id, cast["members"][0])

    services.dismiss(review, target(TargetType.POST, post.id), cast["admin"], "Fine as is")
    db.session.commit()

    assert log_entries(Action.DISMISS)[0].detail == "1 flag"
    assert stored(Post, post.id).hidden_at is None


def test_dismissing_flags_on_a_member_closes_the_review(cast):
    author = cast["author"]
    review = flag(TargetType.MEMBER, author.id, cast["members"][0])

    services.dismiss(review, target(TargetType.MEMBER, author.id), cast["mod"], "Nothing wrong")
    db.session.commit()

    assert not stored(Review, review.id).is_open
    [entry] = log_entries(Action.DISMISS, TargetType.MEMBER, author.id)
    assert entry.detail == "1 flag"


def test_a_review_is_dismissed_once(cast):
    post, mod, mod2 = cast["post"], cast["mod"], cast["mod2"]
    review = flag(TargetType.POST, post.id, cast["members"][0])
    services.dismiss(review, target(TargetType.POST, post.id), mod, "Fine")
    db.session.commit()

    with pytest.raises(reviews.AlreadyHandled):
        services.dismiss(review, target(TargetType.POST, post.id), mod2, "Also fine")
    db.session.rollback()

    assert len(log_entries(Action.DISMISS)) == 1
    assert stored(Review, review.id).closed_by_id == mod.id


@pytest.mark.parametrize("reason", ["", "   ", "\n\t", None])
def test_dismissing_needs_a_reason(cast, reason):
    comment = cast["comment"]
    review = flag(TargetType.COMMENT, comment.id, *cast["members"])

    with pytest.raises(log.ReasonMissing):
        services.dismiss(review, target(TargetType.COMMENT, comment.id), cast["mod"], reason)
    db.session.rollback()

    assert stored(Review, review.id).is_open
    assert stored(Comment, comment.id).hidden_at is not None
    assert log_entries(Action.DISMISS) == []


def test_moderators_cannot_dismiss_flags_on_their_own_content(cast):
    mod = cast["mod"]
    own = make_post(mod, "Moderating tips", "Be kind.")
    review = flag(TargetType.POST, own.id, *cast["members"])

    with pytest.raises(Forbidden):
        services.dismiss(review, target(TargetType.POST, own.id), mod, "I disagree")
    db.session.rollback()

    assert stored(Review, review.id).is_open
    assert stored(Post, own.id).hidden_at is not None
    assert log_entries(Action.DISMISS) == []


@pytest.mark.parametrize("who", ["author", "members"])
def test_members_cannot_dismiss_flags(cast, who):
    post = cast["post"]
    review = flag(TargetType.POST, post.id, cast["commenter"])
    actor = cast[who] if who == "author" else cast["members"][0]

    with pytest.raises(Forbidden):
        services.dismiss(review, target(TargetType.POST, post.id), actor, "Nope")
    db.session.rollback()

    assert stored(Review, review.id).is_open


def test_a_suspended_moderator_cannot_dismiss_flags(cast):
    post = cast["post"]
    review = flag(TargetType.POST, post.id, cast["members"][0])
    suspend(cast["mod"], cast["admin"])

    with pytest.raises(Forbidden):
        services.dismiss(review, target(TargetType.POST, post.id), cast["mod"], "Fine")
    db.session.rollback()

    assert stored(Review, review.id).is_open


def test_only_flags_can_be_dismissed(cast):
    newcomer = make_user("nina")
    held = make_post(newcomer, "My portfolio", "See https://example.com/me")
    [review] = reviews_of(TargetType.POST, held.id)

    with pytest.raises(services.ModerationRefused, match="Only flags"):
        services.dismiss(review, target(TargetType.POST, held.id), cast["mod"], "Fine")
    db.session.rollback()

    assert stored(Review, review.id).is_open
    assert stored(Post, held.id).held_at is not None


# --- moves on posts and comments -----------------------------------------------------------


def put_in_state_for(name: str, comment: Comment) -> None:
    """Hide a comment before "restore", feature it before "unfeature"."""
    if name == "restore":
        assert comment_services.set_hidden(comment, "Spam")
    elif name == "unfeature":
        assert discussions.set_featured(comment, True)
    db.session.commit()


def prepare(name: str, cast) -> tuple[TargetType, int]:
    """An object the move ``name`` changes, in the state it changes."""
    post, comment = cast["post"], cast["comment"]
    if name in ("hide", "feature"):
        return TargetType.COMMENT, comment.id
    if name in ("restore", "unfeature"):
        put_in_state_for(name, comment)
        return TargetType.COMMENT, comment.id
    if name == "release":
        held = make_post(make_user("nina"), "My portfolio", "See https://example.com/me")
        return TargetType.POST, held.id
    if name in ("unlock", "unpin"):
        column = "is_locked" if name == "unlock" else "is_pinned"
        assert discussions.set_switch(post, column, True)
        db.session.commit()
    return TargetType.POST, post.id


#: Each move and the column that shows it happened (on the stored row).
MOVE_EFFECTS = {
    "hide": lambda row: row.hidden_at is not None,
    "restore": lambda row: row.hidden_at is None,
    "release": lambda row: row.held_at is None,
    "lock": lambda row: row.is_locked,
    "unlock": lambda row: not row.is_locked,
    "pin": lambda row: row.is_pinned,
    "unpin": lambda row: not row.is_pinned,
    "feature": lambda row: row.featured_at is not None,
    "unfeature": lambda row: row.featured_at is None,
}
MODELS = {TargetType.POST: Post, TargetType.COMMENT: Comment}


@pytest.mark.parametrize("name", list(services.MOVES))
def test_every_move_changes_its_object_and_is_logged_with_its_reason(cast, name):
    kind, target_id = prepare(name, cast)
    mod = cast["mod"]
    before = utcnow()

    message = moderate(name, kind, target_id, mod, f"  Reason   for {name} ")

    assert message == services.MOVES[name].done
    assert MOVE_EFFECTS[name](stored(MODELS[kind], target_id))
    [entry] = log_entries(services.MOVES[name].action)
    assert entry.moderator_id == mod.id
    assert (entry.target_type, entry.target_id) == (kind, target_id)
    assert entry.subject_id == stored(MODELS[kind], target_id).author_id
    assert entry.reason == f"Reason for {name}"
    assert entry.created_at >= before


@pytest.mark.parametrize("name", list(services.MOVES))
def test_a_move_already_made_is_refused_and_not_logged_again(cast, name):
    kind, target_id = prepare(name, cast)
    moderate(name, kind, target_id, cast["mod"])

    with pytest.raises(reviews.AlreadyHandled, match=services.MOVES[name].already):
        services.moderate(name, target(kind, target_id), cast["mod2"], "Again")
    db.session.rollback()

    assert len(log_entries(services.MOVES[name].action)) == 1


@pytest.mark.parametrize("name", list(services.MOVES))
@pytest.mark.parametrize("reason", ["", "  ", None, "x" * (REASON_MAX + 1)])
def test_every_move_needs_a_reason(cast, name, reason):
    kind, target_id = prepare(name, cast)
    before = stored(MODELS[kind], target_id)
    state = {column: getattr(before, column) for column in ("hidden_at", "featured_at")}

    with pytest.raises(log.ReasonMissing):
        services.moderate(name, target(kind, target_id), cast["mod"], reason)
    db.session.rollback()

    after = stored(MODELS[kind], target_id)
    assert {column: getattr(after, column) for column in state} == state
    assert not MOVE_EFFECTS[name](after)
    assert log_entries() == []


@pytest.mark.parametrize("name", list(services.MOVES))
def test_members_make_no_moves(cast, name):
    kind, target_id = prepare(name, cast)

    for member in (cast["members"][0], cast["author"], cast["commenter"]):
        with pytest.raises(Forbidden):
            services.moderate(name, target(kind, target_id), member, "Because")
        db.session.rollback()

    assert not MOVE_EFFECTS[name](stored(MODELS[kind], target_id))
    assert log_entries() == []


@pytest.mark.parametrize("name", ["hide", "restore", "feature", "unfeature"])
def test_moderators_cannot_hide_restore_or_feature_their_own_comment(cast, name):
    mod = cast["mod"]
    own = add_comment(cast["post"], mod, "My own take")
    put_in_state_for(name, own)

    with pytest.raises(Forbidden):
        services.moderate(name, target(TargetType.COMMENT, own.id), mod, "Mine")
    db.session.rollback()

    assert not MOVE_EFFECTS[name](stored(Comment, own.id))
    assert log_entries() == []
    # Another moderator may.
    moderate(name, TargetType.COMMENT, own.id, cast["mod2"])
    assert MOVE_EFFECTS[name](stored(Comment, own.id))


@pytest.mark.parametrize("name", ["lock", "pin"])
def test_moderators_may_lock_and_pin_their_own_post(cast, name):
    mod = cast["mod"]
    own = make_post(mod, "Welcome thread", "Say hello.")

    moderate(name, TargetType.POST, own.id, mod)

    assert MOVE_EFFECTS[name](stored(Post, own.id))
    assert log_entries(services.MOVES[name].action)[0].subject_id == mod.id


@pytest.mark.parametrize("name", ["lock", "unlock", "pin", "unpin", "release"])
def test_post_only_moves_are_refused_on_comments(cast, name):
    with pytest.raises(Forbidden):
        services.moderate(name, target(TargetType.COMMENT, cast["comment"].id), cast["mod"], "R")
    db.session.rollback()

    assert log_entries() == []


def test_a_suspended_moderator_makes_no_moves(cast):
    suspend(cast["mod"], cast["admin"])

    with pytest.raises(Forbidden):
        services.moderate("hide", target(TargetType.COMMENT, cast["comment"].id), cast["mod"], "R")
    db.session.rollback()

    assert stored(Comment, cast["comment"].id).hidden_at is None


def test_moves_offered_fit_the_user_and_the_state(cast):
    mod, post, comment = cast["mod"], cast["post"], cast["comment"]

    assert services.moves_offered(cast["members"][0], target(TargetType.POST, post.id)) == []
    assert services.moves_offered(mod, target(TargetType.POST, post.id)) == [
        "hide",
        "lock",
        "pin",
        "feature",
    ]
    assert services.moves_offered(mod, target(TargetType.COMMENT, comment.id)) == [
        "hide",
        "feature",
    ]
    own = make_post(mod, "Welcome thread", "Say hello.")
    assert services.moves_offered(mod, target(TargetType.POST, own.id)) == ["lock", "pin"]
    moderate("hide", TargetType.COMMENT, comment.id, cast["mod2"])
    assert services.moves_offered(mod, target(TargetType.COMMENT, comment.id)) == ["restore"]


def test_hiding_and_restoring_a_comment_keeps_the_count_and_tells_its_author(cast):
    post, comment, commenter, mod = cast["post"], cast["comment"], cast["commenter"], cast["mod"]
    add_comment(post, cast["members"][0], "Another one")
    assert comment_count(post.id) == 2

    moderate("hide", TargetType.COMMENT, comment.id, mod, "Personal attack")
    assert comment_count(post.id) == 1
    assert stored(Comment, comment.id).hidden_reason == "Personal attack"

    moderate("restore", TargetType.COMMENT, comment.id, mod, "Misread it")
    assert comment_count(post.id) == 2
    assert stored(Comment, comment.id).hidden_reason == ""

    assert moderation_notices(commenter) == [
        "A moderator removed your comment: Personal attack",
        "A moderator restored your comment.",
    ]


def test_hiding_a_deleted_comment_leaves_the_count_alone(cast):
    post, comment = cast["post"], cast["comment"]
    comment_services.delete_comment(comment)
    db.session.commit()
    assert comment_count(post.id) == 0

    moderate("hide", TargetType.COMMENT, comment.id, cast["mod"])
    assert comment_count(post.id) == 0
    moderate("restore", TargetType.COMMENT, comment.id, cast["mod"])
    assert comment_count(post.id) == 0


def test_hiding_settles_the_flags_but_locking_does_not(cast):
    post, mod = cast["post"], cast["mod"]
    review = flag(TargetType.POST, post.id, cast["members"][0])

    moderate("lock", TargetType.POST, post.id, mod)
    assert stored(Review, review.id).is_open

    moderate("hide", TargetType.POST, post.id, mod, "Off topic rant")
    closed = stored(Review, review.id)
    assert (closed.closed_by_id, closed.outcome) == (mod.id, Action.HIDE.value)
    assert moderation_notices(cast["author"]) == ["A moderator removed your post: Off topic rant"]


def test_hiding_a_post_settles_its_flag_and_hold_reviews(cast):
    newcomer = make_user("nina")
    held = make_post(newcomer, "My portfolio", "See https://example.com/me")
    flag(TargetType.POST, held.id, cast["members"][0])

    moderate("hide", TargetType.POST, held.id, cast["mod"], "Link spam")

    assert [r.outcome for r in reviews_of(TargetType.POST, held.id)] == ["hide", "hide"]
    assert reviews.open_count() == 0


def test_moves_on_other_content_leave_their_flags_alone(cast):
    post, comment = cast["post"], cast["comment"]
    review = flag(TargetType.COMMENT, comment.id, cast["members"][0])

    moderate("hide", TargetType.POST, post.id, cast["mod"])

    assert stored(Review, review.id).is_open


@pytest.mark.parametrize("state", ["hidden comment", "deleted comment", "held post"])
def test_only_visible_content_can_be_featured(cast, state):
    if state == "held post":
        kind, target_id = TargetType.POST, make_post(make_user("nina"), "Mine", "https://x.io").id
        model = Post
    else:
        kind, target_id, model = TargetType.COMMENT, cast["comment"].id, Comment
        if state == "hidden comment":
            moderate("hide", kind, target_id, cast["mod"])
        else:
            comment_services.delete_comment(cast["comment"])
            db.session.commit()
    logged = len(log_entries())

    with pytest.raises(services.ModerationRefused, match="Only visible content"):
        services.moderate("feature", target(kind, target_id), cast["mod2"], "Nice")
    db.session.rollback()

    assert stored(model, target_id).featured_at is None
    assert len(log_entries()) == logged
    assert "feature" not in services.moves_offered(cast["mod2"], target(kind, target_id))


# --- new members' posts with links ---------------------------------------------------------


def test_a_new_members_post_with_a_link_is_held_for_review(cast):
    newcomer = make_user("nina")

    held = make_post(newcomer, "My portfolio", "See [my site](https://example.com/me)")

    assert stored(Post, held.id).held_at is not None
    [review] = reviews_of(TargetType.POST, held.id)
    assert (review.cause, review.subject_id, review.is_open) == (
        ReviewCause.HELD,
        newcomer.id,
        True,
    )
    for staff in ("mod", "mod2", "admin"):
        assert moderation_notices(cast[staff]) == [reviews.NOTICES[ReviewCause.HELD]]


@pytest.mark.parametrize("who", ["without link", "older member", "moderator", "admin"])
def test_other_posts_are_not_held(cast, who):
    author, body = make_user("nina"), "See https://example.com/me"
    if who == "without link":
        body = "No links, just words. Thanks @mia"
    elif who == "older member":
        days = current_app.config["NEW_MEMBER_HOLD_DAYS"]
        author.created_at = utcnow() - timedelta(days=days, minutes=1)
        db.session.commit()
    else:
        author = cast["mod"] if who == "moderator" else cast["admin"]

    post = make_post(author, "Something", body)

    assert stored(Post, post.id).held_at is None
    assert reviews_of(TargetType.POST, post.id) == []


def test_the_hold_can_be_turned_off(app):
    current_app.config["NEW_MEMBER_HOLD_DAYS"] = 0
    newcomer = make_user("nina")
    post = make_post(newcomer, "My portfolio", "See https://example.com/me")

    assert not holds.is_new_member(newcomer)
    assert stored(Post, post.id).held_at is None
    assert count(Review) == 0


def test_editing_a_link_into_a_new_members_post_holds_it(cast):
    newcomer = make_user("nina")
    post = make_post(newcomer, "My story", "No links yet.")
    assert stored(Post, post.id).held_at is None

    discussions.edit_post(post, "My story", "Now with https://example.com/course")
    db.session.commit()

    assert stored(Post, post.id).held_at is not None
    [review] = reviews_of(TargetType.POST, post.id)
    assert review.cause is ReviewCause.HELD


def test_a_moderator_lets_a_held_post_through(cast):
    newcomer, mod = make_user("nina"), cast["mod"]
    held = make_post(newcomer, "My portfolio", "See https://example.com/me")

    moderate("release", TargetType.POST, held.id, mod, "A real portfolio")

    assert stored(Post, held.id).held_at is None
    [review] = reviews_of(TargetType.POST, held.id)
    assert (review.closed_by_id, review.outcome) == (mod.id, Action.RELEASE.value)
    [entry] = log_entries(Action.RELEASE)
    assert (entry.target_id, entry.subject_id, entry.reason) == (
        held.id,
        newcomer.id,
        "A real portfolio",
    )
    assert moderation_notices(newcomer) == ["Your post was reviewed and is now listed."]
    with pytest.raises(reviews.AlreadyHandled):
        services.moderate("release", target(TargetType.POST, held.id), cast["mod2"], "Again")
    db.session.rollback()


# --- editing a post's title and tags -------------------------------------------------------


def test_a_moderator_edits_a_posts_title_and_tags(cast):
    mod, author = cast["mod"], cast["author"]
    post = make_post(author, "Data!!!", "It took a year.")
    post.tags = discussions.tags_named(["ml"])
    db.session.commit()

    changed = services.edit_post(post, mod, "How I moved into data", ["ai", "career"], "Clearer")
    db.session.commit()

    assert changed
    edited = stored(Post, post.id)
    assert edited.title == "How I moved into data"
    assert sorted(tag.name for tag in edited.tags) == ["ai", "career"]
    assert edited.body_md == "It took a year."
    [entry] = log_entries(Action.EDIT_POST)
    assert (entry.moderator_id, entry.target_id, entry.subject_id) == (mod.id, post.id, author.id)
    assert entry.detail == "title was “Data!!!”; tags were #ml"
    assert moderation_notices(author) == [
        "A moderator edited the title or tags of your post: Clearer"
    ]


def test_an_edit_that_changes_nothing_is_not_logged(cast):
    post = cast["post"]

    assert not services.edit_post(post, cast["mod"], post.title, [], "Nothing")
    db.session.commit()

    assert log_entries() == []
    assert moderation_notices(cast["author"]) == []


def test_editing_a_post_needs_a_moderator_and_a_reason(cast):
    post = cast["post"]

    with pytest.raises(Forbidden):
        services.edit_post(post, cast["members"][0], "Hijacked", [], "Because")
    db.session.rollback()
    with pytest.raises(log.ReasonMissing):
        services.edit_post(post, cast["mod"], "Better title", [], " ")
    db.session.rollback()

    assert stored(Post, post.id).title == "How I moved into data"
    assert log_entries() == []


# --- merging tags ----------------------------------------------------------------------------


def tag_names_of_post(post_id: int) -> list[str]:
    return sorted(tag.name for tag in stored(Post, post_id).tags)


def test_merging_tags_moves_posts_and_events_without_duplicates(cast):
    author, mod = cast["author"], cast["mod"]
    only_source = make_post(author, "Learning ML", "Courses.")
    both = make_post(author, "ML or AI?", "Names.")
    only_target = make_post(author, "AI jobs", "Where.")
    only_source.tags = discussions.tags_named(["ml", "career"])
    both.tags = discussions.tags_named(["ml", "ai"])
    only_target.tags = discussions.tags_named(["ai"])
    event_source = make_published_event(author, mod, tags=["ml"])
    event_both = make_published_event(author, mod, title="AI meetup", tags=["ml", "ai"])
    db.session.commit()
    source_id = db.session.scalar(select(Tag.id).where(Tag.name == "ml"))

    kept = services.merge_tags("ML", "ai", mod, "Same topic")
    db.session.commit()

    assert kept.name == "ai"
    assert db.session.scalar(select(Tag).where(Tag.name == "ml")) is None
    assert tag_names_of_post(only_source.id) == ["ai", "career"]
    assert tag_names_of_post(both.id) == ["ai"]
    assert tag_names_of_post(only_target.id) == ["ai"]
    for event_id in (event_source.id, event_both.id):
        assert [tag.name for tag in stored(Event, event_id).tags] == ["ai"]
    for table in (post_tags, event_tags):
        assert (
            db.session.scalar(
                select(func.count()).select_from(table).where(table.c.tag_id == source_id)
            )
            == 0
        )
    [entry] = log_entries(Action.MERGE_TAG)
    assert (entry.moderator_id, entry.target_type, entry.target_id) == (
        mod.id,
        TargetType.TAG,
        kept.id,
    )
    assert (entry.detail, entry.reason, entry.subject_id) == ("#ml → #ai", "Same topic", None)


@pytest.mark.parametrize(
    ("source", "target_name", "field", "message"),
    [
        ("ml", "ml", "target", "two different"),
        ("nope", "ml", "source", "no such tag"),
        ("ml", "nope", "target", "no such tag"),
        ("", "ml", "source", "no such tag"),
    ],
)
def test_merging_tags_refuses_what_cannot_be_merged(cast, source, target_name, field, message):
    post = cast["post"]
    post.tags = discussions.tags_named(["ml"])
    db.session.commit()

    with pytest.raises(services.ModerationRefused, match=message) as refusal:
        services.merge_tags(source, target_name, cast["mod"], "Tidy")
    db.session.rollback()

    assert refusal.value.field == field
    assert tag_names_of_post(post.id) == ["ml"]
    assert log_entries() == []


def test_merging_tags_needs_a_moderator_and_a_reason(cast):
    post = cast["post"]
    post.tags = discussions.tags_named(["ml", "ai"])
    db.session.commit()

    with pytest.raises(Forbidden):
        services.merge_tags("ml", "ai", cast["members"][0], "Tidy")
    db.session.rollback()
    with pytest.raises(log.ReasonMissing):
        services.merge_tags("ml", "ai", cast["mod"], "")
    db.session.rollback()

    assert tag_names_of_post(post.id) == ["ai", "ml"]
    assert log_entries() == []


# --- events' moderator moves in the log ------------------------------------------------------


def test_approving_an_event_is_logged(cast):
    organiser, mod = cast["author"], cast["mod"]
    event = make_event(organiser)

    events.approve_event(event, mod, "Fits the guidelines")
    db.session.commit()

    [entry] = log_entries(Action.APPROVE_EVENT)
    assert (entry.moderator_id, entry.target_type, entry.target_id) == (
        mod.id,
        TargetType.EVENT,
        event.id,
    )
    assert (entry.subject_id, entry.reason) == (organiser.id, "Fits the guidelines")


def test_rejecting_an_event_is_logged_with_the_reason_its_organiser_sees(cast):
    organiser, mod = cast["author"], cast["mod"]
    event = make_event(organiser)

    events.reject_event(event, mod, "  A paid course in disguise ")
    db.session.commit()

    assert stored(Event, event.id).state is EventState.REJECTED
    [entry] = log_entries(Action.REJECT_EVENT)
    assert (entry.moderator_id, entry.target_id, entry.subject_id) == (
        mod.id,
        event.id,
        organiser.id,
    )
    assert entry.reason == "A paid course in disguise"


def test_a_refused_event_move_is_not_logged(cast):
    event = make_event(cast["author"])

    with pytest.raises(events.EventRefused):
        events.reject_event(event, cast["mod"], "  ")
    db.session.rollback()

    assert stored(Event, event.id).state is EventState.PENDING
    assert log_entries() == []


def test_a_moderator_cancelling_a_flagged_event_logs_it_and_settles_the_flags(cast):
    organiser, mod = cast["author"], cast["mod"]
    event = make_published_event(organiser, cast["mod2"])
    review = flag(TargetType.EVENT, event.id, cast["members"][0])

    events.cancel_event(event, mod, "It is a scam")
    db.session.commit()

    [entry] = log_entries(Action.CANCEL_EVENT)
    assert (entry.moderator_id, entry.target_id, entry.reason) == (mod.id, event.id, "It is a scam")
    closed = stored(Review, review.id)
    assert (closed.closed_by_id, closed.outcome) == (mod.id, Action.CANCEL_EVENT.value)


def test_an_organiser_cancelling_their_own_event_is_not_a_moderator_action(cast):
    organiser = cast["author"]
    event = make_published_event(organiser, cast["mod"])
    log_before = len(log_entries())

    events.cancel_event(event, organiser, "")
    db.session.commit()

    assert stored(Event, event.id).state is EventState.CANCELLED
    assert log_entries(Action.CANCEL_EVENT) == []
    assert len(log_entries()) == log_before


# --- the log itself --------------------------------------------------------------------------


def test_the_logged_reason_is_trimmed_and_bounded():
    assert log.required_reason("  Spam \n  link ") == "Spam link"
    assert log.required_reason("x" * REASON_MAX) == "x" * REASON_MAX
    for missing in ("", "  ", None):
        with pytest.raises(log.ReasonMissing) as refusal:
            log.required_reason(missing)
        assert refusal.value.field == "reason"
    with pytest.raises(log.ReasonMissing, match=f"under {REASON_MAX}"):
        log.required_reason("x" * (REASON_MAX + 1))


def test_queue_counts_open_items_only(cast):
    post, comment = cast["post"], cast["comment"]
    flag(TargetType.POST, post.id, cast["members"][0])
    flag(TargetType.COMMENT, comment.id, cast["members"][0])
    assert reviews.open_count() == 2

    moderate("hide", TargetType.POST, post.id, cast["mod"])

    assert reviews.open_count() == 1
