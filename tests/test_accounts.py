"""Registration, login, profile, settings, export and deletion, as a member meets them."""

import json

import pytest
from sqlalchemy import func, select

from community.accounts.models import User
from community.extensions import db
from community.timeutil import utcnow
from tests.conftest import DEFAULT_PASSWORD, login_as, make_post, make_user

GOOD = {
    "username": "newcomer",
    "email": "newcomer@example.com",
    "password": "a long enough password",
    "confirm": "a long enough password",
}


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def register(client, **changes):
    return client.submit("/auth/register", {**GOOD, **changes})


def test_register_creates_a_member_and_signs_them_in(app, client):
    response = register(client)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "newcomer"))
    assert user.email == "newcomer@example.com"
    assert user.password_hash != GOOD["password"] and user.check_password(GOOD["password"])
    assert user.role.value == "member"
    page = client.get("/").get_data(as_text=True)
    assert "Welcome to Pathways, newcomer!" in page
    assert "Sign out" in page


def test_register_lowercases_username_and_email(app, client):
    register(client, username="NewComer", email="NewComer@Example.COM")
    user = db.session.scalar(select(User))
    assert (user.username, user.email) == ("newcomer", "newcomer@example.com")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"username": ""}, "Choose a username."),
        ({"username": "ab"}, "Usernames are 3 to 30 characters long."),
        ({"username": "x" * 31}, "Usernames are 3 to 30 characters long."),
        (
            {"username": "has space"},
            "Use lower-case letters, digits, underscores and hyphens only.",
        ),
        ({"username": "émile"}, "Use lower-case letters, digits, underscores and hyphens only."),
        ({"email": ""}, "Enter your email address."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"password": "short", "confirm": "short"}, "Use 8 to 128 characters."),
        ({"password": "p" * 129, "confirm": "p" * 129}, "Use 8 to 128 characters."),
        ({"confirm": "something else"}, "The two passwords do not match."),
    ],
)
def test_register_rejects_bad_input_next_to_the_field(app, client, changes, message):
    response = register(client, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'aria-invalid="true"' in page
    assert user_count() == 0
    kept = {**GOOD, **changes}
    if "email" not in changes:
        assert f'value="{kept["email"]}"' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"username": "Taken"}, "That username is taken."),
        ({"email": "TAKEN@example.com"}, "An account with that email already exists."),
    ],
)
def test_username_and_email_are_unique_ignoring_case(app, client, changes, message):
    make_user("taken", email="taken@example.com")
    response = register(client, **changes)
    assert message in response.get_data(as_text=True)
    assert user_count() == 1


def test_register_without_csrf_token_is_refused(app, client):
    response = client.post("/auth/register", data=GOOD)
    assert response.status_code == 400
    assert "Your form expired" in response.get_data(as_text=True)
    assert user_count() == 0


