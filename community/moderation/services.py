"""Flags and moderator actions on content: hide, restore, lock, pin, feature, let through,
dismiss, edit a post's title and tags, merge tags.

Every action needs a reason, goes in the public log, and closes what waited in the queue
about its object. State changes are conditional UPDATEs (``db.change_once``): when two
moderators act on one object at once, one action happens and the other is told so.
Services flush, never commit; the view's unit of work commits once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, insert, select

from community import permissions
from community.accounts.models import User
from community.db import Forbidden, Refused, insert_once
from community.discussions import comment_services
from community.discussions import services as discussions
from community.discussions.models import Post, Tag, normalise_tag, post_tags
from community.events.models import event_tags
from community.extensions import db
from community.moderation import log, reviews
from community.moderation.models import (
    FLAG_DETAILS_MAX,
    HIDEABLE,
    Action,
    Flag,
    FlagReason,
    LogEntry,
    Review,
    ReviewCause,
    TargetType,
)
from community.moderation.targets import Target
from community.notifications.services import notify


class ModerationRefused(Refused):
    """The action can't be taken as asked; the message says why."""


def flag(target: Target, reporter: User, reason: FlagReason, details: str = "") -> Review:
    """Ask moderators to look at ``target``: one flag per member and object.

    Flags on one object share one queue item, and moderators hear once per item. When
    ``FLAGS_TO_HIDE`` members have flagged a post or comment, it is hidden until a
    moderator reviews it.
    """
    if target.obj is None:
        raise ModerationRefused("That no longer exists.", "reason")
    if target.subject_id == reporter.id:
        raise ModerationRefused("You can't flag your own contribution.", "reason")
    if not permissions.can_write(reporter):
        # What may be flagged is the view's to check (it shows the page); a flag sent as a
        # moderator hid the object still counts.
        raise Forbidden("Suspended members can't flag.")
    details = (details or "").strip()
    if reason is FlagReason.OTHER and not details:
        raise ModerationRefused(
            "Say what is wrong, so moderators know what to look for.", "details"
        )
    if len(details) > FLAG_DETAILS_MAX:
        raise ModerationRefused(f"Up to {FLAG_DETAILS_MAX} characters.", "details")
    review, _ = reviews.open_review(target.type, target.id, ReviewCause.FLAGS, target.subject_id)
    added = insert_once(
        Flag,
        target_type=target.type,
        target_id=target.id,
        reporter_id=reporter.id,
        reason=reason,
        details=details,
        review_id=review.id,
    )
    if not added:
        raise ModerationRefused(f"You have already flagged this {target.type.label}.", "reason")
    count = reviews.add_flag_to(review)
    if target.type in HIDEABLE and count >= current_app.config["FLAGS_TO_HIDE"]:
        _hide_automatically(target, count)
    return review


def _hide_automatically(target: Target, count: int) -> None:
    reason = f"Hidden until a moderator reviews it: {count} members flagged it."
    if HIDERS[target.type](target.obj, reason):
        log.record(None, Action.AUTO_HIDE, target.type, target.id, reason, target.subject_id)


#: Hide (a reason) or restore (None) one kind of content; False when already so.
HIDERS: dict[TargetType, Callable] = {
    TargetType.POST: discussions.set_hidden,
    TargetType.COMMENT: comment_services.set_hidden,
}


@dataclass(frozen=True)
class Move:
    """One moderator action on content: what it applies to and what it does."""

    action: Action
    kinds: tuple[TargetType, ...]
    #: (object, reason) -> whether it changed anything.
    apply: Callable
    #: Said when the object already is as asked.
    already: str
    #: Said on success.
    done: str
    #: Whether the action settles what waited in the queue about the object.
    settles: bool = False
    #: Whether the moderator's own content is out of bounds.
    not_own: bool = True
    #: Whether the object's state is one the move changes (what the page offers).
    fits: Callable = lambda item: True
    #: Why the move can't be made on this object, whatever its state says (or None).
    refuses: Callable = lambda item: None


def _hide(item, reason: str) -> bool:
    return HIDERS[_kind_of(item)](item, reason)


def _restore(item, reason: str) -> bool:
    return HIDERS[_kind_of(item)](item, None)


def _kind_of(item) -> TargetType:
    return TargetType.POST if isinstance(item, Post) else TargetType.COMMENT


def _featurable(item) -> bool:
    """Only what everyone can read is featured (not hidden, held or deleted)."""
    return item.hidden_at is None and all(
        getattr(item, column, None) is None for column in ("held_at", "deleted_at")
    )


