"""Creating and reading notifications.

Features call ``notify`` inside their own unit of work; the notification is
committed with the change that caused it, so nobody hears of something that
was rolled back. ``notify`` only adds the row: it goes out with the unit's next
flush or its commit, so telling twenty followers costs no twenty round trips.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.extensions import db
from community.notifications.models import Notification
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
    db.session.add(
        Notification(user_id=recipient.id, actor=actor, kind=kind, message=message, url=url)
    )


def unread_count(user: User) -> int:
    """Unread notifications of ``user``; pages read it once per request (``templating``)."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


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
