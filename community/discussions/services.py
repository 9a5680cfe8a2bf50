"""Post rules: rendering on write, the seeded guide."""

from __future__ import annotations

from importlib import resources

from sqlalchemy import select

from community.accounts.models import Role, User
from community.accounts.services import export_section
from community.content import render_markdown, slugify
from community.discussions.models import Post
from community.extensions import db
from community.timeutil import utcnow

SITE_USERNAME = "pathways"
SITE_DISPLAY_NAME = "Pathways team"


def create_post(author: User, title: str, body: str) -> Post:
    post = Post(
        author=author,
        title=title.strip(),
        slug=slugify(title),
        body_md=body,
        body_html=render_markdown(body, "post"),
    )
    db.session.add(post)
    db.session.flush()
    return post


def edit_post(post: Post, title: str, body: str) -> None:
    post.title = title.strip()
    post.slug = slugify(title)
    post.body_md = body
    post.body_html = render_markdown(body, "post")
    post.edited_at = utcnow()
    db.session.flush()


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
