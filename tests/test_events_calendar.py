"""iCalendar downloads: one event's ``.ics`` and the feed of every upcoming event.

Everything is parsed back with ``icalendar`` and checked as a calendar app would read it:
identities, instants on both sides of a daylight-saving change, the time zone the file
itself describes, who sees a join link, and which events a feed lists at all.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from community.accounts.models import Role
from community.events import services
from community.events.calendar import event_calendar, plain_description
from community.events.models import EventFormat, EventKind
from community.extensions import db
from community.timeutil import utcnow
from tests.conftest import count_queries, login_as, make_user
from tests.events_support import (
    JOIN_URL,
    LOCATION,
    answer,
    details_of,
    event_details,
    make_event,
    move_to_past,
)

NEW_YORK = ZoneInfo("America/New_York")
SITE = "https://pathways.example"


def page_of(event) -> str:
    return f"{SITE}/events/{event.id}/{event.slug}"


def build(events, show_link=lambda event: True, name: str = "Pathways events") -> Calendar:
    """The calendar as ``event_calendar`` writes it, parsed back."""
    body = event_calendar(
        events,
        domain="pathways.example",
        show_link=show_link,
        url_for_event=page_of,
        name=name,
    )
    return Calendar.from_ical(body)


def vevents(calendar: Calendar) -> dict[str, object]:
    """The calendar's events by SUMMARY."""
    return {str(item["SUMMARY"]): item for item in calendar.walk("VEVENT")}


def download(client, url: str) -> Calendar:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return Calendar.from_ical(response.data)


@pytest.fixture
def moderator(app):
    return make_user("mod", role=Role.MODERATOR, email="mod-private@example.com")


