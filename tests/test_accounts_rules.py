"""Who may call themselves what, which addresses are one, which passwords are too weak."""

import pytest
from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.accounts.names import is_reserved, name_key, normalise_email
from community.accounts.passwords import common_passwords, password_problem
from community.config import ConfigurationError
from community.extensions import db
from tests.conftest import login_as, make_test_app, make_user

SIGN_UP = {
    "username": "newcomer",
    "email": "newcomer@example.com",
    "password": "a long enough password",
    "confirm": "a long enough password",
}


def sign_up(client, **changes):
    return client.submit("/auth/register", {**SIGN_UP, **changes})


def users() -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize(
    "name",
    ["admin", "Moderator", "pathways", "pathways-team", "deleted-member", "pathways_team"],
)
def test_reserved_usernames_are_refused(app, client, name):
    page = sign_up(client, username=name).get_data(as_text=True)
    assert "That name is reserved" in page
    assert users() == 0


@pytest.mark.parametrize(
    "name",
    [
        "Pathways team",
        "PATHWAYS TEAM",
        "Ｐathways Team",  # full-width P
        "P\u0430thways Team",  # Cyrillic a
        "Deleted member",
        "m0derator",
        "Ada Lovelace",  # an admin's display name
        "ada",  # an admin's username
    ],
)
def test_display_names_cannot_impersonate_staff(app, client, name):
    admin = make_user("ada", role=Role.ADMIN)
    admin.display_name = "Ada Lovelace"
    db.session.commit()
    member = make_user("mira")
    login_as(client, member)
    response = client.submit(
        "/settings", {"display_name": name, "bio": "", "timezone": "UTC"}, page="/settings"
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "reserved" in page or "belongs to a member of staff" in page
    db.session.refresh(member)
    assert member.display_name is None


def test_staff_keep_their_own_display_name(app, client):
    moderator = make_user("mod", role=Role.MODERATOR)
    login_as(client, moderator)
    response = client.submit(
        "/settings", {"display_name": "Mod", "bio": "", "timezone": "UTC"}, page="/settings"
    )
    assert response.status_code == 302


def test_names_compare_as_they_read():
    assert name_key("Ｐａｔｈｗａｙｓ") == name_key("pathways")
    assert name_key("P\u0430thways") == name_key("Pathways")
    assert is_reserved("ADMIN") and is_reserved("path-ways")
    assert not is_reserved("mira")


def test_emails_are_unique_after_unicode_and_case_folding(app, client):
    make_user("mira", email="mira@example.com")
    for spelling in ("MIRA@EXAMPLE.COM", "ｍｉｒａ@example.com"):
        page = sign_up(client, email=spelling).get_data(as_text=True)
        assert "An account with that email already exists." in page
    assert normalise_email(" Ｍira@Example.com ") == "mira@example.com"
    assert users() == 1


@pytest.mark.parametrize("password", ["password123", "iloveyou1", "qwertyuiop", "PASSWORD123"])
def test_common_passwords_are_refused_with_a_helpful_message(app, client, password):
    page = sign_up(client, password=password, confirm=password).get_data(as_text=True)
    assert "one of the most common" in page
    assert users() == 0


def test_blank_passwords_are_refused(app, client):
    page = sign_up(client, password=" " * 12, confirm=" " * 12).get_data(as_text=True)
    assert "not only spaces" in page
    assert users() == 0


def test_the_common_password_list_ships_with_the_package():
    listed = common_passwords()
    assert 5_000 < len(listed) < 20_000
    assert all(len(entry) >= 8 for entry in listed)
    assert password_problem("correct horse battery staple") is None


def test_a_new_password_must_also_be_acceptable(app, client):
    user = make_user("mira")
    login_as(client, user)
    response = client.submit(
        "/settings/password",
        {
            "pw-current_password": "correct horse battery staple",
            "pw-new_password": "password123",
            "pw-confirm": "password123",
        },
        page="/settings",
    )
    assert "one of the most common" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["prod", "Production ", "staging", ""])
def test_an_unknown_environment_refuses_to_start(monkeypatch, value):
    monkeypatch.setenv("PATHWAYS_ENV", value)
    if value.strip().lower() == "production":
        monkeypatch.setenv("SECRET_KEY", "k" * 40)
        assert make_test_app("sqlite://").config["PATHWAYS_ENV"] == "production"
        return
    with pytest.raises(ConfigurationError, match="PATHWAYS_ENV"):
        from community import create_app

        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_profile_urls_with_impossible_names_are_404(app, client):
    for path in ("/u/a%00b", "/u/" + "x" * 300, "/u/%E2%80%8B", "/u/..%2f"):
        assert client.get(path).status_code == 404
