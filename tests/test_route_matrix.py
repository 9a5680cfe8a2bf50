"""Who may do what: every route of the app against every role, in one table.

Roles: visitor (signed out), member (no part in anything but a pending event of their own),
author (wrote the post and its comment, organises the published event), mentor (has a
profile and a pending request), mentee (sent that request and a message in it, is going to
the event), moderator (wrote a comment of their own, flagged by another member), admin,
suspended (by a moderator, not yet appealed). Outcomes: a status code, or LOGIN for a
redirect to sign in.

``test_every_route_is_in_the_matrix`` reads ``app.url_map``: a new route fails the suite
until someone decides, here, who may use it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from community.accounts.models import Role
from community.discussions import comment_services
from community.discussions import services as discussions
from community.discussions.comment_models import Step
from community.extensions import db
from community.mentorship import conversation, testimonials
from community.mentorship.models import RequestState
from community.moderation import members
from community.moderation.models import TargetType
from community.notifications.models import MailTopic
from community.notifications.services import notify
from community.notifications.unsubscribe import unsubscribe_path
from community.plans import services as plan_services
from community.plans.models import Horizon, Visibility
from community.timeutil import utcnow
from tests import moderation_support as moderation
from tests.conftest import login_as, make_user
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
    """Staff act; every member is refused, as is a suspended one."""
    return expect(403, **{"moderator": status, "admin": status, **overrides})


def flaggers(status, **overrides) -> dict:
    """Flagging is a write any member may make on what they see, except on their own."""
    return writers(status, **overrides)


def not_suspended(status, suspended) -> dict:
    """The appeal page: the suspended member's own; anyone else is sent home with a message."""
    return expect(status, suspended=suspended)


POST_FORM = {"title": "A plan that worked", "body": "Three steps, in order.", "tags": "ai, ml"}
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


#: The author's comment is an experience under the guide: its edit form has its details too.
EXPERIENCE_EDIT = {
    "body": "Mentors helped, a lot.",
    "steps": ["networking"],
    "outcome": "in_progress",
}

GOAL_FORM = {"title": "Learn SQL", "horizon": "6-12", "due": "", "step": "", "note": ""}

#: A flag as the form sends it (the details box is there, empty).
FLAG_FORM = {"reason": "spam", "details": ""}
REASON = {"reason": "Breaks the community guidelines"}

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

RESOURCE_FORM = {
    "title": "Google Data Analytics",
    "url": "https://www.coursera.org/professional-certificates/google-data-analytics",
    "kind": "certification",
    "track": "Data analysis",
}

