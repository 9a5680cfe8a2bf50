"""Mail: rendered from templates into the outbox inside the unit of work, sent after it.

``compose`` renders both parts (plain text and HTML, from ``templates/mail/``) with the
site's name and a footer saying why the member got the mail and how to stop it, stores it
as an ``OutgoingMail`` and queues the ``deliver_mail`` job for after the commit. ``deliver``
sends it once: a mail already sent is skipped, so a retried job never sends twice. Without
``MAIL_SERVER`` the whole mail is written to the log instead, so a newcomer can follow a
link from the terminal.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass

from flask import current_app, render_template
from flask_mail import Connection, Message
from sqlalchemy import select

from community.accounts.models import User
from community.extensions import db
from community.jobs import enqueue, job
from community.notifications.models import MailTopic, OutgoingMail
from community.timeutil import utcnow

log = logging.getLogger(__name__)

SUBJECT_MAX = 200


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    body: str


def absolute(path: str) -> str:
    """A link for mail: ``SITE_URL`` and a path (mail is built outside any request)."""
    return current_app.config["SITE_URL"] + path


def one_line(text: str, limit: int = SUBJECT_MAX) -> str:
    """Header text without line breaks or control characters (no header injection)."""
    cleaned = "".join(char if char.isprintable() else " " for char in text)
    return " ".join(cleaned.split())[:limit]


def compose(
    user: User | None,
    topic: MailTopic,
    subject: str,
    template: str,
    *,
    to: str | None = None,
    attachment: Attachment | None = None,
    **context,
) -> OutgoingMail | None:
    """Put one mail in the outbox and queue its sending; None when there is no address."""
    address = to or (user.email if user is not None else None)
    if not address:
        return None
    subject = one_line(f"{subject}")
    context.update(
        site_name=current_app.config["SITE_NAME"],
        site_url=current_app.config["SITE_URL"],
        user=user,
        topic=topic,
        subject=subject,
        absolute=absolute,
        unsubscribe_url=None,
        preferences_url=absolute("/settings/notifications"),
    )
    headers = ""
    if topic is not MailTopic.ACCOUNT and user is not None:
        from community.notifications.unsubscribe import unsubscribe_path

        context["unsubscribe_url"] = absolute(unsubscribe_path(user, topic))
        headers = (
            f"List-Unsubscribe: <{context['unsubscribe_url']}>\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click"
        )
    outgoing = OutgoingMail(
        user_id=user.id if user is not None else None,
        to_address=address,
        topic=topic,
        subject=subject,
        text_body=render_template(f"mail/{template}.txt", **context),
        html_body=render_template(f"mail/{template}.html", **context),
        headers=headers,
        attachment_name=attachment.name if attachment else None,
        attachment_type=attachment.content_type if attachment else None,
        attachment_body=attachment.body if attachment else None,
    )
    db.session.add(outgoing)
    db.session.flush()
    enqueue("deliver_mail", outgoing.id)
    return outgoing


def _message(outgoing: OutgoingMail) -> Message:
    extra = dict(line.split(": ", 1) for line in outgoing.headers.splitlines() if ": " in line)
    message = Message(
        subject=outgoing.subject,
        recipients=[outgoing.to_address],
        body=outgoing.text_body,
        html=outgoing.html_body,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers=extra or None,
    )
    if outgoing.attachment_body is not None:
        message.attach(outgoing.attachment_name, outgoing.attachment_type, outgoing.attachment_body)
    return message


class _TimedConnection(Connection):
    """Flask-Mail's SMTP connection with ``MAIL_TIMEOUT_SECONDS``: without one, an SMTP
    server that stops answering holds a worker (or a page's thread) forever."""

    def configure_host(self) -> smtplib.SMTP:
        state, timeout = self.mail, current_app.config["MAIL_TIMEOUT_SECONDS"]
        smtp = smtplib.SMTP_SSL if state.use_ssl else smtplib.SMTP
        host = smtp(state.server, state.port, timeout=timeout)
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        return host


@job("deliver_mail")
def deliver(mail_id: int) -> bool:
    """Send one mail from the outbox, once; False when there was nothing to send.

    An SMTP failure is recorded on the row and raised, so the job is retried.
    """
    # PostgreSQL: a second delivery of this mail at the same moment (a retry while
    # ``send-outbox`` runs) waits for this one, then finds it sent. SQLite has no row
    # locks and isn't locked whole while SMTP answers.
    outgoing = db.session.scalar(
        select(OutgoingMail).where(OutgoingMail.id == mail_id).with_for_update(),
        execution_options={"populate_existing": True},
    )
    if outgoing is None or outgoing.sent_at is not None:
        db.session.rollback()
        return False
    message = _message(outgoing)
    try:
        if current_app.config["MAIL_SERVER"]:
            with _TimedConnection(current_app.extensions["mail"]) as connection:
                connection.send(message)
        else:
            log.info("Mail not sent (no MAIL_SERVER); it reads:\n%s", message.as_string())
    except Exception as error:
        outgoing.attempts += 1
        outgoing.last_error = f"{type(error).__name__}: {error}"[:500]
        db.session.commit()
        raise
    outgoing.attempts += 1
    outgoing.sent_at = utcnow()
    db.session.commit()
    return True


def send_unsent(limit: int = 500) -> int:
    """Send what the outbox still holds (after SMTP was down); the number sent."""
    ids = db.session.scalars(
        select(OutgoingMail.id)
        .where(OutgoingMail.sent_at.is_(None))
        .order_by(OutgoingMail.created_at, OutgoingMail.id)
        .limit(limit)
    ).all()
    sent = 0
    for mail_id in ids:
        try:
            sent += deliver(mail_id)
        except Exception:
            log.exception("mail %s still not sent", mail_id)
    return sent
