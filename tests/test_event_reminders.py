"""Event reminders: members going hear by mail, once, before the start, in their own zone.

Mail goes through a real SMTP server; the attached ``.ics`` is parsed back with
``icalendar`` and compared with the event.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from community.accounts.models import Role
from community.db import unit_of_work
from community.events import reminders, services
from community.events.models import EventFormat, EventState, Rsvp
from community.extensions import db
from community.notifications.models import Delivery, MailPreference, MailTopic, OutgoingMail
from community.timeutil import format_range, utcnow
from tests.conftest import count_queries, mail_config, make_user
from tests.events_support import JOIN_URL, LOCATION, answer, details_of, make_event


@pytest.fixture
def app_config(smtp_server):
    return mail_config(smtp_server)


@pytest.fixture
def organiser(app):
    return make_user("olga", role=Role.MODERATOR)  # a moderator's event is published at once


def member(username: str, zone: str = "UTC", **kwargs):
    user = make_user(username, **kwargs)
    user.timezone = zone
    db.session.commit()
    return user


def send(now=None) -> int:
    with unit_of_work():
        return reminders.send_reminders(now)


def attachment_of(message) -> tuple[str, Calendar]:
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "text/calendar"
    return part.get_filename(), Calendar.from_ical(part.get_content())


def test_a_member_going_gets_one_reminder_in_both_zones_with_the_event_attached(
    app, mailbox, organiser, runner
):
    event = make_event(
        organiser,
        title="Portfolio review night",
        format=EventFormat.HYBRID,
        starts_in=timedelta(hours=5),
        timezone="Europe/Berlin",
    )
    mira = member("mira", "America/New_York")
    answer(event, mira)

    result = runner.invoke(args=["send-reminders"])

    assert result.exit_code == 0, result.output
    assert "Sent 1 event reminder(s)." in result.output
    [message] = mailbox.to("mira@example.com")
    assert message["Subject"].startswith("Reminder: Portfolio review night, ")
    assert message["List-Unsubscribe"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    new_york = format_range(event.starts_at, event.ends_at, "America/New_York")
    berlin = format_range(event.starts_at, event.ends_at, "Europe/Berlin")
    assert new_york != berlin
    for body in (text, html):
        assert f"your time, America/New_York): {new_york}" in body
        assert f"the event's time, Europe/Berlin): {berlin}" in body
        assert LOCATION in body
        assert JOIN_URL in body
        assert f"http://localhost/events/{event.id}/{event.slug}" in body
    assert "Stop these mails" in text

    filename, calendar = attachment_of(message)
    assert filename == f"event-{event.id}.ics"
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == f"event-{event.id}@localhost"
    assert str(vevent["SUMMARY"]) == "Portfolio review night"
    assert vevent.decoded("DTSTART") == event.starts_at
    assert vevent.decoded("DTEND") == event.ends_at
    assert str(vevent["DTSTART"].params["TZID"]) == "Europe/Berlin"
    assert str(vevent["LOCATION"]) == LOCATION
    assert JOIN_URL in str(vevent["DESCRIPTION"])
    assert db.session.scalar(select(Rsvp.reminded_at)) is not None

    assert runner.invoke(args=["send-reminders"]).output.startswith("Sent 0 ")
    assert send() == 0
    assert len(mailbox.to("mira@example.com")) == 1


def test_the_attached_calendar_is_the_event_pages_download(app, client, mailbox, organiser):
    event = make_event(organiser, starts_in=timedelta(hours=2), is_link_attendees_only=True)
    mira = member("mira")
    answer(event, mira)
    send()
    [message] = mailbox.to("mira@example.com")
    _, mailed = attachment_of(message)
    [mailed_event] = mailed.walk("VEVENT")
    [downloaded_event] = Calendar.from_ical(client.get(f"/events/{event.id}.ics").data).walk(
        "VEVENT"
    )
    for field in ("UID", "SEQUENCE", "SUMMARY", "URL"):
        assert str(mailed_event[field]) == str(downloaded_event[field])
    # The visitor's download hides the attendees-only link; the member going sees it.
    assert JOIN_URL in str(mailed_event["DESCRIPTION"])
    assert JOIN_URL not in str(downloaded_event["DESCRIPTION"])
    assert JOIN_URL in message.get_body(("plain",)).get_content()


def test_an_in_person_event_names_its_place_and_no_link_and_one_zone_when_they_match(
    app, mailbox, organiser
):
    event = make_event(
        organiser, format=EventFormat.IN_PERSON, starts_in=timedelta(hours=3), timezone="UTC"
    )
    answer(event, member("mira", "UTC"))
    send()
    text = mailbox.to("mira@example.com")[0].get_body(("plain",)).get_content()
    assert f"Where: {LOCATION}" in text
    assert "Join online" not in text
    assert "the event's time" not in text
    assert f"your time, UTC): {format_range(event.starts_at, event.ends_at, 'UTC')}" in text


def test_only_members_going_are_reminded(app, mailbox, organiser):
    event = make_event(organiser, starts_in=timedelta(hours=5), capacity=1)
    going, waiting, interested = member("going"), member("waiting"), member("curious")
    answer(event, going)
    answer(event, waiting)  # the only seat is taken: waitlisted
    answer(event, interested, "interested")
    assert send() == 1
    assert [message["To"] for message in mailbox.messages] == ["going@example.com"]


def test_members_without_a_checked_address_or_with_event_mail_off_are_left_out(
    app, mailbox, organiser
):
    event = make_event(organiser, starts_in=timedelta(hours=5))
    unchecked, silent, digest = (
        member("unchecked", verified=False),
        member("silent"),
        member("dora"),
    )
    for person in (unchecked, silent, digest):
        answer(event, person)
    db.session.add_all(
        [
            MailPreference(user_id=silent.id, topic=MailTopic.EVENTS, delivery=Delivery.OFF),
            # A daily digest of event mail still gets a timed reminder on time.
            MailPreference(user_id=digest.id, topic=MailTopic.EVENTS, delivery=Delivery.DAILY),
            MailPreference(user_id=unchecked.id, topic=MailTopic.REPLIES, delivery=Delivery.OFF),
        ]
    )
    db.session.commit()
    assert send() == 1
    assert [message["To"] for message in mailbox.messages] == ["dora@example.com"]


def test_cancelled_started_far_off_and_unpublished_events_send_nothing(app, mailbox, organiser):
    mira = member("mira")
    cancelled = make_event(organiser, title="Cancelled", starts_in=timedelta(hours=5))
    started = make_event(organiser, title="Started", starts_in=timedelta(hours=5))
    far = make_event(organiser, title="Next week", starts_in=timedelta(days=7))
    just_outside = make_event(organiser, title="Day after", starts_in=timedelta(hours=25))
    pending = make_event(mira, title="Pending", starts_in=timedelta(hours=5))
    for event in (cancelled, started, far, just_outside):
        answer(event, mira)
    services.cancel_event(cancelled, organiser, "The speaker is ill.")
    started.starts_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    assert pending.state == EventState.PENDING

    assert send() == 0
    assert mailbox.messages == []
    assert db.session.scalars(select(Rsvp.reminded_at)).all() == [None] * 4
    # The day after comes into the window an hour later.
    assert send(utcnow() + timedelta(hours=1, minutes=1)) == 1
    assert "Day after" in mailbox.messages[0]["Subject"]


def test_an_event_moved_later_past_its_reminder_reminds_again_with_the_new_time(
    app, mailbox, organiser
):
    event = make_event(organiser, starts_in=timedelta(hours=5))
    mira = member("mira")
    answer(event, mira)
    assert send() == 1

    # Moved earlier or a little later (still within a day of the reminder): told once.
    earlier = dataclasses.replace(
        details_of(event),
        starts_at=event.starts_at - timedelta(hours=2),
        ends_at=event.ends_at - timedelta(hours=2),
    )
    services.edit_event(event, organiser, earlier)
    db.session.commit()
    assert send() == 0

    # Moved two days later: the reminder is due again a day before the new start.
    later = dataclasses.replace(
        details_of(event),
        starts_at=event.starts_at + timedelta(days=2),
        ends_at=event.ends_at + timedelta(days=2),
    )
    services.edit_event(event, organiser, later)
    db.session.commit()
    assert send() == 0  # not yet in the new window
    assert send(event.starts_at - timedelta(hours=23)) == 1
    assert send(event.starts_at - timedelta(hours=1)) == 0
    _, second = mailbox.to("mira@example.com")
    _, calendar = attachment_of(second)
    [vevent] = calendar.walk("VEVENT")
    assert vevent.decoded("DTSTART") == event.starts_at
    assert int(vevent["SEQUENCE"]) == event.sequence
    assert (
        format_range(event.starts_at, event.ends_at, "UTC")
        in second.get_body(("plain",)).get_content()
    )


def test_a_member_who_answers_going_after_the_run_hears_at_the_next(app, mailbox, organiser):
    event = make_event(organiser, starts_in=timedelta(hours=5))
    answer(event, member("early"))
    assert send() == 1
    answer(event, member("late"))
    assert send() == 1
    assert sorted(message["To"] for message in mailbox.messages) == [
        "early@example.com",
        "late@example.com",
    ]


def test_reminders_read_in_batches_whatever_the_number_of_members(
    app, mailbox, organiser, monkeypatch
):
    def reads(members: int) -> int:
        event = make_event(organiser, starts_in=timedelta(hours=5))
        for _ in range(members):
            answer(event, member(f"m{event.id}x{_}"))
        with unit_of_work(), count_queries() as statements:  # sending comes after the commit
            assert reminders.send_reminders() == members
        return sum(statement.lstrip().upper().startswith("SELECT") for statement in statements)

    monkeypatch.setattr(reminders, "BATCH_SIZE", 50)
    assert reads(2) == reads(12)
    monkeypatch.setattr(reminders, "BATCH_SIZE", 5)
    # 12 answers in batches of 5: three batches (answers, tags, mail choices), then the empty
    # read that ends the run.
    assert reads(12) == 3 * 3 + 1
    assert db.session.scalar(select(OutgoingMail.id).where(OutgoingMail.sent_at.is_(None))) is None
