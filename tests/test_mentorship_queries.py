"""Each mentorship page reads through a named query: a fixed number of statements, capped.

The counts include signing the member in and the unread-notification badge. A page that
grows with the data (one more mentor, request or message) fails here before it is slow.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community.discussions import comment_services
from community.discussions import services as discussion_posts
from community.discussions.comment_models import Step
from community.extensions import db
from community.mentorship import conversation, queries
from community.mentorship.models import MentorshipRequest
from community.mentorship.models import RequestState as S
from community.timeutil import utcnow
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
    # The mentor's view also asks whether the mentee shares their plan with mentors.
    "active request": 5,
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


# --- a mentor's figures: one query for a page of cards -------------------------------------


def answered(profile, wait: timedelta, state=S.DECLINED) -> MentorshipRequest:
    request = make_request(make_user(), profile, state)
    request.created_at = request.responded_at - wait
    db.session.commit()
    return request


def share_move(app, author, from_role, to_role, months, body="What worked"):
    guide = discussion_posts.get_guide() or discussion_posts.seed_guide()[0]
    experience = comment_services.Experience(
        steps=[Step.PLAN], from_role=from_role, to_role=to_role, months=months
    )
    with app.test_request_context():
        comment = comment_services.create_comment(guide, author, body, None, experience)
        db.session.commit()
    return comment


@pytest.mark.parametrize(
    ("waits", "expected"),
    [
        ([], None),
        ([timedelta(hours=5)], timedelta(hours=5)),
        ([timedelta(hours=1), timedelta(hours=9), timedelta(hours=3)], timedelta(hours=3)),
        ([timedelta(hours=1), timedelta(hours=3)], timedelta(hours=2)),
    ],
)
def test_median(waits, expected):
    assert queries.median(waits) == expected


@pytest.mark.parametrize(
    ("median", "words"),
    [
        (None, None),
        (timedelta(minutes=20), "within an hour"),
        (timedelta(hours=1), "within an hour"),
        (timedelta(hours=23), "within a day"),
        (timedelta(days=1), "within a day"),
        (timedelta(days=2, hours=5), "within 3 days"),
        (timedelta(days=6), "within a week"),
        (timedelta(days=13), "within two weeks"),
        (timedelta(days=40), "in more than two weeks"),
    ],
)
def test_answer_time_in_words(median, words):
    assert queries.MentorFigures(response_time=median).answers_within == words


def test_figures_for_many_mentors_in_one_query(app):
    busy = make_mentor(capacity=5)
    quiet = make_mentor()
    share_move(app, busy.user, "Teacher", "Data analyst", 9)
    for hours in (1, 2, 30):
        answered(busy, timedelta(hours=hours))
    answered(busy, timedelta(hours=4), S.ACCEPTED)
    answered(busy, timedelta(hours=5), S.COMPLETED)
    make_request(make_user(), busy, S.WITHDRAWN)
    make_request(make_user(), busy, S.EXPIRED)
    make_request(make_user(), busy)
    busy_id, quiet_id = busy.user_id, quiet.user_id
    db.session.expunge_all()

    with count_queries() as sent:
        figures = queries.mentor_figures([busy_id, quiet_id, 999, busy_id])
    assert len(sent) == 1
    assert set(figures) == {busy_id, quiet_id, 999}
    mine = figures[busy_id]
    assert (mine.active, mine.completed) == (1, 1)
    # The mentor's own answers only: 1, 2, 4, 5 and 30 hours.
    assert mine.response_time == timedelta(hours=4)
    assert mine.answers_within == "within a day"
    assert (mine.move.from_role, mine.move.to_role, mine.move.months) == (
        "Teacher",
        "Data analyst",
        9,
    )
    assert figures[quiet_id] == queries.MentorFigures()
    assert figures[999] == queries.MentorFigures()
    assert queries.mentor_figures([]) == {}


def test_the_answer_time_reads_the_latest_answers(app, monkeypatch):
    monkeypatch.setattr(queries, "ANSWERS_READ", 3)
    profile = make_mentor(capacity=5)
    for days in (10, 12):  # long ago, slow
        request = answered(profile, timedelta(days=days))
        request.responded_at -= timedelta(days=60)
        request.created_at -= timedelta(days=60)
    db.session.commit()
    for hours in (1, 2, 3):
        answered(profile, timedelta(hours=hours))
    figures = queries.mentor_figures([profile.user_id])[profile.user_id]
    assert figures.response_time == timedelta(hours=2)


def test_another_members_experience_is_not_the_mentors_move(app):
    profile = make_mentor()
    share_move(app, make_user(), "Chef", "Engineer", 12)
    assert queries.mentor_figures([profile.user_id])[profile.user_id].move is None


def test_is_listed_mentor(app):
    listed, left, plain = make_mentor(), make_mentor(), make_user()
    left.left_at = utcnow()
    db.session.commit()
    assert queries.is_listed_mentor(listed.user) is True
    assert queries.is_listed_mentor(left.user) is False
    assert queries.is_listed_mentor(plain) is False


def test_directory_counts_up_to_its_cap(app, client, monkeypatch):
    """The count walks the directory's order and stops at the cap: "2+ mentors found"."""
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    for name in ("ana", "ben", "cy"):
        make_mentor(make_user(name))
    page = client.get("/mentors/").get_data(as_text=True)
    assert "2+ mentors found." in page
    assert all(f"/mentors/{name}" in page for name in ("ana", "ben", "cy"))


def test_waiting_words_follow_the_readers_side():
    from community.mentorship.wording import waiting_words

    assert waiting_words(as_mentor=True) == "Waiting for your answer"
    assert waiting_words(as_mentor=False) == "Waiting for their answer"
