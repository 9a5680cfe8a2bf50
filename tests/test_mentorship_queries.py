"""Each mentorship page reads through a named query: a fixed number of statements, capped.

The counts include signing the member in and the unread-notification badge. A page that
grows with the data (one more mentor, request or message) fails here before it is slow.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community.extensions import db
from community.mentorship import conversation, queries
from community.mentorship.models import MentorshipRequest
from community.mentorship.models import RequestState as S
from tests.conftest import count_queries, make_user
from tests.mentorship_support import make_mentor, make_request

#: page -> the most statements it may send
CAPS = {
    "directory": 9,
    "directory filtered": 9,
    "mentor profile": 9,
    "request form": 8,
    "my mentorships": 4,
    "pending request (mentor)": 4,
    "active request": 4,
    "completed request": 5,
    "declined request (mentee)": 8,
    "edit profile": 3,
}


def urls(cast: dict) -> dict[str, str]:
    return {
        "directory": "/mentors/",
        "directory filtered": "/mentors/?expertise=data&accepting=y&q=m",
        "mentor profile": "/mentors/other",
        "request form": "/mentors/other/request",
        "my mentorships": "/mentorship/",
        "pending request (mentor)": f"/mentorship/{cast['pending'].id}",
        "active request": f"/mentorship/{cast['active'].id}",
        "completed request": f"/mentorship/{cast['completed'].id}",
        "declined request (mentee)": f"/mentorship/{cast['declined'].id}",
        "edit profile": "/mentors/me",
    }


@pytest.fixture
def cast(app):
    me = make_user("me")
    mine = make_mentor(me, capacity=5, expertise=("data", "cloud"))
    other = make_mentor(make_user("other"), capacity=5, expertise=("data",))
    return {
        "me": me,
        "mine": mine,
        "other": other,
        "pending": make_request(make_user(), mine),
        "active": make_request(make_user(), mine, S.ACCEPTED),
        "completed": make_request(make_user(), mine, S.COMPLETED),
        "declined": make_request(me, make_mentor(expertise=("data",)), S.DECLINED),
    }


def grow(cast: dict) -> None:
    """More of everything a page lists: mentors, requests each way, messages, tags."""
    for number in range(6):
        make_request(make_user(), make_mentor(expertise=("data", "ai-ml")), S.ACCEPTED)
        make_mentor(expertise=("data",), languages=("English", f"Language {number}"))
    for state in (S.PENDING, S.DECLINED, S.WITHDRAWN):
        make_request(make_user(), cast["mine"], state)
    active: MentorshipRequest = cast["active"]
    for number in range(10):
        author = active.mentee if number % 2 else cast["me"]
        conversation.post_message(active, author, f"Message {number}")
    db.session.commit()


@pytest.mark.parametrize("page", list(CAPS))
def test_page_query_count_is_capped_and_does_not_grow(login, cast, page):
    client = login(cast["me"])
    url = urls(cast)[page]

    def statements() -> int:
        client.get(url)  # the first view may show a flash; count the steady state
        with count_queries() as sent:
            assert client.get(url).status_code == 200
        return len(sent)

    few = statements()
    grow(cast)
    assert statements() == few
    assert few <= CAPS[page]


def test_request_page_query_count_does_not_grow_with_messages(app, login):
    mentor = make_mentor(make_user("maya"), capacity=1)
    mentee = make_user()
    request = make_request(mentee, mentor, S.ACCEPTED)
    client = login(mentee)
    page = f"/mentorship/{request.id}"

    def statements() -> int:
        with count_queries() as sent:
            assert client.get(page).status_code == 200
        return len(sent)

    conversation.post_message(request, mentee, "one")
    db.session.commit()
    few = statements()
    for number in range(20):
        conversation.post_message(
            request, mentor.user if number % 2 else mentee, f"message {number}"
        )
    db.session.commit()
    assert statements() == few


def test_my_mentorships_query_count_does_not_grow(app, login):
    app.config["MENTORSHIP_MAX_OPEN_REQUESTS"] = 10
    me = make_user("me")
    my_profile = make_mentor(me, capacity=20)
    client = login(me)

    def statements() -> int:
        with count_queries() as sent:
            assert client.get("/mentorship/").status_code == 200
        return len(sent)

    make_request(make_user(), my_profile)
    few = statements()
    for state in (S.PENDING, S.ACCEPTED, S.DECLINED, S.COMPLETED) * 3:
        make_request(make_user(), my_profile, state)
        make_request(me, make_mentor(), state)
    assert statements() == few


def test_suggestions_share_expertise_and_have_room(app):
    declined = make_mentor(expertise=("data", "leadership"))
    same = make_mentor(expertise=("leadership",))
    make_mentor(expertise=("marketing",))
    paused = make_mentor(expertise=("data",), accepting=False)
    full = make_mentor(expertise=("data",), capacity=1)
    make_request(make_user(), full, S.ACCEPTED)
    mentee = make_user()
    request = make_request(mentee, declined, S.DECLINED)
    suggested = {profile.user_id for profile in queries.suggest_mentors(request)}
    assert suggested == {same.user_id}
    assert paused.user_id not in suggested


def test_request_counts(app):
    profile = make_mentor(capacity=4)
    make_request(make_user(), profile, S.ACCEPTED)
    make_request(make_user(), profile, S.COMPLETED)
    make_request(make_user(), profile, S.COMPLETED)
    assert queries.active_counts([profile.user_id, 999]) == {profile.user_id: 1, 999: 0}
    assert queries.completed_count(profile.user_id) == 2
    assert db.session.scalar(select(func.count(MentorshipRequest.id))) == 3
