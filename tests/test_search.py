"""Search: what people find, in what order, kept in step with edits and moderation."""

from __future__ import annotations

import re

import flask_migrate
import pytest
from markupsafe import Markup
from sqlalchemy import inspect, text

from community.accounts.models import Role
from community.discussions import comment_services, services
from community.extensions import db
from community.search import queries, schema
from community.search.matching import SearchText
from community.search.queries import SearchKind
from community.search.snippets import highlight
from tests.conftest import count_queries, make_post, make_test_app, make_user
from tests.events_support import make_event
from tests.mentorship_support import make_mentor
from tests.test_migrations import empty_database_url  # noqa: F401  (fixture)


def page_text(client, url: str) -> str:
    """A page's HTML without tags, so highlighted words read as plain text."""
    response = client.get(url)
    assert response.status_code == 200
    return re.sub(r"<[^>]+>", "", response.get_data(as_text=True))


def titles(client, url: str) -> list[str]:
    """The result headings on a search page, in order, without their markup."""
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h3><a [^>]*>(.*?)</a></h3>", html)]


@pytest.fixture
def author(app):
    return make_user("ana")


def test_posts_are_ranked_by_relevance_then_recency(client, author):
    make_post(author, "Gardening notes", "Teaching once, now data.")
    make_post(author, "From teaching to data analysis", "Teaching for ten years, then data.")
    make_post(author, "Cooking", "Nothing to see here.")
    make_post(author, "Teaching and data, again", "Teaching, data.")
    found = titles(client, "/search?q=teaching+data&type=posts")
    # Both titled posts outrank the one mentioning the words only in its body.
    assert found[-1] == "Gardening notes"
    assert set(found[:2]) == {"From teaching to data analysis", "Teaching and data, again"}
    assert len(found) == 3


def test_equal_matches_come_newest_first(client, author):
    for title in ("First talk", "Second talk", "Third talk"):
        make_post(author, title, "Same body about pottery.")
    assert titles(client, "/search?q=pottery&type=posts") == [
        "Third talk",
        "Second talk",
        "First talk",
    ]


def test_the_overview_finds_every_kind_and_links_to_each(client, app, author):
    moderator = make_user("mo", role=Role.MODERATOR)
    post = make_post(author, "Moving into UX research", "How I did it.")
    comment_services.create_comment(post, author, "UX research needs interviews.")
    make_event(moderator, title="UX research meetup", description="Come along.")
    make_mentor(make_user("uxmentor"), headline="UX research lead")
    db.session.commit()
    page = client.get("/search?q=ux+research").get_data(as_text=True)
    for kind in ("posts", "comments", "events", "mentors"):
        assert f'id="search-{kind}"' in page
    assert "<mark>UX</mark> <mark>research</mark> meetup" in page
    assert 'href="/mentors/uxmentor"' in page


def test_hidden_held_deleted_and_unlisted_content_never_shows(client, author):
    shown = make_post(author, "Quokka visible", "quokka")
    hidden = make_post(author, "Quokka hidden", "quokka")
    services.set_hidden(hidden, "spam")
    held = make_post(author, "Quokka held", "quokka")
    held.held_at = held.created_at
    comment_services.create_comment(shown, author, "A quokka comment shown.")
    removed = comment_services.create_comment(shown, author, "A quokka comment deleted.")
    comment_services.delete_comment(removed)
    on_hidden = comment_services.create_comment(hidden, author, "A quokka comment on hidden.")
    db.session.commit()
    make_event(author, title="Quokka walk, pending review")
    make_mentor(make_user("quokkafan"), headline="Quokka expert")
    db.session.commit()
    page = page_text(client, "/search?q=quokka")
    assert "Quokka visible" in page
    assert "Quokka hidden" not in page and "Quokka held" not in page
    assert "comment shown" in page
    assert "comment deleted" not in page and "comment on hidden" not in page
    assert "Quokka walk" not in page  # pending events are not listed
    assert "Quokka expert" in page
    # A restore shows at once, with no reindexing.
    services.set_hidden(hidden, None)
    db.session.commit()
    page = page_text(client, "/search?q=quokka&type=comments")
    assert "comment on hidden" in page
    assert on_hidden.id


