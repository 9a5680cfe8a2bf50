"""A member updates their experience later: outcome, months, roles, steps and words, with
every earlier version kept (service rules, then the pages)."""

from __future__ import annotations

import re
import threading

import flask_migrate
import pytest
from sqlalchemy import func, select, text

from community.accounts.models import User
from community.discussions import comment_services as service
from community.discussions import queries
from community.discussions import services as posts
from community.discussions.comment_models import (
    Comment,
    CommentRevision,
    ExperienceEndorsement,
    ExperienceStep,
    Outcome,
    Step,
)
from community.discussions.models import Post
from community.discussions.queries import experience_stats
from community.extensions import db
from tests import test_migrations
from tests.conftest import count_queries, login_as, make_post, make_test_app, make_user

#: A database nobody has created tables in, on each engine (for the migration's test).
empty_database_url = test_migrations.empty_database_url

STARTED = service.Experience(
    steps=[Step.CERTIFICATIONS, Step.NETWORKING],
    from_role="Teacher",
    to_role="Data analyst",
    months=6,
    outcome=Outcome.IN_PROGRESS,
)
LANDED = service.Experience(
    steps=[Step.NETWORKING, Step.PROJECTS],
    from_role="Teacher",
    to_role="Data analyst",
    months=14,
    outcome=Outcome.CHANGED_ROLE,
)


@pytest.fixture
def guide(app):
    guide, _ = posts.seed_guide()
    db.session.commit()
    return guide


def url_of(post: Post) -> str:
    return f"/posts/{post.id}/{post.slug}"


def share(app, guide, author, body="Courses first, then people.", experience=STARTED) -> Comment:
    with app.test_request_context():
        made = service.create_comment(guide, author, body, None, experience)
        db.session.commit()
    return made


def revision_count() -> int:
    return db.session.scalar(select(func.count()).select_from(CommentRevision))


def step_counts(guide) -> dict[Step, tuple[int, int]]:
    return {row.step: (row.members, row.changed_role) for row in experience_stats(guide)}


# The service


def test_update_changes_the_details_and_keeps_the_old_ones_in_a_revision(app, guide):
    author = make_user()
    shared = share(app, guide, author)
    version = db.session.get(Post, guide.id).thread_version
    assert service.update_experience(shared, author, shared.body_md, LANDED) is True
    db.session.commit()
    db.session.expire_all()
    shared = db.session.get(Comment, shared.id)
    assert shared.step_values == [Step.NETWORKING, Step.PROJECTS]
    assert (shared.months, shared.outcome) == (14, Outcome.CHANGED_ROLE)
    assert shared.edited_at is not None and shared.body_md == "Courses first, then people."
    assert db.session.get(Post, guide.id).thread_version == version + 1
    [revision] = queries.revisions_of(shared)
    assert revision.is_experience
    assert (revision.from_role, revision.to_role) == ("Teacher", "Data analyst")
    assert (revision.months, revision.outcome) == (6, Outcome.IN_PROGRESS)
    assert revision.steps == "certifications,networking"
    assert revision.step_values == [Step.CERTIFICATIONS, Step.NETWORKING]
    assert revision.body_md == "Courses first, then people."
    assert revision.written_at == shared.created_at
    assert db.session.scalar(select(func.count()).select_from(ExperienceStep)) == 2


def test_each_update_keeps_the_version_it_replaced(app, guide):
    author = make_user()
    shared = share(app, guide, author)
    halfway = service.Experience(
        steps=[Step.NETWORKING], from_role="Teacher", months=10, outcome=Outcome.IN_PROGRESS
    )
    service.update_experience(shared, author, "Still looking.", halfway)
    db.session.commit()
    service.update_experience(shared, author, "Landed it.", LANDED)
    db.session.commit()
    newest, oldest = queries.revisions_of(shared)
    assert (newest.body_md, newest.months, newest.to_role, newest.steps) == (
        "Still looking.",
        10,
        None,
        "networking",
    )
    assert (oldest.body_md, oldest.months) == ("Courses first, then people.", 6)
    assert newest.written_at == oldest.replaced_at


def test_nothing_changed_is_no_edit(app, guide):
    author = make_user()
    shared = share(app, guide, author)
    same = service.Experience(
        steps=[Step.NETWORKING, Step.CERTIFICATIONS, Step.NETWORKING],  # order, repeats
        from_role="  Teacher ",
        to_role="Data analyst",
        months=6,
        outcome=Outcome.IN_PROGRESS,
    )
    assert service.update_experience(shared, author, shared.body_md, same) is False
    assert shared.edited_at is None and revision_count() == 0


