"""The objects moderation acts on, named by ``(TargetType, id)``: loading them in bulk and
describing them in public words.

The queue and the log show many objects of several kinds; ``load`` reads each kind in
one query, so a page's query count does not grow with its length. ``label`` and ``url``
never carry hidden text: the log is public. Tags are not read: no moderation page shows them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from community.accounts.models import User
from community.discussions.comment_models import Comment
from community.discussions.models import Post, Tag
from community.events.models import Event
from community.events.services import event_path
from community.extensions import db
from community.mentorship.models import MentorshipMessage
from community.moderation.models import Suspension, TargetType
from community.plans.models import Resource, RoleAlias

Ref = tuple[TargetType, int]


@dataclass
class Target:
    type: TargetType
    id: int
    #: The row, or None when it no longer exists.
    obj: Any | None
    #: Public wording ("“How I moved into data”", "@sam", "a removed comment").
    label: str
    #: A public link to it, when it has one everyone may follow.
    url: str | None
    #: Whose content (or account) it is.
    subject_id: int | None


def _posts(ids):
    return select(Post).where(Post.id.in_(ids)).options(lazyload(Post.tags))


def _comments(ids):
    return (
        select(Comment)
        .where(Comment.id.in_(ids))
        # Inner joins (every comment has both): SQLite plans an outer join to the post and
        # its joined author by first joining every post to its author.
        .options(
            joinedload(Comment.author, innerjoin=True),
            joinedload(Comment.post, innerjoin=True).lazyload(Post.tags),
        )
    )


def _events(ids):
    return (
        select(Event)
        .where(Event.id.in_(ids))
        .options(joinedload(Event.organiser), lazyload(Event.tags))
    )


def _members(ids):
    return select(User).where(User.id.in_(ids))


def _messages(ids):
    return (
        select(MentorshipMessage)
        .where(MentorshipMessage.id.in_(ids))
        .options(joinedload(MentorshipMessage.author), joinedload(MentorshipMessage.request))
    )


def _suspensions(ids):
    return select(Suspension).where(Suspension.id.in_(ids)).options(joinedload(Suspension.user))


def _tags(ids):
    return select(Tag).where(Tag.id.in_(ids))


def _role_texts(ids):
    return select(RoleAlias).where(RoleAlias.id.in_(ids)).options(joinedload(RoleAlias.role))


def _resources(ids):
    return select(Resource).where(Resource.id.in_(ids))


LOADERS = {
    TargetType.POST: _posts,
    TargetType.COMMENT: _comments,
    TargetType.EVENT: _events,
    TargetType.MEMBER: _members,
    TargetType.MESSAGE: _messages,
    TargetType.SUSPENSION: _suspensions,
    TargetType.TAG: _tags,
    TargetType.ROLE: _role_texts,
    TargetType.RESOURCE: _resources,
}


def load(refs: Iterable[Ref]) -> dict[Ref, Target]:
    """Every named object, one query per kind present."""
    wanted: dict[TargetType, set[int]] = defaultdict(set)
    for kind, target_id in refs:
        wanted[kind].add(target_id)
    found: dict[Ref, Target] = {}
    for kind, ids in wanted.items():
        rows = {row.id: row for row in db.session.scalars(LOADERS[kind](ids)).unique()}
        for target_id in ids:
            found[(kind, target_id)] = describe(kind, target_id, rows.get(target_id))
    return found


def get(kind: TargetType, target_id: int) -> Target:
    return load([(kind, target_id)])[(kind, target_id)]


def describe(kind: TargetType, target_id: int, obj: Any | None) -> Target:
    """``obj`` in public words; a missing one is named by kind alone."""
    if obj is None:
        return Target(kind, target_id, None, f"a {kind.label} that no longer exists", None, None)
    label, url, subject_id = DESCRIBERS[kind](obj)
    return Target(kind, target_id, obj, label, url, subject_id)


def _post(post: Post):
    """A hidden or held post is named by its author: its title may be the spam itself."""
    if not post.is_public:
        return f"a post by {_at(post.author)}", None, post.author_id
    return f"“{post.title}”", f"/posts/{post.id}/{post.slug}", post.author_id


def _comment(comment: Comment):
    place, _, _ = _post(comment.post)
    if comment.is_hidden:
        return f"a comment on {place}", None, comment.author_id
    if comment.is_deleted or not comment.post.is_public:
        return f"a comment on {place}", None, comment.author_id
    return f"a comment on {place}", f"/comments/{comment.id}", comment.author_id


def _event(event: Event):
    if event.is_listed:
        return f"the event “{event.title}”", event_path(event), event.organiser_id
    return f"an event by {_at(event.organiser)}", None, event.organiser_id


def _member(user: User):
    url = None if user.is_deleted else f"/u/{user.username}"
    return _at(user), url, user.id


def _message(message: MentorshipMessage):
    return f"a mentorship message by {_at(message.author)}", None, message.author_id


def _suspension(suspension: Suspension):
    return f"the suspension of {_at(suspension.user)}", None, suspension.user_id


def _tag(tag: Tag):
    return f"#{tag.name}", f"/posts/?tag={tag.name}", None


def _role_text(alias: RoleAlias):
    meaning = alias.role.name if alias.role else "no curated role"
    return f"the role “{alias.text}” to {meaning}", "/paths", None


def _resource(resource: Resource):
    return f"“{resource.title}”", f"/resources/{resource.id}", None


def _at(user: User | None) -> str:
    if user is None or user.is_deleted:
        return "a deleted member"
    return f"@{user.username}"


DESCRIBERS = {
    TargetType.POST: _post,
    TargetType.COMMENT: _comment,
    TargetType.EVENT: _event,
    TargetType.MEMBER: _member,
    TargetType.MESSAGE: _message,
    TargetType.SUSPENSION: _suspension,
    TargetType.TAG: _tag,
    TargetType.ROLE: _role_text,
    TargetType.RESOURCE: _resource,
}