#: (method, path, form data, expected outcome per role)
MATRIX = [
    # Public pages
    ("GET", "/", None, everyone(200)),
    ("GET", "/guide", None, everyone(302)),
    ("GET", "/healthz", None, everyone(200)),
    ("GET", "/robots.txt", None, everyone(200)),
    ("GET", "/posts/", None, everyone(200)),
    ("GET", "/posts/{post}", None, everyone(301)),
    ("GET", "/posts/{post}/{slug}", None, everyone(200)),
    ("GET", "/comments/{comment}", None, everyone(200)),
    ("GET", "/u/ayo", None, everyone(200)),
    ("GET", "/u/ayo/avatar.svg", None, everyone(200)),
    ("GET", "/mentors/", None, everyone(200)),
    ("GET", "/mentors/maya", None, everyone(200)),
    ("GET", "/search", None, everyone(200)),
    # Feeds are the same for everyone (readers fetch them without a session).
    ("GET", "/feed.atom", None, everyone(200)),
    ("GET", "/posts/{post}/{slug}/feed.atom", None, everyone(200)),
    ("GET", "/events/feed.atom", None, everyone(200)),
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
    ("GET", "/auth/reset", None, everyone(200)),
    ("POST", "/auth/reset", {"email": "nobody@example.com"}, everyone(302)),
    ("GET", "/auth/reset/not-a-token", None, everyone(400)),
    ("POST", "/auth/reset/not-a-token", {"password": "x", "confirm": "x"}, everyone(400)),
    ("POST", "/auth/verify", None, expect(302)),
    ("GET", "/auth/verify/not-a-token", None, everyone(400)),
    ("POST", "/auth/verify/not-a-token", None, everyone(400)),
    ("POST", "/settings/email", {"password": "wrong"}, expect(400)),
    ("GET", "/settings/notifications", None, expect(200)),
    ("POST", "/settings/notifications", {"replies": "off"}, expect(302)),
    # A signed unsubscribe link works for whoever holds it, signed in or not.
    ("GET", "/unsubscribe/{unsubscribe}", None, everyone(200)),
    ("POST", "/unsubscribe/{unsubscribe}", None, everyone(200)),
    # Discussions
    ("GET", "/posts/new", None, writers(200)),
    ("POST", "/posts/new", POST_FORM, writers(302)),
    ("GET", "/posts/{post}/edit", None, author_only(200)),
    ("POST", "/posts/{post}/edit", POST_FORM, author_only(302)),
    # The guide can't be deleted: the author deletes another post of theirs.
    ("POST", "/posts/{discussion}/delete", None, author_only(302)),
    ("POST", "/posts/{post}/comments", {"body": "This worked for me."}, writers(302)),
    ("POST", "/preview", {"body": "**Mentors** helped.", "profile": "comment"}, writers(200)),
    ("POST", "/posts/{post}/follow", None, writers(302)),
    ("POST", "/posts/{post}/unfollow", None, writers(302)),
    ("GET", "/comments/{comment}/edit", None, author_only(200)),
    ("POST", "/comments/{comment}/edit", EXPERIENCE_EDIT, author_only(302)),
    ("POST", "/comments/{comment}/delete", None, author_only(302)),
    ("POST", "/comments/{comment}/vote", None, writers(302, author=403)),
    ("POST", "/comments/{comment}/endorse", None, writers(302, author=403)),
    ("GET", "/comments/{comment}/flag", None, flaggers(200, author=403)),
    ("POST", "/comments/{comment}/flag", FLAG_FORM, flaggers(302, author=403)),
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
    # A completed mentorship of the same pair, with the mentee's testimonial waiting.
    ("GET", "/mentorship/{done}", None, participants(200, 200)),
    (
        "POST",
        "/mentorship/{done}/testimonial",
        {"body": "Maya made it concrete.", "consent": "y"},
        participants(403, 302),
    ),
    ("POST", "/mentorship/{done}/testimonial/withdraw", None, participants(403, 302)),
    ("POST", "/mentorship/{done}/testimonial/approve", None, participants(302, 403)),
    ("POST", "/mentorship/{done}/testimonial/decline", None, participants(302, 403)),
    # Hiding is for a published one: refused (with a message) to the mentor here.
    ("POST", "/mentorship/{done}/testimonial/hide", None, participants(302, 403)),
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
    # Moderation: the queue, the public log, a page per post, comment and member.
    ("GET", "/mod/", None, moderators(200)),
    ("GET", "/mod/log", None, everyone(200)),
    ("GET", "/mod/posts/{post}", None, moderators(200)),
    ("GET", "/mod/comments/{comment}", None, moderators(200)),
    # The moderator's own comment: the page shows, without the moves that are another's.
    ("GET", "/mod/comments/{own_comment}", None, moderators(200)),
    ("GET", "/mod/members/ayo", None, moderators(200)),
    ("GET", "/mod/tags", None, moderators(200)),
    # Every move on a post and a comment; one that would change nothing (restore what is
    # not hidden) is a message on the object's page, not a refusal.
    *[
        ("POST", f"/mod/posts/{{post}}/{move}", REASON, moderators(302))
        for move in ("hide", "restore", "release", "lock", "unlock", "pin", "unpin")
    ],
    ("POST", "/mod/posts/{post}/feature", REASON, moderators(302)),
    ("POST", "/mod/posts/{post}/unfeature", REASON, moderators(302)),
    *[
        ("POST", f"/mod/comments/{{comment}}/{move}", REASON, moderators(302))
        for move in ("hide", "restore", "feature", "unfeature")
    ],
    # Moderators never hide, restore or feature their own words: another moderator does.
    *[
        ("POST", f"/mod/comments/{{own_comment}}/{move}", REASON, moderators(302, moderator=403))
        for move in ("hide", "restore", "feature", "unfeature")
    ],
    # Locking and pinning are curation: a moderator may lock their own thread.
    (
        "POST",
        "/mod/posts/{post}/edit",
        {"title": "Changing lanes", "tags": "ai", **REASON},
        moderators(302),
    ),
    ("POST", "/mod/reviews/{review}/dismiss", REASON, moderators(302)),
    ("POST", "/mod/reviews/{own_review}/dismiss", REASON, moderators(302, moderator=403)),
    ("POST", "/mod/tags", {"source": "ml", "target": "ai", **REASON}, moderators(302)),
    # Members: moderators suspend members, only admins suspend moderators, nobody an admin.
    ("POST", "/mod/members/ayo/suspend", REASON, moderators(302)),
    ("POST", "/mod/members/mod/suspend", REASON, moderators(302, moderator=403)),
    ("POST", "/mod/members/ada/suspend", REASON, moderators(403)),
    ("POST", "/mod/members/sam/unsuspend", REASON, moderators(302)),
    # Lifting a suspension nobody is under is a message, not a refusal.
    ("POST", "/mod/members/ayo/unsuspend", REASON, moderators(302)),
    # Appeals: the suspended member's page; the appeal another member sent is answered here.
    ("GET", "/mod/appeal", None, not_suspended(302, suspended=200)),
    ("POST", "/mod/appeal", {"appeal": "It was a misunderstanding."}, not_suspended(302, 302)),
    ("POST", "/mod/appeals/{appeal}/lift", REASON, moderators(302)),
    ("POST", "/mod/appeals/{appeal}/uphold", REASON, moderators(302)),
    # Roles: admins only.
    ("GET", "/mod/roles", None, expect(403, admin=200)),
    (
        "POST",
        "/mod/roles",
        {"username": "mira", "role": "moderator", **REASON},
        expect(403, admin=302),
    ),
    # Flags on every kind of object: what the member sees, never their own; a private
    # message only by the other participant (404 for anyone outside the conversation).
    ("GET", "/flag/post/{post}", None, flaggers(200, author=403)),
    ("POST", "/flag/post/{post}", FLAG_FORM, flaggers(302, author=403)),
    ("GET", "/flag/event/{event}", None, flaggers(200, author=403)),
    ("POST", "/flag/event/{event}", FLAG_FORM, flaggers(302, author=403)),
    # A pending event can't be flagged: it is not public, and staff review it anyway.
    ("GET", "/flag/event/{pending}", None, pending_event(403, 403)),
    ("POST", "/flag/event/{pending}", FLAG_FORM, pending_event(403, 403)),
    ("GET", "/flag/member/{author_id}", None, flaggers(200, author=403)),
    ("POST", "/flag/member/{author_id}", FLAG_FORM, flaggers(302, author=403)),
    ("GET", "/flag/message/{message}", None, participants(200, 403)),
    ("POST", "/flag/message/{message}", FLAG_FORM, participants(302, 403)),
    ("GET", "/comments/{own_comment}/flag", None, flaggers(200, moderator=403)),
    ("POST", "/comments/{own_comment}/flag", FLAG_FORM, flaggers(302, moderator=403)),
    # Learning resources: everyone reads the catalogue, staff keep it, members put
    # resources on their plan (the member has this one on theirs already).
    ("GET", "/resources/", None, everyone(200)),
    ("GET", "/resources/{resource}", None, everyone(200)),
    ("GET", "/resources/new", None, moderators(200)),
    ("POST", "/resources/new", RESOURCE_FORM, moderators(302)),
    ("GET", "/resources/{resource}/edit", None, moderators(200)),
    ("POST", "/resources/{resource}/edit", RESOURCE_FORM, moderators(302)),
    ("POST", "/resources/{resource}/plan", {"status": "planned"}, writers(302)),
    ("POST", "/resources/{resource}/plan/edit", {"status": "in_progress"}, writers(302)),
    ("POST", "/resources/{resource}/plan/remove", None, writers(302)),
    # Portfolio: the member's own projects; anyone else's project is not found.
    ("GET", "/settings/portfolio", None, expect(200)),
    ("POST", "/settings/portfolio", {"title": "Sales dashboard"}, writers(302)),
    ("GET", "/settings/portfolio/{project}/edit", None, expect(404, member=200)),
    ("POST", "/settings/portfolio/{project}/edit", {"title": "Churn"}, expect(404, member=302)),
    ("POST", "/settings/portfolio/{project}/delete", None, expect(404, member=302)),
    # Paths: the map is public; mapping members' roles is for moderators.
    ("GET", "/paths", None, everyone(200)),
    ("GET", "/paths/roles", None, moderators(200)),
    ("POST", "/paths/roles", {"text": "School teacher", "role": ""}, moderators(302)),
    # Plans: every member has their own; a goal of someone else's is not found.
    ("GET", "/plan", None, expect(200)),
    ("POST", "/plan", None, writers(302)),
    ("POST", "/plan/roles", {"current_role": "Teacher", "targets": "Data analyst"}, writers(302)),
    ("POST", "/plan/visibility", {"visibility": "mentors"}, writers(302)),
    ("POST", "/plan/goals", {"title": "Learn SQL", "horizon": "3-6"}, writers(302)),
    ("GET", "/plan/goals/{own_goal}/edit", None, expect(404, author=200)),
    ("POST", "/plan/goals/{own_goal}/edit", GOAL_FORM, expect(404, author=302)),
    ("POST", "/plan/goals/{own_goal}/done", {"done": "1"}, expect(404, author=302)),
    ("POST", "/plan/goals/{own_goal}/delete", None, expect(404, author=302)),
    ("POST", "/plan/goals/{own_goal}/comments", {"body": "Done soon."}, expect(404, author=302)),
    # A plan shared with mentors: its member's mentor comments; nobody else, staff
    # included, learns it exists. The author's own private plan sends the author to /plan.
    ("GET", "/u/lin/plan", None, expect(404, mentor=200, visitor=404)),
    ("GET", "/u/ayo/plan", None, expect(404, author=302, visitor=404)),
    ("GET", "/u/pat/plan", None, everyone(200)),
    (
        "POST",
        "/plan/goals/{shared_goal}/comments",
        {"body": "Try Kaggle."},
        expect(404, mentor=302),
    ),
    ("POST", "/plan/comments/{goal_comment}/delete", None, expect(404, mentor=302)),
]


