"""A webinar from submission through review to a member's calendar, in a real browser."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from playwright.sync_api import Browser, Page, expect

from community.accounts.models import Role, User
from community.events.models import Event, EventState, Rsvp, RsvpStatus
from community.extensions import db
from tests.conftest import DEFAULT_PASSWORD, make_user
from tests.e2e.conftest import register, sign_in

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"


def person(browser: Browser, base_url: str, problems: list[str]) -> Page:
    """A browser of its own per person; script errors, console errors (CSP refusals
    among them) and dialogs all land in ``problems``."""
    page = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 900}
    ).new_page()
    page.on(
        "dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            message.type == "error" and problems.append(f"console on {page.url}: {message.text}")
        ),
    )
    return page


def local_span(start: datetime, end: datetime, zone: str) -> str:
    """A same-day span as event pages write it: "Wed 10 Nov 2027, 12:00", en dash, "13:30 EST"."""
    first, last = start.astimezone(ZoneInfo(zone)), end.astimezone(ZoneInfo(zone))
    return f"{first:%a %d %b %Y, %H:%M} – {last:%H:%M} {last.tzname()}"


def stored_event(live_app, event_id: int) -> Event:
    with live_app.app_context():
        event = db.session.get(Event, event_id)
        db.session.expunge_all()
        return event


def test_webinar_is_submitted_reviewed_and_added_to_a_calendar_in_new_york(
    browser: Browser, base_url: str, live_app, unique_name, tmp_path: Path
):
    problems: list[str] = []
    organiser_name, moderator_name, attendee_name = (
        unique_name("organiser"),
        unique_name("moderator"),
        unique_name("newyorker"),
    )
    title = f"Career change into data, live Q&A ({organiser_name})"
    join_link = "https://meet.example.com/career-data-qa"
    # 18:00 to 19:30 in Berlin on a November evening next year. Berlin and New York leave summer
    # time on different Sundays, so the New York time comes from the zone database.
    day = date(datetime.now(UTC).year + 1, 11, 10)
    starts = datetime.combine(day, time(18, 0), ZoneInfo(BERLIN))
    ends = datetime.combine(day, time(19, 30), ZoneInfo(BERLIN))
    starts_utc = starts.astimezone(UTC)
    in_new_york = local_span(starts, ends, NEW_YORK)
    in_berlin = local_span(starts, ends, BERLIN)

    # A member submits the webinar with Berlin local times.
    organiser = person(browser, base_url, problems)
    register(organiser, organiser_name)
    organiser.goto("/events/")
    organiser.get_by_role("link", name="Submit an event").click()
    expect(organiser).to_have_url(re.compile(r"/events/new$"))
    expect(
        organiser.get_by_text("A moderator reviews each event before it is listed.")
    ).to_be_visible()
    organiser.get_by_label("Title").fill(title)
    organiser.get_by_label("Kind").select_option("webinar")
    organiser.get_by_label("Online", exact=True).check()
    organiser.get_by_label("Starts").fill(f"{day.isoformat()}T18:00")
    organiser.get_by_label("Ends").fill(f"{day.isoformat()}T19:30")
    organiser.get_by_label("Time zone").select_option(BERLIN)
    organiser.get_by_label("Link to join", exact=True).fill(join_link)
    organiser.get_by_label("Description").fill("Three people who moved into **data** answer you.")
    organiser.get_by_role("button", name="Submit the event").click()
    expect(
        organiser.get_by_text("Thanks! A moderator will review your event before it is listed.")
    ).to_be_visible()
    expect(organiser.get_by_text("This event waits for a moderator's review")).to_be_visible()
    expect(organiser.get_by_role("heading", name=title)).to_be_visible()
    match = re.search(r"/events/(\d+)/([^/?#]+)$", organiser.url)
    assert match, organiser.url
    event_id, event_path = int(match.group(1)), f"/events/{match.group(1)}/{match.group(2)}"
    submitted = stored_event(live_app, event_id)
    assert submitted.state == EventState.PENDING
    assert submitted.published_at is None
    assert (submitted.timezone, submitted.url) == (BERLIN, join_link)
    assert submitted.starts_at == starts_utc
    assert submitted.ends_at == ends.astimezone(UTC)

    # A visitor does not find it: not in the list, and its page is not there.
    visitor = person(browser, base_url, problems)
    visitor.goto("/events/")
    expect(visitor.get_by_role("heading", name="Upcoming events")).to_be_visible()
    expect(visitor.get_by_role("link", name=title)).to_have_count(0)
    assert visitor.request.get(event_path).status == 404
    assert visitor.request.get(f"/events/{event_id}.ics").status == 404

    # A moderator approves it from the queue.
    with live_app.app_context():
        make_user(moderator_name, role=Role.MODERATOR)
    moderator = person(browser, base_url, problems)
    sign_in(moderator, moderator_name, DEFAULT_PASSWORD)
    expect(moderator.get_by_text("You are signed in.")).to_be_visible()
    moderator.goto("/mod/")
    waiting = moderator.locator(".queue-item", has_text=title)
    expect(waiting).to_contain_text(in_berlin)
    expect(waiting).to_contain_text(join_link)
    waiting.get_by_role("button", name="Approve").click()
    expect(moderator).to_have_url(re.compile(r"/mod/$"))
    expect(moderator.get_by_text(f"{title} is approved and listed.")).to_be_visible()
    expect(moderator.locator(".queue-item", has_text=title)).to_have_count(0)
    approved = stored_event(live_app, event_id)
    assert approved.state == EventState.PUBLISHED
    assert approved.published_at is not None
    with live_app.app_context():
        reviewer = db.session.get(User, approved.reviewed_by_id)
        assert reviewer.username == moderator_name

    # A member in New York sets their zone and finds the webinar at their local time.
    attendee = person(browser, base_url, problems)
    register(attendee, attendee_name)
    attendee.goto("/settings")
    attendee.get_by_label("Time zone").select_option(NEW_YORK)
    attendee.get_by_role("button", name="Save profile").click()
    expect(attendee.get_by_text("Your settings are saved.")).to_be_visible()
    attendee.goto("/events/")
    expect(attendee.get_by_text(f"Times are in {NEW_YORK}")).to_be_visible()
    card = attendee.locator(".event-card", has_text=title)
    ny_start = starts.astimezone(ZoneInfo(NEW_YORK))
    expect(card.locator(".event-card__when")).to_have_text(
        f"{ny_start:%a %d %b %Y, %H:%M} {ny_start.tzname()}"
    )
    card.get_by_role("link", name=title).click()
    expect(attendee).to_have_url(re.compile(re.escape(event_path) + "$"))

    # The page gives both zones, and the join link.
    when = attendee.locator(".event__facts dd").first
    expect(when).to_contain_text(f"{in_new_york} (your time zone, {NEW_YORK})")
    expect(when).to_contain_text(f"{in_berlin} (the event's time zone, {BERLIN})")
    expect(attendee.get_by_role("link", name=join_link)).to_be_visible()

    # Going, then the calendar file.
    attendee.get_by_role("button", name="Going").click()
    expect(attendee.get_by_text("You're going. Add it to your calendar below.")).to_be_visible()
    expect(attendee.locator("#rsvp")).to_contain_text("You're going.")
    expect(attendee.locator(".event__attendees")).to_contain_text("1 going")
    with live_app.app_context():
        answer = db.session.execute(
            db.select(Rsvp)
            .join(User, Rsvp.user_id == User.id)
            .where(Rsvp.event_id == event_id, User.username == attendee_name)
        ).scalar_one()
        assert answer.status == RsvpStatus.GOING
        assert db.session.get(Event, event_id).going_count == 1

    with attendee.expect_download() as download_info:
        attendee.get_by_role("link", name="Add to calendar").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    calendar = icalendar.Calendar.from_ical(saved.read_bytes())
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == title
    dtstart = vevent.decoded("DTSTART")
    assert dtstart.tzinfo is not None
    assert dtstart.astimezone(UTC) == starts_utc
    assert vevent.decoded("DTEND").astimezone(UTC) == ends.astimezone(UTC)

    assert problems == []
