"""Event pages as members see them: the lists and their filters, times in the viewer's zone
and the event's, submitting, review through the queue, editing, RSVPs, cancelling, and
events on the home page.

Each test reads back what the database holds as well as what the page shows.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.discussions import services as posts
from community.discussions.comment_models import Step
from community.events import services
from community.events.models import Event, EventFormat, EventKind, EventState, Rsvp, RsvpStatus
from community.events.queries import QUEUE_SHOWN
from community.extensions import db
from community.notifications.models import Notification
from community.timeutil import utcnow
from tests.conftest import login_as, make_user
from tests.events_support import (
    JOIN_URL,
    answer,
    make_event,
    make_published_event,
    move_to_past,
)

SHOWN = "%a %d %b %Y, %H:%M"


@pytest.fixture
def olga(app) -> User:
    """A member who organises events."""
    return make_user("olga")


@pytest.fixture
def mod(app) -> User:
    return make_user("mod", role=Role.MODERATOR)


def url_of(event: Event) -> str:
    return f"/events/{event.id}/{event.slug}"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return text_of(response)


def followed(client, response) -> str:
    """The page a redirect leads to, with the messages flashed on the way."""
    assert response.status_code == 302, text_of(response)[:500]
    return page(client, response.headers["Location"])


def stored(event_id: int) -> Event | None:
    db.session.expire_all()
    return db.session.get(Event, event_id)


def rsvps() -> list[tuple[int, int, RsvpStatus]]:
    db.session.expire_all()
    rows = db.session.execute(select(Rsvp.event_id, Rsvp.user_id, Rsvp.status).order_by(Rsvp.id))
    return [tuple(row) for row in rows]


def is_checked(body: str, name: str, value: str = "y") -> bool:
    """Whether the checkbox or radio button ``name``/``value`` is checked in ``body``."""
    for tag in re.findall(r"<input[^>]*>", body):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return " checked" in tag
    raise AssertionError(f"no input {name}={value}")


def titles_in_order(body: str, titles: list[str]) -> list[str]:
    """``titles`` that appear as event-card links in ``body``, in the page's order."""
    found = re.findall(r'class="event-card__title"><a href="[^"]+">([^<]+)</a>', body)
    return [html.unescape(title) for title in found if html.unescape(title) in titles]


def next_winter() -> datetime:
    """15 January next year, 17:00 UTC: 18:00 in Berlin (CET), 12:00 in New York (EST)."""
    return datetime(utcnow().year + 1, 1, 15, 17, 0, tzinfo=UTC)


def at(event: Event, starts_at: datetime, hours: float = 2) -> Event:
    """Pin an event to an instant the test can name (factories start relative to now)."""
    event.starts_at = starts_at
    event.ends_at = starts_at + timedelta(hours=hours)
    db.session.commit()
    return event


