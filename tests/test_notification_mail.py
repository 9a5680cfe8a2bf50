"""Notification mail: choices per topic, mail sent at once, one-click unsubscribe."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from community.db import unit_of_work
from community.discussions import comment_services
from community.extensions import db
from community.notifications import preferences, services
from community.notifications.models import (
    Delivery,
    MailPreference,
    MailTopic,
    Notification,
    OutgoingMail,
)
from community.notifications.unsubscribe import unsubscribe_path
from tests.conftest import login_as, mail_config, make_post, make_user

ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def app_config(smtp_server):
    return mail_config(smtp_server)


def choose(user, **choices: str) -> None:
    preferences.set_preferences(
        user, {MailTopic(topic): Delivery(value) for topic, value in choices.items()}
    )
    db.session.commit()


def stored_choices(user) -> dict[str, str]:
    rows = db.session.scalars(select(MailPreference).where(MailPreference.user_id == user.id))
    return {row.topic.value: row.delivery.value for row in rows}


def links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def reply_by(author, parent_author, body: str = "Same here: a bootcamp, then a junior role."):
    """``author`` replies to a comment of ``parent_author`` on a post of the latter."""
    post = make_post(parent_author, title="Moving into data")
    with unit_of_work():
        parent = comment_services.create_comment(post, parent_author, "What worked for you?")
    with unit_of_work():
        return comment_services.create_comment(post, author, body, parent_id=parent.id)


# --- topics and defaults ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "topic"),
    [
        ("reply", MailTopic.REPLIES),
        ("mention", MailTopic.MENTIONS),
        ("followed_post", MailTopic.FOLLOWED_POSTS),
        ("mentorship_request", MailTopic.MENTORSHIP),
        ("mentorship_message", MailTopic.MENTORSHIP),
        ("event_changed", MailTopic.EVENTS),
        ("event_reminder", MailTopic.EVENTS),
        ("moderation", MailTopic.MODERATION),
        ("plan_goal_overdue", MailTopic.PLANS),
        ("plan_comment", MailTopic.PLANS),
        ("something_else", None),
    ],
)
def test_each_kind_belongs_to_one_topic(kind, topic):
    assert preferences.topic_for(kind) is topic


def test_defaults_mentorship_and_moderation_at_once_the_rest_daily(app):
    mira = make_user("mira")
    assert {
        topic.value: preferences.delivery_for(mira, topic).value for topic in preferences.CHOOSABLE
    } == {
        "replies": "daily",
        "mentions": "daily",
        "followed_posts": "daily",
        "mentorship": "immediately",
        "events": "daily",
        "moderation": "immediately",
        "plans": "daily",
    }
    assert preferences.delivery_for(mira, MailTopic.ACCOUNT) is Delivery.IMMEDIATELY
    assert stored_choices(mira) == {}


def test_set_preferences_changes_only_the_topics_given(app):
    mira = make_user("mira")
    choose(mira, replies="off", mentions="immediately")
    choose(mira, replies="daily")
    assert stored_choices(mira) == {"replies": "daily", "mentions": "immediately"}
    assert preferences.delivery_for(mira, MailTopic.MENTIONS) is Delivery.IMMEDIATELY
    assert preferences.delivery_for(mira, MailTopic.EVENTS) is Delivery.DAILY
    with pytest.raises(ValueError):
        preferences.set_preferences(mira, {MailTopic.ACCOUNT: Delivery.OFF})


# --- the page ---------------------------------------------------------------------------


def test_the_page_asks_visitors_to_sign_in(app, client):
    response = client.get("/settings/notifications")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_page_shows_the_defaults_and_saves_choices(app, client):
    mira = make_user("mira")
    login_as(client, mira)
    page = html.unescape(client.get("/settings/notifications").get_data(as_text=True))
    for topic in preferences.CHOOSABLE:
        assert topic.label in page
    checked = dict(re.findall(r'name="(\w+)" type="radio" value="(\w+)" checked', page))
    checked |= dict(re.findall(r'checked[^>]*name="(\w+)"[^>]*value="(\w+)"', page))
    assert checked == {
        "replies": "daily",
        "mentions": "daily",
        "followed_posts": "daily",
        "mentorship": "immediately",
        "events": "daily",
        "moderation": "immediately",
        "plans": "daily",
    }

    form = {
        "replies": "immediately",
        "mentions": "off",
        "followed_posts": "off",
        "mentorship": "daily",
        "events": "daily",
        "moderation": "immediately",
        "plans": "off",
    }
    response = client.submit("/settings/notifications", form)
    assert response.status_code == 302
    assert "Your mail choices are saved." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert stored_choices(mira) == form


def test_an_invalid_choice_is_shown_next_to_its_field_and_nothing_is_saved(app, client):
    mira = make_user("mira")
    login_as(client, mira)
    form = {
        "replies": "hourly",
        "mentions": "off",
        "followed_posts": "off",
        "mentorship": "daily",
        "events": "daily",
        "moderation": "<script>",
    }
    response = client.submit("/settings/notifications", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page.count("Choose immediately, a daily digest or off.") == 2
    assert 'id="replies-error"' in page and 'id="moderation-error"' in page
    assert 'id="mentions-error"' not in page
    assert "<script>" not in page
    assert stored_choices(mira) == {}


def test_a_choice_left_out_of_the_form_keeps_its_value(app, client):
    mira = make_user("mira")
    choose(mira, events="off")
    login_as(client, mira)
    response = client.submit("/settings/notifications", {"replies": "off"})
    assert response.status_code == 302
    assert stored_choices(mira)["events"] == "off"
    assert stored_choices(mira)["replies"] == "off"
    assert stored_choices(mira)["mentorship"] == "immediately"


def test_saving_without_the_csrf_token_is_refused(app, client):
    mira = make_user("mira")
    login_as(client, mira)
    response = client.post("/settings/notifications", data={"replies": "off"})
    assert response.status_code == 400
    assert stored_choices(mira) == {}


# --- mail at once -----------------------------------------------------------------------


def test_a_reply_reaches_a_member_who_chose_immediately_with_working_links(app, client, mailbox):
    mira, fred = make_user("mira"), make_user("fred")
    choose(mira, replies="immediately")
    post = make_post(mira, title="Moving into data")
    with unit_of_work():
        parent = comment_services.create_comment(post, mira, "What worked for you?")
    login_as(client, fred)
    response = client.submit(
        f"/posts/{post.id}/comments",
        {"body": "A bootcamp, then a junior role.", "parent_id": parent.id},
    )
    assert response.status_code == 302

    [message] = mailbox.to("mira@example.com")
    assert message["Subject"] == "fred replied to your comment on “Moving into data”"
    assert message["List-Unsubscribe-Post"] == ONE_CLICK
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "fred replied to your comment" in text and "fred replied to your comment" in html
    reply = db.session.scalar(select(Notification).where(Notification.user_id == mira.id))
    assert reply.kind == "reply" and reply.mailed_at is not None
    target, unsubscribe, settings = links(text)
    assert target == f"http://localhost{reply.url}" and f'href="{target}"' in html
    assert f"<{unsubscribe}>" == message["List-Unsubscribe"]
    assert settings == "http://localhost/settings/notifications"

    login_as(client, mira)
    opened = client.get(path_of(target), follow_redirects=True)
    assert opened.status_code == 200 and "A bootcamp, then a junior role." in opened.get_data(
        as_text=True
    )
    assert client.get(path_of(settings)).status_code == 200
    assert client.get(path_of(unsubscribe)).status_code == 200


def test_daily_and_off_topics_send_nothing_at_once(app, mailbox):
    mira, fred = make_user("mira"), make_user("fred")
    choose(mira, mentions="off")
    reply_by(fred, mira, body="Ask @mira about it.")
    assert mailbox.messages == []
    kinds = db.session.scalars(
        select(Notification.kind).where(
            Notification.user_id == mira.id, Notification.mailed_at.is_(None)
        )
    ).all()
    assert kinds == ["reply"]  # one notification per member: the reply beats the mention


def test_mentorship_and_moderation_come_at_once_by_default(app, mailbox):
    mira, mod = make_user("mira"), make_user("mod")
    with unit_of_work():
        services.notify(mira, "mentorship_request", "Ana asked you to mentor her", "/mentorship/1")
        services.notify(
            mira, "moderation", "A moderator hid your comment", "/comments/1", actor=mod
        )
        services.notify(mira, "event_changed", "The meetup moved", "/events/1")
    subjects = sorted(message["Subject"] for message in mailbox.to("mira@example.com"))
    assert subjects == ["A moderator hid your comment", "Ana asked you to mentor her"]


def test_no_mail_to_an_unchecked_address_or_about_ones_own_action(app, mailbox):
    unchecked, mira = make_user("newbie", verified=False), make_user("mira")
    with unit_of_work():
        services.notify(unchecked, "mentorship_request", "Ana asked you", "/mentorship/1")
        services.notify(mira, "mentorship_message", "You wrote", "/mentorship/1", actor=mira)
    assert mailbox.messages == []
    stored = db.session.scalar(select(Notification))
    assert stored.user_id == unchecked.id and stored.mailed_at is None
    assert db.session.scalar(select(OutgoingMail)) is None


def test_a_suspended_member_still_hears_of_moderators_decisions(app, mailbox):
    sam = make_user("sam", suspended=True)
    with unit_of_work():
        services.notify(sam, "moderation", "Your suspension was reviewed", "/appeal")
    assert [m["Subject"] for m in mailbox.to("sam@example.com")] == ["Your suspension was reviewed"]


def test_a_rolled_back_action_mails_nothing(app, mailbox):
    mira = make_user("mira")
    with pytest.raises(RuntimeError), unit_of_work():
        services.notify(mira, "mentorship_request", "Ana asked you", "/mentorship/1")
        raise RuntimeError
    assert mailbox.messages == []
    assert db.session.scalar(select(Notification)) is None


def test_line_breaks_in_a_display_name_make_no_headers(app, mailbox):
    mira = make_user("mira")
    eve = make_user("eve")
    eve.display_name = "Eve\r\nBcc: x@evil.example\r\nX-Injected: yes"
    db.session.commit()
    choose(mira, replies="immediately")
    reply_by(eve, mira)

    [message] = mailbox.messages
    assert message["To"] == "mira@example.com"
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert message["Subject"].startswith("Eve Bcc: x@evil.example X-Injected: yes replied")
    header_names = {name.lower() for name in message}
    assert not header_names & {"bcc", "x-injected"}
    assert "Eve" in message.get_body(("plain",)).get_content()


# --- unsubscribe ------------------------------------------------------------------------


def test_unsubscribe_link_asks_first_then_turns_off_only_that_topic(app, client):
    mira = make_user("mira")
    choose(mira, replies="immediately", mentions="immediately")
    path = unsubscribe_path(mira, MailTopic.REPLIES)

    page = client.get(path)
    assert page.status_code == 200
    assert MailTopic.REPLIES.label in page.get_data(as_text=True)
    assert stored_choices(mira)["replies"] == "immediately"  # opening the link changes nothing

    done = client.post(path, data={"List-Unsubscribe": "One-Click"})  # the page's button
    assert done.status_code == 200
    assert "You will get no more mail about this" in done.get_data(as_text=True)
    assert stored_choices(mira) == {"replies": "off", "mentions": "immediately"}
    assert not client.signed_in()


def test_one_click_post_from_a_mail_client(app, client, mailbox):
    mira = make_user("mira")
    with unit_of_work():
        services.notify(mira, "moderation", "A moderator hid your comment", "/comments/1")
    [message] = mailbox.to("mira@example.com")
    url = message["List-Unsubscribe"].strip("<>")

    response = client.post(
        path_of(url), data=ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert stored_choices(mira) == {"moderation": "off"}
    assert preferences.delivery_for(mira, MailTopic.MENTORSHIP) is Delivery.IMMEDIATELY

    mailbox.clear()
    with unit_of_work():
        services.notify(mira, "moderation", "Another decision", "/comments/2")
        services.notify(mira, "mentorship_request", "Ana asked you", "/mentorship/1")
    assert [m["Subject"] for m in mailbox.to("mira@example.com")] == ["Ana asked you"]


def test_unsubscribing_twice_is_fine_and_the_page_says_it_is_off(app, client):
    mira = make_user("mira")
    path = unsubscribe_path(mira, MailTopic.EVENTS)
    assert client.post(path, data=ONE_CLICK).status_code == 200
    assert client.post(path, data=ONE_CLICK).status_code == 200
    assert "already off" in client.get(path).get_data(as_text=True)
    assert stored_choices(mira) == {"events": "off"}


def forged_tokens(app, member, other) -> list[str]:
    good = unsubscribe_path(member, MailTopic.REPLIES).rsplit("/", 1)[1]
    payload, signature = good.rsplit(".", 1)
    other_payload = unsubscribe_path(other, MailTopic.REPLIES).rsplit("/", 1)[1].rsplit(".", 1)[0]
    from itsdangerous import URLSafeSerializer

    return [
        "nonsense",
        good[:-3],  # truncated
        good[:10],
        f"{other_payload}.{signature}",  # someone else's id under this signature
        f"{payload}.{signature[::-1]}",
        URLSafeSerializer("another-secret-key", salt="unsubscribe").dumps(
            {"user": member.id, "topic": "replies"}
        ),
        URLSafeSerializer(app.config["SECRET_KEY"], salt="unsubscribe").dumps(
            {"user": member.id, "topic": "account"}
        ),
        URLSafeSerializer(app.config["SECRET_KEY"], salt="unsubscribe").dumps(
            {"user": member.id, "topic": "everything"}
        ),
        URLSafeSerializer(app.config["SECRET_KEY"], salt="unsubscribe").dumps(["a", "b"]),
        URLSafeSerializer(app.config["SECRET_KEY"], salt="unsubscribe").dumps(
            {"user": "x", "topic": "replies"}
        ),
        "a" * 5000,
        "%00",
    ]


def test_forged_or_truncated_tokens_are_a_404_and_change_nothing(app, client):
    mira, fred = make_user("mira"), make_user("fred")
    for token in forged_tokens(app, mira, fred):
        for method in (client.get, client.post):
            response = method(
                f"/unsubscribe/{token}", data=ONE_CLICK if method == client.post else None
            )
            assert response.status_code == 404, token
            assert "Page not found" in response.get_data(as_text=True)
    assert db.session.scalar(select(MailPreference)) is None


def test_a_deleted_members_link_is_a_404(app, client):
    from community.accounts.services import delete_account

    gone = make_user("gone")
    path = unsubscribe_path(gone, MailTopic.REPLIES)
    delete_account(gone)
    db.session.commit()
    assert client.post(path, data=ONE_CLICK).status_code == 404
    assert client.get(path).status_code == 404
