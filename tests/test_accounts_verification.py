"""Checking addresses: a link on sign-up and on a new address, a resend button, and what an
unchecked member may do (read, comment, vote) and may not (mentorship requests, events,
links) while ``REQUIRE_VERIFIED_EMAIL`` is on."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from sqlalchemy import func, select

from community import permissions
from community.accounts import tokens
from community.accounts.models import User
from community.db import Refused
from community.discussions import services as discussions
from community.discussions.comment_models import Comment
from community.discussions.models import Post
from community.events.models import Event
from community.extensions import db, limiter
from community.mentorship.models import MentorshipRequest
from tests.conftest import DEFAULT_PASSWORD, login_as, mail_config, make_post, make_user
from tests.mentorship_support import REQUEST_TEXT, make_mentor
from tests.test_events_pages import event_form

LINK = re.compile(r"http://localhost(/auth/verify/[A-Za-z0-9_.\-]+)")
LINKED = "Here is what helped me: [a course](https://example.com/course)."


@pytest.fixture
def limits() -> dict:
    """Rate limits to turn on (parametrize ``limits``); off by default."""
    return {}


@pytest.fixture
def app_config(smtp_server, limits):
    extra = {"RATELIMIT_ENABLED": True, **limits} if limits else {}
    return mail_config(smtp_server, **extra)


def verify_path(mailbox, address: str) -> str:
    message = [m for m in mailbox.to(address) if "Confirm" in m["Subject"]][-1]
    match = LINK.search(message.get_body(("plain",)).get_content())
    assert match, "no check link in the mail"
    return match.group(1)


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def register(client, username: str = "newbie", email: str = "newbie@example.com"):
    return client.submit(
        "/auth/register",
        {
            "username": username,
            "email": email,
            "password": DEFAULT_PASSWORD,
            "confirm": DEFAULT_PASSWORD,
        },
    )


def test_sign_up_mails_a_link_that_confirms_the_address(app, client, mailbox):
    assert register(client).status_code == 302
    newbie = db.session.scalar(select(User).where(User.username == "newbie"))
    assert not newbie.is_verified
    home = client.get("/").get_data(as_text=True)
    assert "We sent a link to newbie@example.com" in home

    [message] = mailbox.to("newbie@example.com")
    assert message["Subject"] == "Confirm your email address for Pathways"
    assert "List-Unsubscribe" not in message
    path = verify_path(mailbox, "newbie@example.com")

    page = client.get(path)
    assert page.status_code == 200 and "Confirm my address" in page.get_data(as_text=True)
    assert not fresh(newbie).is_verified  # opening the link (a mail scanner) confirms nothing
    confirmed = client.submit(path)
    assert confirmed.status_code == 302 and confirmed.location.endswith("/settings")
    assert fresh(newbie).is_verified
    settings = client.get("/settings").get_data(as_text=True)
    assert "newbie@example.com is confirmed" in settings and "(confirmed)" in settings

    again = client.submit(path)
    assert again.status_code == 302 and fresh(newbie).is_verified


def test_the_link_works_without_signing_in(app, client, mailbox):
    register(client)
    path = verify_path(mailbox, "newbie@example.com")
    stranger = app.test_client()
    response = stranger.submit(path)
    assert response.status_code == 302 and response.location.endswith("/auth/login")
    assert db.session.scalar(select(User).where(User.username == "newbie")).is_verified


def test_accounts_made_by_an_operator_count_as_checked(app, runner, mailbox):
    result = runner.invoke(
        args=["create-user", "staffer", "--email", "s@example.com", "--password", DEFAULT_PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.username == "staffer")).is_verified
    assert mailbox.messages == []


def test_forged_stale_and_outdated_check_links_are_refused(app, client, mailbox):
    nina = make_user("nina", verified=False)
    good = tokens.verification_token(nina)
    with mock.patch("time.time", return_value=time.time() - 8 * 24 * 3600):
        stale = tokens.verification_token(nina)
    for token in (good[:-8], tokens.reset_token(nina), "junk", "x" * 4000, "%00"):
        assert client.get(f"/auth/verify/{token}").status_code in (400, 404), token
        assert client.submit(f"/auth/verify/{token}").status_code in (400, 404), token
    expired = client.get(f"/auth/verify/{stale}")
    assert expired.status_code == 400 and "has expired" in expired.get_data(as_text=True)
    assert not fresh(nina).is_verified


def test_a_member_asks_for_the_link_again(app, client, mailbox):
    nina = make_user("nina", verified=False)
    login_as(client, nina)
    settings = client.get("/settings").get_data(as_text=True)
    assert "Send the link again" in settings and "(not confirmed yet)" in settings
    response = client.submit("/auth/verify", {"next": "/events/"})
    assert response.status_code == 302 and response.location.endswith("/events/")
    assert "We sent a new link to nina@example.com" in client.get("/events/").get_data(as_text=True)
    client.submit(verify_path(mailbox, "nina@example.com"))
    assert fresh(nina).is_verified

    mailbox.clear()
    client.submit("/auth/verify")
    assert "already confirmed" in client.get("/settings").get_data(as_text=True)
    assert mailbox.messages == []


def test_resending_needs_a_member_and_stays_on_the_site(app, client, mailbox):
    assert client.submit("/auth/verify").status_code == 302  # to the login page
    assert mailbox.messages == []
    login_as(client, make_user("nina", verified=False))
    response = client.submit("/auth/verify", {"next": "https://evil.example.com/"})
    assert response.location.endswith("/settings")


@pytest.mark.parametrize("limits", [{"RATE_LIMIT_VERIFICATION": "2 per hour"}])
def test_resending_is_rate_limited(app, client, mailbox):
    limiter.reset()
    login_as(client, make_user("nina", verified=False))
    answers = [client.submit("/auth/verify").status_code for _ in range(3)]
    assert answers == [302, 302, 429]
    assert len(mailbox.to("nina@example.com")) == 2


# --- changing the address ------------------------------------------------------------------


def test_a_new_address_is_checked_and_the_old_one_told(app, client, mailbox):
    mira = make_user("mira")
    old_link = tokens.verification_token(mira)
    login_as(client, mira)
    response = client.submit(
        "/settings/email", {"email": "Mira.New@Example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    mira = fresh(mira)
    assert mira.email == "mira.new@example.com" and not mira.is_verified

    [notice] = mailbox.to("mira@example.com")
    assert notice["Subject"] == "Your Pathways email address was changed"
    text = notice.get_body(("plain",)).get_content()
    assert "m***@example.com" in text and "mira.new@example.com" not in text
    new_link = verify_path(mailbox, "mira.new@example.com")

    assert client.get(f"/auth/verify/{old_link}").status_code == 400
    client.submit(new_link)
    assert fresh(mira).is_verified


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("taken@example.com", DEFAULT_PASSWORD, "An account with that email already exists."),
        ("MIRA@example.com", DEFAULT_PASSWORD, "That is already your address."),
        ("not an address", DEFAULT_PASSWORD, "Enter a valid email address."),
        ("other@example.com", "wrong password", "That is not your password."),
        ("x@example.com\r\nBcc: evil@example.com", DEFAULT_PASSWORD, "Enter a valid email"),
    ],
)
def test_a_refused_address_change_says_why_and_keeps_the_text(
    app, client, mailbox, email, password, message
):
    make_user("taken")
    mira = make_user("mira")
    login_as(client, mira)
    response = client.submit("/settings/email", {"email": email, "password": password})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    if "\n" not in email:
        assert f'value="{email}"' in page
    assert fresh(mira).email == "mira@example.com" and fresh(mira).is_verified
    assert mailbox.messages == []


# --- what waits for the check --------------------------------------------------------------


def test_the_predicates_ask_for_a_checked_address_only_when_configured(app):
    nina = make_user("nina", verified=False)
    mira = make_user("mira")
    profile = make_mentor(make_user("mentor"))
    assert not permissions.is_verified_enough(nina) and permissions.is_verified_enough(mira)
    assert not permissions.can_submit_event(nina) and permissions.can_submit_event(mira)
    assert not permissions.can_request_mentorship(nina, profile)
    assert permissions.can_request_mentorship(mira, profile)
    app.config["REQUIRE_VERIFIED_EMAIL"] = False
    assert permissions.can_submit_event(nina)
    assert permissions.can_request_mentorship(nina, profile)


def test_an_unchecked_member_reads_comments_and_votes(app, client):
    author = make_user("author")
    post = make_post(author)
    nina = make_user("nina", verified=False)
    other = make_user("other")
    login_as(client, other)
    client.submit(f"/posts/{post.id}/comments", {"body": "A first comment."})
    comment = db.session.scalar(select(Comment))
    login_as(client, nina)
    assert client.get(f"/posts/{post.id}/{post.slug}").status_code == 200
    commented = client.submit(f"/posts/{post.id}/comments", {"body": "Thanks, that helps."})
    assert commented.status_code == 302
    voted = client.submit(f"/comments/{comment.id}/vote")
    assert voted.status_code == 302
    assert count(Comment) == 2


def test_links_from_an_unchecked_member_are_refused_next_to_the_body(app, client):
    post = make_post(make_user("author"))
    nina = make_user("nina", verified=False)
    login_as(client, nina)
    response = client.submit(f"/posts/{post.id}/comments", {"body": LINKED})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "confirm your email address" in page and "field__errors" in page
    assert "[a course](https://example.com/course)" in page  # the text is kept
    assert count(Comment) == 0

    client.submit(f"/posts/{post.id}/comments", {"body": "No links here."})
    comment = db.session.scalar(select(Comment))
    edited = client.submit(f"/comments/{comment.id}/edit", {"body": LINKED})
    assert edited.status_code == 400
    assert "confirm your email address" in edited.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body_md == "No links here."

    app.config["REQUIRE_VERIFIED_EMAIL"] = False
    assert client.submit(f"/posts/{post.id}/comments", {"body": LINKED}).status_code == 302


def test_posts_with_links_wait_for_the_check(app):
    nina = make_user("nina", verified=False)
    with pytest.raises(Refused) as refused:
        discussions.create_post(nina, "My path", LINKED)
    assert refused.value.field == "body"
    db.session.rollback()
    post = discussions.create_post(nina, "My path", "No links yet.")
    db.session.commit()
    with pytest.raises(Refused):
        discussions.edit_post(post, "My path", LINKED)
    db.session.rollback()
    assert db.session.get(Post, post.id).body_md == "No links yet."
    # Mentions link within the site: they are fine.
    discussions.edit_post(post, "My path", "Thanks @nina")


def test_a_post_with_links_from_an_unchecked_member_is_not_stored(app, client):
    login_as(client, make_user("nina", verified=False))
    response = client.submit("/posts/new", {"title": "My path", "body": LINKED, "tags": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "confirm your email address" in page
    # The text written is kept in the form, next to the message.
    assert 'name="title"' in page and 'value="My path"' in page
    assert count(Post) == 0


def test_an_unchecked_member_opening_the_event_form_is_told_why(app, client):
    login_as(client, make_user("nina", verified=False))
    response = client.get("/events/new")
    assert response.status_code == 403
    assert "Confirm your email address to submit events" in response.get_data(as_text=True)


def test_events_tell_an_unchecked_member_why_they_cannot_submit(app, client, mailbox):
    login_as(client, make_user("nina", verified=False))
    for page in ("/events/", "/events/mine"):
        text = client.get(page).get_data(as_text=True)
        assert "To submit an event, confirm your email address first." in text, page
        assert 'href="/events/new"' not in text
        assert "Send the link again" in text
    assert client.get("/events/new").status_code == 403
    assert client.submit("/events/new", event_form()).status_code == 403
    assert count(Event) == 0

    app.config["REQUIRE_VERIFIED_EMAIL"] = False
    assert client.submit("/events/new", event_form()).status_code == 302
    assert count(Event) == 1


def test_mentor_pages_tell_an_unchecked_member_why_they_cannot_ask(app, client):
    profile = make_mentor(make_user("mentor"))
    login_as(client, make_user("nina", verified=False))
    page = client.get("/mentors/mentor").get_data(as_text=True)
    assert "To send mentor a mentorship request, confirm your email address first." in page
    assert 'href="/mentors/mentor/request"' not in page
    form = client.get("/mentors/mentor/request").get_data(as_text=True)
    assert "confirm your email address first" in form
    assert profile.is_accepting


def test_an_unchecked_member_cannot_send_a_mentorship_request(app, client):
    make_mentor(make_user("mentor"))
    login_as(client, make_user("nina", verified=False))
    response = client.submit("/mentors/mentor/request", {"message": REQUEST_TEXT})
    assert response.status_code in (400, 403)
    assert "Confirm your email address" in response.get_data(as_text=True)
    assert count(MentorshipRequest) == 0