def test_mentors_who_left_or_are_suspended_are_not_found(client):
    gone = make_mentor(make_user("leaver"), headline="Wombat whisperer")
    make_mentor(make_user("stayer"), headline="Wombat trainer")
    gone.left_at = gone.created_at
    db.session.commit()
    assert titles(client, "/search?q=wombat&type=mentors") == ["stayer (@stayer)"]


def test_edits_and_renames_are_found_at_once(client, author):
    post = make_post(author, "Old title", "Old body")
    services.edit_post(post, "Brand new platypus title", "New body")
    db.session.commit()
    assert titles(client, "/search?q=platypus&type=posts") == ["Brand new platypus title"]
    assert titles(client, "/search?q=old&type=posts") == []
    mentor = make_mentor(make_user("kiwi"))
    mentor.user.display_name = "Aroha Ngata"
    db.session.commit()
    assert titles(client, "/search?q=aroha&type=mentors") == ["Aroha Ngata (@kiwi)"]
    db.session.delete(post)
    db.session.commit()
    assert titles(client, "/search?q=platypus&type=posts") == []


def test_results_paginate(client, app, author):
    app.config["SEARCH_PER_PAGE"] = 2
    for number in range(5):
        make_post(author, f"Echidna {number}", "echidna")
    first = titles(client, "/search?q=echidna&type=posts")
    second = titles(client, "/search?q=echidna&type=posts&page=2")
    third = titles(client, "/search?q=echidna&type=posts&page=3")
    assert first == ["Echidna 4", "Echidna 3"]
    assert second == ["Echidna 2", "Echidna 1"]
    assert third == ["Echidna 0"]
    page = page_text(client, "/search?q=echidna&type=posts&page=2")
    assert "5 posts found." in page and "Page 2 of 3" in page
    assert titles(client, "/search?q=echidna&type=posts&page=9") == []


def test_counts_are_bounded(app, author, monkeypatch):
    monkeypatch.setattr(queries, "CANDIDATES", 3)
    for number in range(5):
        make_post(author, f"Numbat {number}", "numbat")
    page = queries.search_page(SearchKind.POSTS, SearchText.parse("numbat"), 1, 10)
    assert page.total == 3 and page.more
    assert [hit.item.title for hit in page.items] == ["Numbat 4", "Numbat 3", "Numbat 2"]


def test_a_search_page_costs_a_fixed_number_of_queries(client, author):
    post = make_post(author, "Kakapo", "kakapo")
    for number in range(8):
        comment_services.create_comment(post, make_user(), f"kakapo note {number}")
    db.session.commit()
    with count_queries() as few:
        client.get("/search?q=kakapo&type=comments")
    for number in range(8):
        comment_services.create_comment(post, make_user(), f"kakapo more {number}")
    db.session.commit()
    with count_queries() as more:
        client.get("/search?q=kakapo&type=comments")
    assert len(more) == len(few) <= 6


def test_snippets_escape_the_text_and_add_only_marks():
    snippet = highlight('<script>alert("data")</script> & data <b>', ["data"])
    assert isinstance(snippet, Markup)
    assert snippet == (
        "&lt;script&gt;alert(&#34;<mark>data</mark>&#34;)&lt;/script&gt; &amp; "
        "<mark>data</mark> &lt;b&gt;"
    )
    long = "word " * 200 + "teaching moved " + "word " * 200
    cut = highlight(long, ["moving"])
    assert cut.startswith("…") and cut.endswith("…") and "<mark>moved</mark>" in cut


