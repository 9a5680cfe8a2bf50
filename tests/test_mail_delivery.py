"""Mail goes into the outbox inside the unit of work and out through SMTP after the commit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from community.db import unit_of_work
from community.extensions import db
from community.notifications import mail
from community.notifications.models import MailTopic, OutgoingMail
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
