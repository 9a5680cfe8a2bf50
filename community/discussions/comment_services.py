"""Comment rules: writing, editing, deleting, votes, "worked for me too", flags.

Services flush, never commit: the view (``@transactional``) commits once, and a
refusal raised anywhere in here rolls the whole unit back. Every change to a
thread bumps the post's ``thread_version`` so cached renderings of it go stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, update

from community import permissions
from community.accounts.mentions import render_member_markdown
from community.accounts.models import User
from community.accounts.services import export_section
from community.content import MENTION
from community.db import Refused, change_once, insert_once, lock_row
from community.discussions.comment_models import (
    COMMENT_BODY_MAX,
    MAX_DEPTH,
    MONTHS_MAX,
    PATH_SEGMENT,
    ROLE_MAX,
    Comment,
    CommentRevision,
    ExperienceEndorsement,
    ExperienceStep,
    Outcome,
    Step,
    Vote,
)
from community.discussions.models import Post, PostFollow
from community.discussions.services import check_links_allowed
from community.extensions import db
from community.notifications import preferences
from community.notifications.services import notify
from community.timeutil import utcnow

MENTIONS_MAX = 10


class CommentRefused(Refused):
    """A comment rule says no; the message goes next to ``field`` (the body by default)."""

    def __init__(self, message: str, field: str = "body") -> None:
        super().__init__(message, field)


@dataclass
class Experience:
    """What a member shares about their own transition under the guide."""

    steps: list[Step] = field(default_factory=list)
    from_role: str | None = None
    to_role: str | None = None
    months: int | None = None
    outcome: Outcome | None = None


def _path_segment(comment_id: int) -> str:
    return str(comment_id).zfill(PATH_SEGMENT)


def bump_thread(post_id: int, *, activity: bool = False, comments: int = 0) -> None:
    """Record a change to a post's thread: cached renderings of it become stale.

    One UPDATE, so concurrent writers never lose each other's bump.
    """
    values: dict = {"thread_version": Post.thread_version + 1}
    if comments:
        values["comment_count"] = Post.comment_count + comments
    if activity:
        values["last_activity_at"] = utcnow()
    db.session.execute(
        update(Post)
        .where(Post.id == post_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _check_body(body: str) -> str:
    if not body or not body.strip():
        raise CommentRefused("Write something before posting.")
    if len(body) > COMMENT_BODY_MAX:
        raise CommentRefused(f"A comment holds up to {COMMENT_BODY_MAX:,} characters.")
    return body


def _checked_html(author: User, body: str) -> str:
    """The body rendered, refused when it links off the site from an unchecked address."""
    html = render_member_markdown(body, "comment")
    try:
        check_links_allowed(author, html)
    except Refused as refusal:
        raise CommentRefused(refusal.message) from None
    return html


def _last_body_by(author: User, post: Post) -> str | None:
    """The author's latest live comment on ``post``: the same words on another post are fine."""
    return db.session.scalar(
        select(Comment.body_md)
        .where(
            Comment.author_id == author.id,
            Comment.post_id == post.id,
            Comment.deleted_at.is_(None),
        )
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(1)
    )


