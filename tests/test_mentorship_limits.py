"""Mentorship writes are rate-limited per member (limits on, set low for the test)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community.extensions import db, limiter
from community.mentorship.models import MentorProfile, MentorshipMessage, MentorshipRequest
from community.mentorship.models import RequestState as S
from tests.conftest import make_user
from tests.mentorship_support import REQUEST_TEXT, make_mentor, make_request


@pytest.fixture
def app_config() -> dict:
    return {
        "RATELIMIT_ENABLED": True,
        "RATE_LIMIT_MENTORSHIP_REQUESTS": "2 per minute",
        "RATE_LIMIT_MESSAGES": "2 per minute",
        "RATE_LIMIT_MENTORSHIP_ACTIONS": "2 per minute",
    }


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()
    yield
    limiter.reset()


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_sending_requests_is_limited_per_member(app, login):
    for name in ("ada", "bea", "cleo"):
        make_mentor(make_user(name))
    client = login(make_user())
    statuses = [
        client.submit(f"/mentors/{name}/request", {"message": REQUEST_TEXT}).status_code
        for name in ("ada", "bea", "cleo")
    ]
    assert statuses == [302, 302, 429]
    assert count(MentorshipRequest) == 2
    login(make_user())  # another member has a budget of their own
    assert client.submit("/mentors/cleo/request", {"message": REQUEST_TEXT}).status_code == 302


def test_messages_are_limited_per_member(app, login):
    mentee = make_user()
    request = make_request(mentee, make_mentor(capacity=2), S.ACCEPTED)
    client = login(mentee)
    page = f"/mentorship/{request.id}"
    statuses = [
        client.submit(f"{page}/messages", {"body": f"Message {n}"}, page=page).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert count(MentorshipMessage) == 2


def test_profile_saves_and_moves_share_one_budget(app, login):
    user = make_user("nora")
    client = login(user)
    form = {
        "headline": "Nurse turned UX researcher",
        "expertise": ["ux-design"],
        "languages": "English",
        "timezone": "UTC",
        "capacity": "2",
        "accepting": "y",
    }
    assert client.submit("/mentors/me", form).status_code == 302
    assert (
        client.submit("/mentors/me/accepting", {"accepting": "0"}, page="/mentors/me").status_code
        == 302
    )
    assert client.submit("/mentors/me/leave", page="/mentors/me").status_code == 429
    assert db.session.scalar(select(MentorProfile.left_at)) is None
    assert client.get("/mentors/me").status_code == 200  # reading is never limited