@pytest.mark.parametrize("login", ["mira", "MIRA", "mira@example.com", "Mira@Example.com"])
def test_login_with_username_or_email(app, client, login):
    make_user("mira")
    response = client.submit("/auth/login", {"username": login, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert "You are signed in." in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused_and_username_kept(app, client):
    make_user("mira")
    response = client.submit("/auth/login", {"username": "mira", "password": "wrong password"})
    page = response.get_data(as_text=True)
    assert "That username/email and password do not match." in page
    assert 'value="mira"' in page
    assert client.get("/settings").status_code == 302


def test_remember_me_sets_a_long_lived_cookie(app, client):
    make_user("mira")
    client.submit(
        "/auth/login", {"username": "mira", "password": DEFAULT_PASSWORD, "remember": "y"}
    )
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.expires is not None


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/settings", "/settings"),
        ("/posts/?page=2", "/posts/?page=2"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_next_only_follows_same_site_paths(app, client, next_url, landing):
    make_user("mira")
    response = client.submit(
        f"/auth/login?next={next_url}",
        {"username": "mira", "password": DEFAULT_PASSWORD},
        page="/auth/login",
    )
    assert response.headers["Location"] == landing


def test_logout_is_a_post(app, client):
    user = make_user()
    login_as(client, user)
    assert client.get("/auth/logout").status_code == 405
    response = client.submit("/auth/logout", page="/")
    assert response.status_code == 302
    assert client.get("/settings").status_code == 302


def test_profile_shows_name_and_rendered_bio(app, client):
    user = make_user("mira")
    user.display_name = "Mira Jones"
    user.bio_md = "Ex-**teacher**"
    user.bio_html = "<p>Ex-<strong>teacher</strong></p>"
    db.session.commit()
    page = client.get("/u/MIRA").get_data(as_text=True)
    assert "<h1>Mira Jones</h1>" in page
    assert "Ex-<strong>teacher</strong>" in page
    assert client.get("/u/nobody").status_code == 404


def test_settings_update_profile(app, client):
    user = make_user()
    login_as(client, user)
    response = client.submit(
        "/settings",
        {
            "display_name": "  Mira J  ",
            "bio": "From *nursing* to data. <script>alert(1)</script>",
            "timezone": "Europe/Berlin",
        },
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.display_name == "Mira J"
    assert user.timezone == "Europe/Berlin"
    assert (
        user.bio_html
        == "<p>From <em>nursing</em> to data. &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    page = client.get("/settings").get_data(as_text=True)
    assert "Your settings are saved." in page
    assert '<option selected value="Europe/Berlin">' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "Not a valid choice"),
        ({"bio": "b" * 5001}, "A bio holds up to 5,000 characters."),
        ({"display_name": "d" * 61}, "Keep it under 60 characters."),
    ],
)
def test_settings_bad_input_keeps_text(app, client, changes, message):
    user = make_user()
    login_as(client, user)
    data = {"display_name": "Mira", "bio": "My story so far", "timezone": "UTC", **changes}
    page = client.submit("/settings", data).get_data(as_text=True)
    assert message in page
    assert data["bio"] in page
    db.session.refresh(user)
    assert user.bio_md == "" and user.display_name is None


def test_change_password(app, client):
    user = make_user()
    login_as(client, user)
    wrong = client.submit(
        "/settings/password",
        {
            "pw-current_password": "nope",
            "pw-new_password": "new password 1",
            "pw-confirm": "new password 1",
        },
        page="/settings",
    )
    assert "That is not your current password." in wrong.get_data(as_text=True)
    right = client.submit(
        "/settings/password",
        {
            "pw-current_password": DEFAULT_PASSWORD,
            "pw-new_password": "new password 1",
            "pw-confirm": "new password 1",
        },
        page="/settings",
    )
    assert right.status_code == 302
    db.session.refresh(user)
    assert user.check_password("new password 1")


def test_export_contains_own_data_only(app, client):
    user = make_user("mira")
    make_post(user, title="My move into UX")
    make_post(make_user("other"), title="Someone else's story")
    login_as(client, user)
    response = client.get("/settings/export")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    export = json.loads(response.get_data(as_text=True))
    assert export["account"]["username"] == "mira"
    assert export["account"]["email"] == "mira@example.com"
    assert [post["title"] for post in export["posts"]] == ["My move into UX"]
    assert "password" not in json.dumps(export).lower().replace("password_hash", "")


def test_delete_account_keeps_content_as_deleted_member(app, client):
    user = make_user("mira")
    post = make_post(user, title="My move into UX")
    login_as(client, user)
    refused = client.submit("/settings/delete", {"del-password": "wrong"}, page="/settings")
    assert "That is not your password." in refused.get_data(as_text=True)
    response = client.submit(
        "/settings/delete", {"del-password": DEFAULT_PASSWORD}, page="/settings"
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.deleted_at is not None and user.email is None and user.password_hash is None
    page = client.get(f"/posts/{post.id}/{post.slug}").get_data(as_text=True)
    assert "deleted member" in page and "mira" not in page
    assert client.get("/u/mira").status_code == 404
    failed = client.submit("/auth/login", {"username": "mira", "password": DEFAULT_PASSWORD})
    assert "do not match" in failed.get_data(as_text=True)
    # The address is free again; the name stays reserved so old mentions never change hands.
    taken = register(client, username="mira", email="mira@example.com")
    assert "That username is taken." in taken.get_data(as_text=True)
    assert register(client, username="mira2", email="mira@example.com").status_code == 302


def test_suspended_member_can_still_sign_in_and_read(app, client):
    user = make_user("sam")
    user.suspended_at = utcnow()
    db.session.commit()
    login_as(client, user)
    assert client.get("/").status_code == 200
