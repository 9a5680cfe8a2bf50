"""Becoming a mentor, the directory and mentor profile pages, through HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community import config as settings
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
