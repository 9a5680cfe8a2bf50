"""Becoming a mentor, the directory and mentor profile pages, through HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community import config as settings
from community.discussions import comment_services
from community.discussions import services as discussion_posts
from community.discussions.comment_models import Step
from community.extensions import db
from community.mentorship.models import MentorProfile, RequestState
from tests.conftest import count_queries, make_user
from tests.mentorship_support import make_mentor, make_request

VALID_PROFILE = {
    "headline": "Nurse turned UX researcher",
    "bio": "I changed careers at **40**.",
    "expertise": ["ux-design", "career-change"],
    "other_expertise": "Healthcare IT, user interviews",
    "years_experience": "6",
    "languages": "English, Spanish",
    "timezone": "Europe/Madrid",
    "capacity": "2",
    "accepting": "y",
}


def profile_count() -> int:
    return db.session.scalar(select(func.count(MentorProfile.id)))


def test_a_member_becomes_a_mentor(app, login):
    user = make_user("nora")
    client = login(user)
    response = client.submit("/mentors/me", VALID_PROFILE)
    assert response.status_code == 302
    assert response.headers["Location"] == "/mentors/nora"

    profile = db.session.scalar(select(MentorProfile))
    assert profile.user_id == user.id
    assert profile.bio_html == "<p>I changed careers at <strong>40</strong>.</p>"
    assert [tag.label for tag in profile.expertise] == [
        "UX design",
        "Career change",
        "Healthcare IT",
        "user interviews",
    ]
    assert [language.language for language in profile.languages] == ["english", "spanish"]
    assert (profile.capacity, profile.is_accepting, profile.years_experience) == (2, True, 6)

    page = client.get("/mentors/nora").get_data(as_text=True)
    assert "You are now a mentor." in page
    assert "Nurse turned UX researcher" in page
    assert "2 open places" in page
    assert '<dd class="completed-count">0</dd>' in page
    assert 'href="/mentors/?expertise=healthcare-it"' in page


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"capacity": "0"}, "Capacity is 1 to 20 mentees at once."),
        ({"capacity": "500"}, "Capacity is 1 to 20 mentees at once."),
        ({"capacity": "-3"}, "Capacity is 1 to 20 mentees at once."),
        ({"capacity": "lots"}, "Not a valid integer value."),
        ({"capacity": ""}, "How many mentees can you take at once?"),
        ({"headline": ""}, "Write a one-line headline."),
        ({"headline": "x" * 121}, "Keep it under 120 characters."),
        ({"bio": "x" * 5001}, "Up to 5,000 characters."),
        ({"expertise": [], "other_expertise": ""}, "Choose at least one area"),
        ({"expertise": ["astrology"]}, "'astrology' is not a valid choice"),
        ({"other_expertise": ",".join(f"t{i}" for i in range(11))}, "Up to 10 tags"),
        ({"languages": "x" * 41}, "too long: 40 characters at most"),
        ({"years_experience": "200"}, "Enter a number of years from 0 to 70."),
        ({"timezone": "Mars/Olympus"}, "Not a valid choice"),
    ],
)
def test_bad_profile_input_is_refused_next_to_the_field(app, login, changes, error):
    client = login(make_user())
    response = client.submit("/mentors/me", {**VALID_PROFILE, **changes})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error.lower() in page.lower().replace("&#39;", "'")
    assert profile_count() == 0
    if "headline" not in changes:
        assert 'value="Nurse turned UX researcher"' in page


def test_editing_keeps_one_profile_and_prefills_the_form(app, login):
    user = make_user("nora")
    make_mentor(user, expertise=("data", "Excel wizardry"), capacity=3)
    client = login(user)
    page = client.get("/mentors/me").get_data(as_text=True)
    assert 'value="Teacher turned data analyst"' in page
    assert 'value="Excel wizardry"' in page
    assert '<input checked id="expertise-2" name="expertise" type="checkbox" value="data">' in page
    assert 'value="English"' in page.replace("english", "English")
    response = client.submit("/mentors/me", {**VALID_PROFILE, "capacity": "5"})
    assert response.status_code == 302
    assert profile_count() == 1
    assert db.session.scalar(select(MentorProfile.capacity)) == 5


def test_pause_resume_and_leave(app, login):
    user = make_user("nora")
    make_mentor(user)
    client = login(user)
    client.submit("/mentors/me/accepting", {"accepting": "0"}, page="/mentors/me")
    assert db.session.scalar(select(MentorProfile.is_accepting)) is False
    assert "Not accepting requests right now" in client.get("/mentors/nora").get_data(as_text=True)

    client.submit("/mentors/me/accepting", {"accepting": "1"}, page="/mentors/me")
    assert db.session.scalar(select(MentorProfile.is_accepting)) is True

    response = client.submit("/mentors/me/leave", page="/mentors/me", follow_redirects=True)
    assert "You have left mentoring" in response.get_data(as_text=True)
    assert client.get("/mentors/nora").status_code == 404
    assert 'href="/mentors/nora"' not in client.get("/mentors/").get_data(as_text=True)
    assert "You left mentoring" in client.get("/mentors/me").get_data(as_text=True)

    client.submit("/mentors/me", VALID_PROFILE)
    assert client.get("/mentors/nora").status_code == 200


def test_profile_page_404s_for_members_who_do_not_mentor(app, client):
    make_user("plain")
    assert client.get("/mentors/plain").status_code == 404
    assert client.get("/mentors/nobody-here").status_code == 404


# --- the directory -------------------------------------------------------------------------


@pytest.fixture
def mentors(app):
    data = make_mentor(
        make_user("dana"), expertise=("data",), languages=("English", "German"), capacity=1
    )
    make_request(make_user(), data, RequestState.ACCEPTED)
    ai = make_mentor(
        make_user("alan"),
        expertise=("ai-ml", "data"),
        headline="Accountant turned ML engineer",
        languages=("French",),
    )
    paused = make_mentor(make_user("pat"), expertise=("leadership",), accepting=False)
    return {"data": data, "ai": ai, "paused": paused}


def names_on(client, url: str) -> set[str]:
    page = client.get(url).get_data(as_text=True)
    return {name for name in ("dana", "alan", "pat") if f'href="/mentors/{name}"' in page}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"dana", "alan", "pat"}),
        ("?expertise=data", {"dana", "alan"}),
        ("?expertise=leadership", {"pat"}),
        ("?expertise=cloud", set()),
        ("?accepting=y", {"alan"}),
        ("?language=french", {"alan"}),
        ("?language=German", {"dana"}),
        ("?q=accountant", {"alan"}),
        ("?q=DAN", {"dana"}),
        ("?q=100%25", set()),
        ("?expertise=data&accepting=y", {"alan"}),
    ],
)
def test_directory_filters(client, mentors, query, expected):
    assert names_on(client, f"/mentors/{query}") == expected


def test_directory_cards_show_open_places(client, mentors):
    page = client.get("/mentors/").get_data(as_text=True)
    assert "Full: no open places" in page
    assert "2 open places" in page
    assert "Not accepting requests right now" in page


def test_directory_paginates_and_keeps_filters(app, client):
    app.config["MENTORS_PER_PAGE"] = 2
    for _ in range(5):
        make_mentor(expertise=("data",))
    first = client.get("/mentors/?expertise=data").get_data(as_text=True)
    assert "Page 1 of 3" in first
    assert 'href="/mentors/?page=2&amp;expertise=data"' in first
    third = client.get("/mentors/?expertise=data&page=3").get_data(as_text=True)
    assert third.count('class="mentor-card"') == 1


def test_directory_query_count_does_not_grow_with_mentors(app, client):
    def queries() -> int:
        with count_queries() as statements:
            assert client.get("/mentors/").status_code == 200
        return len(statements)

    for _ in range(2):
        make_request(make_user(), make_mentor(expertise=("data", "cloud")), RequestState.ACCEPTED)
    few = queries()
    for _ in range(10):
        make_request(make_user(), make_mentor(expertise=("data", "ai-ml")), RequestState.ACCEPTED)
    assert queries() == few
    assert few <= 8


def test_profile_shows_completed_mentorships_and_the_request_button(app, client, login):
    profile = make_mentor(make_user("dana"), capacity=3)
    make_request(make_user(), profile, RequestState.COMPLETED)
    make_request(make_user(), profile, RequestState.COMPLETED)
    page = client.get("/mentors/dana").get_data(as_text=True)
    assert '<dd class="completed-count">2</dd>' in page
    assert "Sign in</a> to send dana a request." in page
    login(make_user())
    assert 'href="/mentors/dana/request"' in client.get("/mentors/dana").get_data(as_text=True)


def test_nav_shows_mentors(client, app):
    assert 'href="/mentors/"' in client.get("/").get_data(as_text=True)


# --- settings ------------------------------------------------------------------------------


def test_mentorship_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MENTORSHIP_REQUEST_EXPIRY_DAYS", "7")
    monkeypatch.setenv("MENTORSHIP_MAX_OPEN_REQUESTS", "5")
    values = settings.settings_from_environment(str(tmp_path))
    assert values["MENTORSHIP_REQUEST_EXPIRY_DAYS"] == 7
    assert values["MENTORSHIP_MAX_OPEN_REQUESTS"] == 5


def test_mentorship_settings_default_and_refuse_nonsense(monkeypatch, tmp_path):
    monkeypatch.delenv("MENTORSHIP_REQUEST_EXPIRY_DAYS", raising=False)
    assert "MENTORSHIP_REQUEST_EXPIRY_DAYS" not in settings.settings_from_environment(str(tmp_path))
    assert settings.BASE_SETTINGS["MENTORSHIP_REQUEST_EXPIRY_DAYS"] == 14
    assert settings.BASE_SETTINGS["MENTORSHIP_MAX_OPEN_REQUESTS"] == 3
    monkeypatch.setenv("MENTORSHIP_MAX_OPEN_REQUESTS", "many")
    with pytest.raises(settings.ConfigurationError, match="whole number"):
        settings.settings_from_environment(str(tmp_path))


def test_hostile_directory_queries_are_harmless(client, mentors):
    for query in ("?q=%00", "?language=%00x", "?expertise=" + "x" * 500, "?page=-1", "?page=x"):
        assert client.get(f"/mentors/{query}").status_code == 200
    page = client.get("/mentors/?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


# --- what cards and profiles tell about the mentor -----------------------------------------


@pytest.fixture
def guide(app):
    guide, _ = discussion_posts.seed_guide()
    db.session.commit()
    return guide


def share_move(app, guide, author, from_role, to_role, months, body="What worked for me"):
    experience = comment_services.Experience(
        steps=[Step.NETWORKING], from_role=from_role, to_role=to_role, months=months
    )
    with app.test_request_context():
        comment = comment_services.create_comment(guide, author, body, None, experience)
        db.session.commit()
    return comment


def answered(profile, wait: timedelta, state=RequestState.DECLINED):
    """A request the mentor answered ``wait`` after it was sent."""
    request = make_request(make_user(), profile, state)
    request.created_at = request.responded_at - wait
    db.session.commit()
    return request


def card_of(page: str, username: str) -> str:
    """The directory card that links to ``username``'s mentor profile, as HTML."""
    start = page.index(f'href="/mentors/{username}"')
    start = page.rindex('<li class="mentor-card">', 0, start)
    end = page.find('<li class="mentor-card">', start + 1)
    # The last card ends where the list does: after its meta lines, which hold no list.
    last_meta = page.rindex('class="meta', start, end if end != -1 else len(page))
    return page[start : end if end != -1 else page.index("</ul>", last_meta)]