def _resources_and_portfolio(member) -> dict:
    """A resource on the member's plan and a project in the member's portfolio."""
    from community.plans import portfolio, resources
    from community.plans.models import Resource, ResourceStatus

    resource = Resource(title="AI for Everyone", url="https://www.coursera.org/learn/ai")
    db.session.add(resource)
    db.session.flush()
    resources.add_to_plan(member, resource, ResourceStatus.PLANNED)
    project = portfolio.add_project(member, title="Sales dashboard", url="https://example.com")
    db.session.commit()
    return {"resource": resource.id, "project": project.id}


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
        "suspended": make_user("sam"),
    }
    mentor_profile = make_mentor(make_user("maya"))
    users["mentor"] = mentor_profile.user
    post = discussions.create_post(
        users["author"], "Changing lanes", "It took a year.", tags=("ai", "ml")
    )
    post.is_guide = True
    discussion = discussions.create_post(users["author"], "Which course first?", "Any advice?")
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
        own_comment = comment_services.create_comment(post, users["moderator"], "Ask a mentor")
        db.session.commit()
    done = make_request(users["mentee"], mentor_profile, RequestState.COMPLETED)
    testimonials.save(done, users["mentee"], "Maya helped me choose my projects.", consent=True)
    request = make_request(users["mentee"], mentor_profile)
    message = conversation.post_message(request, users["mentee"], "Which course first?")
    db.session.commit()
    # Another member flags the post and the moderator's comment; a second suspended member
    # has appealed; the suspended role has not.
    fred = make_user("fred")
    review = moderation.flag(TargetType.POST, post.id, fred)
    own_review = moderation.flag(TargetType.COMMENT, own_comment.id, fred)
    moderation.suspend(users["suspended"], users["moderator"])
    appealed = moderation.suspend(make_user("sue"), users["moderator"])
    members.appeal(appealed.user, "I did not mean it.")
    db.session.commit()
    with app.test_request_context():
        event = make_published_event(
            users["author"], users["moderator"], title="Career-change webinar"
        )
        answer(event, users["mentee"], "going")
        pending = make_event(users["member"], title="Pending meetup")
    # Plans: the author's is private; pat's is on their profile; lin, mentored by
    # maya, shares theirs with mentors, and maya commented on a goal.
    own_goal = plan_services.add_goal(
        plan_services.get_or_create_plan(users["author"]), "Learn SQL", Horizon.SHORT
    )
    plan_services.set_visibility(
        plan_services.get_or_create_plan(make_user("pat")), Visibility.PROFILE
    )
    lin = make_user("lin")
    make_request(lin, mentor_profile, RequestState.ACCEPTED)
    shared = plan_services.get_or_create_plan(lin)
    plan_services.set_visibility(shared, Visibility.MENTORS)
    shared_goal = plan_services.add_goal(shared, "Build a dashboard", Horizon.MID)
    goal_comment = plan_services.comment_on_goal(
        shared_goal, users["mentor"], plan_services.Access(False, True), "Use real data."
    )
    db.session.commit()
    from community.notifications.models import Notification

    notification = db.session.scalar(
        db.select(Notification.id).where(Notification.user_id == users["member"].id)
    )
    values = {
        "post": post.id,
        "slug": post.slug,
        "discussion": discussion.id,
        "comment": comment.id,
        "request": request.id,
        "done": done.id,
        "notification": notification,
        "event": event.id,
        "event_slug": event.slug,
        "pending": pending.id,
        "pending_slug": pending.slug,
        "own_comment": own_comment.id,
        "message": message.id,
        "review": review.id,
        "own_review": own_review.id,
        "appeal": appealed.id,
        "author_id": users["author"].id,
        "own_goal": own_goal.id,
        "shared_goal": shared_goal.id,
        "goal_comment": goal_comment.id,
        **_resources_and_portfolio(users["member"]),
        "unsubscribe": unsubscribe_path(users["member"], MailTopic.REPLIES).rsplit("/", 1)[1],
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
