"""``flask demo-data``: sample discussions, clearly marked, added once."""

from sqlalchemy import func, select

from community.accounts.models import User
from community.discussions.comment_models import Comment
from community.discussions.models import Post
from community.extensions import db


def test_demo_data_adds_marked_discussions_once(app, runner):
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    assert "Added demo members, 3 discussions and 46 comments." in first.output
    again = runner.invoke(args=["demo-data"])
    assert "already present" in again.output
    demo_members = db.session.scalars(select(User).where(User.username.like("demo-%"))).all()
    assert demo_members and all("(demo)" in member.name for member in demo_members)
    assert all(member.password_hash is None for member in demo_members)
    titles = db.session.scalars(select(Post.title).where(Post.is_guide.is_(False))).all()
    assert len(titles) == 3 and all(title.endswith("(demo)") for title in titles)
    assert db.session.scalar(select(func.count(Comment.id))) == 46
    assert db.session.scalar(select(func.count(Comment.id)).where(Comment.is_experience)) == 5
