"""Password reset by mail: the same answer for every address, a signed link that works once
for an hour and dies with the password, every other sign-in ended; hostile links and
headers never send anything wrongly and never answer 500."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from community.accounts import tokens
from community.accounts.models import User
from community.db import unit_of_work
from community.extensions import db, limiter
from community.notifications import mail
from community.notifications.models import MailTopic, OutgoingMail
from tests.conftest import DEFAULT_PASSWORD, login_as, mail_config, make_user

NEW_PASSWORD = "a brand new passphrase 2026"
LINK = re.compile(r"http://localhost(/auth/reset/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def limits() -> dict:
    """Rate limits to turn on (parametrize ``limits``); off by default."""
    return {}


@pytest.fixture
def app_config(smtp_server, limits):
    extra = {"RATELIMIT_ENABLED": True, **limits} if limits else {}
    return mail_config(smtp_server, **extra)


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutgoingMail))


def ask_reset(client, email: str, **kwargs):
    return client.submit("/auth/reset", {"email": email}, **kwargs)


def reset_path(mailbox, address: str) -> str:
    message = mailbox.to(address)[-1]
    match = LINK.search(message.get_body(("plain",)).get_content())
    assert match, "no reset link in the mail"
    return match.group(1)


def can_sign_in(app, user: User, password: str) -> bool:
    fresh = app.test_client()
    response = fresh.submit("/auth/login", {"username": user.username, "password": password})
    return response.status_code == 302


def test_the_link_from_the_mail_sets_a_new_password_and_signs_out_everywhere(app, client, mailbox):
    mira = make_user("mira")
    elsewhere = app.test_client()
    login_as(elsewhere, mira)

    asked = ask_reset(client, "MIRA@example.com ")
    assert asked.status_code == 302 and asked.location.endswith("/auth/reset")
    page = client.get("/auth/reset").get_data(as_text=True)
    assert "If an account uses that address" in page and "60 minutes" in page

    [message] = mailbox.to("mira@example.com")
    assert message["Subject"] == "Reset your Pathways password"
    assert "List-Unsubscribe" not in message  # account mail has no unsubscribe
    text = message.get_body(("plain",)).get_content()
    assert "mira" in text and "60 minutes" in text
    assert LINK.search(message.get_body(("html",)).get_content())
    path = reset_path(mailbox, "mira@example.com")

    form = client.get(path)
    assert form.status_code == 200
    assert 'name="password"' in form.get_data(as_text=True)
    assert 'name="confirm"' in form.get_data(as_text=True)

    weak = client.submit(path, {"password": "short", "confirm": "short"})
    assert weak.status_code == 400
    assert "field__errors" in weak.get_data(as_text=True)
    mismatch = client.submit(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert mismatch.status_code == 400
    assert "The two passwords do not match." in mismatch.get_data(as_text=True)

    done = client.submit(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.location.endswith("/auth/login")
    assert "Sign in with it" in client.get("/auth/login").get_data(as_text=True)
    assert not client.signed_in()

    # The other device is signed out; only the new password works.
    assert elsewhere.get("/settings").status_code == 302
    assert not can_sign_in(app, mira, DEFAULT_PASSWORD)
    assert can_sign_in(app, mira, NEW_PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(app, client, mailbox):
    make_user("mira")
    known = ask_reset(client, "mira@example.com")
    known_page = client.get("/auth/reset").get_data(as_text=True)
    unknown = ask_reset(client, "nobody@example.com")
    unknown_page = client.get("/auth/reset").get_data(as_text=True)

    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    strip = re.compile(r'value="[^"]*"')  # CSRF tokens differ
    assert strip.sub("", known_page) == strip.sub("", unknown_page)
    assert mailbox.to("nobody@example.com") == []
    assert len(mailbox.messages) == 1 and outbox_count() == 1


def test_deleted_members_and_the_site_account_get_no_reset_mail(app, client, mailbox):
    gone = make_user("gone")
    login_as(client, gone)
    client.submit("/settings/delete", {"del-password": DEFAULT_PASSWORD})
    assert ask_reset(client, "gone@example.com").status_code == 302
    assert mailbox.messages == [] and outbox_count() == 0


def test_a_malformed_address_is_refused_next_to_the_field_and_kept(app, client, mailbox):
    response = ask_reset(client, "not-an-address")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a valid email address." in page and 'value="not-an-address"' in page
    assert mailbox.messages == []


def test_a_used_link_does_not_work_twice(app, client, mailbox):
    mira = make_user("mira")
    ask_reset(client, "mira@example.com")
    path = reset_path(mailbox, "mira@example.com")
    client.submit(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    again = client.get(path)
    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)
    reused = client.submit(
        path, {"password": "yet another passphrase", "confirm": "yet another passphrase"}
    )
    assert reused.status_code == 400
    db.session.expire_all()
    assert can_sign_in(app, mira, NEW_PASSWORD)


def test_every_earlier_link_dies_with_the_first_reset(app, client, mailbox):
    make_user("mira")
    ask_reset(client, "mira@example.com")
    first = reset_path(mailbox, "mira@example.com")
    time.sleep(1.01)  # a different timestamp, so a different link
    ask_reset(client, "mira@example.com")
    second = reset_path(mailbox, "mira@example.com")
    assert first != second
    assert client.get(first).status_code == 200 and client.get(second).status_code == 200

    client.submit(second, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client.get(first).status_code == 400


def test_a_password_change_in_settings_kills_the_link(app, client, mailbox):
    mira = make_user("mira")
    ask_reset(client, "mira@example.com")
    path = reset_path(mailbox, "mira@example.com")
    login_as(client, mira)
    changed = client.submit(
        "/settings/password",
        {
            "pw-current_password": DEFAULT_PASSWORD,
            "pw-new_password": NEW_PASSWORD,
            "pw-confirm": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    response = client.get(path)
    assert response.status_code == 400
    assert "the password was changed since" in response.get_data(as_text=True)


def test_an_expired_link_says_so(app, client, mailbox):
    mira = make_user("mira")
    an_hour_ago = time.time() - app.config["PASSWORD_RESET_SECONDS"] - 5
    with mock.patch("time.time", return_value=an_hour_ago):
        token = tokens.reset_token(mira)
    response = client.get(f"/auth/reset/{token}")
    assert response.status_code == 400
    assert "work for an hour" in response.get_data(as_text=True)
    posted = client.submit(
        f"/auth/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert posted.status_code == 400
    assert can_sign_in(app, mira, DEFAULT_PASSWORD)


def _signed(payload, key: str = "test-secret-key-that-is-long-enough-0123456789") -> str:
    return URLSafeTimedSerializer(key, salt=tokens.RESET_SALT).dumps(payload)


def hostile_tokens(mira: User) -> dict[str, str]:
    good = tokens.reset_token(mira)
    fingerprint = tokens._fingerprint(mira.password_hash)
    return {
        "truncated": good[:-6],
        "one character changed": good[:-10] + ("A" if good[-10] != "A" else "B") + good[-9:],
        "other key": _signed({"user": mira.id, "password": fingerprint}, key="x" * 48),
        "verification link": tokens.verification_token(mira),
        "no fingerprint": _signed({"user": mira.id}),
        "guessed fingerprint": _signed({"user": mira.id, "password": "0" * 32}),
        "id as text": _signed({"user": str(mira.id), "password": fingerprint}),
        "id as true": _signed({"user": True, "password": fingerprint}),
        "huge id": _signed({"user": 2**40, "password": fingerprint}),
        "a list": _signed([mira.id, fingerprint]),
        "junk": "abc",
        "dots": "...",
        "very long": "a" * 5000,
        "non-ascii": "é" * 10,
    }


def test_forged_truncated_and_junk_links_are_refused_never_a_500(app, client, mailbox):
    mira = make_user("mira")
    for name, token in hostile_tokens(mira).items():
        shown = client.get(f"/auth/reset/{token}")
        assert shown.status_code in (400, 404), name
        posted = client.submit(
            f"/auth/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        )
        assert posted.status_code in (400, 404), name
        if shown.status_code == 400:
            assert "not valid" in shown.get_data(as_text=True), name
    db.session.expire_all()
    assert can_sign_in(app, mira, DEFAULT_PASSWORD)
    assert mailbox.messages == []


def test_a_deleted_members_old_link_is_refused(app, client, mailbox):
    gone = make_user("gone")
    token = tokens.reset_token(gone)
    login_as(client, gone)
    client.submit("/settings/delete", {"del-password": DEFAULT_PASSWORD})
    assert client.get(f"/auth/reset/{token}").status_code == 400


def test_a_reset_link_confirms_an_unchecked_address(app, client, mailbox):
    newcomer = make_user("newcomer", verified=False)
    ask_reset(client, "newcomer@example.com")
    path = reset_path(mailbox, "newcomer@example.com")
    client.submit(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    db.session.expire_all()
    assert db.session.get(User, newcomer.id).is_verified


def test_the_login_page_links_to_the_reset(app, client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/reset"' in page and "Forgot your password?" in page


# --- header injection ----------------------------------------------------------------------


def test_line_breaks_in_a_display_name_never_reach_the_headers(app, client, mailbox):
    mira = make_user("mira")
    login_as(client, mira)
    client.submit(
        "/settings",
        {"display_name": "Mira\r\nBcc: evil@example.com", "bio": "", "timezone": "UTC"},
    )
    ask_reset(client, "mira@example.com")
    [message] = mailbox.messages
    assert message["To"] == "mira@example.com"
    assert message["Bcc"] is None and "evil" not in str(message["To"])
    assert mailbox.to("evil@example.com") == []


def test_line_breaks_in_the_address_field_send_nothing(app, client, mailbox):
    make_user("mira")
    for hostile in (
        "mira@example.com\r\nBcc: evil@example.com",
        "mira@example.com\nSubject: hi",
        "evil@example.com,mira@example.com",
    ):
        response = ask_reset(client, hostile)
        assert response.status_code == 400, hostile
    assert mailbox.messages == [] and outbox_count() == 0


def test_a_subject_with_line_breaks_arrives_on_one_line(app, mailbox):
    mira = make_user("mira")
    with unit_of_work():
        mail.compose(
            mira,
            MailTopic.ACCOUNT,
            "Reset\r\nBcc: evil@example.com",
            "notification",
            message="x",
            url="/",
        )
    [message] = mailbox.messages
    assert message["Subject"] == "Reset Bcc: evil@example.com"
    assert message["Bcc"] is None and mailbox.to("evil@example.com") == []


# --- rate limits ---------------------------------------------------------------------------


@pytest.mark.parametrize("limits", [{"RATE_LIMIT_PASSWORD_RESET": "2 per hour"}])
def test_requests_for_one_address_are_limited_whoever_sends_them(app, mailbox):
    limiter.reset()
    make_user("mira")
    answers = []
    for number in range(3):
        sender = app.test_client()
        environ = {"REMOTE_ADDR": f"10.0.0.{number + 1}"}
        answers.append(ask_reset(sender, "mira@example.com", environ_base=environ).status_code)
    assert answers == [302, 302, 429]
    assert len(mailbox.to("mira@example.com")) == 2
    # An unknown address is limited alike: the limit tells nobody who is a member.
    unknown = []
    for number in range(3):
        sender = app.test_client()
        environ = {"REMOTE_ADDR": f"10.0.1.{number + 1}"}
        unknown.append(ask_reset(sender, "ghost@example.com", environ_base=environ).status_code)
    assert unknown == [302, 302, 429]


@pytest.mark.parametrize("limits", [{"RATE_LIMIT_PASSWORD_RESET": "2 per hour"}])
def test_requests_from_one_client_are_limited_whatever_the_address(app, client, mailbox):
    limiter.reset()
    answers = [ask_reset(client, f"someone{n}@example.com").status_code for n in range(3)]
    assert answers == [302, 302, 429]
