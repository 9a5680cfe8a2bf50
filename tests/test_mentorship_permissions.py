"""A mentorship request exists only for its two sides; a suspended member reads, never acts.

Who may use which route is in ``test_route_matrix.py``; these are the properties behind it.
"""

from __future__ import annotations

import re

import pytest

from community.accounts.models import Role
from community.extensions import db
from community.mentorship.models import MentorshipRequest, RequestState
from tests.conftest import make_user
from tests.mentorship_support import make_mentor, make_request

CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')


@pytest.fixture
def cast(app):
    mentor = make_mentor(make_user("maya"), capacity=2)
    other = make_mentor(make_user("other"), capacity=2)
    mentee = make_user("eli")
    request = make_request(mentee, mentor)
    return {
        "anonymous": None,
        "member": make_user("mira"),
        "mentee": mentee,
        "mentor": mentor.user,
        "other_mentor": other.user,
        "moderator": make_user("mod", role=Role.MODERATOR),
        "request": request,
    }


def test_outsiders_never_see_the_request_or_its_messages(client, login, cast):
    from community.mentorship import conversation

    request = cast["request"]
    conversation.post_message(request, cast["mentee"], "A private detail about my salary")
    db.session.commit()
    for role in ("member", "other_mentor", "moderator"):
        login(cast[role])
        response = client.get(f"/mentorship/{request.id}")
        assert response.status_code == 404
        assert "salary" not in response.get_data(as_text=True)
        assert "salary" not in client.get("/mentorship/").get_data(as_text=True)
    login(cast["mentor"])
    assert "salary" in client.get(f"/mentorship/{request.id}").get_data(as_text=True)


def test_a_suspended_member_reads_but_cannot_act(client, login, cast):
    mentee = cast["mentee"]
    mentee.suspended_at = mentee.created_at
    db.session.commit()
    login(mentee)
    request = cast["request"]
    page = client.get(f"/mentorship/{request.id}").get_data(as_text=True)
    assert "Withdraw request" not in page
    assert client.get("/mentors/me").status_code == 403
    assert client.get("/mentors/maya/request").status_code == 403
    response = client.submit(f"/mentorship/{request.id}/withdraw", page="/mentorship/")
    assert response.status_code == 403
    assert db.session.get(MentorshipRequest, request.id).state == RequestState.PENDING


def test_unknown_request_and_mentor_are_404(client, login, cast):
    login(cast["member"])
    assert client.get("/mentorship/99999").status_code == 404
    assert client.get("/mentors/nobody-here/request").status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("GET", "", None),
        ("POST", "/accept", None),
        ("POST", "/decline", {"decline-reason": "no-time"}),
        ("POST", "/withdraw", None),
        ("POST", "/complete", {}),
        ("POST", "/cancel", {}),
        ("POST", "/messages", {"body": "Hello"}),
        ("POST", "/retrospective", {"body": "x"}),
    ],
)
def test_someone_elses_request_looks_like_a_missing_one(client, login, cast, method, suffix, data):
    """No id probing: an outsider can't tell a request they may not see from no request."""
    login(cast["other_mentor"])
    client.get("/")  # shows the "signed in" flash, so neither answer carries it
    request = cast["request"]

    def answer(request_id: int):
        url = f"/mentorship/{request_id}{suffix}"
        response = client.get(url) if method == "GET" else client.submit(url, data, page="/")
        # the page's CSRF token is signed with the time: the one part allowed to differ
        return response.status_code, CSRF_VALUE.sub("", response.get_data(as_text=True))

    assert answer(request.id) == answer(request.id + 1000)
    assert answer(request.id)[0] == 404
    db.session.expire_all()
    assert db.session.get(MentorshipRequest, request.id).state == RequestState.PENDING


def test_every_post_is_one_unit_of_work_and_no_get_is(app):
    """POSTs commit once through ``@transactional``; a GET never writes, so is never wrapped."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("mentorship."):
            continue
        view = app.view_functions[rule.endpoint]
        wrapped = getattr(view, "is_transactional", False)
        assert wrapped == ("POST" in rule.methods), rule
