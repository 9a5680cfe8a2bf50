"""Who may do what: every route of the app against every role, in one table.

Roles: visitor (signed out), member (no part in anything but a pending event of their own),
author (wrote the post and its comment, organises the published event), mentor (has a
profile and a pending request), mentee (sent that request, is going to the event),
moderator, admin, suspended. Outcomes: a status code, or LOGIN for a redirect to sign in.

``test_every_route_is_in_the_matrix`` reads ``app.url_map``: a new route fails the suite
until someone decides, here, who may use it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from community.accounts.models import Role
from community.discussions import comment_services
from community.discussions.comment_models import Step
from community.extensions import db
from community.notifications.services import notify
from community.timeutil import utcnow
from tests.conftest import login_as, make_post, make_user
from tests.events_support import answer, make_event, make_published_event
from tests.mentorship_support import REQUEST_TEXT, make_mentor, make_request

ROLES = ("visitor", "member", "author", "mentor", "mentee", "moderator", "admin", "suspended")
LOGIN = "login"


def expect(default, **overrides) -> dict:
    """``default`` for every role but the visitor (who is sent to sign in) and ``overrides``."""
    return {"visitor": LOGIN, **dict.fromkeys(ROLES[1:], default), **overrides}


def everyone(status) -> dict:
    return dict.fromkeys(ROLES, status)


def writers(status, **overrides) -> dict:
    """A write any member may make; suspended members only read."""
    return expect(status, suspended=403, **overrides)


def author_only(status) -> dict:
    return expect(403, author=status)


def participants(mentor, mentee) -> dict:
    """A mentorship request exists only for its two sides: 404 for everyone else."""
    return expect(404, mentor=mentor, mentee=mentee)


def pending_event(organiser, staff, visitor=LOGIN) -> dict:
    """A pending event exists only for its organiser (the member) and staff: 404 to others."""
    return {**expect(404, member=organiser, moderator=staff, admin=staff), "visitor": visitor}


def moderators(status, **overrides) -> dict:
    return expect(403, moderator=status, admin=status, **overrides)


POST_FORM = {"title": "A plan that worked", "body": "Three steps, in order."}
PROFILE_FORM = {
    "headline": "Lawyer turned product manager",
    "expertise": ["product-management"],
    "languages": "English",
    "timezone": "UTC",
    "capacity": "3",
    "accepting": "y",
}
NEW_MEMBER = {
    "username": "brand-new",
    "email": "brand-new@example.com",
    "password": "a long enough password",
    "confirm": "a long enough password",
}


def _local(days: int, hour: int) -> str:
    """A ``datetime-local`` value ``days`` from today, as the event form takes it."""
    moment = utcnow() + timedelta(days=days)
    return moment.strftime(f"%Y-%m-%dT{hour:02d}:00")


EVENT_FORM = {
    "title": "Data careers meetup",
    "kind": "meetup",
    "format": "in_person",
    "starts_at": _local(30, 18),
    "ends_at": _local(30, 20),
    "timezone": "Europe/Berlin",
    "location": "Kulturbrauerei, Berlin",
    "free": "y",
    "description": "Short talks by members who moved into data.",
}

#: (method, path, form data, expected outcome per role)
MATRIX = [
    # Public pages
    ("GET", "/", None, everyone(200)),
    ("GET", "/guide", None, everyone(302)),
    ("GET", "/healthz", None, everyone(200)),
    ("GET", "/posts/", None, everyone(200)),
    ("GET", "/posts/{post}", None, everyone(301)),
    ("GET", "/posts/{post}/{slug}", None, everyone(200)),
    ("GET", "/comments/{comment}", None, everyone(200)),
    ("GET", "/u/ayo", None, everyone(200)),
    ("GET", "/mentors/", None, everyone(200)),
    ("GET", "/mentors/maya", None, everyone(200)),
    # Accounts
    ("GET", "/auth/login", None, expect(302, visitor=200)),
    ("POST", "/auth/login", {"username": "nobody", "password": "wrong"}, expect(302, visitor=200)),
    ("GET", "/auth/register", None, expect(302, visitor=200)),
    ("POST", "/auth/register", NEW_MEMBER, everyone(302)),
    ("POST", "/auth/logout", None, everyone(302)),
    ("GET", "/settings", None, expect(200)),
    ("POST", "/settings", {"display_name": "New", "bio": "", "timezone": "UTC"}, writers(302)),
    ("POST", "/settings/password", {"pw-current_password": "wrong"}, expect(400)),
    ("POST", "/settings/sessions", None, expect(302)),
    ("POST", "/settings/delete", {"del-password": "wrong"}, expect(400)),
    ("GET", "/settings/export", None, expect(200)),
    # Discussions
    ("GET", "/posts/new", None, writers(200)),
    ("POST", "/posts/new", POST_FORM, writers(302)),
    ("GET", "/posts/{post}/edit", None, author_only(200)),
    ("POST", "/posts/{post}/edit", POST_FORM, author_only(302)),
    ("POST", "/posts/{post}/comments", {"body": "This worked for me."}, writers(302)),
    ("POST", "/posts/{post}/follow", None, writers(302)),
    ("POST", "/posts/{post}/unfollow", None, writers(302)),
    ("GET", "/comments/{comment}/edit", None, author_only(200)),
    ("POST", "/comments/{comment}/edit", {"body": "Mentors helped, a lot."}, author_only(302)),
    ("POST", "/comments/{comment}/delete", None, author_only(302)),
    ("POST", "/comments/{comment}/vote", None, writers(302, author=403)),
    ("POST", "/comments/{comment}/endorse", None, writers(302, author=403)),
    ("GET", "/comments/{comment}/flag", None, writers(200, author=403)),
    ("POST", "/comments/{comment}/flag", {"reason": "spam"}, writers(302, author=403)),
    (
        "GET",
        "/comments/{comment}/revisions",
        None,
        expect(403, author=200, moderator=200, admin=200),
    ),
    # Notifications
    ("GET", "/notifications", None, expect(200)),
    ("POST", "/notifications/{notification}/read", None, expect(404, member=302)),
    ("POST", "/notifications/read-all", None, expect(302)),
    # Mentorship: profiles and the directory
    ("GET", "/mentors/me", None, writers(200)),
    ("POST", "/mentors/me", PROFILE_FORM, writers(302)),
    ("POST", "/mentors/me/accepting", {"accepting": "0"}, writers(404, mentor=302)),
    ("POST", "/mentors/me/leave", None, writers(404, mentor=302)),
    # The mentee already has an open request and the mentor can't ask themself: both see
    # the form again with the reason.
    ("GET", "/mentors/maya/request", None, writers(200)),
    (
        "POST",
        "/mentors/maya/request",
        {"message": REQUEST_TEXT},
        writers(302, mentor=400, mentee=400),
    ),
    # Mentorship: requests
    ("GET", "/mentorship/", None, expect(200)),
    ("GET", "/mentorship/{request}", None, participants(200, 200)),
    ("POST", "/mentorship/{request}/accept", None, participants(302, 403)),
    (
        "POST",
        "/mentorship/{request}/decline",
        {"decline-reason": "no-time"},
        participants(302, 403),
    ),
    ("POST", "/mentorship/{request}/withdraw", None, participants(403, 302)),
    ("POST", "/mentorship/{request}/messages", {"body": "When suits you?"}, participants(302, 302)),
    # Pending: completing, cancelling and retrospectives are refused to both sides.
    ("POST", "/mentorship/{request}/complete", None, participants(302, 302)),
    ("POST", "/mentorship/{request}/cancel", None, participants(302, 302)),
    ("POST", "/mentorship/{request}/retrospective", {"body": "It helped."}, participants(302, 302)),
    # Events: the published one is the author's, the mentee is going; the pending one is
    # the member's.
    ("GET", "/events/", None, everyone(200)),
    ("GET", "/events/past", None, everyone(200)),
    ("GET", "/events.ics", None, everyone(200)),
    ("GET", "/events/{event}", None, everyone(301)),
    ("GET", "/events/{event}/{event_slug}", None, everyone(200)),
    ("GET", "/events/{event}.ics", None, everyone(200)),
    ("GET", "/events/{pending}/{pending_slug}", None, pending_event(200, 200, visitor=404)),
    ("GET", "/events/{pending}.ics", None, pending_event(200, 200, visitor=404)),
    ("GET", "/events/mine", None, expect(200)),
    ("GET", "/events/new", None, writers(200)),
    ("POST", "/events/new", EVENT_FORM, writers(302)),
    ("GET", "/events/{event}/edit", None, author_only(200)),
    ("POST", "/events/{event}/edit", EVENT_FORM, author_only(302)),
    # Staff see a pending event but only its organiser edits it.
    ("GET", "/events/{pending}/edit", None, pending_event(200, 403)),
    ("POST", "/events/{event}/rsvp", {"status": "going"}, writers(302)),
    ("POST", "/events/{event}/rsvp", {"status": "cancel"}, writers(302)),
    # The organiser and staff see the pending event: the refusal is a message on its page.
    ("POST", "/events/{pending}/rsvp", {"status": "going"}, pending_event(302, 302)),
    ("POST", "/events/{pending}/approve", None, pending_event(403, 302)),
    ("POST", "/events/{pending}/reject", {"reject-reason": "Off topic"}, pending_event(403, 302)),
    # Approving a listed event: not the members' move (403); moderators read that it is listed.
    ("POST", "/events/{event}/approve", None, moderators(302)),
    (
        "POST",
        "/events/{event}/cancel",
        {"cancel-reason": "Venue closed"},
        moderators(302, author=302),
    ),
    ("POST", "/events/{pending}/cancel", {}, pending_event(302, 302)),
    # Moderation
    ("GET", "/mod/", None, moderators(200)),
]


@pytest.fixture
def world(app):
    """One of everything, so every route has something real to act on."""
    users = {
        "visitor": None,
        "member": make_user("mira"),
        "author": make_user("ayo"),
        "mentee": make_user("mo"),
        "moderator": make_user("mod", role=Role.MODERATOR),
        "admin": make_user("ada", role=Role.ADMIN),
        "suspended": make_user("sam", suspended=True),
    }
    mentor_profile = make_mentor(make_user("maya"))
    users["mentor"] = mentor_profile.user
    post = make_post(users["author"], title="Changing lanes")
    post.is_guide = True
    db.session.commit()
    with app.test_request_context():
        comment = comment_services.create_comment(
            post,
            users["author"],
            "Mentors helped",
            experience=comment_services.Experience([Step.NETWORKING]),
        )
        comment_services.edit_comment(comment, "Mentors helped a lot")
        notify(users["member"], "reply", "Someone replied", "/", actor=users["author"])
        db.session.commit()
    request = make_request(users["mentee"], mentor_profile)
    with app.test_request_context():
        event = make_published_event(
            users["author"], users["moderator"], title="Career-change webinar"
        )
        answer(event, users["mentee"], "going")
        pending = make_event(users["member"], title="Pending meetup")
    from community.notifications.models import Notification

    notification = db.session.scalar(
        db.select(Notification.id).where(Notification.user_id == users["member"].id)
    )
    values = {
        "post": post.id,
        "slug": post.slug,
        "comment": comment.id,
        "request": request.id,
        "notification": notification,
        "event": event.id,
        "event_slug": event.slug,
        "pending": pending.id,
        "pending_slug": pending.slug,
    }
    return users, values


def _outcome(response) -> int | str:
    if response.status_code == 302 and "/auth/login" in response.headers.get("Location", ""):
        return LOGIN
    return response.status_code


def _request(client, method: str, path: str, data: dict | None):
    if method == "GET":
        return client.get(path)
    return client.submit(path, data or {}, page="/")


@pytest.mark.parametrize("role", ROLES)
def test_reading(client, world, role):
    users, values = world
    if users[role] is not None:
        login_as(client, users[role])
    seen = {}
    for method, path, _, _ in MATRIX:
        if method != "GET":
            continue
        url = path.format(**values)
        seen[url] = _outcome(client.get(url))
    wanted = {
        path.format(**values): expected[role]
        for method, path, _, expected in MATRIX
        if method == "GET"
    }
    assert seen == wanted


WRITES = [row for row in MATRIX if row[0] == "POST"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [(path, data, expected) for _, path, data, expected in WRITES],
    ids=[path for _, path, _, _ in WRITES],
)
def test_writing(client, world, role, path, data, expected):
    users, values = world
    if users[role] is not None:
        login_as(client, users[role])
    before = _snapshot()
    response = _request(client, "POST", path.format(**values), data)
    assert _outcome(response) == expected[role]
    if response.status_code == 403:
        assert "Not allowed" in response.get_data(as_text=True)
    if expected[role] in (LOGIN, 403, 404):
        assert _snapshot() == before, "a refused write changed something"


def _snapshot() -> dict:
    """What a refused write must leave as it was: every table's rows, as they read."""
    db.session.expire_all()
    return {
        table.name: sorted(map(repr, db.session.execute(table.select()).all()))
        for table in db.metadata.sorted_tables
    }


def test_every_route_is_in_the_matrix(app, world):
    _, values = world
    adapter = app.url_map.bind("localhost")
    covered = set()
    for method, path, _, _ in MATRIX:
        try:
            endpoint, _ = adapter.match(path.format(**values), method=method)
        except (NotFound, MethodNotAllowed) as error:  # a row for a route that is gone
            raise AssertionError(f"{method} {path} matches no route") from error
        covered.add((endpoint, method))
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods & {"GET", "POST"}
    }
    assert routes - covered == set(), "routes nobody decided permissions for"
