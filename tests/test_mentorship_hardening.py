"""Hostile and broken input on the mentorship pages: a 404 or a normal page, never a 500.

Runs on SQLite and PostgreSQL (where a NUL byte reaching the database is an error).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from community.extensions import db
from community.mentorship.models import (
    MentorExpertise,
    MentorProfile,
    MentorshipMessage,
    MentorshipRequest,
    MentorshipRetrospective,
)
from community.mentorship.models import RequestState as S
from community.mentorship.profiles import tag_slug
from tests.conftest import count_queries, make_user
from tests.mentorship_support import REQUEST_TEXT, make_mentor, make_request

PROFILE = {
    "headline": "Nurse turned UX researcher",
    "expertise": ["ux-design"],
    "languages": "English",
    "timezone": "UTC",
    "capacity": "2",
    "accepting": "y",
}

#: Text that shows nothing once rendered: whitespace, zero-width characters, an HTML
#: comment, a lone non-breaking space entity, invisible fillers.
INVISIBLE = [
    "     ",
    "\u200b\u200c\u200d\u2060\ufeff",
    "<!-- -->",
    "&nbsp;",
    "\u3164\u2800 \u00a0",
]


def next_to(response, field: str, error: str) -> bool:
    """Whether ``error`` is shown in the error list tied to ``field`` (not only as a flash)."""
    pattern = rf'id="{field}-error">\s*<li>{re.escape(error)}'
    return re.search(pattern, response.get_data(as_text=True).replace("&#39;", "'")) is not None


@pytest.fixture
def mentor(app):
    return make_mentor(make_user("maya"), capacity=2)


# --- junk in URLs --------------------------------------------------------------------------

JUNK_PATHS = [
    "/mentors/a%00b",
    "/mentors/%00",
    "/mentors/a%00b/request",
    "/mentors/" + "x" * 41,
    "/mentors/" + "x" * 41 + "/request",
    "/mentors/%E2%80%AEmaya",
    "/mentors/maya%20",
    "/mentors/..%2F..%2Fetc",
]

JUNK_QUERIES = [
    "?q=%00",
    "?q=a%00b",
    "?expertise=%00",
    "?expertise=data%00",
    "?language=%00",
    "?language=english%00",
    "?accepting=%00",
    "?page=%00",
    "?page=99999999999999999999",
    "?page=-1",
    "?page=0",
    "?page=1e3",
    "?page=abc",
    "?page=%EF%BC%92",
    "?q=" + "x" * 5000,
    "?expertise=" + "%E2%80%8B" * 100,
    "?q=%00&expertise=%00&language=%00&page=%00",
]


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
@pytest.mark.parametrize("path", JUNK_PATHS)
def test_junk_usernames_are_404(client, login, mentor, signed_in, path):
    if signed_in:
        login(make_user())
    response = client.get(path)
    if not signed_in and path.endswith("/request"):
        assert response.status_code == 302  # sign in first
    else:
        assert response.status_code == 404
    if signed_in and path.endswith("/request"):
        sent = client.submit(path, {"message": REQUEST_TEXT}, page="/mentors/")
        assert sent.status_code == 404


@pytest.mark.parametrize("query", JUNK_QUERIES)
def test_junk_directory_queries_show_a_normal_page(client, mentor, query):
    response = client.get(f"/mentors/{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Mentors" in page
    assert "\x00" not in page


def test_a_huge_page_number_is_the_last_page_with_the_filters_cleaned(client, mentor):
    response = client.get("/mentors/?page=99999999999999999999&q=%00maya")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('class="mentor-card"') == 1
    assert 'value="maya"' in page
    assert (
        client.get("/mentors/?page=abc&q=%00maya")
        .get_data(as_text=True)
        .count('class="mentor-card"')
        == 1
    )


@pytest.mark.parametrize("username", ["a\x00b", "x" * 41, "maya!", "мая", "ma ya", ""])
def test_impossible_usernames_are_answered_without_the_database(client, mentor, username):
    from community.mentorship import queries

    with count_queries() as statements:
        assert queries.get_listed_profile(username) is None
    assert statements == []


def test_a_possible_username_is_looked_up_in_any_case(client, mentor):
    assert client.get("/mentors/MAYA").status_code == 200


# --- invisible text is no text -------------------------------------------------------------


@pytest.mark.parametrize("headline", INVISIBLE)
def test_an_invisible_headline_is_refused_next_to_the_field(client, login, headline):
    login(make_user())
    response = client.submit("/mentors/me", {**PROFILE, "headline": headline})
    assert next_to(response, "headline", "Write a one-line headline.")
    assert db.session.scalar(select(func.count(MentorProfile.id))) == 0


@pytest.mark.parametrize("filler", INVISIBLE)
def test_an_invisible_request_message_is_refused(client, login, mentor, filler):
    login(make_user())
    message = (filler * (100 // len(filler) + 1))[:200]
    response = client.submit("/mentors/maya/request", {"message": message})
    assert response.status_code == 400
    assert next_to(response, "message", "Tell the mentor what you want to achieve")
    assert db.session.scalar(select(func.count(MentorshipRequest.id))) == 0


@pytest.mark.parametrize("body", INVISIBLE)
def test_an_invisible_message_is_refused(client, login, mentor, body):
    mentee = make_user()
    request = make_request(mentee, mentor, S.ACCEPTED)
    login(mentee)
    page = f"/mentorship/{request.id}"
    response = client.submit(f"{page}/messages", {"body": body}, page=page)
    assert response.status_code == 400
    assert next_to(response, "body", "Write a message.")
    assert db.session.scalar(select(func.count(MentorshipMessage.id))) == 0


@pytest.mark.parametrize("body", INVISIBLE)
def test_an_invisible_retrospective_is_refused(client, login, mentor, body):
    mentee = make_user()
    request = make_request(mentee, mentor, S.COMPLETED)
    login(mentee)
    page = f"/mentorship/{request.id}"
    response = client.submit(f"{page}/retrospective", {"body": body}, page=page)
    assert next_to(response, "body", "Write a few words: what helped, what")
    assert db.session.scalar(select(func.count(MentorshipRetrospective.id))) == 0


# --- expertise tags in every script --------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "slug"),
    [
        ("Healthcare IT", "healthcare-it"),
        ("user interviews", "user-interviews"),
        ("C++ / Node.js", "c-node-js"),
        ("機械学習", "機械学習"),
        ("データ 分析", "データ-分析"),
        ("Машинное обучение", "машинное-обучение"),
        ("मशीन लर्निंग", "मशीन-लर्निंग"),
        ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
        ("Straße", "strasse"),
        ("!!!", ""),
    ],
)
def test_tag_slugs_keep_their_script(label, slug):
    assert tag_slug(label) == slug


def test_custom_tags_in_other_scripts_stay_apart_and_filter(client, login):
    login(make_user("nora"))
    tags = "機械学習, データ分析, Машинное обучение, मशीन लर्निंग"
    response = client.submit("/mentors/me", {**PROFILE, "other_expertise": tags})
    assert response.status_code == 302
    slugs = set(db.session.scalars(select(MentorExpertise.slug)))
    assert {"機械学習", "データ分析", "машинное-обучение", "मशीन-लर्निंग"} <= slugs
    assert len(slugs) == 5
    for slug in ("機械学習", "машинное-обучение"):
        page = client.get("/mentors/", query_string={"expertise": slug}).get_data(as_text=True)
        assert 'href="/mentors/nora"' in page
    other = client.get("/mentors/", query_string={"expertise": "データ"}).get_data(as_text=True)
    assert 'href="/mentors/nora"' not in other