def local(moment: datetime, zone: str) -> str:
    """A ``datetime-local`` value for ``moment`` in ``zone``, as the form takes it."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def event_form(**changes) -> dict:
    """A filled-in event form for a meetup in Berlin next winter; None drops a field."""
    start = next_winter()
    form = {
        "title": "Data careers meetup",
        "kind": "meetup",
        "format": "hybrid",
        "starts_at": local(start, "Europe/Berlin"),
        "ends_at": local(start + timedelta(hours=2), "Europe/Berlin"),
        "timezone": "Europe/Berlin",
        "location": "Kulturbrauerei, Berlin",
        "url": JOIN_URL,
        "free": "",
        "price": "€10, students free",
        "capacity": "40",
        "tags": "data, Career-Change",
        "step": "networking",
        "description": "Short **talks** by members who moved into data.",
        "link_attendees_only": "y",
        "registration_url": "https://tickets.example.com/data",
        "website": "https://data-meetup.example.com",
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


# The lists


def test_upcoming_lists_published_events_soonest_first(app, client, olga, mod):
    for title, days in (("Third", 9), ("First", 2), ("Second", 5)):
        make_published_event(olga, mod, title=title, starts_in=timedelta(days=days))
    make_event(olga, title="Still pending", starts_in=timedelta(days=1))
    rejected = make_event(olga, title="Turned down", starts_in=timedelta(days=1))
    services.reject_event(rejected, mod, "Not about careers")
    db.session.commit()
    body = page(client, "/events/")
    shown = ["First", "Second", "Third", "Still pending", "Turned down"]
    assert titles_in_order(body, shown) == ["First", "Second", "Third"]
    assert "Still pending" not in body and "Turned down" not in body
    assert "3 events." in body


def test_the_list_counts_up_to_its_cap(app, client, olga, mod, monkeypatch):
    """The count reads no more than the cap: "2+ events" past it, the pages still there."""
    from community.events import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    for title, days in (("First", 2), ("Second", 5), ("Third", 9)):
        make_published_event(olga, mod, title=title, starts_in=timedelta(days=days))
    db.session.commit()
    body = page(client, "/events/")
    assert "2+ events." in body
    assert titles_in_order(body, ["First", "Second", "Third"]) == ["First", "Second", "Third"]


def test_an_event_running_for_weeks_is_still_upcoming(app, client, olga, mod):
    """The list skips events that started more than the longest event ago; one that started
    four weeks ago and runs a few days more is still listed."""
    running = make_published_event(olga, mod, title="Long bootcamp", starts_in=timedelta(days=2))
    running.starts_at = utcnow() - timedelta(days=28)
    running.ends_at = utcnow() + timedelta(days=2)
    db.session.commit()
    assert "Long bootcamp" in page(client, "/events/")
    assert "Long bootcamp" not in page(client, "/events/past")


def test_kind_filter_shows_only_webinars_and_keeps_the_choice(app, client, olga, mod):
    make_published_event(olga, mod, title="Online hour", kind=EventKind.WEBINAR)
    make_published_event(olga, mod, title="Berlin meetup", kind=EventKind.MEETUP)
    body = page(client, "/events/?kind=webinar")
    assert titles_in_order(body, ["Online hour", "Berlin meetup"]) == ["Online hour"]
    assert '<option selected value="webinar">' in body
    assert "Clear filters" in body


def test_format_tag_and_free_filters(app, client, olga, mod):
    make_published_event(olga, mod, title="Online free", tags=["data"])
    make_published_event(
        olga,
        mod,
        title="Paid in person",
        format=EventFormat.IN_PERSON,
        is_free=False,
        price="€40",
        tags=["ux"],
    )
    names = ["Online free", "Paid in person"]
    by_format = page(client, "/events/?format=in_person")
    assert titles_in_order(by_format, names) == ["Paid in person"]
    assert '<option selected value="in_person">' in by_format
    by_tag = page(client, "/events/?tag=%23Data")
    assert titles_in_order(by_tag, names) == ["Online free"]
    assert 'name="tag" type="text" value="data"' in by_tag
    free = page(client, "/events/?free=y")
    assert titles_in_order(free, names) == ["Online free"]
    assert is_checked(free, "free")


def test_date_filters_take_whole_days(app, client, olga, mod):
    soon = make_published_event(olga, mod, title="Soon", starts_in=timedelta(days=3))
    make_published_event(olga, mod, title="Later", starts_in=timedelta(days=20))
    names = ["Soon", "Later"]
    day = soon.starts_at.date()
    until = page(client, f"/events/?to_date={day.isoformat()}")
    assert titles_in_order(until, names) == ["Soon"]
    assert f'value="{day.isoformat()}"' in until
    after = page(client, f"/events/?from_date={(day + timedelta(days=2)).isoformat()}")
    assert titles_in_order(after, names) == ["Later"]
    both = page(client, f"/events/?from_date={day}&to_date={day}")
    assert titles_in_order(both, names) == ["Soon"]


def test_pages_link_onwards_keeping_the_filters(app, client, olga, mod):
    app.config["EVENTS_PER_PAGE"] = 2
    for number in range(3):
        make_published_event(
            olga, mod, title=f"Webinar {number}", starts_in=timedelta(days=number + 1)
        )
    make_published_event(olga, mod, title="A meetup", kind=EventKind.MEETUP)
    first = page(client, "/events/?kind=webinar&tag=")
    assert titles_in_order(first, ["Webinar 0", "Webinar 1", "Webinar 2"]) == [
        "Webinar 0",
        "Webinar 1",
    ]
    link = re.search(r'rel="next" href="([^"]+)"', first)
    assert link and html.unescape(link.group(1)) in (
        "/events/?page=2&kind=webinar",
        "/events/?kind=webinar&page=2",
    )
    second = page(client, html.unescape(link.group(1)))
    assert titles_in_order(second, ["Webinar 0", "Webinar 2", "A meetup"]) == ["Webinar 2"]
    assert "Page 2 of 2" in second


def test_past_lists_the_latest_first(app, client, olga, mod):
    for title, days in (("Long ago", 30), ("Last week", 7), ("Last month", 20)):
        move_to_past(make_published_event(olga, mod, title=title), days_ago=days)
    make_published_event(olga, mod, title="Coming up")
    body = page(client, "/events/past")
    names = ["Long ago", "Last week", "Last month", "Coming up"]
    assert titles_in_order(body, names) == ["Last week", "Last month", "Long ago"]
    assert titles_in_order(page(client, "/events/"), names) == ["Coming up"]


# Times: the viewer's zone and the event's


def test_visitor_sees_utc_and_member_their_zone_and_the_events(app, client, olga, mod):
    start = next_winter()
    event = at(make_published_event(olga, mod, title="Winter meetup"), start)
    utc_time = f"{start:{SHOWN}} UTC"
    listing = page(client, "/events/")
    assert utc_time in listing
    assert "Times are in UTC (sign in" in listing

    member = make_user("nina")
    login_as(client, member)
    settings = {"display_name": "Nina", "bio": "", "timezone": "America/New_York"}
    assert client.submit("/settings", settings).status_code == 302
    new_york = start.astimezone(ZoneInfo("America/New_York"))
    berlin = start.astimezone(ZoneInfo("Europe/Berlin"))
    assert (new_york.hour, berlin.hour) == (12, 18)
    listing = page(client, "/events/")
    assert f"{new_york:{SHOWN}} EST" in listing and utc_time not in listing
    assert "Times are in America/New_York" in listing
    shown = page(client, url_of(event))
    assert f"{new_york:{SHOWN}} – 14:00 EST" in shown
    assert "(your time zone, America/New_York)" in shown
    assert f"{berlin:{SHOWN}} – 20:00 CET" in shown
    assert "(the event's time zone, Europe/Berlin)" in shown


# Submitting and reviewing


def test_member_submits_an_event_stored_in_utc_and_waiting_for_review(app, client, olga):
    login_as(client, olga)
    assert 'name="starts_at"' in page(client, "/events/new")
    response = client.submit("/events/new", event_form())
    event = db.session.scalar(select(Event))
    assert response.headers["Location"] == url_of(event)
    body = followed(client, response)
    assert "A moderator will review your event before it is listed." in body
    assert "only you and the moderators see it" in body

    event = stored(event.id)
    start = next_winter().replace(hour=17)  # 18:00 in Berlin in winter
    assert (event.starts_at, event.ends_at) == (start, start + timedelta(hours=2))
    assert event.timezone == "Europe/Berlin"
    assert event.state == EventState.PENDING and event.organiser_id == olga.id
    assert (event.kind, event.format) == (EventKind.MEETUP, EventFormat.HYBRID)
    assert (event.location, event.url) == ("Kulturbrauerei, Berlin", JOIN_URL)
    assert (event.is_free, event.price, event.capacity) == (False, "€10, students free", 40)
    assert sorted(tag.name for tag in event.tags) == ["career-change", "data"]
    assert event.guide_step == Step.NETWORKING and event.is_link_attendees_only
    assert event.registration_url == "https://tickets.example.com/data"
    assert event.website_url == "https://data-meetup.example.com"
    assert "<strong>talks</strong>" in event.description_html

    client.submit("/auth/logout")
    assert "Data careers meetup" not in page(client, "/events/")
    assert client.get(url_of(event)).status_code == 404

    login_as(client, make_user("mod", role=Role.MODERATOR))
    assert "Data careers meetup" in page(client, "/mod/")
    client.submit(f"/events/{event.id}/approve", {"reason": "Fits the guidelines."})
    client.submit("/auth/logout")
    assert "Data careers meetup" in page(client, "/events/")
    assert "Data careers meetup" in page(client, url_of(event))


def test_moderator_approves_from_the_queue_and_the_event_is_listed(app, client, olga, mod):
    event = make_event(olga, title="Resume clinic", kind=EventKind.WORKSHOP)
    login_as(client, mod)
    queue = page(client, "/mod/")
    assert "Resume clinic" in queue and f"/events/{event.id}/approve" in queue
    response = client.submit(
        f"/events/{event.id}/approve", {"next": "queue", "reason": "Fits the guidelines."}
    )
    assert response.headers["Location"] == "/mod/"
    queue = followed(client, response)
    assert "Resume clinic is approved and listed." in queue
    assert "No event is waiting for review." in queue
    assert stored(event.id).state == EventState.PUBLISHED
    assert stored(event.id).reviewed_by_id == mod.id
    client.submit("/auth/logout")
    assert "Resume clinic" in page(client, "/events/")
    told = db.session.scalar(select(Notification).where(Notification.user_id == olga.id))
    assert told.kind == "event_approved" and told.url == url_of(event)


def test_moderator_rejects_with_a_reason_the_organiser_reads(app, client, olga, mod):
    event = make_event(olga, title="Crypto riches")
    login_as(client, mod)
    response = client.submit(
        f"/events/{event.id}/reject", {"next": "queue", "reject-reason": "Not about careers"}
    )
    assert response.headers["Location"] == "/mod/"
    assert "is rejected; its organiser is told why" in followed(client, response)
    assert stored(event.id).state == EventState.REJECTED
    assert stored(event.id).rejection_reason == "Not about careers"

    login_as(client, olga)
    notifications = page(client, "/notifications")
    assert "Your event Crypto riches was not approved: Not about careers" in notifications
    assert "A moderator did not approve this event: Not about careers" in page(
        client, url_of(event)
    )
    client.submit("/auth/logout")
    assert "Crypto riches" not in page(client, "/events/")


def test_reject_without_a_reason_shows_the_form_again(app, client, olga, mod):
    event = make_event(olga, title="Crypto riches")
    login_as(client, mod)
    response = client.submit(f"/events/{event.id}/reject", {"reject-reason": "  "})
    assert response.status_code == 400
    assert "Say why: the organiser is told." in text_of(response)
    assert stored(event.id).state == EventState.PENDING


def test_moderators_events_are_listed_at_once(app, client, mod):
    login_as(client, mod)
    response = client.submit("/events/new", event_form(title="Staff webinar"))
    assert "Your event is published." in followed(client, response)
    assert stored(1).state == EventState.PUBLISHED
    client.submit("/auth/logout")
    assert "Staff webinar" in page(client, "/events/")


# Editing


def test_organiser_edit_form_shows_what_was_stored(app, client, olga, mod):
    login_as(client, olga)
    client.submit("/events/new", event_form())
    event = stored(1)
    form = page(client, f"/events/{event.id}/edit")
    assert 'value="Data careers meetup"' in form
    assert f'value="{local(next_winter(), "Europe/Berlin")}"' in form
    assert '<option selected value="Europe/Berlin">' in form
    assert '<option selected value="meetup">' in form
    assert is_checked(form, "format", "hybrid") and not is_checked(form, "format", "online")
    assert is_checked(form, "link_attendees_only") and not is_checked(form, "free")
    assert 'value="€10, students free"' in form and 'value="40"' in form
    assert 'value="career-change, data"' in form
    assert '<option selected value="networking">' in form
    assert "Short **talks** by members who moved into data.</textarea>" in form


def test_material_edit_tells_who_answered(app, client, olga, mod):
    event = make_published_event(olga, mod, title="Data careers meetup")
    going = make_user("gus")
    answer(event, going, "going")
    login_as(client, olga)
    later = next_winter() + timedelta(days=1)
    moved = event_form(
        format="online",
        location="",
        timezone="UTC",
        starts_at=local(later, "UTC"),
        ends_at=local(later + timedelta(hours=2), "UTC"),
    )
    response = client.submit(f"/events/{event.id}/edit", moved)
    assert "Everyone who answered is told" in followed(client, response)
    event = stored(event.id)
    assert event.starts_at == next_winter() + timedelta(days=1)
    assert event.timezone == "UTC" and event.location == "" and event.sequence == 1
    told = db.session.scalars(select(Notification).where(Notification.user_id == going.id)).all()
    assert [(note.kind, note.url) for note in told] == [("event_changed", url_of(event))]
    assert "changed its time or place" in told[0].message


def test_wording_edit_tells_nobody(app, client, olga, mod):
    event = make_published_event(olga, mod, title="Data careers meetup")
    answer(event, make_user("gus"), "going")
    login_as(client, olga)
    form = page(client, f"/events/{event.id}/edit")
    values = dict(re.findall(r'name="(starts_at|ends_at)" [^>]*value="([^"]+)"', form))
    unchanged = event_form(
        title="Data careers meetup: spring edition",
        format="online",
        location="",
        timezone="Europe/Berlin",
        **values,
    )
    response = client.submit(f"/events/{event.id}/edit", unchanged)
    assert "Your event is saved." in followed(client, response)
    assert stored(event.id).title == "Data careers meetup: spring edition"
    assert (
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.kind == "event_changed")
        )
        == 0
    )


def test_wrong_slug_redirects_permanently(app, client, olga, mod):
    event = make_published_event(olga, mod, title="Data careers meetup")
    for path in (f"/events/{event.id}", f"/events/{event.id}/old-title"):
        response = client.get(path)
        assert (response.status_code, response.headers["Location"]) == (301, url_of(event))


# RSVPs


def test_rsvp_buttons_going_interested_and_cancel(app, client, olga, mod):
    event = make_published_event(olga, mod, title="Data careers meetup")
    member = make_user("nina")
    login_as(client, member)
    body = page(client, url_of(event))
    assert 'name="status" value="going"' in body and 'name="status" value="interested"' in body
    rsvp = f"/events/{event.id}/rsvp"

    going = html.unescape(followed(client, client.submit(rsvp, {"status": "going"})))
    assert "You're going. Add it to your calendar below." in going
    assert "You're going." in going and "Cancel my answer" in going
    assert "1 going" in going and ">nina</a>" in going
    assert rsvps() == [(event.id, member.id, RsvpStatus.GOING)]

    interested = html.unescape(followed(client, client.submit(rsvp, {"status": "interested"})))
    assert "Marked as interested." in interested and "You're interested." in interested
    assert rsvps() == [(event.id, member.id, RsvpStatus.INTERESTED)]
    assert stored(event.id).going_count == 0 and stored(event.id).interested_count == 1

    withdrawn = followed(client, client.submit(rsvp, {"status": "cancel"}))
    assert "Your answer is withdrawn." in withdrawn and "Cancel my answer" not in withdrawn
    assert rsvps() == []
    assert stored(event.id).interested_count == 0


def test_full_event_offers_the_waitlist(app, client, olga, mod):
    event = make_published_event(olga, mod, title="Small workshop", capacity=1)
    answer(event, make_user("first"), "going")
    late = make_user("late")
    login_as(client, late)
    body = page(client, url_of(event))
    assert "Join the waitlist" in body and "1: all taken" in body
    response = client.submit(f"/events/{event.id}/rsvp", {"status": "going"})
    waiting = html.unescape(followed(client, response))
    assert "Every seat is taken: you're on the waitlist" in waiting
    assert "You're on the waitlist (number 1)." in waiting
    assert "Leave the waitlist" in waiting and "1 waiting" in waiting
    assert rsvps()[-1] == (event.id, late.id, RsvpStatus.WAITLISTED)
    assert stored(event.id).going_count == 1


def test_attendees_only_link_shows_to_members_going(app, client, olga, mod):
    event = make_published_event(olga, mod, is_link_attendees_only=True)
    hidden = "The link to join is shown to members who are going."
    visitor_view = page(client, url_of(event))
    assert hidden in visitor_view and JOIN_URL not in visitor_view
    member = make_user("nina")
    login_as(client, member)
    assert JOIN_URL not in page(client, url_of(event))
    client.submit(f"/events/{event.id}/rsvp", {"status": "interested"})
    assert JOIN_URL not in page(client, url_of(event))
    client.submit(f"/events/{event.id}/rsvp", {"status": "going"})
    going_view = page(client, url_of(event))
    assert f'<a href="{JOIN_URL}" rel="nofollow ugc noopener">' in going_view
    assert hidden not in going_view


def test_open_link_shows_to_everyone(app, client, olga, mod):
    event = make_published_event(olga, mod)
    assert f'<a href="{JOIN_URL}"' in page(client, url_of(event))


# Cancelling


def test_organiser_cancels_and_the_event_stays_listed_marked(app, client, olga, mod):
    event = make_published_event(olga, mod, title="Data careers meetup")
    going = make_user("gus")
    answer(event, going, "going")
    login_as(client, olga)
    response = client.submit(f"/events/{event.id}/cancel", {"cancel-reason": "Venue flooded"})
    body = followed(client, response)
    assert "Data careers meetup is cancelled. It stays listed, marked cancelled." in body
    assert "This event is cancelled.</strong> Venue flooded" in body
    assert '<p class="refusal">This event is cancelled.</p>' in body
    assert 'name="status"' not in body and "Cancel the event" not in body
    event = stored(event.id)
    assert event.state == EventState.CANCELLED and event.cancelled_by_id == olga.id
    assert event.cancellation_reason == "Venue flooded"
    listing = page(client, "/events/")
    assert "Data careers meetup" in listing and "event-card--cancelled" in listing
    told = db.session.scalar(select(Notification).where(Notification.user_id == going.id))
    assert told.message == "Data careers meetup is cancelled: Venue flooded"


# The guide and the home page


def test_guide_step_link_leads_to_the_guide_on_that_step(app, client, olga, mod):
    guide, _ = posts.seed_guide()
    db.session.commit()
    event = make_published_event(olga, mod, guide_step=Step.NETWORKING)
    body = page(client, url_of(event))
    # The guide's own address once the site knows it, else /guide, which leads there.
    link = html.unescape(re.search(r'href="([^"]*\?step=networking)"', body).group(1))
    assert link in ("/guide?step=networking", f"/posts/{guide.id}/{guide.slug}?step=networking")
    response = client.get("/guide?step=networking")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/posts/{guide.id}/{guide.slug}?step=networking"
    assert client.get(link, follow_redirects=True).status_code == 200


def test_home_shows_the_next_events(app, client, olga, mod):
    make_published_event(
        olga, mod, title="Tomorrow's meetup", kind=EventKind.MEETUP, starts_in=timedelta(days=1)
    )
    make_event(olga, title="Unreviewed", starts_in=timedelta(hours=12))
    home = page(client, "/")
    assert "Tomorrow&#39;s meetup" in home and "Unreviewed" not in home
    assert "Times in UTC." in home


def test_home_puts_webinars_first_when_more_are_coming(app, client, olga, mod):
    for day in range(1, 5):
        make_published_event(
            olga, mod, title=f"Meetup {day}", kind=EventKind.MEETUP, starts_in=timedelta(days=day)
        )
    make_published_event(olga, mod, title="Late webinar", starts_in=timedelta(days=9))
    home = page(client, "/")
    names = ["Late webinar", *(f"Meetup {day}" for day in range(1, 5))]
    assert titles_in_order(home, names) == ["Late webinar", "Meetup 1", "Meetup 2", "Meetup 3"]


def test_the_queue_shows_the_oldest_fifty_and_counts_the_rest(client, olga, mod):
    for number in range(QUEUE_SHOWN + 3):
        make_event(olga, title=f"Waiting {number:02d}")
    login_as(client, mod)

    page = text_of(client.get("/mod/"))

    assert page.count('class="card queue-item"') == QUEUE_SHOWN
    assert "Waiting 00" in page and f"Waiting {QUEUE_SHOWN:02d}" not in page
    assert f'<span class="badge">{QUEUE_SHOWN + 3}</span>' in page
    assert "3 more waiting" in page
