"""``flask demo-data``: every section filled, clearly marked, added once; demo members sign in."""

import re

from sqlalchemy import func, select

from community.accounts.models import User
from community.discussions.comment_models import Comment
from community.discussions.models import Post
from community.extensions import db
from community.mentorship.models import MentorProfile
from community.moderation.models import Review, TargetType


def printed_password(output: str) -> str:
    match = re.search(r"with the password: (\S+)", output)
    assert match, output
    return match.group(1)


def sign_in(client, username: str, password: str):
    client.submit("/auth/logout", page="/")
    return client.submit("/auth/login", {"username": username, "password": password})


def test_demo_data_fills_every_section_once(app, runner, client):
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    assert (
        "Added 11 demo members, 3 discussions, 52 comments and 3 mentors with open places."
        in first.output
    )
    demo_members = db.session.scalars(select(User).where(User.username.like("demo-%"))).all()
    assert len(demo_members) == 11 and all("(demo)" in member.name for member in demo_members)
    titles = db.session.scalars(select(Post.title).where(Post.is_guide.is_(False))).all()
    assert len(titles) == 3 and all(title.endswith("(demo)") for title in titles)
    # The 52 sample comments, and one course promotion two demo members flagged.
    assert db.session.scalar(select(func.count(Comment.id))) == 53
    assert "A comment flagged by 2 demo members waits at /mod/." in first.output
    review = db.session.scalar(select(Review))
    assert (review.target_type, review.flag_count, review.is_open) == (
        TargetType.COMMENT,
        2,
        True,
    )
    # Five demo members' moves, and two more members on three of them: a path each.
    assert db.session.scalar(select(func.count(Comment.id)).where(Comment.is_experience)) == 11
    paths = client.get("/paths").get_data(as_text=True)
    assert all(move in paths for move in ("Data analyst", "Product manager", "UX researcher"))
    mentors = db.session.scalars(select(MentorProfile)).all()
    assert len(mentors) == 3 and all(m.is_accepting and m.capacity > 0 for m in mentors)

    home = client.get("/").get_data(as_text=True)
    assert "No mentor has a place open right now." not in home
    assert "open places" in home and "(demo)" in home
    directory = client.get("/mentors/").get_data(as_text=True)
    assert all(m.headline in directory for m in mentors)
    guide = db.session.scalar(select(Post).where(Post.is_guide.is_(True)))
    assert "changed role" in client.get(f"/posts/{guide.id}/{guide.slug}").get_data(as_text=True)

    again = runner.invoke(args=["demo-data"])
    assert again.exit_code == 0, again.output
    assert "already present" in again.output
    assert db.session.scalar(select(func.count(User.id)).where(User.username.like("demo-%"))) == 11
    assert db.session.scalar(select(func.count(Post.id))) == 4
    assert db.session.scalar(select(func.count(MentorProfile.id))) == 3


def test_demo_members_sign_in_with_the_printed_password(app, runner, client):
    first = printed_password(runner.invoke(args=["demo-data"]).output)
    assert len(first) >= 12
    response = sign_in(client, "demo-ana", first)
    assert response.status_code == 302
    assert "Ana (demo)" in client.get("/").get_data(as_text=True)
    # Running it again gives the same members a new password; the old one stops working.
    second = printed_password(runner.invoke(args=["demo-data"]).output)
    assert second != first
    db.session.expire_all()
    assert sign_in(client, "demo-chen", first).status_code == 200
    assert sign_in(client, "demo-chen", second).status_code == 302
