"""Reminders: members going to an event get a mail ``EVENT_REMINDER_HOURS`` before it starts.

``flask send-reminders`` runs hourly from cron (or the ``send_event_reminders`` job on a
schedule); each run mails everyone whose event now starts within the window, so a member
who answers "going" late still hears, at the next run. What is promised:

- Only published events that have not started; only members going (never interested or
  waiting), with a checked address, whose account is not deleted and who have not turned
  event mail off.
- Once per member and start time: ``Rsvp.reminded_at`` records the reminder. A reminder
  counts for a start it was sent within ``EVENT_REMINDER_HOURS`` of. When the organiser
  moves the event later, past that, the reminder is due again in the new window (with the
  new times and calendar file); moved earlier, the one already sent stands (attendees are
  told of the change by the event's own notification).
- The mail gives the times in the member's zone and in the event's, the place, the join
  link when ``permissions.can_see_event_link`` allows it, and the event as a ``.ics`` file
  (the same ``UID`` as the event page's download, so calendars update one entry).
- Reads are bounded: per batch, one query loads the answers with their members and events,
  one the events' tags and one the members' mail choices, whatever the number of members.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import click
from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from community import permissions
from community.accounts.models import User
from community.db import unit_of_work
from community.events.blueprint import bp
from community.events.calendar import event_calendar
from community.events.models import Event, EventState, Rsvp, RsvpStatus
from community.events.services import event_path
from community.extensions import db
from community.jobs import job
from community.notifications import preferences
from community.notifications.mail import Attachment, absolute, compose
from community.notifications.models import Delivery, MailTopic
from community.timeutil import format_range, is_timezone, to_zone, utcnow

#: Answers loaded and mailed per query.
BATCH_SIZE = 200


def send_reminders(now: datetime | None = None) -> int:
    """Mail every reminder due at ``now``; the number of mails composed.

    Flushes, never commits: the caller's unit of work sends the mails after its commit.
    Safe to run again at any time (and, on PostgreSQL, at the same time: rows another run
    holds are skipped).
    """
    now = now or utcnow()
    window = timedelta(hours=current_app.config["EVENT_REMINDER_HOURS"])
    calendars: dict[tuple[int, bool], str] = {}
    sent = 0
    last_id = 0
    while True:
        answers = db.session.scalars(_due(now, window, last_id)).all()
        if not answers:
            return sent
        last_id = answers[-1].id
        chosen = preferences.deliveries_by_user(answer.user_id for answer in answers)
        for answer in answers:
            if not _is_due(answer, window):
                continue  # edited after its reminder, but not moved later: already told
            if chosen[answer.user_id][MailTopic.EVENTS] is Delivery.OFF:
                continue  # a daily digest still gets a timed reminder on time; off is off
            _remind(answer, calendars)
            answer.reminded_at = now
            sent += 1
        db.session.flush()


def _due(now: datetime, window: timedelta, after_id: int):
    """Answers that may need a reminder, by id from ``after_id``, with member and event."""
    return (
        select(Rsvp)
        .join(Rsvp.event)
        .join(Rsvp.user)
        .where(
            Rsvp.id > after_id,
            Rsvp.status == RsvpStatus.GOING,
            Event.state == EventState.PUBLISHED,
            Event.starts_at > now,
            Event.starts_at <= now + window,
            # Never reminded, or the event changed since (``_is_due`` tells whether it moved).
            or_(Rsvp.reminded_at.is_(None), Rsvp.reminded_at < Event.updated_at),
            User.deleted_at.is_(None),
            User.email_verified_at.is_not(None),
            User.email != "",
        )
        .options(contains_eager(Rsvp.event), contains_eager(Rsvp.user))
        .order_by(Rsvp.id)
        .limit(BATCH_SIZE)
        .with_for_update(of=Rsvp, skip_locked=True)
    )


def _is_due(answer: Rsvp, window: timedelta) -> bool:
    """No reminder yet, or the last one came before this start's window (the event moved)."""
    return answer.reminded_at is None or answer.reminded_at < answer.event.starts_at - window


def _remind(answer: Rsvp, calendars: dict[tuple[int, bool], str]) -> None:
    event, member = answer.event, answer.user
    show_link = permissions.can_see_event_link(member, event, answer)
    key = (event.id, show_link)
    if key not in calendars:
        calendars[key] = event_calendar(
            [event],
            domain=calendar_domain(),
            show_link=lambda _event: show_link,
            url_for_event=lambda shown: absolute(event_path(shown)),
            name=event.title,
            url_for_organiser=lambda organiser: absolute(
                site_path("accounts.profile", username=organiser.username)
            ),
        ).decode()
    member_zone = member.timezone if is_timezone(member.timezone) else "UTC"
    starts = to_zone(event.starts_at, member_zone)
    compose(
        member,
        MailTopic.EVENTS,
        f"Reminder: {event.title}, {starts:%a %d %b, %H:%M} {starts.tzname()}",
        "event_reminder",
        attachment=Attachment(f"event-{event.id}.ics", "text/calendar", calendars[key]),
        event=event,
        member_zone=member_zone,
        member_time=format_range(event.starts_at, event.ends_at, member_zone),
        event_time=format_range(event.starts_at, event.ends_at, event.timezone),
        place=event.location if event.format.has_place else "",
        join_url=event.url if show_link else "",
        event_url=absolute(event_path(event)),
    )


def calendar_domain() -> str:
    """The host name in calendar UIDs, as the event page's download gives it (no request
    here: ``SERVER_NAME``, else ``SITE_URL``'s host)."""
    configured = current_app.config.get("SERVER_NAME")
    host = configured.split(":", 1)[0] if configured else urlsplit(absolute("/")).hostname
    return (host or "localhost").lower()


def site_path(endpoint: str, **values) -> str:
    """A route's path outside any request (``url_for`` would need ``SERVER_NAME``)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


@job("send_event_reminders")
def send_reminders_job() -> int:
    """For a scheduler (RQ cron) instead of the command: one unit of work."""
    with unit_of_work():
        return send_reminders()


@bp.cli.command("send-reminders")
def send_reminders_command() -> None:
    """Mail members going to events that start within EVENT_REMINDER_HOURS (run hourly)."""
    with unit_of_work():
        count = send_reminders()
    click.echo(f"Sent {count} event reminder(s).")