def card_text(page: str, username: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", card_of(page, username)).split())


def test_cards_show_the_mentors_move_record_and_how_soon_they_answer(app, client, guide):
    dana = make_mentor(make_user("dana"), capacity=5)
    share_move(app, guide, dana.user, "Teacher", "Data analyst", 9)
    for wait in (timedelta(hours=2), timedelta(hours=5), timedelta(hours=30)):
        answered(dana, wait)
    answered(dana, timedelta(hours=3), RequestState.COMPLETED)
    answered(dana, timedelta(hours=4), RequestState.COMPLETED)
    make_mentor(make_user("newbie"))

    page = client.get("/mentors/").get_data(as_text=True)
    text = card_text(page, "dana")
    assert "Made the move: Teacher → Data analyst in 9 months" in text
    assert "2 mentorships completed" in text
    # Answers after 2, 3, 4, 5 and 30 hours: the median is 4 hours.
    assert "Usually answers within a day" in text
    assert '<svg class="avatar" width="48" height="48"' in card_of(page, "dana")

    quiet = card_text(page, "newbie")
    assert "0 mentorships completed" in quiet
    assert "Made the move" not in quiet and "Usually answers" not in quiet


def test_the_answer_time_needs_three_answers_of_the_mentors_own(app, client):
    dana = make_mentor(make_user("dana"), capacity=5)
    answered(dana, timedelta(days=2))
    answered(dana, timedelta(days=2), RequestState.ACCEPTED)
    # Neither a withdrawn nor an expired request was answered by the mentor.
    make_request(make_user(), dana, RequestState.WITHDRAWN)
    make_request(make_user(), dana, RequestState.EXPIRED)
    page = client.get("/mentors/").get_data(as_text=True)
    assert "Usually answers" not in card_text(page, "dana")
    answered(dana, timedelta(days=3))
    page = client.get("/mentors/").get_data(as_text=True)
    assert "Usually answers within 3 days" in card_text(page, "dana")


def test_the_move_is_the_latest_one_anyone_may_read(app, client, guide):
    dana = make_mentor(make_user("dana"))
    share_move(app, guide, dana.user, "Teacher", "Data analyst", 9, "First")
    newer = share_move(app, guide, dana.user, "Data analyst", "ML engineer", 18, "Second")
    share_move(app, guide, dana.user, None, None, 3, "No roles named")
    page = client.get("/mentors/").get_data(as_text=True)
    assert "Data analyst → ML engineer in 18 months" in card_text(page, "dana")

    assert comment_services.set_hidden(newer, "Advertising")
    db.session.commit()
    page = client.get("/mentors/").get_data(as_text=True)
    assert "Teacher → Data analyst in 9 months" in card_text(page, "dana")
    assert "ML engineer" not in page

    assert discussion_posts.set_hidden(guide, "Rewriting it")
    db.session.commit()
    page = client.get("/mentors/").get_data(as_text=True)
    assert "Made the move" not in card_text(page, "dana")


def test_the_mentor_profile_shows_their_move_and_answer_time(app, client, guide):
    dana = make_mentor(make_user("dana"), capacity=3)
    dana.user.display_name = "Dana <Okafor>"
    db.session.commit()
    shared = share_move(app, guide, dana.user, "Nurse", "UX researcher", 14)
    for wait in (timedelta(days=2), timedelta(days=2, hours=1), timedelta(days=6)):
        answered(dana, wait)
    page = client.get("/mentors/dana").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Their own move Nurse → UX researcher in 14 months" in text
    assert f'href="/comments/{shared.id}">Read their experience</a>' in page
    assert "Usually answers within 3 days" in text
    assert '<dd class="completed-count">0</dd>' in page
    assert ">DO</text>" in page and "Dana &lt;Okafor&gt;" in page
    assert "Time zone: Europe/Paris" in text


def test_cards_elsewhere_work_without_figures(app, client):
    """The home page lists mentors with room through the same card, figures or not."""
    make_mentor(make_user("dana"))
    page = client.get("/").get_data(as_text=True)
    assert 'href="/mentors/dana"' in page
    assert '<li class="mentor-card">' in page


def test_directory_query_count_is_the_same_for_3_and_30_mentors(app, client, guide):
    def statements() -> int:
        db.session.expunge_all()
        with count_queries() as sent:
            assert client.get("/mentors/").status_code == 200
        return len(sent)

    def add_mentors(count: int) -> None:
        for _ in range(count):
            profile = make_mentor(capacity=5, expertise=("data", "cloud"))
            share_move(app, discussion_posts.get_guide(), profile.user, "Teacher", "Analyst", 6)
            for hours in (1, 2, 3):
                answered(profile, timedelta(hours=hours))
            answered(profile, timedelta(hours=4), RequestState.COMPLETED)

    add_mentors(3)
    few = statements()
    add_mentors(27)
    page = client.get("/mentors/").get_data(as_text=True)
    assert page.count("Usually answers within a day") == 20  # one page of cards
    assert statements() == few
    assert few <= 8
