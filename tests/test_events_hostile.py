"""Hostile or broken input on the event pages: a 400 with the message next to the field and
nothing stored, a flash and no RSVP, a 403 or 404 for what isn't the member's, never a 500.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.events import services
from community.events.models import Event, EventState, Rsvp
from community.extensions import db
from community.timeutil import utcnow
from tests.conftest import login_as, make_user
from tests.events_support import JOIN_URL, answer, make_event, make_published_event, move_to_past


@pytest.fixture
def olga(app) -> User:
    return make_user("olga")


@pytest.fixture
def mod(app) -> User:
    return make_user("mod", role=Role.MODERATOR)


def url_of(event: Event) -> str:
    return f"/events/{event.id}/{event.slug}"


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def local(moment: datetime, zone: str = "Europe/Berlin") -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


START = datetime(utcnow().year + 1, 1, 15, 17, 0, tzinfo=UTC)


def event_form(**changes) -> dict:
    """A valid in-person meetup next winter; None drops a field."""
    form = {
        "title": "Data careers meetup",
        "kind": "meetup",
        "format": "in_person",
        "starts_at": local(START),
        "ends_at": local(START + timedelta(hours=2)),
        "timezone": "Europe/Berlin",
        "location": "Kulturbrauerei, Berlin",
        "free": "y",
        "description": "Short talks by members who moved into data.",
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def errors_next_to(body: str, name: str) -> str:
    """The messages shown beside field ``name`` (the format's are inside its fieldset)."""
    if name == "format":
        found = re.search(r"<legend>Format</legend>(.*?)</fieldset>", body, re.DOTALL)
        block = found.group(1) if found else ""
        listed = re.search(r'class="field__errors"[^>]*>(.*?)</ul>', block, re.DOTALL)
    else:
        listed = re.search(
            rf'<ul class="field__errors" id="{name}-error"[^>]*>(.*?)</ul>', body, re.DOTALL
        )
    return html.unescape(listed.group(1)) if listed else ""


def field_value(body: str, name: str) -> str:
    """What field ``name`` holds as the page shows it (inputs and the textarea)."""
    if name == "description":
        found = re.search(
            r'<textarea[^>]*name="description"[^>]*>(?:\r?\n)?(.*?)</textarea>', body, re.DOTALL
        )
        return html.unescape(found.group(1)) if found else ""
    for tag in re.findall(r"<input[^>]*>", body):
        if f'name="{name}"' in tag:
            found = re.search(r'value="([^"]*)"', tag)
            return html.unescape(found.group(1)) if found else ""
    raise AssertionError(f"no input {name}")


def selected(body: str, name: str) -> str:
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', body, re.DOTALL)
    option = re.search(r'<option selected value="([^"]*)"', found.group(1)) if found else None
    return html.unescape(option.group(1)) if option else ""


DATETIME_MESSAGE = "Enter a date and time, like 2027-03-14 18:30."
LINK_MESSAGE = "Links must start with http:// or https://."
YEARS_MESSAGE = "Enter a date between 2000 and 2100."
SEATS_MESSAGE = "Seats are from 1 to 100,000."

#: (what the member sent, the field the message must sit beside, the message)
BROKEN = [
    ({"starts_at": "2027-13-45T99:99"}, "starts_at", DATETIME_MESSAGE),
    ({"starts_at": ""}, "starts_at", DATETIME_MESSAGE),
    ({"starts_at": None}, "starts_at", DATETIME_MESSAGE),
    ({"ends_at": "2" * 10_000}, "ends_at", DATETIME_MESSAGE),
    ({"starts_at": "0001-01-01T10:00"}, "starts_at", YEARS_MESSAGE),
    ({"ends_at": "9999-12-31T23:59"}, "ends_at", YEARS_MESSAGE),
    ({"starts_at": f"{START.year}-01-15T10:00\x00"}, "starts_at", DATETIME_MESSAGE),
    (
        {
            "timezone": "America/New_York",
            "starts_at": "2027-03-14T02:30",
            "ends_at": "2027-03-14T04:00",
        },
        "starts_at",
        "Clocks skip this time in that zone (daylight saving).",
    ),
    ({"timezone": "Mars/Olympus"}, "timezone", "Choose a time zone from the list."),
    ({"timezone": ""}, "timezone", "Choose a time zone"),
    ({"format": "online", "url": "javascript:alert(1)"}, "url", LINK_MESSAGE),
    ({"format": "online", "url": "JavaScript:alert(1)//https://x"}, "url", LINK_MESSAGE),
    ({"format": "online", "url": "data:text/html,<script>alert(1)</script>"}, "url", LINK_MESSAGE),
    ({"registration_url": "vbscript:msgbox(1)"}, "registration_url", LINK_MESSAGE),
    ({"website": "https://"}, "website", LINK_MESSAGE),
    ({"format": "online", "url": "https:///path"}, "url", LINK_MESSAGE),
    (
        {"format": "online", "url": "http://meet.example.com/a room"},
        "url",
        "Links can't contain spaces.",
    ),
    ({"title": "T" * 201}, "title", "Titles are up to 200 characters."),
    ({"title": " \u200b "}, "title", "Give your event a title."),
    ({"title": "\x00\x00"}, "title", "Give your event a title."),
    (
        {"description": "d" * 10_001},
        "description",
        "A description holds up to 10,000 characters.",
    ),
    ({"tags": "a, b, c, d, e, f"}, "tags", "Use at most 5 tags."),
    ({"tags": "ok, no_way!"}, "tags", '"no_way!" is not a tag'),
    ({"capacity": "0"}, "capacity", SEATS_MESSAGE),
    ({"capacity": "-1"}, "capacity", SEATS_MESSAGE),
    ({"capacity": str(10**12)}, "capacity", SEATS_MESSAGE),
    ({"capacity": "abc"}, "capacity", "Not a valid integer value."),
    (
        {"ends_at": local(START - timedelta(hours=1))},
        "ends_at",
        "The event must end after it starts.",
    ),
    (
        {"ends_at": local(START + timedelta(days=40))},
        "ends_at",
        "An event can last at most 31 days.",
    ),
    (
        {
            "starts_at": local(utcnow() - timedelta(days=1)),
            "ends_at": local(utcnow() - timedelta(days=1) + timedelta(hours=2)),
        },
        "starts_at",
        "A new event must start in the future.",
    ),
    ({"format": "online"}, "url", "Online and hybrid events need the link to join."),
    ({"format": "hybrid", "url": JOIN_URL, "location": ""}, "location", "need a location"),
    ({"location": None}, "location", "In-person and hybrid events need a location."),
    ({"free": None}, "price", "Say what a paid event costs, or mark it free."),
    ({"format": "virtual"}, "format", "Not a valid choice."),
    ({"format": None}, "format", "Choose online, in person or hybrid."),
    ({"kind": "party"}, "kind", "Not a valid choice."),
    ({"step": "retire"}, "step", "Not a valid choice."),
]


@pytest.mark.parametrize(
    ("changes", "name", "message"), BROKEN, ids=[f"{row[1]}-{i}" for i, row in enumerate(BROKEN)]
)
def test_broken_event_is_refused_beside_the_field_and_nothing_is_stored(
    app, client, olga, changes, name, message
):
    login_as(client, olga)
    sent = event_form(**changes)
    response = client.submit("/events/new", sent)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in errors_next_to(body, name)
    assert "Some fields need a fix" in body
    assert count(Event) == 0
    # What the member typed is still in the form, to fix rather than retype.
    assert field_value(body, "title") == sent.get("title", "").replace("\x00", "").strip()
    assert field_value(body, "description") == sent["description"]
    assert field_value(body, "location") == sent.get("location", "")
    assert selected(body, "kind") == (sent["kind"] if sent["kind"] != "party" else "")


def test_typed_dates_and_links_are_kept_when_refused(app, client, olga):
    login_as(client, olga)
    sent = event_form(
        starts_at="2027-13-45T99:99",
        format="online",
        url="javascript:alert(1)",
        capacity="abc",
        tags="a, b, c, d, e, f",
    )
    body = client.submit("/events/new", sent).get_data(as_text=True)
    for name in ("starts_at", "ends_at", "url", "capacity", "tags"):
        assert field_value(body, name) == sent[name], name
    assert 'href="javascript:' not in body
    assert count(Event) == 0


def test_nul_bytes_are_dropped_from_text_not_stored(app, client, olga):
    login_as(client, olga)
    response = client.submit(
        "/events/new",
        event_form(title="Data\x00 meetup", location="Berlin\x00", description="Talks\x00."),
    )
    assert response.status_code == 302
    event = db.session.scalar(select(Event))
    assert (event.title, event.location, event.description_md) == (
        "Data meetup",
        "Berlin",
        "Talks.",
    )


def test_a_refused_edit_keeps_the_event_as_it_was(app, client, olga, mod):
    event = make_published_event(olga, mod, title="Data careers meetup")
    before = (event.title, event.starts_at, event.url)
    login_as(client, olga)
    response = client.submit(
        f"/events/{event.id}/edit", event_form(title="Renamed", format="online", url="data:x")
    )
    assert response.status_code == 400
    assert LINK_MESSAGE in errors_next_to(response.get_data(as_text=True), "url")
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert (event.title, event.starts_at, event.url) == before


# RSVPs that can't be


def _rejected(olga, mod) -> Event:
    event = make_event(olga, title="Turned down")
    services.reject_event(event, mod, "Off topic")
    db.session.commit()
    return event


def _cancelled(olga, mod) -> Event:
    event = make_published_event(olga, mod, title="Called off")
    services.cancel_event(event, olga, "Venue closed")
    db.session.commit()
    return event


EVENTS_NOT_OPEN = {
    "pending": (lambda olga, mod: make_event(olga, title="Waiting"), "not published yet"),
    "rejected": (_rejected, "was not approved"),
    "past": (
        lambda olga, mod: move_to_past(make_published_event(olga, mod)),
        "This event is over.",
    ),
    "cancelled": (_cancelled, "This event is cancelled."),
}


@pytest.mark.parametrize("state", EVENTS_NOT_OPEN)
def test_rsvp_to_an_event_not_open_is_a_message_and_no_row(app, client, olga, mod, state):
    make_event_in_state, message = EVENTS_NOT_OPEN[state]
    event = make_event_in_state(olga, mod)
    # The organiser sees the event whatever its state; the refusal is theirs to read.
    login_as(client, olga)
    response = client.submit(f"/events/{event.id}/rsvp", {"status": "going"})
    assert response.status_code == 302
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(rf'class="flash flash--error">[^<]*{re.escape(message)}', body)
    assert count(Rsvp) == 0
    db.session.expire_all()
    assert db.session.get(Event, event.id).going_count == 0


@pytest.mark.parametrize("state", ["pending", "rejected"])
def test_rsvp_to_an_event_others_cannot_see_is_404(app, client, olga, mod, state):
    event = EVENTS_NOT_OPEN[state][0](olga, mod)
    login_as(client, make_user("nina"))
    assert client.submit(f"/events/{event.id}/rsvp", {"status": "going"}).status_code == 404
    assert count(Rsvp) == 0


@pytest.mark.parametrize("status", ["bogus", "", "waitlisted", "GOING", "\x00"])
def test_rsvp_with_an_unknown_answer_is_a_message(app, client, olga, mod, status):
    event = make_published_event(olga, mod)
    login_as(client, make_user("nina"))
    response = client.submit(f"/events/{event.id}/rsvp", {"status": status})
    assert response.status_code == 302
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Choose going, interested or cancel." in body
    assert count(Rsvp) == 0


def test_suspended_member_cannot_rsvp(app, client, olga, mod):
    event = make_published_event(olga, mod)
    login_as(client, make_user("sam", suspended=True))
    response = client.submit(f"/events/{event.id}/rsvp", {"status": "going"})
    assert response.status_code == 403
    assert count(Rsvp) == 0


# What isn't the member's


def test_editing_someone_elses_event_is_403(app, client, olga, mod):
    event = make_published_event(olga, mod, title="Data careers meetup")
    login_as(client, make_user("fred"))
    assert client.get(f"/events/{event.id}/edit").status_code == 403
    response = client.submit(f"/events/{event.id}/edit", event_form(title="Mine now"))
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "Data careers meetup"


def test_a_member_cannot_approve_even_their_own_event(app, client, olga, mod):
    own = make_event(olga, title="Waiting")
    listed = make_published_event(make_user("other"), mod, title="Listed")
    login_as(client, olga)
    assert (
        client.submit(f"/events/{own.id}/approve", {"reason": "Fits the guidelines."}).status_code
        == 403
    )
    assert client.submit(f"/events/{own.id}/reject", {"reject-reason": "x"}).status_code == 403
    assert (
        client.submit(
            f"/events/{listed.id}/approve", {"reason": "Fits the guidelines."}
        ).status_code
        == 403
    )
    assert client.get("/mod/").status_code == 403
    db.session.expire_all()
    assert db.session.get(Event, own.id).state == EventState.PENDING
    assert db.session.get(Event, own.id).reviewed_by_id is None


def test_a_moderator_cannot_edit_a_members_event(app, client, olga, mod):
    event = make_published_event(olga, mod, title="Data careers meetup")
    login_as(client, mod)
    assert client.submit(f"/events/{event.id}/edit", event_form(title="X")).status_code == 403
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "Data careers meetup"


def test_approving_twice_is_a_message_not_an_error(app, client, olga, mod):
    event = make_event(olga, title="Waiting")
    login_as(client, mod)
    client.submit(f"/events/{event.id}/approve", {"reason": "Fits the guidelines."})
    response = client.submit(f"/events/{event.id}/approve", {"reason": "Fits the guidelines."})
    assert response.status_code == 302
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This event is published: it can&#39;t be approved now." in body


def test_cancel_reason_too_long_is_a_message_and_nothing_changes(app, client, olga, mod):
    event = make_published_event(olga, mod)
    answer(event, make_user("gus"), "going")
    login_as(client, olga)
    response = client.submit(f"/events/{event.id}/cancel", {"cancel-reason": "r" * 301})
    assert response.status_code == 302
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Up to 300 characters." in body
    db.session.expire_all()
    assert db.session.get(Event, event.id).state == EventState.PUBLISHED


# Query strings on the lists


HOSTILE_QUERIES = [
    "kind=%3Cscript%3Ealert(1)%3C/script%3E",
    "format=%3Cscript%3E&free=%3Cscript%3E",
    "from_date=99999-01-01&to_date=0000-00-00",
    "from_date=2027-02-30&to_date=1999-12-31",
    "page=-1",
    "page=99999999999999999999",
    "tag=" + "t" * 10_000,
    "tag=%00&kind=%00&from_date=%00&page=%00",
    "tag=%3C%2Ftextarea%3E%3Cscript%3E",
    "kind=webinar&kind=meetup&page=1&page=x",
]


@pytest.mark.parametrize("path", ["/events/", "/events/past"])
@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_query_strings_give_the_list(app, client, olga, mod, path, query):
    make_published_event(olga, mod, title="Data careers meetup")
    response = client.get(f"{path}?{query}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>" not in body.split("</head>", 1)[1]
    if path == "/events/" and "kind=webinar" in query:
        assert "Data careers meetup" in body


#: Every field of every event form at once, each wrong in its own way.
GARBAGE = {
    "title": "\x00" + "T" * 500,
    "kind": "../../etc",
    "format": "%00",
    "starts_at": "9" * 40,
    "ends_at": "2027-02-30T25:61",
    "timezone": "Mars/Olympus",
    "location": "L" * 5000,
    "url": "https://" + "x" * 5000,
    "capacity": "99999999999999999999",
    "price": "\u202e" * 200,
    "tags": ",".join(["x" * 40] * 50),
    "step": "<script>",
    "description": "[" * 3000,
    "status": "99999999999999999999",
    "next": "//evil.example",
    "reject-reason": "r" * 5000,
    "cancel-reason": "\x00" * 400,
}


@pytest.mark.parametrize("who", ["olga", "mod"])
def test_garbage_on_every_event_form_is_never_a_server_error(app, client, olga, mod, who):
    event = make_published_event(olga, mod, title="Listed")
    pending = make_event(olga, title="Waiting")
    login_as(client, olga if who == "olga" else mod)
    before = count(Event), count(Rsvp)
    paths = ["/events/new"] + [
        f"/events/{target.id}/{action}"
        for target in (event, pending)
        for action in ("edit", "rsvp", "approve", "reject", "cancel")
    ]
    for path in paths:
        response = client.submit(path, GARBAGE)
        assert response.status_code < 500, path
        location = response.headers.get("Location", "")
        assert not location.startswith("//") and "evil.example" not in location, path
    assert (count(Event), count(Rsvp)) == before