def test_a_body_edit_of_an_experience_keeps_its_details_in_the_revision(app, guide):
    author = make_user()
    shared = share(app, guide, author)
    with app.test_request_context():
        assert service.edit_comment(shared, "New words") is True
    db.session.commit()
    [revision] = queries.revisions_of(shared)
    assert (revision.outcome, revision.months, revision.steps) == (
        Outcome.IN_PROGRESS,
        6,
        "certifications,networking",
    )


def test_a_plain_comment_revision_has_no_experience(app):
    author = make_user()
    with app.test_request_context():
        made = service.create_comment(make_post(author), author, "Plain words")
        service.edit_comment(made, "Other words")
        db.session.commit()
    [revision] = queries.revisions_of(made)
    assert not revision.is_experience and revision.step_values == []
    assert (revision.from_role, revision.months, revision.outcome) == (None, None, None)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"steps": []}, "steps", "Tick at least one step"),
        ({"months": -1}, "months", "from 0 to 240"),
        ({"months": 241}, "months", "from 0 to 240"),
        ({"from_role": "r" * 101}, "from_role", "Up to 100 characters."),
        ({"to_role": "r" * 101}, "to_role", "Up to 100 characters."),
        ({"outcome": "rich"}, "outcome", "Not a valid choice."),
    ],
)
def test_invalid_details_are_refused_next_to_their_field(app, guide, change, field, message):
    author = make_user()
    shared = share(app, guide, author)
    details = {**vars(LANDED), **change}
    with pytest.raises(service.CommentRefused) as refused:
        service.update_experience(shared, author, "New words", service.Experience(**details))
    assert refused.value.field == field and message in refused.value.message
    db.session.rollback()
    assert revision_count() == 0
    assert db.session.get(Comment, shared.id).months == 6


def test_an_empty_body_is_refused(app, guide):
    author = make_user()
    shared = share(app, guide, author)
    with pytest.raises(service.CommentRefused) as refused:
        service.update_experience(shared, author, "  ", LANDED)
    assert refused.value.field == "body"


def test_only_the_author_updates_their_experience(app, guide, personas):
    author = make_user()
    shared = share(app, guide, author)
    for other in (make_user(), personas["moderator"]):
        with pytest.raises(service.CommentRefused, match="Only the member who shared"):
            service.update_experience(shared, other, "Hijacked", LANDED)
    suspended = make_user(suspended=True)
    theirs = share(app, guide, suspended, "Mine")
    with pytest.raises(service.CommentRefused, match="can't edit"):
        service.update_experience(theirs, suspended, "Mine, updated", LANDED)
    with app.test_request_context():
        service.delete_comment(shared)
    with pytest.raises(service.CommentRefused, match="deleted"):
        service.update_experience(shared, author, "Back", LANDED)
    db.session.rollback()
    assert revision_count() == 0


def test_a_plain_comment_is_not_turned_into_an_experience(app, guide):
    author = make_user()
    plain = share(app, guide, author, "Just a thought", experience=None)
    with pytest.raises(service.CommentRefused) as refused:
        service.update_experience(plain, author, "Just a thought", LANDED)
    assert refused.value.field == "steps"


def test_step_counts_and_marks_follow_an_update(app, guide):
    author, reader = make_user(), make_user()
    shared = share(app, guide, author)
    service.endorse(shared, reader)
    db.session.commit()
    assert step_counts(guide)[Step.CERTIFICATIONS] == (1, 0)
    service.update_experience(shared, author, shared.body_md, LANDED)
    db.session.commit()
    assert step_counts(guide) == {
        Step.CERTIFICATIONS: (0, 0),
        Step.NETWORKING: (1, 1),
        Step.PLAN: (0, 0),
        Step.PROJECTS: (1, 1),
    }
    db.session.expire_all()
    assert db.session.get(Comment, shared.id).endorsement_count == 1
    assert db.session.scalar(select(func.count()).select_from(ExperienceEndorsement)) == 1


# The pages


def edit_data(**change) -> dict:
    data = {
        "body": "Courses first, then people.",
        "steps": ["networking", "projects"],
        "from_role": "Teacher",
        "to_role": "Data analyst",
        "months": "14",
        "outcome": "changed_role",
    }
    return {**data, **change}


def test_the_edit_form_starts_from_the_experience(app, client, guide):
    author = make_user()
    shared = share(app, guide, author)
    login_as(client, author)
    page = client.get(f"/comments/{shared.id}/edit").get_data(as_text=True)
    assert "Update your experience" in page and "Courses first, then people." in page
    assert re.search(r'<input[^>]*checked[^>]*value="certifications"', page) or re.search(
        r'<input[^>]*value="certifications"[^>]*checked', page
    )
    assert not re.search(r'<input[^>]*value="projects"[^>]*checked', page)
    assert 'value="Teacher"' in page and 'value="Data analyst"' in page
    assert re.search(r'name="months"[^>]*value="6"|value="6"[^>]*name="months"', page)
    assert re.search(r'<option selected value="in_progress">|value="in_progress" selected', page)


