"""Post rules: publishing and editing posts, tags, following, the seeded guide.

Services flush, never commit: the view (``@transactional``) or the CLI command
(``unit_of_work``) that called them commits once. Comment rules live in
``comment_services``.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources

from sqlalchemy import delete, select

from community.accounts.mentions import render_member_markdown
from community.accounts.models import Role, User
from community.accounts.services import export_section
from community.db import Refused, change_once, insert_once
from community.discussions.comment_models import Comment
from community.discussions.models import (
    DELETED_SLUG,
    Post,
    PostFollow,
    Tag,
    normalise_tag,
    slug_for,
)
from community.discussions.queries import get_guide
from community.extensions import db
from community.moderation import holds
from community.permissions import is_verified_enough
from community.timeutil import utcnow

SITE_USERNAME = "pathways"
SITE_DISPLAY_NAME = "Pathways team"


#: Why an unchecked member's links are refused, shown next to the body they wrote.
UNVERIFIED_LINKS = (
    "Links to other sites wait until you confirm your email address: follow the link we "
    "mailed you (Settings can send it again), or remove the links for now."
)


def check_links_allowed(author: User, html: str) -> None:
    """Refuse (field ``body``) rendered text linking off the site from an unchecked address.

    Spam is links; an address that answers mail makes an account cost something. Shared
    with ``comment_services``.
    """
    if holds.links_out(html) and not is_verified_enough(author):
        raise Refused(UNVERIFIED_LINKS, "body")


def create_post(author: User, title: str, body: str, tags: Iterable[str] = ()) -> Post:
    """Publish a post; its author follows it so they hear of every comment.

    Refuses (``Refused``, field ``body``) links from a member whose address is unchecked.
    """
    body_html = render_member_markdown(body, "post")
    check_links_allowed(author, body_html)
    post = Post(
        author=author,
        title=title.strip(),
        slug=slug_for(title),
        body_md=body,
        body_html=body_html,
        tags=tags_named(tags),
    )
    db.session.add(post)
    db.session.flush()
    follow(post, author)
    if holds.should_hold(author, post.body_html):
        holds.hold(post)
    return post


def edit_post(post: Post, title: str, body: str, tags: Iterable[str] | None = None) -> None:
    """Replace title, body and (when given) tags; the slug follows the title.

    Refuses (``Refused``, field ``body``) links from a member whose address is unchecked,
    and any edit of a post its author deleted.
    """
    if post.is_deleted:
        raise Refused("A deleted post can't be edited.", "body")
    body_html = render_member_markdown(body, "post")
    check_links_allowed(post.author, body_html)
    post.title = title.strip()
    post.slug = slug_for(title)
    post.body_md = body
    post.body_html = body_html
    if tags is not None:
        post.tags = tags_named(tags)
    post.edited_at = utcnow()
    db.session.flush()
    if not post.is_held and holds.should_hold(post.author, post.body_html):
        holds.hold(post)


def delete_post(post: Post) -> bool:
    """The author takes their post back: it keeps its id and its thread, which stays
    readable (and votable) but takes no new comments, like a locked one.

    Its title and body stay in the database for moderators; members see
    ``DELETED_TEXT``, and its address loses the title (the old one redirects). It leaves
    home, feeds and search, and the post list keeps it only while it has comments. The
    guide is never deleted. False when it already was.
    """
    if post.is_guide:
        raise Refused("The guide can't be deleted.")
    # A new thread version: cached renderings drop their "Reply" links.
    return change_once(
        Post,
        post.id,
        Post.deleted_at.is_(None),
        deleted_at=utcnow(),
        slug=DELETED_SLUG,
        thread_version=Post.thread_version + 1,
    )


def retitle(post: Post, title: str, tags: Iterable[str]) -> None:
    """A moderator's correction of the title and tags; the author's words stay theirs."""
    post.title = title.strip()
    post.slug = slug_for(title)
    post.tags = tags_named(tags)
    db.session.flush()


def set_hidden(post: Post, reason: str | None) -> bool:
    """Hide a post with ``reason`` (it leaves every list), or restore it (None).

    False when it already was as asked (another moderator was first).
    """
    hiding = reason is not None
    return change_once(
        Post,
        post.id,
        Post.hidden_at.is_(None) if hiding else Post.hidden_at.is_not(None),
        hidden_at=utcnow() if hiding else None,
        hidden_reason=reason or "",
    )


def release(post: Post) -> bool:
    """Let a held post through: it is listed from now on."""
    return change_once(Post, post.id, Post.held_at.is_not(None), held_at=None)


def set_switch(post: Post, column: str, on: bool) -> bool:
    """Turn ``is_locked`` or ``is_pinned`` on or off; False when it already was."""
    attribute = getattr(Post, column)
    return change_once(Post, post.id, attribute.is_not(on), **{column: on})


def set_featured(item: Post | Comment, on: bool) -> bool:
    """Feature a post or comment on the home page, or stop; False when it already was."""
    model = type(item)
    condition = model.featured_at.is_(None) if on else model.featured_at.is_not(None)
    return change_once(model, item.id, condition, featured_at=utcnow() if on else None)


def tags_named(names: Iterable[str]) -> list[Tag]:
    """The Tag rows for ``names`` (already validated), creating the missing ones."""
    wanted = list(dict.fromkeys(filter(None, (normalise_tag(name) for name in names))))
    if not wanted:
        return []
    existing = {
        tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.name.in_(wanted)))
    }
    for name in wanted:
        if name not in existing:
            existing[name] = Tag(name=name)
            db.session.add(existing[name])
    return [existing[name] for name in wanted]


def follow(post: Post, user: User) -> bool:
    """Follow ``post``; returns False when ``user`` already did (no error, no duplicate)."""
    return insert_once(PostFollow, post_id=post.id, user_id=user.id, created_at=utcnow())


def unfollow(post: Post, user: User) -> bool:
    result = db.session.execute(
        delete(PostFollow).where(PostFollow.post_id == post.id, PostFollow.user_id == user.id)
    )
    return bool(result.rowcount)


def guide_source() -> tuple[str, str]:
    """The guide shipped in the package, as (title, Markdown body).

    The file's first ``# `` heading is the post title; the rest is the body.
    """
    text = resources.files("community").joinpath("data/guide.md").read_text(encoding="utf-8")
    first_line, _, rest = text.partition("\n")
    if not first_line.startswith("# "):
        raise ValueError("the guide must start with a '# ' title line")
    return first_line[2:].strip(), rest.lstrip("\n")


def site_account() -> User:
    """The account the guide is published under; nobody can log in as it."""
    user = db.session.scalar(select(User).where(User.username == SITE_USERNAME))
    if user is None:
        user = User(username=SITE_USERNAME, display_name=SITE_DISPLAY_NAME, role=Role.ADMIN)
        db.session.add(user)
        db.session.flush()
    return user


def seed_guide() -> tuple[Post, bool]:
    """Publish the guide once; later runs refresh nothing and create nothing.

    Returns the guide and whether it was created by this call.
    """
    guide = get_guide()
    if guide is not None:
        return guide, False
    title, body = guide_source()
    guide = create_post(site_account(), title, body)
    guide.is_guide = True
    guide.is_pinned = True
    db.session.flush()
    return guide, True


@export_section("posts")
def export_posts(user: User) -> list[dict]:
    posts = db.session.scalars(select(Post).where(Post.author_id == user.id).order_by(Post.id))
    return [
        {
            "id": post.id,
            "title": post.title,
            "body": post.body_md,
            "created_at": post.created_at.isoformat(),
            "deleted_at": post.deleted_at.isoformat() if post.deleted_at else None,
        }
        for post in posts
    ]
