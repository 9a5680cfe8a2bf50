"""Command-line tasks: create and promote users, re-render stored HTML."""

from sqlalchemy import select

from community.accounts.models import Role, User
from community.discussions.models import Post
from community.extensions import db
from tests.conftest import make_post, make_user


def test_create_user(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "Ada",
            "--email",
            "ada@example.com",
            "--password",
            "long password",
            "--role",
            "admin",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "ada"))
    assert user.role == Role.ADMIN and user.check_password("long password")


def test_create_user_promotes_an_existing_member(app, runner):
    make_user("mira")
    result = runner.invoke(args=["create-user", "mira", "--role", "moderator"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.username == "mira")) == Role.MODERATOR


def test_create_user_refuses_bad_input(app, runner):
    make_user("mira")
    cases = [
        (["create-user", "newbie"], "needs --email and --password"),
        (
            ["create-user", "x", "--email", "x@example.com", "--password", "long password"],
            "3 to 30",
        ),
        (["create-user", "newbie", "--email", "nope", "--password", "long password"], "email"),
        (["create-user", "newbie", "--email", "n@example.com", "--password", "short"], "8 to 128"),
        (
            ["create-user", "other", "--email", "MIRA@example.com", "--password", "long password"],
            "already exists",
        ),
        (["create-user", "mira", "--email", "m@example.com", "--role", "admin"], "only --role"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0
        assert message in result.output, (args, result.output)
    assert db.session.scalar(select(User).where(User.username == "newbie")) is None


def test_rerender_rebuilds_stored_html(app, runner):
    post = make_post(make_user(), body="**bold**")
    post.body_html = "<p>stale</p>"
    db.session.commit()
    result = runner.invoke(args=["rerender"])
    assert result.exit_code == 0, result.output
    assert db.session.get(Post, post.id).body_html == "<p><strong>bold</strong></p>"