def test_a_plain_comment_keeps_the_plain_edit_form(app, client, guide):
    author = make_user()
    plain = share(app, guide, author, "Just a thought", experience=None)
    login_as(client, author)
    page = client.get(f"/comments/{plain.id}/edit").get_data(as_text=True)
    assert "Edit your comment" in page and 'name="steps"' not in page
    response = client.submit(f"/comments/{plain.id}/edit", {"body": "A better thought"})
    assert response.status_code == 302
    assert db.session.get(Comment, plain.id).body_md == "A better thought"


def test_an_update_shows_on_the_thread_the_profile_and_the_revisions(app, client, guide):
    author = make_user()
    shared = share(app, guide, author)
    login_as(client, author)
    before = client.get(url_of(guide)).get_data(as_text=True)  # fills the thread cache
    assert "6 months" in before and "In progress" in before
    response = client.submit(f"/comments/{shared.id}/edit", edit_data())
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your experience is updated: changed role." in follow
    page = client.get(url_of(guide)).get_data(as_text=True)
    assert "Teacher → Data analyst · 14 months" in page and "Changed role" in page
    assert "6 months" not in page
    assert 'class="comment__edited">edited' in page
    assert re.search(r"Side projects and portfolio</span>\s*<span[^>]*>1 member shared", page)
    profile = client.get(f"/u/{author.username}").get_data(as_text=True)
    assert "14 months" in profile and "Changed role" in profile
    revisions = client.get(f"/comments/{shared.id}/revisions").get_data(as_text=True)
    current, earlier = revisions.split('class="card revision"', 1)
    assert "14 months" in current and "Side projects and portfolio" in current
    assert "<strong>Updated:</strong> changed role (was in progress)" in current
    assert "14 months (was 6)" in current and "added Side projects and portfolio" in current
    assert "dropped Certifications and courses" in current
    assert "6 months" in earlier and "In progress" in earlier
    assert "Certifications and courses" in earlier


