"""Mail goes into the outbox inside the unit of work and out through SMTP after the commit."""

from __future__ import annotations

import socket
import threading
import time
from smtplib import SMTPServerDisconnected

import pytest
from sqlalchemy import select, update

from community.db import unit_of_work
from community.extensions import db
from community.notifications import mail
from community.notifications.models import MailTopic, OutgoingMail
from community.timeutil import utcnow
from tests.conftest import mail_config, make_user


@pytest.fixture
def app_config(smtp_server):
    return mail_config(smtp_server)


def test_a_composed_mail_arrives_after_the_commit_with_both_parts(app, mailbox):
    member = make_user("mira")
    with unit_of_work():
        mail.compose(
            member,
            MailTopic.REPLIES,
            "Ana replied",
            "notification",
            message="Ana replied to your comment",
            url="/comments/1",
        )
        assert mailbox.messages == []
    [message] = mailbox.to("mira@example.com")
    assert message["Subject"] == "Ana replied"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Ana replied to your comment" in text and "http://localhost/comments/1" in text
    assert "Ana replied to your comment" in html
    assert "Stop these mails" in text
    stored = db.session.scalar(select(OutgoingMail))
    assert stored.sent_at is not None and stored.attempts == 1


def test_a_rolled_back_unit_sends_nothing(app, mailbox):
    member = make_user("mira")
    with pytest.raises(RuntimeError), unit_of_work():
        mail.compose(member, MailTopic.REPLIES, "Ana replied", "notification", message="x", url="/")
        raise RuntimeError
    assert mailbox.messages == []
    assert db.session.scalar(select(OutgoingMail)) is None


def test_a_subject_with_line_breaks_stays_one_clean_header(app, mailbox):
    member = make_user("mira")
    with unit_of_work():
        mail.compose(
            member,
            MailTopic.REPLIES,
            "Ana replied\r\nBcc: everyone@example.com\n\nHello\x00",
            "notification",
            message="x",
            url="/",
        )
    [message] = mailbox.to("mira@example.com")
    assert message.get_all("Subject") == ["Ana replied Bcc: everyone@example.com Hello"]
    assert message["Bcc"] is None
    assert message.get_body(("plain",)).get_content().startswith("x")


def test_a_mail_delivered_twice_goes_out_once(app, mailbox):
    member = make_user("mira")
    with unit_of_work():
        stored = mail.compose(
            member, MailTopic.REPLIES, "Once", "notification", message="x", url="/"
        )
    assert mail.deliver(stored.id) is False
    assert mail.deliver(stored.id) is False
    assert mail.send_unsent() == 0
    assert len(mailbox.to("mira@example.com")) == 1
    assert db.session.get(OutgoingMail, stored.id).attempts == 1


def test_an_smtp_server_that_never_answers_fails_the_send_after_the_timeout(app, monkeypatch):
    """Without a timeout a silent server would hold the worker (or a page's thread) forever."""
    member = make_user("mira")
    with socket.socket() as silent:  # accepts connections, never says hello
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        monkeypatch.setattr(app.extensions["mail"], "port", silent.getsockname()[1])
        app.config["MAIL_TIMEOUT_SECONDS"] = 0.3
        started = time.monotonic()
        with unit_of_work():  # the send after the commit fails; the commit stands
            stored = mail.compose(
                member, MailTopic.REPLIES, "Hello", "notification", message="x", url="/"
            )
        with pytest.raises(SMTPServerDisconnected, match="timed out"):
            mail.deliver(stored.id)
        assert time.monotonic() - started < 3
    stored = db.session.get(OutgoingMail, stored.id)
    assert stored.sent_at is None and stored.attempts == 2
    assert "timed out" in stored.last_error


def test_a_delivery_waits_for_another_of_the_same_mail_and_skips_it_once_sent(app, mailbox):
    """A retry while ``send-outbox`` sends the same mail (PostgreSQL's row lock)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks; one process sends there")
    member = make_user("mira")
    mailbox.refuse = True
    with unit_of_work():
        stored = mail.compose(
            member, MailTopic.REPLIES, "Once", "notification", message="x", url="/"
        )
    mailbox.refuse = False
    outcome = []

    def other_delivery():
        with app.app_context():
            outcome.append(mail.deliver(stored.id))

    with db.engine.connect() as first:  # the first delivery, in the middle of sending
        first.execute(select(OutgoingMail.id).where(OutgoingMail.id == stored.id).with_for_update())
        thread = threading.Thread(target=other_delivery)
        thread.start()
        thread.join(0.3)
        assert thread.is_alive() and outcome == []  # waiting for the first
        first.execute(
            update(OutgoingMail).where(OutgoingMail.id == stored.id).values(sent_at=utcnow())
        )
        first.commit()
    thread.join(5)
    assert outcome == [False]
    assert mailbox.messages == []
