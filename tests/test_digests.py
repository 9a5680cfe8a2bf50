"""``flask send-digests``: one mail a day per member, grouped by topic, never twice."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update

from community.db import unit_of_work
from community.extensions import db
from community.notifications import digests, preferences, services
from community.notifications.models import Delivery, MailPreference, MailTopic, Notification
from community.timeutil import utcnow
from tests.conftest import mail_config, make_user


@pytest.fixture
def app_config(smtp_server):
    return mail_config(smtp_server)


def send(app) -> str:
    result = app.test_cli_runner().invoke(args=["send-digests"])
    assert result.exit_code == 0, result.output
    return result.output


def tell(member, kind: str, message: str, url: str = "/posts/", actor=None) -> None:
    with unit_of_work():
        services.notify(member, kind, message, url, actor=actor)


def unmailed(member) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == member.id, Notification.mailed_at.is_(None)
        )
    )


def test_daily_notifications_wait_for_the_digest_then_arrive_grouped_once(app, mailbox):
    mira, fred = make_user("mira"), make_user("fred")
    tell(mira, "reply", "fred replied to your comment on “Data”", "/comments/1", fred)
    tell(mira, "mention", "fred mentioned you in “Data”", "/comments/2", fred)
    tell(mira, "reply", "fred replied to your comment on “Cloud”", "/comments/3", fred)
    tell(mira, "event_changed", "The meetup “Career night” moved", "/events/4")
    assert mailbox.messages == []

    assert "1 digest(s) sent." in send(app)
    [digest] = mailbox.to("mira@example.com")
    assert digest["Subject"] == "4 new notifications on Pathways"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = digest.get_body(("plain",)).get_content()
    html = digest.get_body(("html",)).get_content()
    replies, mentions, events = (
        text.index(topic.label)
        for topic in (MailTopic.REPLIES, MailTopic.MENTIONS, MailTopic.EVENTS)
    )
    assert replies < text.index("on “Data”") < text.index("on “Cloud”") < mentions
    assert mentions < text.index("fred mentioned you") < events < text.index("Career night")
    assert text.count(MailTopic.REPLIES.label) == 1
    assert "http://localhost/comments/3" in text and 'href="http://localhost/events/4"' in html
    assert MailTopic.FOLLOWED_POSTS.label not in text
    assert unmailed(mira) == 0

    assert "0 digest(s) sent." in send(app)
    assert len(mailbox.messages) == 1


def test_a_member_with_nothing_new_gets_nothing(app, mailbox):
    make_user("mira")
    assert "0 digest(s) sent." in send(app)
    assert mailbox.messages == []


def test_read_notifications_are_not_digested(app, client, mailbox):
    mira = make_user("mira")
    tell(mira, "reply", "Read already", "/comments/1")
    services.mark_all_read(mira)
    db.session.commit()
    tell(mira, "reply", "Still unread", "/comments/2")
    send(app)
    [digest] = mailbox.to("mira@example.com")
    text = digest.get_body(("plain",)).get_content()
    assert "Still unread" in text and "Read already" not in text
    assert digest["Subject"] == "1 new notification on Pathways"


def test_only_daily_topics_of_members_who_may_get_mail(app, mailbox):
    mira, newbie, ana = make_user("mira"), make_user("newbie", verified=False), make_user("ana")
    preferences.set_preferences(ana, {MailTopic.REPLIES: Delivery.OFF})
    db.session.commit()
    tell(mira, "mentorship_request", "Ana asked you", "/mentorship/1")  # immediately
    tell(mira, "followed_post", "New comment on “Data”", "/comments/1")
    tell(newbie, "reply", "A reply for the unchecked address", "/comments/2")
    tell(ana, "reply", "A reply Ana wants no mail about", "/comments/3")
    tell(ana, "something_unmailable", "Not a mail topic", "/")
    mailbox.clear()

    assert "1 digest(s) sent." in send(app)
    [digest] = mailbox.messages
    assert digest["To"] == "mira@example.com"
    text = digest.get_body(("plain",)).get_content()
    assert "New comment on “Data”" in text and "Ana asked you" not in text
    assert unmailed(newbie) == 1 and unmailed(ana) == 2


def test_old_unread_notifications_are_not_dug_up(app, mailbox):
    mira = make_user("mira")
    tell(mira, "reply", "From long ago", "/comments/1")
    db.session.execute(
        update(Notification).values(created_at=utcnow() - digests.LOOKBACK - timedelta(hours=1))
    )
    db.session.commit()
    tell(mira, "reply", "From today", "/comments/2")
    send(app)
    text = mailbox.to("mira@example.com")[0].get_body(("plain",)).get_content()
    assert "From today" in text and "From long ago" not in text


def test_a_long_topic_lists_the_newest_and_counts_the_rest(app, mailbox):
    mira = make_user("mira")
    with unit_of_work():
        for number in range(digests.SHOWN_PER_TOPIC + 3):
            services.notify(mira, "reply", f"Reply number {number}", f"/comments/{number}")
    send(app)
    text = mailbox.to("mira@example.com")[0].get_body(("plain",)).get_content()
    assert "Reply number 12" in text and "Reply number 3" in text
    assert not re.search(r"Reply number [0-2]\b", text)
    assert "and 3 more: http://localhost/notifications" in text


def test_members_are_taken_in_batches_and_each_gets_one_digest(app, mailbox):
    members = [make_user(f"member{number}") for number in range(5)]
    for member in members:
        tell(member, "mention", f"Hello {member.username}", "/comments/1")
        tell(member, "reply", f"Reply for {member.username}", "/comments/2")
    assert digests.send_digests(batch_size=2) == 5
    for member in members:
        [digest] = mailbox.to(f"{member.username}@example.com")
        text = digest.get_body(("plain",)).get_content()
        assert f"Hello {member.username}" in text and f"Reply for {member.username}" in text
    assert digests.send_digests(batch_size=2) == 0
    assert len(mailbox.messages) == 5


def test_each_group_links_to_stopping_its_own_topic(app, client, mailbox):
    mira = make_user("mira")
    tell(mira, "reply", "A reply", "/comments/1")
    tell(mira, "event_changed", "An event moved", "/events/1")
    send(app)
    text = mailbox.to("mira@example.com")[0].get_body(("plain",)).get_content()
    stops = re.findall(r"Stop mail about this: (\S+)", text)
    assert len(stops) == 2
    response = client.post(
        urlsplit(stops[1]).path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    rows = db.session.scalars(select(MailPreference).where(MailPreference.user_id == mira.id))
    assert {row.topic: row.delivery for row in rows} == {MailTopic.EVENTS: Delivery.OFF}


def test_a_notification_mailed_meanwhile_is_not_repeated(app, mailbox):
    mira = make_user("mira")
    tell(mira, "reply", "Sent by another run", "/comments/1")
    tell(mira, "reply", "Still to send", "/comments/2")
    db.session.execute(
        update(Notification)
        .where(Notification.message == "Sent by another run")
        .values(mailed_at=utcnow())
    )
    db.session.commit()
    send(app)
    text = mailbox.to("mira@example.com")[0].get_body(("plain",)).get_content()
    assert "Still to send" in text and "Sent by another run" not in text
