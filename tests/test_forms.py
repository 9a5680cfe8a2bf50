"""Every form drops NUL characters: PostgreSQL can't store them, and they must never cause a 500."""

from sqlalchemy import select

from community.accounts.models import User
from community.discussions.models import Post
from community.extensions import db
from tests.conftest import login_as, make_user


def test_registration_with_nul_characters(app, client):
    response = client.submit(
        "/auth/register",
        {
            "username": "nul\x00member",
            "email": "nul@example.com",
            "password": "a long\x00 password",
            "confirm": "a long\x00 password",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(User.username)) == "nulmember"


def test_settings_with_nul_characters(app, client):
    user = make_user()
    login_as(client, user)
    response = client.submit(
        "/settings", {"display_name": "Mi\x00ra", "bio": "Hello\x00 there", "timezone": "UTC"}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.display_name, user.bio_md) == ("Mira", "Hello there")


def test_post_and_comment_with_nul_characters(app, client):
    login_as(client, make_user())
    response = client.submit("/posts/new", {"title": "Ti\x00tle", "body": "Bo\x00dy", "tags": ""})
    assert response.status_code == 302
    post = db.session.scalar(select(Post))
    assert (post.title, post.body_md) == ("Title", "Body")
    url = f"/posts/{post.id}/{post.slug}"
    response = client.submit(f"/posts/{post.id}/comments", {"body": "A\x00 reply"}, page=url)
    assert response.status_code == 302
    assert "A reply" in client.get(url).get_data(as_text=True)


def test_base_form_keeps_each_fields_own_filters(app):
    from werkzeug.datastructures import MultiDict
    from wtforms import StringField

    from community.forms import BaseForm, strip_whitespace

    class NameForm(BaseForm):
        name = StringField(filters=[strip_whitespace, str.upper])

    with app.test_request_context():
        form = NameForm(MultiDict({"name": "  ad\x00a  "}), meta={"csrf": False})
    assert form.name.data == "ADA"
