"""Creating and reading notifications.

Features call ``notify`` inside their own unit of work; the notification is
committed with the change that caused it, so nobody hears of something that
was rolled back. ``notify`` only adds the row: it goes out with the unit's next
flush or its commit, so telling twenty followers costs no twenty round trips.

When the recipient chose mail "immediately" for the notification's topic (and has a
checked address), ``notify`` also puts one mail in the outbox, sent after the commit, and
marks the notification mailed; "daily" ones wait for ``flask send-digests``. Reading the
choice costs one query per recipient per unit of work (``preferences.deliveries``);
a loop over many recipients can read them all at once with ``preferences.prefetch``.

Mail goes only to checked addresses (``User.is_verified``): an address nobody confirmed
may belong to someone else, and mailing it would make the site a spam relay. Account mail
(verification, password reset) is not a notification and is not bound by this. Suspended
members still get mail: moderators' decisions and mentorship answers concern them most.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.extensions import db
from community.notifications import preferences
from community.notifications.mail import compose
from community.notifications.models import Delivery, Notification
from community.timeutil import utcnow

MESSAGE_MAX = 300


def notify(recipient: User, kind: str, message: str, url: str, actor: User | None = None) -> None:
    """Tell ``recipient`` about something; nobody is told about their own action."""
    if actor is not None and actor.id == recipient.id:
        return
    if recipient.is_deleted:
        return
    if len(message) > MESSAGE_MAX:
        message = message[: MESSAGE_MAX - 1] + "…"
    notification = Notification(
        user_id=recipient.id, actor=actor, kind=kind, message=message, url=url
    )
    db.session.add(notification)
    if wants_mail_now(recipient, kind):
        mail_notification(recipient, notification)


def may_mail(user: User) -> bool:
    """Whether notification mail may go to the member's address at all."""
    return bool(user.email) and user.is_verified and not user.is_deleted


def wants_mail_now(recipient: User, kind: str) -> bool:
    """Whether a notification of ``kind`` is mailed to ``recipient`` as it happens."""
    topic = preferences.topic_for(kind)
    if topic is None or not may_mail(recipient):
        return False
    return preferences.delivery_for(recipient, topic) is Delivery.IMMEDIATELY


def mail_notification(recipient: User, notification: Notification) -> None:
    """One mail about one notification, sent after the commit; the notification is then
    mailed, so no digest repeats it."""
    topic = preferences.topic_for(notification.kind)
    notification.mailed_at = utcnow()
    compose(
        recipient,
        topic,
        notification.message,
        "notification",
        message=notification.message,
        url=notification.url,
    )


#: The unread badge counts this many at most, then says "99+".
UNREAD_COUNTED = 99


def unread_count(user: User, at_most: int = UNREAD_COUNTED + 1) -> int:
    """Unread notifications of ``user``, counted up to ``at_most``: every page shows the
    badge, and a member who never reads would otherwise cost a count of everything.
    Pages read it once per request (``templating``)."""
    unread = (
        select(Notification.id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .limit(at_most)
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(unread))


#: Notifications the list pages through (the newest ten pages); older ones are not listed:
#: the list is what happened lately, not an archive, and no page skips more than this.
LISTED_AT_MOST = 300


def notifications_query(user: User) -> Select:
    """The member's notifications, newest first, with who caused them (``selectin``)."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .options(selectinload(Notification.actor))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount
