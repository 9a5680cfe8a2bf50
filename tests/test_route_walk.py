"""Every route, walked with hostile values: nothing a visitor or member sends may cause a 5xx.

The walk reads ``app.url_map``, so a route added tomorrow is covered without anyone
remembering to list it. Each URL variable gets values outside its type's range, NUL
bytes, look-alike and oversized strings (a variable with a fixed set of values, such as a
moderation move, is walked with each of its values and with hostile ones; one a rule fills
in by default is not in its path); the valid URL gets hostile query strings; POST routes get
hostile form values with a valid CSRF token, and moderation forms get more (oversized,
blank, NUL, repeated and bracketed fields) from the members and the staff they are for.
Runs on both engines.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from community.accounts.models import Role
from community.content import render_markdown
from community.discussions import comment_services
from community.discussions import services as discussions
from community.events.models import EventState
from community.extensions import db
from community.mentorship import conversation
from community.mentorship.models import MentorProfile, MentorshipRequest
from community.moderation import members
from community.moderation.models import Action, LogEntry, TargetType
from community.plans import portfolio, resources
from community.plans import services as plan_services
from community.plans.models import Horizon, Resource, ResourceStatus, Visibility
from community.timeutil import utcnow
from tests import moderation_support as moderation
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
    f"moderator={'m' * 5000}&action=%00&from_date=%00&to_date=-1&page=2",
    "moderator=mod%00&action=nuke&from_date=9999-12-31&to_date=0001-01-01",
    "moderator[]=mod&action[]=hide&action=hide&from_date=2020-01-01&from_date=x",
    "page=1e3&q=%22unbalanced&q=NEAR(a%20b)",
    "post_id=2",
    "slug=x",
    "_method=POST",
    "_external=1",
    "_anchor=x",
    "next=//evil.example",
    "%00=%00",
    # Cursors and the other pagers: forged, huge, repeated, NUL.
    f"after={'9' * 5000}&before=%00&page=last&past_page=99999999999999999999",
    "after=1.1764140619123456.42&after=x&before=-1.nan.inf&past_page=-1&past_page=abc",
    "before=0.0.0&sort=top&tag=%00&page=last&page=2",
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
    "details": "D" * 5000,
    "appeal": "\x00",
    "until": "9999-99-99",
    "role": "superuser",
    "source": "\x00",
    "target": "#" * 500,
    "next": "//evil.example",
    "decline-reason": "\x00",
    # Plans, resources, portfolio, paths.
    "horizon": "3-6\x00",
    "due": "99999-12-31",
    "note": "[" * 3000,
    "current_role": "R" * 5000,
    "targets": ",".join(["x" * 200] * 50),
    "visibility": "everyone",
    "done": "\x00",
    "review": "R" * 5000,
    "skills": ",".join(["s" * 40] * 100),
    "description": "[" * 3000 + "+ " * 600,
    "provider": "P" * 5000,
    "track": "\x00",
    "text": "T" * 5000,
}
#: More for the moderation forms, from a reason too long to blank, NUL, repeated and
#: bracketed fields to valid reasons with hostile companions (so the services run).
MODERATION_FORMS = [
    {"reason": "R" * 100_000, "appeal": "A" * 100_000, "details": "D" * 100_000},
    {"reason": " \t\u200b\n", "appeal": " ", "details": " ", "title": " ", "tags": " "},
    {"reason": "\x00", "appeal": "\x00", "details": "\x00", "until": "\x00"},
    {"reason": ["Spam", "More spam"], "role": ["admin", "member"], "username": ["mo", "ada"]},
    {"reason[]": "Spam", "reason[0][x]": "y", "appeal[]": "z", "kind": "member"},
    {
        "reason": "other",
        "details": "Looks like a scam",
        "until": "2027-02-30",
        "role": "admin\x00",
        "username": "mo\x00",
        "title": "T" * 5000,
        "tags": ",".join(["x" * 40] * 50),
        "source": "ml",
        "target": "ml",
        "appeal": "I did nothing wrong.",
        "next": "javascript:alert(1)",
    },
    {
        "reason": "spam",
        "until": "1999-01-01",
        "role": "member",
        "username": "mira",
        "title": "Changing lanes",
        "tags": "ai",
        "source": "ai",
        "target": "nothing-like-it",
        "next": "https://evil.example/",
    },
]


#: More for the plans' forms: values at and past their limits, then valid values with
#: hostile companions (so the services run), then repeated and bracketed fields.
PLAN_FORMS = [
    {
        "title": "T" * 10_000,
        "horizon": "3-6",
        "due": "0001-01-01",
        "step": "plan",
        "note": "N" * 100_000,
        "current_role": "x" * 101,
        "targets": ", ".join(["role"] * 50),
        "visibility": "profile",
        "body": "B" * 100_000,
        "status": "completed",
        "review": "R" * 100_000,
        "url": "javascript:alert(1)",
        "kind": "course",
        "text": "x" * 5000,
        "role": "teacher",
        "reason": "R" * 5000,
        "done": "1",
    },
    {
        "title": "Learn SQL",
        "horizon": "6-12",
        "due": "",
        "step": "",
        "note": "**ok**",
        "current_role": "Teacher",
        "targets": "Data analyst,,, ,",
        "visibility": "mentors",
        "body": "Try [this](javascript:alert(1))",
        "status": "planned",
        "review": "Good",
        "url": "https://example.com/" + "x" * 600,
        "kind": "course",
        "text": "school teacher",
        "role": "nothing-like-it",
        "reason": "",
        "done": "0",
        "skills": "SQL",
    },
    {"title": ["a", "b"], "horizon[]": "3-6", "targets": ["x", "y"], "due": ["2099-02-30", "x"]},
]


@pytest.fixture
def world(app):
    """Real rows, so that valid URLs reach the views and hostile parts hit real lookups."""
    author = make_user("ayo")
    mentor = make_user("maya")
    mentee = make_user("mo")
    member = make_user("mira")
    moderator = make_user("mod", role=Role.MODERATOR)
    admin = make_user("ada", role=Role.ADMIN)
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
    # What the moderation routes act on: a flagged comment and its review, a tag, a
    # private message, a suspended member who appealed (id 1 of each kind exists, so
    # ``/flag/<kind>/1`` reaches a real object of every kind).
    comment = comment_services.create_comment(post, author, "Mentors helped")
    post.tags = discussions.tags_named(["ai", "ml"])
    message = conversation.post_message(request, mentee, "Which course first?")
    db.session.commit()
    review = moderation.flag(TargetType.COMMENT, comment.id, member)
    appealed = make_user("sue")
    suspension = moderation.suspend(appealed, moderator)
    members.appeal(appealed, "I did not mean it.")
    suspended = make_user("sam")
    moderation.suspend(suspended, moderator)
    db.session.commit()
    # A learning resource on the member's plan and a project of theirs (id 1 of each), so
    # the walk reaches the resource and portfolio forms.
    resource = Resource(title="AI for Everyone", url="https://www.coursera.org/learn/ai")
    db.session.add(resource)
    db.session.flush()
    resources.add_to_plan(member, resource, ResourceStatus.COMPLETED, "Clear.")
    portfolio.add_project(member, title="Sales dashboard", url="https://example.com")
    # A goal on it with a comment (id 1 of each), and the mentor's plan on their profile, so
    # the walk reaches the goal forms and a shared plan's page.
    goal = plan_services.add_goal(plan_services.plan_for(member), "Learn SQL", Horizon.SHORT)
    plan_services.comment_on_goal(goal, member, plan_services.Access(True, False), "Soon.")
    shown = plan_services.get_or_create_plan(mentor)
    plan_services.set_visibility(shown, Visibility.PROFILE)
    plan_services.add_goal(shown, "Mentor twice a week", Horizon.MID)
    db.session.commit()
    assert (comment.id, message.id, event.id, author.id) == (1, 1, 1, 1)
    values = {
        "event_id": event.id,
        "post_id": post.id,
        "slug": post.slug,  # posts and events share the name; a wrong slug redirects
        "username": mentor.username,
        "request_id": request.id,
        "comment_id": comment.id,
        "notification_id": 1,
        "target_id": 1,
        "review_id": review.id,
        "suspension_id": suspension.id,
    }
    return {
        "member": member,
        "moderator": moderator,
        "admin": admin,
        "suspended": suspended,
        "values": values,
    }


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


#: ``<name>`` or ``<converter(arguments):name>`` in a rule's path.
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^:<>]+)>")


def _path(rule, values: dict) -> str:
    """The rule's path with each variable replaced (arguments given by defaults aren't in it)."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name in values:
            return str(values[name])
        return str(_choices(rule, name)[0] if _choices(rule, name) else _is_int(rule, name) or "x")

    return _VARIABLE.sub(value, rule.rule)


def _is_int(rule, name: str) -> int:
    converter = rule._converters[name].__class__.__name__
    return 1 if "Int" in converter or "Id" in converter else 0


def _choices(rule, name: str) -> list[str]:
    """The values an ``any(...)`` variable takes, in a fixed order; [] for other variables."""
    return sorted(getattr(rule._converters[name], "items", ()) or ())


def _valid_paths(rule, values: dict) -> list[str]:
    """The path, once per value of each ``any(...)`` variable (every move, every kind)."""
    paths = [_path(rule, values)]
    for name in sorted(rule._converters):
        paths += [_path(rule, {**values, name: choice}) for choice in _choices(rule, name)[1:]]
    return paths


def _hostile_paths(rule, values: dict) -> list[str]:
    paths = []
    for argument in sorted(rule._converters):
        hostile = HOSTILE_INTS if _is_int(rule, argument) else HOSTILE_STRINGS
        for value in hostile:
            paths.append(_path(rule, {**values, argument: value}))
    return paths


def _walk(
    app, client, world, skip: frozenset = frozenset(), only: str = ""
) -> list[tuple[str, str, int]]:
    """Walk every route (or those whose endpoint starts with ``only``); what went wrong."""
    failures = []

    def check(method: str, url: str, **kwargs) -> None:
        response = client.open(url, method=method, **kwargs)
        if response.status_code >= 500:
            failures.append((method, url[:120], response.status_code))
        location = response.headers.get("Location", "")
        # A routing redirect (308: ``/flag/comment/1`` to ``/comments/1/flag``) names the host
        # the request named, as every Werkzeug app does; only trusted hosts (the deployment's
        # ``TRUSTED_HOSTS``) keep a forged Host header out. The app's own redirects are relative.
        routing = response.status_code == 308 and urlsplit(location).path != urlsplit(url).path
        if location and not routing and urlsplit(location).netloc not in ("", "localhost"):
            failures.append((method, url[:120], f"redirect off-site to {location[:80]}"))

    token = client.csrf_token("/")
    for rule in routes(app):
        if rule.endpoint in skip or not rule.endpoint.startswith(only):
            continue
        valid = _path(rule, world["values"])
        methods = rule.methods & {"GET", "POST"}
        if "GET" in methods:
            for path in _valid_paths(rule, world["values"]):
                check("GET", path)
            for query in HOSTILE_QUERIES:
                check("GET", f"{valid}?{query}", headers={"Host": "evil.example"})
            for path in _hostile_paths(rule, world["values"]):
                check("GET", path)
        if "POST" in methods:
            form = {"csrf_token": token, **HOSTILE_FORM}
            for path in _valid_paths(rule, world["values"]):
                check("POST", path, data=form)
            check("POST", f"{valid}?page=99999999999999999999&_method=PUT", data=form)
            for path in _hostile_paths(rule, world["values"])[:4]:
                check("POST", path, data=form)
            if rule.endpoint.startswith("plans."):
                for extra in PLAN_FORMS:
                    for path in _valid_paths(rule, world["values"]):
                        check("POST", path, data={"csrf_token": token, **extra})
            if rule.endpoint.startswith("moderation."):
                for extra in MODERATION_FORMS:
                    for path in _valid_paths(rule, world["values"]):
                        check("POST", path, data={"csrf_token": token, **extra})
    return failures


def test_no_route_answers_5xx_to_a_hostile_visitor(app, client, world):
    assert _walk(app, client, world) == []


def test_no_route_answers_5xx_to_a_hostile_member(app, client, world):
    login_as(client, world["member"])
    # Signing out would end the walk as a member; that route is walked as a visitor.
    assert _walk(app, client, world, skip=frozenset({"accounts.logout"})) == []
    # The valid plan forms got past the checks: the walk added goals of its own.
    assert len(plan_services.plan_for(world["member"]).goals) > 1


#: What a signed-in walk must not do to itself halfway: sign out.
SELF_ENDING = frozenset({"accounts.logout"})


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_no_route_answers_5xx_to_hostile_staff(app, client, world, role):
    """Staff get past the permission checks, so hostile forms reach the moderation services."""
    login_as(client, world[role])
    assert _walk(app, client, world, skip=SELF_ENDING) == []
    assert client.signed_in(), "the walk ended its own session: the rest was walked signed out"
    # The hostile forms got past the checks to the services: the walker's actions are logged.
    acted = db.session.scalars(
        select(LogEntry.action).where(LogEntry.moderator_id == world[role].id)
    ).all()
    assert {Action.HIDE, Action.LOCK, Action.SUSPEND} <= set(acted), acted


def test_no_moderation_route_answers_5xx_to_a_hostile_suspended_member(app, client, world):
    """The suspended member's own page takes their appeal: hostile appeals included."""
    login_as(client, world["suspended"])
    assert _walk(app, client, world, skip=SELF_ENDING, only="moderation.") == []
    db.session.expire_all()
    suspension = members.current_suspension(world["suspended"])
    assert suspension.appeal == "I did nothing wrong."


def test_the_walk_covers_every_route(app):
    walked = {rule.endpoint for rule in routes(app)}
    assert {"discussions.index", "accounts.login", "mentorship.directory"} <= walked
    assert {"moderation.flag", "moderation.post_move", "moderation.answer_appeal"} <= walked
    assert len(walked) >= 40


def test_the_walk_fills_in_every_variable(app, world):
    """Every path variable is replaced (``any`` ones with each value); defaults stay out."""
    paths = [path for rule in routes(app) for path in _valid_paths(rule, world["values"])]
    assert not [path for path in paths if "<" in path or ">" in path]
    assert "/comments/1/flag" in paths
    assert {"/plan/goals/1/edit", "/u/maya/plan", "/resources/1/plan"} <= set(paths)
    assert {f"/flag/{kind}/1" for kind in ("post", "comment", "event", "member", "message")} <= (
        set(paths)
    )
    assert {"/mod/posts/1/release", "/mod/comments/1/unfeature", "/mod/appeals/1/uphold"} <= (
        set(paths)
    )