def new_york_event(organiser, month: int, title: str):
    """An event next year, 18:00 to 20:00 New York time in ``month``."""
    year = utcnow().year + 1
    starts = datetime(year, month, 10, 18, 0, tzinfo=NEW_YORK).astimezone(UTC)
    details = dataclasses.replace(
        event_details(title=title, timezone="America/New_York"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    event = services.submit_event(organiser, details)
    db.session.commit()
    return event


# --- the calendar itself -------------------------------------------------------------------


def test_calendar_describes_each_event_without_addresses(app, moderator):
    webinar = make_event(
        moderator,
        title="Data careers: a first look",
        description="We meet **online**.\n\n- questions\n- answers",
        tags=["data", "career-change"],
    )
    meetup = make_event(
        moderator, title="Berlin meetup", kind=EventKind.MEETUP, format=EventFormat.IN_PERSON
    )

    calendar = build([webinar, meetup], name="Pathways events")

    assert str(calendar["PRODID"]) == "-//Pathways//Events//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Pathways events"
    found = vevents(calendar)
    assert set(found) == {"Data careers: a first look", "Berlin meetup"}
    first = found["Data careers: a first look"]
    assert str(first["UID"]) == f"event-{webinar.id}@pathways.example"
    assert str(found["Berlin meetup"]["UID"]) == f"event-{meetup.id}@pathways.example"
    assert str(first["URL"]) == page_of(webinar)
    assert str(first["STATUS"]) == "CONFIRMED"
    assert first["SEQUENCE"] == webinar.sequence == 0
    assert (
        first["DTSTAMP"].dt
        == first["LAST-MODIFIED"].dt
        == max(webinar.updated_at, webinar.published_at).replace(microsecond=0)
    )
    assert first["CREATED"].dt == webinar.created_at.replace(microsecond=0)
    assert [str(name) for name in first["CATEGORIES"].cats] == ["Webinar", "career-change", "data"]
    assert str(first["LOCATION"]) == JOIN_URL
    assert str(found["Berlin meetup"]["LOCATION"]) == LOCATION
    description = str(first["DESCRIPTION"])
    assert description.startswith("We meet online.\n\n- questions\n- answers")
    assert description.endswith(page_of(webinar))
    assert "<" not in description
    organiser = first["ORGANIZER"]
    assert organiser.params["CN"] == "mod"
    body = calendar.to_ical().decode()
    assert "mod-private@example.com" not in body
    assert "mailto:" not in body


def test_times_keep_the_wall_clock_across_daylight_saving(app, moderator):
    november = new_york_event(moderator, 11, "November evening")
    july = new_york_event(moderator, 7, "July evening")
    year = utcnow().year + 1

    calendar = build([november, july])

    found = vevents(calendar)
    expected = {
        # EST is UTC-5, EDT is UTC-4: 18:00 in New York is 23:00 or 22:00 UTC.
        "November evening": (datetime(year, 11, 10, 23, 0, tzinfo=UTC), timedelta(hours=-5)),
        "July evening": (datetime(year, 7, 10, 22, 0, tzinfo=UTC), timedelta(hours=-4)),
    }
    [vtimezone] = calendar.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "America/New_York"
    described = vtimezone.to_tz()  # the zone as the file describes it, not the system's
    for title, (instant, offset) in expected.items():
        item = found[title]
        start, end = item["DTSTART"], item["DTEND"]
        assert start.params["TZID"] == end.params["TZID"] == "America/New_York"
        assert start.dt.astimezone(UTC) == instant
        assert end.dt.astimezone(UTC) == instant + timedelta(hours=2)
        assert start.dt.utcoffset() == offset
        wall_clock = start.dt.replace(tzinfo=None)
        assert wall_clock.hour == 18
        assert wall_clock.replace(tzinfo=described).astimezone(UTC) == instant
    text = calendar.to_ical().decode()
    assert f"DTSTART;TZID=America/New_York:{year}1110T180000" in text
    assert f"DTSTART;TZID=America/New_York:{year}0710T180000" in text


def test_a_cancelled_event_says_so_and_counts_as_a_change(app, moderator):
    event = make_event(moderator, title="Called off")
    services.cancel_event(event, moderator, "The speaker is ill.")
    db.session.commit()

    [item] = build([event]).walk("VEVENT")

    assert str(item["STATUS"]) == "CANCELLED"
    assert item["SEQUENCE"] == 1
    assert item["DTSTAMP"].dt == event.cancelled_at.replace(microsecond=0)
    assert str(item["DESCRIPTION"]).startswith("This event is cancelled: The speaker is ill.")


def test_a_hidden_link_leaves_no_trace(app, moderator):
    event = make_event(moderator, title="Members call", is_link_attendees_only=True)

    hidden = build([event], show_link=lambda shown: False)
    shown = build([event], show_link=lambda shown: True)

    assert JOIN_URL not in hidden.to_ical().decode()
    assert "LOCATION" not in hidden.walk("VEVENT")[0]
    assert str(shown.walk("VEVENT")[0]["LOCATION"]) == JOIN_URL


def test_a_hybrid_event_gives_its_place_and_its_link_where_shown(app, moderator):
    event = make_event(
        moderator, title="Hybrid", format=EventFormat.HYBRID, is_link_attendees_only=True
    )

    [hidden] = build([event], show_link=lambda shown: False).walk("VEVENT")
    [shown] = build([event], show_link=lambda shown: True).walk("VEVENT")

    assert str(hidden["LOCATION"]) == str(shown["LOCATION"]) == LOCATION
    assert JOIN_URL not in hidden.to_ical().decode()
    assert "shown on the event page to members going" in str(hidden["DESCRIPTION"])
    assert f"Join online: {JOIN_URL}" in str(shown["DESCRIPTION"])


def test_description_is_the_text_readers_see():
    html = (
        '<p>See <a href="https://example.org/a?b=1&amp;c=2" rel="nofollow">our notes</a>'
        ' &amp; <a href="https://example.com/x">https://example.com/x</a>.</p>\n'
        "<ul>\n<li>one</li>\n<li>two <strong>bold</strong></li>\n</ul>\n"
        "<p>Tom &amp; Jerry &lt;b&gt;</p>"
    )

    assert plain_description(html) == (
        "See our notes (https://example.org/a?b=1&c=2) & https://example.com/x.\n\n"
        "- one\n- two bold\n\nTom & Jerry <b>"
    )


# --- one event's download ------------------------------------------------------------------


def test_one_event_download(client, moderator):
    event = make_event(moderator, title="Portfolio workshop", kind=EventKind.WORKSHOP)
    other = make_event(moderator, title="Another one")

    response = client.get(f"/events/{event.id}.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="portfolio-workshop.ics"'
    )
    assert "public" in response.headers["Cache-Control"]
    [item] = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(item["SUMMARY"]) == "Portfolio workshop"
    assert str(item["UID"]) == f"event-{event.id}@localhost"
    assert str(item["URL"]) == f"http://localhost/events/{event.id}/portfolio-workshop"
    assert item["ORGANIZER"].to_ical().decode() == "http://localhost/u/mod"
    again = download(client, f"/events/{event.id}.ics").walk("VEVENT")[0]
    assert again["UID"] == item["UID"]
    elsewhere = download(client, f"/events/{other.id}.ics").walk("VEVENT")[0]
    assert elsewhere["UID"] != item["UID"]
    # Unchanged since: a polling calendar is told so without the body.
    unchanged = client.get(
        f"/events/{event.id}.ics", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert unchanged.status_code == 304
    assert client.post(f"/events/{event.id}.ics").status_code == 405


def test_uid_names_the_site_not_the_port(client, app, moderator):
    event = make_event(moderator)

    local = download(client, f"/events/{event.id}.ics")
    proxied = Calendar.from_ical(
        client.get(f"/events/{event.id}.ics", base_url="http://pathways.example:8080").data
    )
    app.config["SERVER_NAME"] = "pathways.example"
    named = Calendar.from_ical(
        client.get(f"/events/{event.id}.ics", base_url="http://pathways.example").data
    )

    assert str(local.walk("VEVENT")[0]["UID"]) == f"event-{event.id}@localhost"
    assert str(proxied.walk("VEVENT")[0]["UID"]) == f"event-{event.id}@pathways.example"
    assert str(named.walk("VEVENT")[0]["UID"]) == f"event-{event.id}@pathways.example"


def test_a_title_in_another_script_keeps_its_file_name(client, moderator):
    event = make_event(moderator, title="Встреча")

    response = client.get(f"/events/{event.id}.ics")

    disposition = response.headers["Content-Disposition"]
    assert disposition == (
        f'attachment; filename="event-{event.id}.ics"; '
        "filename*=UTF-8''%D0%B2%D1%81%D1%82%D1%80%D0%B5%D1%87%D0%B0.ics"
    )


def test_a_pending_event_is_its_organisers_alone(client, moderator):
    organiser = make_user("olga")
    pending = make_event(organiser, title="Waiting for review")

    assert client.get(f"/events/{pending.id}.ics").status_code == 404
    assert "Waiting for review" not in client.get("/events.ics").get_data(as_text=True)
    assert client.get("/events/999.ics").status_code == 404
    login_as(client, make_user("stranger"))
    assert client.get(f"/events/{pending.id}.ics").status_code == 404
    login_as(client, organiser)
    response = client.get(f"/events/{pending.id}.ics")
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"]
    [item] = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(item["STATUS"]) == "TENTATIVE"
    assert "Waiting for review" not in client.get("/events.ics").get_data(as_text=True)


def test_an_attendees_only_link_reaches_members_going_alone(client, moderator):
    event = make_event(moderator, title="Members call", is_link_attendees_only=True)
    going, maybe = make_user("gina"), make_user("ivan")
    answer(event, going, "going")
    answer(event, maybe, "interested")
    url = f"/events/{event.id}.ics"

    assert JOIN_URL not in client.get(url).get_data(as_text=True)
    login_as(client, maybe)
    assert JOIN_URL not in client.get(url).get_data(as_text=True)
    login_as(client, going)
    response = client.get(url)
    assert "private" in response.headers["Cache-Control"]
    [item] = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(item["LOCATION"]) == JOIN_URL
    # A subscribed feed is fetched without cookies: the same for everyone, link withheld.
    feed = client.get("/events.ics").get_data(as_text=True)
    assert "Members call" in feed
    assert JOIN_URL not in feed


# --- the feed of upcoming events -----------------------------------------------------------


def test_feed_lists_upcoming_listed_events(client, moderator):
    soon = make_event(moderator, title="Open webinar")
    later = make_event(moderator, title="Later meetup", starts_in=timedelta(days=40))
    cancelled = make_event(moderator, title="Called off")
    services.cancel_event(cancelled, moderator)
    db.session.commit()
    past = make_event(moderator, title="Already happened")
    move_to_past(past)
    make_event(make_user("olga"), title="Not reviewed yet")

    response = client.get("/events.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="pathways-events.ics"'
    assert "public" in response.headers["Cache-Control"]
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "Pathways events"
    found = vevents(calendar)
    assert set(found) == {"Open webinar", "Later meetup", "Called off"}
    assert str(found["Called off"]["STATUS"]) == "CANCELLED"
    assert str(found["Open webinar"]["LOCATION"]) == JOIN_URL  # not attendees-only
    uids = {str(item["UID"]) for item in found.values()}
    assert uids == {f"event-{event.id}@localhost" for event in (soon, later, cancelled)}
    assert len(calendar.walk("VTIMEZONE")) == 1  # Europe/Berlin, once for all


def test_empty_feed_is_a_valid_calendar(client):
    calendar = download(client, "/events.ics")

    assert calendar.walk("VEVENT") == []
    assert str(calendar["PRODID"]) == "-//Pathways//Events//EN"


def test_downloads_only_read_in_a_fixed_number_of_queries(client, moderator):
    for number in range(3):
        make_event(moderator, title=f"Event {number}", tags=[f"tag{number}"])
    event = make_event(moderator, title="One more", tags=["more"])

    with count_queries() as few:
        assert len(vevents(download(client, "/events.ics"))) == 4
    for number in range(3):
        make_event(moderator, title=f"Extra {number}", tags=[f"extra{number}"])
    with count_queries() as more:
        assert len(vevents(download(client, "/events.ics"))) == 7
    with count_queries() as one:
        download(client, f"/events/{event.id}.ics")

    assert len(more) == len(few) <= 3
    assert len(one) <= 3
    written = ("INSERT", "UPDATE", "DELETE")
    assert [s for s in few + more + one if s.lstrip().upper().startswith(written)] == []


def test_feed_is_built_again_only_when_an_event_in_it_changes(client, moderator):
    event = make_event(moderator, title="Portfolio clinic")
    assert "Portfolio clinic" in vevents(download(client, "/events.ics"))

    with count_queries() as unchanged:
        assert "Portfolio clinic" in vevents(download(client, "/events.ics"))
    renamed = dataclasses.replace(details_of(event), title="Portfolio review clinic")
    services.edit_event(event, moderator, renamed)
    db.session.commit()
    after_edit = vevents(download(client, "/events.ics"))
    services.cancel_event(event, moderator, "Speaker ill.")
    db.session.commit()
    after_cancel = vevents(download(client, "/events.ics"))

    assert len(unchanged) == 1  # the version check alone
    assert list(after_edit) == ["Portfolio review clinic"]
    assert str(after_cancel["Portfolio review clinic"]["STATUS"]) == "CANCELLED"


def test_feed_shortens_long_descriptions_and_the_event_file_keeps_them(client, moderator):
    words = " ".join(f"word{number}" for number in range(400))
    event = make_event(moderator, title="Long read", description=words)

    in_feed = str(vevents(download(client, "/events.ics"))["Long read"]["DESCRIPTION"])
    in_file = str(vevents(download(client, f"/events/{event.id}.ics"))["Long read"]["DESCRIPTION"])

    assert "word399" in in_file and "word399" not in in_feed
    assert " …" in in_feed and in_feed.endswith(f"/events/{event.id}/{event.slug}")
    assert len(in_feed) < 600