def test_changing_only_the_details_is_an_edit(app, client, guide):
    author = make_user()
    shared = share(app, guide, author)
    login_as(client, author)
    response = client.submit(
        f"/comments/{shared.id}/edit",
        edit_data(steps=["certifications", "networking"], months="8", outcome="in_progress"),
    )
    assert response.status_code == 302
    assert revision_count() == 1
    assert db.session.get(Comment, shared.id).months == 8
    response = client.submit(
        f"/comments/{shared.id}/edit",
        edit_data(steps=["certifications", "networking"], months="8", outcome="in_progress"),
    )
    assert "Nothing changed." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert revision_count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"steps": []}, "Tick at least one step that worked for you."),
        ({"steps": ["astrology"]}, "not a valid choice"),
        ({"months": "-3"}, "Enter a number of months from 0 to 240."),
        ({"months": "soon"}, "Not a valid integer value."),
        ({"months": "9" * 40}, "Enter a number of months from 0 to 240."),
        ({"to_role": "r" * 101}, "Up to 100 characters."),
        ({"steps": ["plan", "plan\x00"]}, "not a valid choice"),
        ({"outcome": "rich"}, "not a valid choice"),
        ({"body": "   "}, "Write something before posting."),
    ],
)
def test_bad_details_are_shown_next_to_the_field_and_the_text_is_kept(
    app, client, guide, change, message
):
    author = make_user()
    shared = share(app, guide, author)
    login_as(client, author)
    data = edit_data(**{"body": "Words I took time to write", "from_role": "Nurse", **change})
    response = client.submit(f"/comments/{shared.id}/edit", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message.lower() in page.lower()
    assert 'class="field__errors"' in page
    if "body" not in change:
        assert "Words I took time to write" in page
    assert 'value="Nurse"' in page
    assert revision_count() == 0
    db.session.expire_all()
    assert db.session.get(Comment, shared.id).months == 6


def test_others_cannot_update_an_experience(app, client, guide, personas):
    shared = share(app, guide, make_user())
    for persona in ("member", "moderator"):
        login_as(client, personas[persona])
        assert client.get(f"/comments/{shared.id}/edit").status_code == 403
        response = client.submit(f"/comments/{shared.id}/edit", edit_data())
        assert response.status_code == 403
    assert revision_count() == 0


def test_the_revisions_page_costs_the_same_queries_with_more_versions(app, client, guide):
    author = make_user()
    shared = share(app, guide, author)
    login_as(client, author)

    def queries_for_page() -> int:
        db.session.expire_all()
        with count_queries() as statements:
            response = client.get(f"/comments/{shared.id}/revisions")
        assert response.status_code == 200
        return len(statements)

    service.update_experience(shared, author, "Second", LANDED)
    db.session.commit()
    one = queries_for_page()
    for months in range(15, 20):
        shared = db.session.get(Comment, shared.id)
        change = service.Experience(**{**vars(LANDED), "months": months})
        service.update_experience(shared, author, f"Version {months}", change)
        db.session.commit()
    assert revision_count() == 6
    assert queries_for_page() == one


# The migration


def test_earlier_versions_of_experiences_get_their_details_on_upgrade(empty_database_url):
    """Before updates existed an edit changed only the body: an experience's earlier
    versions had the details it has today, and the migration gives them those."""
    app = make_test_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="d2f6a8c4e0b1")
        now = "2026-11-01 10:00:00+00:00"
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, username, email, bio_md, bio_html, timezone,"
                    " role, created_at) VALUES (1, 'ana', 'ana@example.com', '', '', 'UTC',"
                    " 'member', :now)"
                ),
                {"now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO posts (id, author_id, title, slug, body_md, body_html, is_guide,"
                    " is_pinned, is_locked, created_at, last_activity_at, comment_count,"
                    " thread_version) VALUES (1, 1, 'T', 't', 'b', 'b', true, false, false,"
                    " :now, :now, 2, 1)"
                ),
                {"now": now},
            )
            for comment_id, is_experience in ((1, True), (2, False)):
                connection.execute(
                    text(
                        "INSERT INTO comments (id, post_id, author_id, root_id, depth, path,"
                        " body_md, body_html, score, created_at, is_experience,"
                        " endorsement_count, from_role, to_role, months, outcome)"
                        " VALUES (:id, 1, 1, :id, 0, :path, 'x', 'x', 0, :now, :experience,"
                        " 0, :from_role, 'Analyst', :months, :outcome)"
                    ),
                    {
                        "id": comment_id,
                        "path": str(comment_id).zfill(10),
                        "now": now,
                        "experience": is_experience,
                        "from_role": "Teacher" if is_experience else None,
                        "months": 6 if is_experience else None,
                        "outcome": "in_progress" if is_experience else None,
                    },
                )
                connection.execute(
                    text(
                        "INSERT INTO comment_revisions (comment_id, body_md, body_html,"
                        " written_at, replaced_at) VALUES (:id, 'old', 'old', :now, :now)"
                    ),
                    {"id": comment_id, "now": now},
                )
            for step in ("projects", "networking"):
                connection.execute(
                    text("INSERT INTO experience_steps (comment_id, step) VALUES (1, :step)"),
                    {"step": step},
                )
        flask_migrate.upgrade(revision="e5a1c3f7b9d2")
        with db.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT comment_id, from_role, to_role, months, outcome, steps"
                    " FROM comment_revisions ORDER BY comment_id"
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            (1, "Teacher", "Analyst", 6, "in_progress", "networking,projects"),
            (2, None, None, None, None, None),
        ]
        flask_migrate.downgrade(revision="d2f6a8c4e0b1")
        db.engine.dispose()


def test_updates_sent_at_once_each_keep_the_version_they_replaced(app, guide):
    """Two tabs saving at once: both updates land, one after the other, and the history
    holds every version (no step row written twice, no version lost)."""
    author = make_user()
    comment_id, author_id = share(app, guide, author).id, author.id
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def update(months: int) -> None:
        with app.app_context():
            comment = db.session.get(Comment, comment_id)
            editor = db.session.get(User, author_id)
            assert len(comment.steps) == 2  # read before the other lands, as the form does
            start.wait()
            try:
                change = service.Experience(**{**vars(LANDED), "months": months})
                service.update_experience(comment, editor, f"Took {months} months", change)
                db.session.commit()
                outcomes.append("updated")
            except Exception as error:  # pragma: no cover - shown on failure
                db.session.rollback()
                outcomes.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=update, args=(months,)) for months in (12, 18)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == ["updated", "updated"]
    db.session.expire_all()
    final = db.session.get(Comment, comment_id)
    newest, oldest = queries.revisions_of(final)
    assert oldest.months == 6 and {newest.months, final.months} == {12, 18}
    assert newest.body_md == f"Took {newest.months} months"
    assert final.step_values == [Step.NETWORKING, Step.PROJECTS]