def _switch(column: str, on: bool) -> Callable:
    return lambda post, reason: discussions.set_switch(post, column, on)


MOVES = {
    "hide": Move(
        Action.HIDE,
        HIDEABLE,
        _hide,
        "It is already hidden.",
        "Hidden. Members now see it as removed by a moderator; its author sees why.",
        settles=True,
        fits=lambda item: item.hidden_at is None,
    ),
    "restore": Move(
        Action.RESTORE,
        HIDEABLE,
        _restore,
        "It is not hidden.",
        "Restored: everyone sees it again.",
        settles=True,
        fits=lambda item: item.hidden_at is not None,
    ),
    "release": Move(
        Action.RELEASE,
        (TargetType.POST,),
        lambda post, reason: discussions.release(post),
        "It is not held for review.",
        "Let through: the post is listed now.",
        settles=True,
        fits=lambda post: post.held_at is not None,
    ),
    "lock": Move(
        Action.LOCK,
        (TargetType.POST,),
        _switch("is_locked", True),
        "It is already locked.",
        "Locked: it takes no new comments.",
        not_own=False,
        fits=lambda post: not post.is_locked,
    ),
    "unlock": Move(
        Action.UNLOCK,
        (TargetType.POST,),
        _switch("is_locked", False),
        "It is not locked.",
        "Unlocked: members can comment again.",
        not_own=False,
        fits=lambda post: post.is_locked,
    ),
    "pin": Move(
        Action.PIN,
        (TargetType.POST,),
        _switch("is_pinned", True),
        "It is already pinned.",
        "Pinned to the top of the discussions.",
        not_own=False,
        fits=lambda post: not post.is_pinned,
    ),
    "unpin": Move(
        Action.UNPIN,
        (TargetType.POST,),
        _switch("is_pinned", False),
        "It is not pinned.",
        "Unpinned.",
        not_own=False,
        fits=lambda post: post.is_pinned,
    ),
    "feature": Move(
        Action.FEATURE,
        (TargetType.POST, TargetType.COMMENT),
        lambda item, reason: discussions.set_featured(item, True),
        "It is already featured.",
        "Featured on the home page.",
        fits=lambda item: item.featured_at is None and _featurable(item),
        refuses=lambda item: None if _featurable(item) else "Only visible content is featured.",
    ),
    "unfeature": Move(
        Action.UNFEATURE,
        (TargetType.POST, TargetType.COMMENT),
        lambda item, reason: discussions.set_featured(item, False),
        "It is not featured.",
        "No longer featured.",
        fits=lambda item: item.featured_at is not None,
    ),
}

#: What the author is told about a move on their content (others are not notified).
AUTHOR_NOTICES = {
    "hide": "A moderator removed your {kind}: {reason}",
    "restore": "A moderator restored your {kind}.",
    "release": "Your post was reviewed and is now listed.",
    "edit": "A moderator edited the title or tags of your post: {reason}",
}


def may_move(user: User, name: str, target: Target) -> bool:
    """Whether ``user`` may make move ``name`` on ``target`` (whatever its state)."""
    move = MOVES[name]
    if target.type not in move.kinds or target.obj is None:
        return False
    if move.not_own:
        return permissions.can_moderate_content(user, target.subject_id)
    return permissions.can_moderate(user)


def moves_offered(user: User, target: Target) -> list[str]:
    """The moves ``user`` may make on ``target`` that would change it now."""
    return [
        name
        for name, move in MOVES.items()
        if may_move(user, name, target) and move.fits(target.obj)
    ]


def moderate(name: str, target: Target, moderator: User, reason: str) -> str:
    """Make one move on content; the message to show. Refuses what can't be done."""
    move = MOVES[name]
    if not may_move(moderator, name, target):
        raise Forbidden("That is not yours to do.")
    reason = log.required_reason(reason)
    refusal = move.refuses(target.obj)
    if refusal:
        raise ModerationRefused(refusal)
    changed = move.apply(target.obj, reason)
    settled = 0
    if move.settles:
        settled = reviews.close_open_about(target.type, target.id, moderator, move.action)
    if not changed:
        if not (name == "hide" and settled):
            raise reviews.AlreadyHandled(move.already)
        # Confirming an automatic hide: the moderator's reason replaces the threshold's.
        target.obj.hidden_reason = reason
    log.record(moderator, move.action, target.type, target.id, reason, target.subject_id)
    _tell_author(name, target, moderator, reason)
    return move.done


