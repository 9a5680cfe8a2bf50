"""Every route, walked with hostile values: nothing a visitor or member sends may cause a 5xx.

The walk reads ``app.url_map``, so a route added tomorrow is covered without anyone
remembering to list it. Each URL variable gets values outside its type's range, NUL
bytes, look-alike and oversized strings; the valid URL gets hostile query strings; POST
routes get hostile form values with a valid CSRF token. Runs on both engines.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from community.accounts.models import Role
from community.content import render_markdown
from community.events.models import EventState
from community.extensions import db
from community.mentorship.models import MentorProfile, MentorshipRequest
from community.timeutil import utcnow
from tests.conftest import login_as, make_post, make_user
from tests.events_support import make_event

#: Values for a ``<int:...>`` variable: beyond every column type, negative, junk.
HOSTILE_INTS = ["0", "2147483648", "9223372036854775808", "9" * 26, "-1", "1e3"]
#: Values for a string variable (usernames, slugs).
HOSTILE_STRINGS = [
    "a%00b",
    "x" * 2000,
    "..%2F..%2Fetc%2Fpasswd",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%E2%80%8B",
    "%FF%FE",
    "%F0%9F%98%80" * 50,
]
#: Query strings; each combines several hostile parameters that views read.
HOSTILE_QUERIES = [
    "page=99999999999999999999&sort=%00&step=%00&tag=%00&q=%00&expertise=%00&language=%00"
    "&accepting=%00",
    f"page=0&sort={'x' * 5000}&tag={'t' * 5000}&q={'q' * 20000}&language={'l' * 5000}",
    "page=-1&page=3&sort=new&sort=top&step=networking&step=plan",
    "page=abc&accepting=yes&expertise=ai-ml&tag=%E2%80%8B",
    "kind=webinar&format=in_person&from_date=0001-01-01&to_date=9999-12-31&free=y",
    "from_date=2027-02-30&to_date=2027-13-01&kind=%3Cscript%3E&format=" + "f" * 5000,
    "page=1e3&q=%22unbalanced&q=NEAR(a%20b)",
    "post_id=2",
    "slug=x",
    "_method=POST",
    "_external=1",
    "_anchor=x",
    "next=//evil.example",
    "%00=%00",
]
HOSTILE_FORM = {
    "body": "[" * 3000 + "+ " * 600,
    "title": "\x00" + "T" * 500,
    "parent_id": "999999999999999",
    "tags": ",".join(["x" * 40] * 50),
    "message": "\u200b" * 100,
    "reason": "<script>",
    "action": "%00",
    "capacity": "99999999999999999999",
    "years_experience": "-5",
    "months": "1e309",
    "timezone": "Mars/Olympus",
    "expertise": "../../etc",
    "username": "a\x00b",
    "email": "@" * 300,
    "password": "x" * 5000,
    "display_name": "\u202eadmin",
    "open": "1",
    "kind": "<script>",
    "format": "in_person\x00",
    "starts_at": "9999-12-31T23:59",
    "ends_at": "0001-01-01T00:00",
    "location": "L" * 5000,
    "url": "javascript:alert(1)",
    "registration_url": "https://" + "x" * 5000,
    "website": "//evil.example",
    "price": "\u202e" * 200,
    "step": "../",
    "status": "going\x00",
    "reject-reason": " " * 400,
    "cancel-reason": "R" * 5000,
}


@pytest.fixture
def world(app):
    """Real rows, so that valid URLs reach the views and hostile parts hit real lookups."""
    author = make_user("ayo")
    mentor = make_user("maya")
    mentee = make_user("mo")
    member = make_user("mira")
    make_user("mod", role=Role.MODERATOR)
    post = make_post(author, title="Changing lanes")
    profile = MentorProfile(user_id=mentor.id, headline="Teacher turned analyst", capacity=2)
    db.session.add(profile)
    request = MentorshipRequest(
        mentee_id=mentee.id,
        mentor_id=mentor.id,
        message_md="Help",
        message_html=render_markdown("Help"),
    )
    db.session.add(request)
    db.session.commit()
    # The member organises a published event, so the walk reaches its edit and cancel forms.
    event = make_event(member)
    event.state = EventState.PUBLISHED
    event.published_at = utcnow()
    db.session.commit()
    values = {
        "event_id": event.id,
        "post_id": post.id,
        "slug": post.slug,  # posts and events share the name; a wrong slug redirects
        "username": mentor.username,
        "request_id": request.id,
        "comment_id": 1,
        "notification_id": 1,
    }
    return {"member": member, "values": values}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


def _path(rule, values: dict) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<int:{name}>", str(values.get(name, 1)))
        path = path.replace(f"<{name}>", str(values.get(name, "x")))
    return path


def _hostile_paths(rule, values: dict) -> list[str]:
    paths = []
    for argument in sorted(rule.arguments):
        converter = rule._converters[argument].__class__.__name__
        hostile = HOSTILE_INTS if "Int" in converter or "Id" in converter else HOSTILE_STRINGS
        for value in hostile:
            paths.append(_path(rule, {**values, argument: value}))
    return paths


def _walk(app, client, world, skip: frozenset = frozenset()) -> list[tuple[str, str, int]]:
    failures = []

    def check(method: str, url: str, **kwargs) -> None:
        response = client.open(url, method=method, **kwargs)
        if response.status_code >= 500:
            failures.append((method, url[:120], response.status_code))
        location = response.headers.get("Location", "")
        if location and urlsplit(location).netloc not in ("", "localhost"):
            failures.append((method, url[:120], f"redirect off-site to {location[:80]}"))

    token = client.csrf_token("/")
    for rule in routes(app):
        if rule.endpoint in skip:
            continue
        valid = _path(rule, world["values"])
        methods = rule.methods & {"GET", "POST"}
        if "GET" in methods:
            check("GET", valid)
            for query in HOSTILE_QUERIES:
                check("GET", f"{valid}?{query}", headers={"Host": "evil.example"})
            for path in _hostile_paths(rule, world["values"]):
                check("GET", path)
        if "POST" in methods:
            form = {"csrf_token": token, **HOSTILE_FORM}
            check("POST", valid, data=form)
            check("POST", f"{valid}?page=99999999999999999999&_method=PUT", data=form)
            for path in _hostile_paths(rule, world["values"])[:4]:
                check("POST", path, data=form)
    return failures


def test_no_route_answers_5xx_to_a_hostile_visitor(app, client, world):
    assert _walk(app, client, world) == []


def test_no_route_answers_5xx_to_a_hostile_member(app, client, world):
    login_as(client, world["member"])
    # Signing out would end the walk as a member; that route is walked as a visitor.
    assert _walk(app, client, world, skip=frozenset({"accounts.logout"})) == []


def test_the_walk_covers_every_route(app):
    walked = {rule.endpoint for rule in routes(app)}
    assert {"discussions.index", "accounts.login", "mentorship.directory"} <= walked
    assert len(walked) >= 40