def _resolve_parent(post: Post, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = db.session.get(Comment, parent_id)
    if parent is None or parent.post_id != post.id:
        raise CommentRefused("The comment you replied to is not in this discussion.", "parent_id")
    if parent.is_deleted:
        raise CommentRefused("The comment you replied to has been deleted.", "parent_id")
    if parent.is_hidden:
        raise CommentRefused("The comment you replied to was removed by a moderator.", "parent_id")
    if parent.depth + 1 > MAX_DEPTH:
        raise CommentRefused("This thread is too deep; reply further up.", "parent_id")
    return parent


def create_comment(
    post: Post,
    author: User,
    body: str,
    parent_id: int | None = None,
    experience: Experience | None = None,
) -> Comment:
    """Add a comment or a reply, and tell the people who want to know.

    Refuses (``CommentRefused``) a locked post, a parent from another post or a
    deleted one, an empty or over-long body, and the author's previous body on
    this post repeated. An experience is kept only on a top-level comment under
    the guide. The notifications go out with the unit's commit.
    """
    if post.is_locked:
        raise CommentRefused("This discussion is locked; it accepts no new comments.")
    if post.is_deleted:
        raise CommentRefused("The author deleted this post; it accepts no new comments.")
    _check_body(body)
    parent = _resolve_parent(post, parent_id)
    previous = _last_body_by(author, post)
    if previous is not None and previous.strip() == body.strip():
        raise CommentRefused("You just posted exactly this. Add something new, or edit it.")
    body_html = _checked_html(author, body)

    comment = Comment(
        post_id=post.id,
        author=author,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        body_md=body,
        body_html=body_html,
    )
    if experience is not None and experience.steps and post.is_guide and parent is None:
        _apply_experience(comment, experience)
    db.session.add(comment)
    db.session.flush()
    comment.root_id = parent.root_id if parent else comment.id
    segment = _path_segment(comment.id)
    comment.path = f"{parent.path}/{segment}" if parent else segment
    db.session.flush()
    bump_thread(post.id, activity=True, comments=1)
    _notify_about(comment, post, parent, author)
    return comment


def _apply_experience(comment: Comment, experience: Experience) -> None:
    comment.is_experience = True
    comment.steps = [ExperienceStep(step=step) for step in dict.fromkeys(experience.steps)]
    comment.from_role = (experience.from_role or "").strip() or None
    comment.to_role = (experience.to_role or "").strip() or None
    comment.months = experience.months
    comment.outcome = experience.outcome


def mentioned_usernames(text: str) -> list[str]:
    """``@username`` mentions in Markdown source, lower-cased, first ``MENTIONS_MAX``."""
    names = dict.fromkeys(match.lower() for match in MENTION.findall(text))
    return list(names)[:MENTIONS_MAX]


def permalink_path(comment_id: int) -> str:
    """The comment's permalink; built by hand so services also run outside a request
    (the CLI). ``/comments/<id>`` is a stable URL (DESIGN.md URL map)."""
    return f"/comments/{comment_id}"


def _notify_about(comment: Comment, post: Post, parent: Comment | None, author: User) -> None:
    """One notification per member: a reply beats a mention beats a followed post."""
    url = permalink_path(comment.id)
    told: set[int] = {author.id}

    def tell(users: Iterable[User], kind: str, message: str) -> None:
        new = [user for user in users if user.id not in told]
        preferences.prefetch(new)  # one query for everyone's mail choices
        for user in new:
            if user.id not in told:
                told.add(user.id)
                notify(user, kind, message, url, actor=author)

    title = post.title
    if parent is not None:
        tell([parent.author], "reply", f"{author.name} replied to your comment on “{title}”")
    else:
        tell([post.author], "reply", f"{author.name} commented on your post “{title}”")
    names = mentioned_usernames(comment.body_md)
    if names:
        mentioned = db.session.scalars(
            select(User).where(User.username.in_(names), User.deleted_at.is_(None))
        )
        tell(mentioned, "mention", f"{author.name} mentioned you in “{title}”")
    followers = db.session.scalars(
        select(User)
        .join(PostFollow, PostFollow.user_id == User.id)
        .where(PostFollow.post_id == post.id, User.deleted_at.is_(None))
    )
    tell(followers, "followed_post", f"{author.name} commented on “{title}”, which you follow")


def edit_comment(comment: Comment, body: str) -> bool:
    """Replace the body, keeping the earlier version; False when nothing changed."""
    if comment.is_deleted:
        raise CommentRefused("A deleted comment can't be edited.")
    _check_body(body)
    if body == comment.body_md:
        return False
    body_html = _checked_html(comment.author, body)
    now = _keep_version(comment)
    comment.body_md = body
    comment.body_html = body_html
    _mark_edited(comment, now)
    return True


def update_experience(comment: Comment, editor: User, body: str, experience: Experience) -> bool:
    """The author updates their experience later (an outcome reached, the months it took,
    the steps that worked) and its body, keeping the earlier version like any edit.

    Details are checked as when sharing them; a refusal names the field. False when
    nothing changed; a change to the details alone is an edit too. Two updates sent at
    once take turns (a row lock): each keeps the version the other wrote.
    """
    comment = lock_row(Comment, comment.id)
    db.session.expire(comment, ["steps"])
    if comment.is_deleted:
        raise CommentRefused("A deleted comment can't be edited.")
    if not permissions.can_edit_comment(editor, comment):
        if comment.author_id != editor.id:
            raise CommentRefused("Only the member who shared this experience can update it.")
        raise CommentRefused("Your account can't edit at the moment.")
    if not comment.is_experience:
        raise CommentRefused("This comment wasn't shared as an experience.", "steps")
    _check_body(body)
    wanted = _checked_experience(experience)
    if body == comment.body_md and wanted == _experience_of(comment):
        return False
    body_html = _checked_html(comment.author, body) if body != comment.body_md else None
    now = _keep_version(comment)
    if body_html is not None:
        comment.body_md = body
        comment.body_html = body_html
    _set_steps(comment, wanted.steps)
    comment.from_role = wanted.from_role
    comment.to_role = wanted.to_role
    comment.months = wanted.months
    comment.outcome = wanted.outcome
    _mark_edited(comment, now)
    return True


def _checked_experience(experience: Experience) -> Experience:
    """The details as they will be stored (steps in the guide's order, blank roles as
    None), or a refusal next to the field at fault."""
    steps = sorted(set(experience.steps), key=lambda step: step.value)
    if not steps:
        raise CommentRefused("Tick at least one step that worked for you.", "steps")
    roles = {}
    for name in ("from_role", "to_role"):
        role = (getattr(experience, name) or "").strip() or None
        if role is not None and len(role) > ROLE_MAX:
            raise CommentRefused(f"Up to {ROLE_MAX} characters.", name)
        roles[name] = role
    months = experience.months
    if months is not None and not 0 <= months <= MONTHS_MAX:
        raise CommentRefused(f"Enter a number of months from 0 to {MONTHS_MAX}.", "months")
    if experience.outcome is not None and not isinstance(experience.outcome, Outcome):
        raise CommentRefused("Not a valid choice.", "outcome")
    return Experience(steps=steps, months=months, outcome=experience.outcome, **roles)


def _experience_of(comment: Comment) -> Experience:
    return Experience(
        steps=list(comment.step_values),
        from_role=comment.from_role,
        to_role=comment.to_role,
        months=comment.months,
        outcome=comment.outcome,
    )


def _set_steps(comment: Comment, steps: list[Step]) -> None:
    """Keep the rows of steps still chosen, add the new ones, drop the others."""
    kept = [row for row in comment.steps if row.step in steps]
    have = {row.step for row in kept}
    added = [ExperienceStep(step=step) for step in steps if step not in have]
    comment.steps = sorted(kept + added, key=lambda row: row.step.value)


def _keep_version(comment: Comment) -> datetime:
    """Store the comment as it reads now, an experience's details included, before an
    edit replaces it; the time of the edit is returned."""
    now = utcnow()
    details: dict = {}
    if comment.is_experience:
        details = {
            "from_role": comment.from_role,
            "to_role": comment.to_role,
            "months": comment.months,
            "outcome": comment.outcome,
            "steps": ",".join(step.value for step in comment.step_values),
        }
    db.session.add(
        CommentRevision(
            comment_id=comment.id,
            body_md=comment.body_md,
            body_html=comment.body_html,
            written_at=comment.edited_at or comment.created_at,
            replaced_at=now,
            **details,
        )
    )
    return now


def _mark_edited(comment: Comment, now: datetime) -> None:
    comment.edited_at = now
    db.session.flush()
    bump_thread(comment.post_id)


def delete_comment(comment: Comment) -> None:
    """Take a comment out of the thread; with replies it keeps its place as "[deleted]".

    The text stays in the database (and in its revisions) for moderators.
    """
    if comment.is_deleted:
        return
    was_counted = comment.is_visible
    comment.deleted_at = utcnow()
    db.session.flush()
    bump_thread(comment.post_id, comments=-1 if was_counted else 0)


def set_hidden(comment: Comment, reason: str | None) -> bool:
    """Hide a comment with ``reason`` (members then see it removed), or restore it (None).

    False when the comment already was as asked (another moderator was first). The
    post's count of visible comments follows, and cached renderings go stale.
    """
    hiding = reason is not None
    condition = Comment.hidden_at.is_(None) if hiding else Comment.hidden_at.is_not(None)
    changed = change_once(
        Comment,
        comment.id,
        condition,
        hidden_at=utcnow() if hiding else None,
        hidden_reason=reason or "",
    )
    if changed:
        counted = 0 if comment.is_deleted else (-1 if hiding else 1)
        bump_thread(comment.post_id, comments=counted)
    return changed


def _check_not_own(comment: Comment, user: User, what: str) -> None:
    if comment.author_id == user.id:
        raise CommentRefused(f"You can't {what} your own comment.")
    if comment.is_deleted:
        raise CommentRefused("That comment has been deleted.")


def has_voted(comment: Comment, user: User) -> bool:
    return db.session.get(Vote, (comment.id, user.id)) is not None


def vote(comment: Comment, user: User) -> None:
    """Upvote once; a second upvote is refused, never counted."""
    _check_not_own(comment, user, "vote on")
    if not insert_once(Vote, comment_id=comment.id, user_id=user.id, created_at=utcnow()):
        raise CommentRefused("You have already voted for this comment.")
    _adjust(Comment.score, comment, +1)


def unvote(comment: Comment, user: User) -> None:
    result = db.session.execute(
        delete(Vote).where(Vote.comment_id == comment.id, Vote.user_id == user.id)
    )
    if not result.rowcount:
        raise CommentRefused("You have not voted for this comment.")
    _adjust(Comment.score, comment, -1)


def has_endorsed(comment: Comment, user: User) -> bool:
    return db.session.get(ExperienceEndorsement, (comment.id, user.id)) is not None


def endorse(comment: Comment, user: User) -> None:
    """Say "worked for me too" about another member's experience, once."""
    _check_not_own(comment, user, "endorse")
    if not comment.is_experience:
        raise CommentRefused("Only shared experiences can be marked as working for you too.")
    if not insert_once(
        ExperienceEndorsement, comment_id=comment.id, user_id=user.id, created_at=utcnow()
    ):
        raise CommentRefused("You already said this worked for you too.")
    _adjust(Comment.endorsement_count, comment, +1)


def unendorse(comment: Comment, user: User) -> None:
    result = db.session.execute(
        delete(ExperienceEndorsement).where(
            ExperienceEndorsement.comment_id == comment.id,
            ExperienceEndorsement.user_id == user.id,
        )
    )
    if not result.rowcount:
        raise CommentRefused("You had not marked this experience.")
    _adjust(Comment.endorsement_count, comment, -1)


def _adjust(column, comment: Comment, delta: int) -> None:
    """Change a counter in one UPDATE, so concurrent votes never lose each other."""
    db.session.execute(
        update(Comment)
        .where(Comment.id == comment.id)
        .values({column: column + delta})
        .execution_options(synchronize_session=False)
    )
    db.session.expire(comment, [column.key])
    bump_thread(comment.post_id)


@export_section("comments")
def export_comments(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
    )
    return [
        {
            "id": comment.id,
            "post_id": comment.post_id,
            "parent_id": comment.parent_id,
            "body": comment.body_md,
            "created_at": comment.created_at.isoformat(),
            "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
            "deleted": comment.is_deleted,
            "experience": {
                "steps": [step.value for step in comment.step_values],
                "from_role": comment.from_role,
                "to_role": comment.to_role,
                "months": comment.months,
                "outcome": comment.outcome.value if comment.outcome else None,
            }
            if comment.is_experience
            else None,
        }
        for comment in rows
    ]
