"""The daily digest: one mail per member gathering what they have not read yet.

``flask send-digests`` (cron, once a day) looks at notifications that are unread, not yet
mailed and recent (``LOOKBACK``), whose topic the member gets "daily", and sends each such
member one mail grouped by topic, then marks those notifications mailed. A member with
nothing new gets nothing, and running it twice sends nothing new: each member's
notifications are claimed with one conditional UPDATE before their mail is written, so
two runs at once never mail the same notification twice.

Members are handled in batches (``BATCH``), each batch its own unit of work, so memory
stays flat however many members there are (the session keeps no reference to a finished
batch's rows) and a failure keeps what was already sent.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import NamedTuple

import click
from flask import current_app
from sqlalchemy import select, update

from community.accounts.models import User
from community.db import unit_of_work
from community.extensions import db
from community.notifications import preferences
from community.notifications.blueprint import bp
from community.notifications.mail import absolute, compose
from community.notifications.models import Delivery, MailTopic, Notification
from community.notifications.unsubscribe import unsubscribe_path
from community.timeutil import utcnow

#: Members per unit of work.
BATCH = 200
#: Notifications listed per topic in one digest; the rest are counted, and linked.
SHOWN_PER_TOPIC = 10
#: Older unread notifications are not dug up (a member who switches a topic from off to
#: daily gets the recent ones, not a year's worth); a digest skipped a few days still
#: catches up.
LOOKBACK = timedelta(days=7)


class Item(NamedTuple):
    id: int
    user_id: int
    kind: str
    message: str
    url: str


class Group(NamedTuple):
    topic: MailTopic
    items: list[Item]
    more: int
    unsubscribe_url: str


def _pending(since):
    return (
        Notification.read_at.is_(None),
        Notification.mailed_at.is_(None),
        Notification.created_at >= since,
    )


def _next_members(after_id: int, since, limit: int) -> list[int]:
    """Ids of members with something pending, in id order after ``after_id``."""
    return list(
        db.session.scalars(
            select(Notification.user_id)
            .join(User, User.id == Notification.user_id)
            .where(
                *_pending(since),
                Notification.user_id > after_id,
                User.deleted_at.is_(None),
                User.email.is_not(None),
                User.email_verified_at.is_not(None),
            )
            .distinct()
            .order_by(Notification.user_id)
            .limit(limit)
        )
    )


def send_digests(batch_size: int = BATCH) -> int:
    """Send today's digests; the number of mails written."""
    since = utcnow() - LOOKBACK
    sent = 0
    after_id = 0
    while True:
        with unit_of_work():
            member_ids = _next_members(after_id, since, batch_size)
            if member_ids:
                sent += _send_batch(member_ids, since)
        if len(member_ids) < batch_size:
            return sent
        after_id = member_ids[-1]


def _send_batch(member_ids: list[int], since) -> int:
    """One digest per member of the batch who has daily notifications pending."""
    members = {
        user.id: user for user in db.session.scalars(select(User).where(User.id.in_(member_ids)))
    }
    choices = preferences.deliveries_by_user(member_ids)
    pending: dict[int, list[Item]] = defaultdict(list)
    rows = db.session.execute(
        select(
            Notification.id,
            Notification.user_id,
            Notification.kind,
            Notification.message,
            Notification.url,
        )
        .where(Notification.user_id.in_(member_ids), *_pending(since))
        .order_by(Notification.user_id, Notification.created_at, Notification.id)
    )
    for row in rows:
        item = Item(*row)
        topic = preferences.topic_for(item.kind)
        if topic is not None and choices[item.user_id][topic] is Delivery.DAILY:
            pending[item.user_id].append(item)
    written = 0
    for member_id, items in pending.items():
        claimed = _claim(items)
        if claimed:
            _compose_digest(members[member_id], claimed)
            written += 1
    return written


def _claim(items: list[Item]) -> list[Item]:
    """Mark the items mailed, keeping those no other run marked first."""
    claimed = set(
        db.session.scalars(
            update(Notification)
            .where(Notification.id.in_([item.id for item in items]))
            .where(Notification.mailed_at.is_(None))
            .values(mailed_at=utcnow())
            .returning(Notification.id),
            execution_options={"synchronize_session": False},
        )
    )
    return [item for item in items if item.id in claimed]


def _compose_digest(member: User, items: list[Item]) -> None:
    by_topic: dict[MailTopic, list[Item]] = defaultdict(list)
    for item in items:
        by_topic[preferences.topic_for(item.kind)].append(item)
    groups = [
        Group(
            topic,
            by_topic[topic][-SHOWN_PER_TOPIC:],  # the newest of each topic
            max(0, len(by_topic[topic]) - SHOWN_PER_TOPIC),
            absolute(unsubscribe_path(member, topic)),
        )
        for topic in preferences.CHOOSABLE
        if by_topic.get(topic)
    ]
    total = len(items)
    noun = "notification" if total == 1 else "notifications"
    site = current_app.config["SITE_NAME"]
    # One mail names one topic in its List-Unsubscribe header: the first group's. Each
    # group in the mail links to stopping its own topic.
    compose(
        member,
        groups[0].topic,
        f"{total} new {noun} on {site}",
        "digest",
        groups=groups,
        total=total,
        notifications_url=absolute("/notifications"),
    )


@bp.cli.command("send-digests")
def send_digests_command() -> None:
    """Mail each member one digest of the notifications they get daily (cron, once a day)."""
    app = current_app._get_current_object()
    if not app.config["JOBS_REDIS_URL"]:
        # No worker and no response to wait for: send before the command exits, rather than
        # in threads the exiting process would cut short.
        app.config["JOBS_INLINE"] = True
    sent = send_digests()
    click.echo(f"{sent} digest(s) sent.")
