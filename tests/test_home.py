"""The home page: the guide, active discussions, experiences that worked and mentors who
can take someone now."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import and_, or_, select

from community.discussions import comment_services as comments
from community.discussions import services as posts
from community.discussions.comment_models import Comment, Step
from community.discussions.models import Post
from community.discussions.queries import experiences_that_worked, get_guide, recent_posts
from community.extensions import db
from community.mentorship.models import RequestState
from tests.conftest import count_queries, make_post, make_user
from tests.mentorship_support import make_mentor, make_request
from tests.test_discussions_list import full_reads, sqlite_plans


def test_home_lists_recent_discussions_but_not_the_guide_twice(app, client, runner):
    runner.invoke(args=["seed"])
    make_post(make_user(), title="From nursing to UX research")
    page = client.get("/").get_data(as_text=True)
    assert "From nursing to UX research" in page
    assert page.count("Preparing for a Career Transition in the AI Era") == 1


def test_home_shows_mentors_with_open_places_only(app, client):
    open_mentor = make_mentor(make_user("olga"), capacity=2, headline="Accountant to PM")
    full_mentor = make_mentor(make_user("fiona"), capacity=1, headline="Full mentor")
    make_request(make_user(), full_mentor, RequestState.ACCEPTED)
    page = client.get("/").get_data(as_text=True)
    assert "Mentors with open places" in page
    assert "Accountant to PM" in page and "2 open places" in page
    assert "Full mentor" not in page
    assert open_mentor.user.username in page


def test_home_says_when_no_mentor_has_room(app, client):
    assert "No mentor has a place open right now." in client.get("/").get_data(as_text=True)


def test_home_costs_the_same_queries_with_more_content(app, client, runner):
    runner.invoke(args=["seed"])

    def queries() -> int:
        with count_queries() as statements:
            assert client.get("/").status_code == 200
        return len(statements)

    guide = get_guide()

    def share(number: int, featured: bool) -> None:
        """A featured discussion with a featured comment, and an experience with two steps."""
        post = make_post(make_user(), title=f"Story {number}")
        with app.test_request_context():
            comment = comments.create_comment(post, make_user(), f"Comment {number}")
            experience = comments.Experience(steps=[Step.PLAN, Step.PROJECTS])
            comments.create_comment(guide, make_user(), f"Worked {number}", None, experience)
            if featured:
                posts.set_featured(post, True)
                posts.set_featured(comment, True)
            db.session.commit()

    make_mentor(make_user())
    share(0, featured=True)
    few = queries()
    for number in range(1, 7):
        make_mentor(make_user(), headline=f"Mentor {number}")
        share(number, featured=number == 3)
    page_queries = queries()
    page = client.get("/").get_data(as_text=True)
    assert page_queries == few, (few, page_queries)
    assert "Experiences that worked" in page and "Side projects and portfolio" in page


# --- the two lists read from bounded candidates, in the order of one full sort --------------


def sorted_recent_posts(limit: int) -> list[int]:
    """What "Active discussions" promises, as one sort of every listed post."""
    return list(
        db.session.scalars(
            select(Post.id)
            .where(Post.is_guide.is_(False), Post.public())
            .order_by(
                Post.featured_at.is_(None),
                Post.featured_at.desc(),
                Post.last_activity_at.desc(),
                Post.id.desc(),
            )
            .limit(limit)
        )
    )


def sorted_experiences(limit: int) -> list[int]:
    """What "Experiences that worked" promises, as one sort of every comment."""
    return list(
        db.session.scalars(
            select(Comment.id)
            .join(Post, Post.id == Comment.post_id)
            .where(
                Comment.deleted_at.is_(None),
                Comment.hidden_at.is_(None),
                Post.public(),
                or_(
                    Comment.featured_at.is_not(None),
                    and_(Comment.is_experience.is_(True), Post.is_guide.is_(True)),
                ),
            )
            .order_by(
                Comment.featured_at.is_(None),
                Comment.featured_at.desc(),
                Comment.endorsement_count.desc(),
                Comment.created_at.desc(),
                Comment.id.desc(),
            )
            .limit(limit)
        )
    )


@pytest.fixture
def community(app, runner):
    """The guide with experiences, discussions, and everything featured, hidden or held
    that could take a place it should not: ties in every sort key included."""
    runner.invoke(args=["seed"])
    guide = get_guide()
    rng = random.Random(7)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    ties = [now - timedelta(hours=rng.choice([1, 2, 3])) for _ in range(3)]
    guide.featured_at = ties[0]  # the guide is shown apart, never in the list
    people = [make_user() for _ in range(6)]
    listed = []
    for number in range(14):
        post = make_post(people[number % 6], title=f"Discussion {number}")
        post.last_activity_at = rng.choice([*ties, now - timedelta(days=number)])
        post.featured_at = rng.choice([None, None, *ties])
        listed.append(post)
    listed[0].hidden_at = now
    listed[0].featured_at = now
    listed[1].held_at = now
    listed[1].featured_at = now
    db.session.commit()
    with app.test_request_context():
        for number in range(16):
            author = people[number % 6]
            if number % 2:
                where, experience = guide, comments.Experience(steps=[Step.PLAN])
            else:
                where, experience = rng.choice(listed), None
            comment = comments.create_comment(where, author, f"Said {number}", None, experience)
            comment.created_at = rng.choice(ties)
            comment.endorsement_count = rng.choice([0, 1, 1, 3])
            comment.featured_at = rng.choice([None, None, None, *ties])
            if number in (3, 4):
                comment.featured_at = now
                comment.hidden_at = now
            if number == 5:
                comment.deleted_at = now
            if number == 6:
                comment.featured_at = now
                comment.post_id = listed[0].id  # featured, on a hidden post
        db.session.commit()
    db.session.expunge_all()


@pytest.mark.parametrize("limit", [1, 2, 4, 8, 30])
def test_active_discussions_are_those_one_full_sort_would_give(community, limit):
    assert [post.id for post in recent_posts(limit)] == sorted_recent_posts(limit)


@pytest.mark.parametrize("limit", [1, 2, 4, 8, 30])
def test_experiences_are_those_one_full_sort_would_give(community, limit):
    listed = [item.comment.id for item in experiences_that_worked(limit)]
    assert listed == sorted_experiences(limit)
    assert len(set(listed)) == len(listed)


def test_a_featured_experience_shows_once_first(app, client, runner):
    runner.invoke(args=["seed"])
    guide = get_guide()
    with app.test_request_context():
        shared = [
            comments.create_comment(
                guide, make_user(), f"Worked {n}", None, comments.Experience(steps=[Step.PLAN])
            )
            for n in range(3)
        ]
        db.session.commit()
    shared[0].endorsement_count = 5
    db.session.commit()
    posts.set_featured(shared[2], True)
    db.session.commit()
    listed = [item.comment.id for item in experiences_that_worked(4)]
    assert listed == [shared[2].id, shared[0].id, shared[1].id]


def test_a_featured_discussion_shows_once_first(app, client):
    quiet = make_post(make_user(), title="Quiet but featured")
    busy = make_post(make_user(), title="Busy")
    posts.set_featured(busy, True)
    db.session.commit()
    assert [post.id for post in recent_posts(8)] == [busy.id, quiet.id]
    page = client.get("/").get_data(as_text=True)
    assert page.count("Quiet but featured") == 1 and page.count(">Busy<") == 1


def test_both_lists_read_through_indexes_on_sqlite(community):
    plans = sqlite_plans(lambda: (recent_posts(8), experiences_that_worked(4)))
    lines = [line for _, statement_lines in plans for line in statement_lines]
    assert full_reads(plans) == []
    for index in (
        "ix_posts_featured_at",
        "ix_posts_last_activity_at",
        "ix_comments_featured_at",
        "ix_comments_experiences_endorsed",
    ):
        assert any(f"INDEX {index} " in f"{line} " for line in lines), (index, "\n".join(lines))
    # The single sort both lists replace read every comment.
    assert full_reads(sqlite_plans(lambda: sorted_experiences(4)))