def _tell_author(name: str, target: Target, moderator: User, reason: str) -> None:
    notice = AUTHOR_NOTICES.get(name)
    author = getattr(target.obj, "author", None)
    if notice is None or author is None:
        return
    url = (
        f"/comments/{target.id}"
        if target.type is TargetType.COMMENT
        else f"/posts/{target.id}/{target.obj.slug}"
    )
    notify(
        author,
        "moderation",
        notice.format(kind=target.type.label, reason=reason),
        url,
        actor=moderator,
    )


def dismiss(review: Review, target: Target, moderator: User, reason: str) -> None:
    """The flags were unfounded: close the item, and bring back what they hid."""
    if review.cause is not ReviewCause.FLAGS:
        raise ModerationRefused("Only flags can be dismissed.")
    if not permissions.can_handle_review(moderator, review):
        raise Forbidden("That is not yours to do.")
    reason = log.required_reason(reason)
    flags = review.flag_count
    reviews.close(review, moderator, Action.DISMISS)
    restored = _hidden_by_flags(target) and HIDERS[target.type](target.obj, None)
    detail = f"{flags} flag{'' if flags == 1 else 's'}" + ("; restored" if restored else "")
    log.record(moderator, Action.DISMISS, target.type, target.id, reason, target.subject_id, detail)


def _hidden_by_flags(target: Target) -> bool:
    """Whether the object is hidden because members flagged it (not by a moderator's hand):
    the latest hide or restore in the log is the automatic one."""
    if target.type not in HIDEABLE or target.obj is None or target.obj.hidden_at is None:
        return False
    latest = db.session.scalar(
        select(LogEntry.action)
        .where(
            LogEntry.target_type == target.type,
            LogEntry.target_id == target.id,
            LogEntry.action.in_((Action.HIDE, Action.AUTO_HIDE, Action.RESTORE)),
        )
        .order_by(LogEntry.created_at.desc(), LogEntry.id.desc())
        .limit(1)
    )
    return latest is Action.AUTO_HIDE


def edit_post(post: Post, moderator: User, title: str, tags: Iterable[str], reason: str) -> bool:
    """Correct a post's title and tags; False when nothing changed."""
    if not permissions.can_moderate(moderator):
        raise Forbidden("That is not yours to do.")
    reason = log.required_reason(reason)
    tags = list(tags)
    before = (post.title, [tag.name for tag in post.tags])
    discussions.retitle(post, title, tags)
    after = (post.title, [tag.name for tag in post.tags])
    if before == after:
        return False
    changes = []
    if before[0] != after[0]:
        changes.append(f"title was “{before[0]}”")
    if before[1] != after[1]:
        changes.append("tags were " + (" ".join(f"#{name}" for name in before[1]) or "none"))
    log.record(
        moderator,
        Action.EDIT_POST,
        TargetType.POST,
        post.id,
        reason,
        post.author_id,
        "; ".join(changes),
    )
    notify(
        post.author,
        "moderation",
        AUTHOR_NOTICES["edit"].format(reason=reason),
        f"/posts/{post.id}/{post.slug}",
        actor=moderator,
    )
    return True


def merge_tags(source_name: str, target_name: str, moderator: User, reason: str) -> Tag:
    """Fold a duplicate tag into another: its posts and events carry the other from now on."""
    if not permissions.can_moderate(moderator):
        raise Forbidden("That is not yours to do.")
    reason = log.required_reason(reason)
    source = _tag_named(source_name, "source")
    target = _tag_named(target_name, "target")
    if source.id == target.id:
        raise ModerationRefused("Choose two different tags.", "target")
    for table, owner in ((post_tags, "post_id"), (event_tags, "event_id")):
        _move_tag(table, owner, source.id, target.id)
    detail = f"#{source.name} → #{target.name}"
    db.session.delete(source)
    db.session.flush()
    log.record(moderator, Action.MERGE_TAG, TargetType.TAG, target.id, reason, None, detail)
    return target


def _tag_named(name: str, field: str) -> Tag:
    tag = db.session.scalar(select(Tag).where(Tag.name == normalise_tag(name or "")))
    if tag is None:
        raise ModerationRefused("There is no such tag.", field)
    return tag


def _move_tag(table, owner: str, source_id: int, target_id: int) -> None:
    """Give the target tag to everything with the source tag, once each, then drop the source."""
    owner_column = table.c[owner]
    already = select(owner_column).where(table.c.tag_id == target_id)
    moving = select(owner_column, target_id).where(
        table.c.tag_id == source_id, owner_column.not_in(already)
    )
    db.session.execute(insert(table).from_select([owner, "tag_id"], moving))
    db.session.execute(delete(table).where(table.c.tag_id == source_id))