def test_user_html_in_content_is_shown_as_text(client, author):
    make_post(author, "Dingo <img src=x onerror=alert(1)>", "dingo")
    page = client.get("/search?q=dingo&type=posts").get_data(as_text=True)
    assert "<img src=x" not in page
    assert "<mark>Dingo</mark> &lt;img src=x onerror=alert(1)&gt;" in page


def test_header_has_a_search_box_on_every_page(client):
    page = client.get("/posts/").get_data(as_text=True)
    form = re.search(r'<form class="site-search"[^>]*>.*?</form>', page, re.S).group()
    assert 'action="/search"' in form and 'method="get"' in form and 'name="q"' in form
    assert '<label for="site-search-q"' in form


def test_mentors_directory_filters_through_search(client):
    make_mentor(make_user("dana"), headline="Nurse turned UX researcher")
    make_mentor(make_user("eli"), headline="Chef turned data engineer")
    page = client.get("/mentors/?q=researcher").get_data(as_text=True)
    assert 'href="/mentors/dana"' in page and 'href="/mentors/eli"' not in page
    page = client.get("/mentors/?q=%22%2A").get_data(as_text=True)
    assert 'href="/mentors/dana"' not in page


def test_events_list_filters_through_search(client, app):
    moderator = make_user("mo", role=Role.MODERATOR)
    make_event(moderator, title="Portfolio review night", description="Bring your work.")
    make_event(moderator, title="Salary talk", description="Negotiation basics.")
    page = client.get("/events/?q=portfolio").get_data(as_text=True)
    assert "Portfolio review night" in page and "Salary talk" not in page
    assert 'name="q"' in page and 'value="portfolio"' in page
    page = client.get("/events/?q=negotiation").get_data(as_text=True)
    assert "Salary talk" in page and "Portfolio review night" not in page


def _search_objects(connection) -> set[str]:
    """The index objects in a database, with their definitions where the engine keeps one."""
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            text("SELECT type, name, sql FROM sqlite_master WHERE name LIKE '%search%'")
        )
        return {f"{kind} {name} {sql}" for kind, name, sql in rows}
    columns = connection.execute(
        text(
            "SELECT table_name, column_name, generation_expression FROM information_schema.columns"
            f" WHERE column_name = '{schema.VECTOR}'"
        )
    )
    indexes = connection.execute(
        text(f"SELECT indexdef FROM pg_indexes WHERE indexname LIKE '%{schema.VECTOR}'")
    )
    triggers = connection.execute(
        text("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%search%' AND NOT tgisinternal")
    )
    return {str(tuple(row)) for result in (columns, indexes, triggers) for row in result}


def test_migration_and_create_all_build_the_same_indexes(empty_database_url):  # noqa: F811
    app = make_test_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            migrated = _search_objects(connection)
        flask_migrate.downgrade(revision="base")
        with db.engine.connect() as connection:
            assert _search_objects(connection) == set()
        db.create_all()
        with db.engine.connect() as connection:
            created = _search_objects(connection)
        assert migrated == created
        assert len(created) >= 8
        db.drop_all()
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_the_migration_indexes_rows_already_there(empty_database_url):  # noqa: F811
    app = make_test_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="5b79a2a88f86")
        now = "2026-11-01 10:00:00+00:00"
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, username, email, bio_md, bio_html, timezone, role,"
                    " created_at) VALUES (1, 'ana', 'ana@example.com', '', '', 'UTC', 'member',"
                    " :now)"
                ),
                {"now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO posts (id, author_id, title, slug, body_md, body_html, is_guide,"
                    " is_pinned, is_locked, created_at, last_activity_at, comment_count,"
                    " thread_version) VALUES (1, 1, 'Old wallaby post', 't', 'b', 'b', false,"
                    " false, false, :now, :now, 0, 1)"
                ),
                {"now": now},
            )
        flask_migrate.upgrade()
        found = queries.ranked_ids(SearchKind.POSTS, SearchText.parse("wallaby"))
        assert found == [1]
        db.session.remove()
        db.engine.dispose()
