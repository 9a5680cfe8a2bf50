"""Each mentorship page reads through a named query: a fixed number of statements, capped.

The counts include signing the member in and the unread-notification badge. A page that
grows with the data (one more mentor, request or message) fails here before it is slow.
"""

from __future__ import annotations

import pytest

from community.extensions import db
from community.mentorship import conversation
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
