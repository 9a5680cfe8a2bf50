"""Post rules: rendering on write, tags, following, listing, the seeded guide."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from importlib import resources

from sqlalchemy import Select, delete, select, update

from community.accounts.models import Role, User
from community.accounts.services import export_section
from community.content import render_markdown, slugify
from community.db import insert_once
from community.discussions.models import Post, PostFollow, Tag
from community.extensions import db
from community.timeutil import utcnow

SITE_USERNAME = "pathways"
SITE_DISPLAY_NAME = "Pathways team"


class PostSort(enum.StrEnum):
    ACTIVE = "active"
    NEW = "new"
    TOP = "top"


def create_post(author: User, title: str, body: str, tags: Iterable[str] = ()) -> Post:
    """Publish a post; its author follows it so they hear of every comment."""
    post = Post(
        author=author,
        title=title.strip(),
        slug=slugify(title),
        body_md=body,
        body_html=render_markdown(body, "post"),
        tags=tags_named(tags),
    )
    db.session.add(post)
    db.session.flush()
    follow(post, author)
    return post


def edit_post(post: Post, title: str, body: str, tags: Iterable[str] | None = None) -> None:
    post.title = title.strip()
    post.slug = slugify(title)
    post.body_md = body
    post.body_html = render_markdown(body, "post")
    if tags is not None:
        post.tags = tags_named(tags)
    post.edited_at = utcnow()
    db.session.flush()


def tags_named(names: Iterable[str]) -> list[Tag]:
    """The Tag rows for ``names`` (already validated), creating the missing ones."""
    wanted = list(dict.fromkeys(name.strip().lower() for name in names if name.strip()))
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


def posts_query(sort: PostSort = PostSort.ACTIVE, tag: str | None = None) -> Select:
    """The discussion list: pinned posts first, then the chosen order."""
    order = {
        PostSort.ACTIVE: (Post.last_activity_at.desc(),),
        PostSort.NEW: (Post.created_at.desc(),),
        PostSort.TOP: (Post.comment_count.desc(), Post.last_activity_at.desc()),
    }[sort]
    query = select(Post).order_by(Post.is_pinned.desc(), *order, Post.id.desc())
    if tag:
        query = query.where(Post.tags.any(Tag.name == tag.lower()))
    return query


def is_following(post: Post, user: User) -> bool:
    return db.session.get(PostFollow, (post.id, user.id)) is not None


def follow(post: Post, user: User) -> bool:
    """Follow ``post``; returns False when ``user`` already did (no error, no duplicate)."""
    return insert_once(PostFollow, post_id=post.id, user_id=user.id, created_at=utcnow())


def unfollow(post: Post, user: User) -> bool:
    result = db.session.execute(
        delete(PostFollow).where(PostFollow.post_id == post.id, PostFollow.user_id == user.id)
    )
    return bool(result.rowcount)


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


def guide_source() -> tuple[str, str]:
    """The guide shipped in the package, as (title, Markdown body).

    The file's first ``# `` heading is the post title; the rest is the body.
    """
    text = resources.files("community").joinpath("data/guide.md").read_text(encoding="utf-8")
    first_line, _, rest = text.partition("\n")
    if not first_line.startswith("# "):
        raise ValueError("the guide must start with a '# ' title line")
    return first_line[2:].strip(), rest.lstrip("\n")


def get_guide() -> Post | None:
    return db.session.scalar(select(Post).where(Post.is_guide.is_(True)).order_by(Post.id))


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


def rerender_posts() -> int:
    posts = db.session.scalars(select(Post)).all()
    for post in posts:
        post.body_html = render_markdown(post.body_md, "post")
    db.session.flush()
    return len(posts)


@export_section("posts")
def export_posts(user: User) -> list[dict]:
    posts = db.session.scalars(select(Post).where(Post.author_id == user.id).order_by(Post.id))
    return [
        {
            "id": post.id,
            "title": post.title,
            "body": post.body_md,
            "created_at": post.created_at.isoformat(),
        }
        for post in posts
    ]
