"""The home page: a hero with the next step, the guide as a card of its steps, active
discussions, experiences that worked, events and mentors who can take someone now."""

import itertools
import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import and_, or_, select

from community.accounts.models import Role
from community.discussions import comment_services as comments
from community.discussions import services as posts
from community.discussions.comment_models import Comment, Step
from community.discussions.models import Post
from community.discussions.queries import experiences_that_worked, get_guide, recent_posts
from community.events.models import EventKind
from community.extensions import db
from community.main.home import GUIDE_SUMMARY_FALLBACK, SUMMARY_CHARACTERS, guide_summary
from community.mentorship.models import RequestState
from tests.conftest import count_queries, login_as, make_post, make_user
from tests.events_support import make_event
from tests.mentorship_support import make_mentor, make_request
from tests.test_discussions_list import full_reads, on_sqlite, sqlite_plans


def test_home_lists_recent_discussions_but_not_the_guide_twice(app, client, runner):
    runner.invoke(args=["seed"])
    make_post(make_user(), title="From nursing to UX research")
    page = client.get("/").get_data(as_text=True)
    assert "From nursing to UX research" in page
    assert page.count("Preparing for a Career Transition in the AI Era") == 1


def share_experience(app, guide: Post, steps: list[Step], text: str = "It worked") -> Comment:
    with app.test_request_context():
        comment = comments.create_comment(
            guide, make_user(), text, None, comments.Experience(steps=steps)
        )
        db.session.commit()
    return comment


def heading_levels(page: str) -> list[int]:
    main = page[page.index("<main") : page.index("</main>")]
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", main)]


def guide_address(guide: Post) -> str:
    return f"/posts/{guide.id}/{guide.slug}"


def test_the_title_says_what_pathways_is_without_repeating_the_name(app, client):
    page = client.get("/").get_data(as_text=True)
    assert "<title>Change careers with people who did · Pathways</title>" in page
    assert "Pathways · Pathways" not in page
    assert page.count("<h1") == 1


def test_a_visitor_is_asked_to_join_or_read_the_guide(app, client, runner):
    runner.invoke(args=["seed"])
    guide = get_guide()
    db.session.expire_all()
    page = client.get("/").get_data(as_text=True)
    hero = page[page.index('class="hero') : page.index('class="home-grid"')]
    assert "Pathways is a community" in hero
    assert '<a class="button" href="/auth/register">Join Pathways</a>' in hero
    assert f'href="{guide_address(guide)}">Read the guide</a>' in hero
    assert "Find a mentor" not in hero


def test_a_member_is_asked_to_share_or_find_a_mentor(app, client, runner):
    runner.invoke(args=["seed"])
    guide = get_guide()
    login_as(client, make_user("mira"))
    db.session.expire_all()
    page = client.get("/").get_data(as_text=True)
    hero = page[page.index('class="hero') : page.index('class="home-grid"')]
    assert f'href="{guide_address(guide)}#reply">Share what worked for you</a>' in hero
    assert 'href="/mentors/">Find a mentor</a>' in hero
    assert "Join Pathways" not in page


def test_the_guide_is_a_card_of_its_steps_with_who_shared_each(app, client, runner):
    runner.invoke(args=["seed"])
    guide = get_guide()
    share_experience(app, guide, [Step.PLAN, Step.PROJECTS])
    share_experience(app, guide, [Step.PLAN])
    db.session.expire_all()
    page = client.get("/").get_data(as_text=True)
    card = page[page.index('class="card guide-card"') : page.index('id="experiences-heading"')]
    steps = dict(
        re.findall(
            r'<h3 class="guide-steps__label"><a href="[^"]*">([^<]+)</a></h3>\s*'
            r'<p class="guide-steps__count">([^<]+)</p>',
            card,
        )
    )
    assert steps == {
        "Certifications and courses": "0 members shared what worked",
        "Networking and mentorship": "0 members shared what worked",
        "A transition plan": "2 members shared what worked",
        "Side projects and portfolio": "1 member shared what worked",
    }
    address = guide_address(guide)
    assert f'href="{address}?step=plan">A transition plan</a>' in card
    assert f'<a class="button" href="{address}">Read the guide</a>' in card
    assert f'href="{address}#reply">Share what worked for you</a>' in card
    assert 'href="/guide' not in page  # straight to the guide, no redirect
    # The summary is the guide's first paragraph; the body stays on the guide's own page.
    assert "As the landscape of technology evolves" in card
    assert "Networking and Mentorship</h" not in page
    assert "coursera.org/learn/project-management" not in page
    assert len(page) < 40_000


def test_every_section_links_its_full_list_and_headings_do_not_skip(app, client, runner):
    runner.invoke(args=["seed"])
    make_mentor(make_user("olga"), capacity=2, headline="Accountant to PM")
    make_post(make_user(), title="From nursing to UX research")
    for signed_in in (False, True):
        if signed_in:
            login_as(client, make_user())
        page = client.get("/").get_data(as_text=True)
        for link in (
            "All experiences in the guide →",
            'href="/events/">All events →',
            'href="/mentors/">All mentors →',
            'href="/posts/">All discussions →',
        ):
            assert link in page, link
        levels = heading_levels(page)
        assert levels[0] == 1 and levels.count(1) == 1, levels
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels


def test_mentor_cards_on_home_carry_their_record(app, client):
    mentor = make_mentor(make_user("olga"), capacity=2, headline="Accountant to PM")
    page = client.get("/").get_data(as_text=True)
    assert "mentor-card__record" in page and mentor.user.username in page


def test_guide_summary_is_the_first_paragraph_in_plain_text(app):
    class Guide:
        body_html = (
            '<h1>Title</h1><p class="x">Start <a href="/a">here</a> &amp; go.</p><p>More</p>'
        )

    assert guide_summary(Guide()) == "Start here & go."
    Guide.body_html = "<h2>Only headings</h2><ul><li>a list</li></ul>"
    assert guide_summary(Guide()) == GUIDE_SUMMARY_FALLBACK
    Guide.body_html = "<p>" + "word " * 200 + "</p>"
    summary = guide_summary(Guide())
    assert summary.endswith("…") and len(summary) <= SUMMARY_CHARACTERS + 1
    Guide.body_html = "<p><script>alert(1)</script></p>"
    assert "<" not in guide_summary(Guide())


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


@pytest.mark.parametrize("signed_in", [False, True])
def test_home_costs_the_same_queries_with_more_content(app, client, runner, signed_in):
    """Guide steps, experiences, events, mentors with their records, discussions: the
    count stays put however many of each there are."""
    runner.invoke(args=["seed"])
    if signed_in:
        login_as(client, make_user("reader"))

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

    moderator = make_user(role=Role.MODERATOR)
    make_mentor(make_user())
    make_event(moderator, title="Event 0")
    share(0, featured=True)
    few = queries()
    for number in range(1, 7):
        make_mentor(make_user(), headline=f"Mentor {number}")
        kind = EventKind.WEBINAR if number % 2 else EventKind.MEETUP
        make_event(moderator, title=f"Event {number}", kind=kind, capacity=20)
        share(number, featured=number == 3)
    page_queries = queries()
    page = client.get("/").get_data(as_text=True)
    assert page_queries == few, (few, page_queries)
    assert "Experiences that worked" in page and "Side projects and portfolio" in page
    assert "7 members shared what worked" in page  # the guide card's step counts
    assert page.count('<li class="event-card') == 4 and page.count('<li class="mentor-card') == 3


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


@on_sqlite
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


# --- The sections are cached per worker for a few seconds ------------------------------


@pytest.fixture
def cached_home(app, monkeypatch):
    """The production setting, with a clock the test moves."""
    app.config["HOME_CACHE_SECONDS"] = 15
    clock = {"now": 1000.0}
    monkeypatch.setattr("community.cache.time.monotonic", lambda: clock["now"])
    return clock


def test_cached_sections_cost_only_the_pages_own_queries(app, client, runner, cached_home):
    runner.invoke(args=["seed"])
    make_post(make_user(), title="From nursing to UX research")
    with count_queries() as first:
        assert "From nursing to UX research" in client.get("/").get_data(as_text=True)
    with count_queries() as again:
        assert "From nursing to UX research" in client.get("/").get_data(as_text=True)
    assert len(again) == 0 < len(first)


def test_a_new_discussion_shows_once_the_sections_expire(app, client, runner, cached_home):
    runner.invoke(args=["seed"])
    client.get("/")
    make_post(make_user(), title="From teaching to data analysis")
    assert "From teaching to data analysis" not in client.get("/").get_data(as_text=True)
    cached_home["now"] += 16
    assert "From teaching to data analysis" in client.get("/").get_data(as_text=True)


def test_the_cache_keeps_each_kind_of_viewer_apart(app, client, runner, cached_home):
    """A visitor's sections never reach a member (or the other way), nor one time zone's
    event times another's; what is personal stays outside the cached part."""
    runner.invoke(args=["seed"])
    make_event(make_user(role=Role.MODERATOR), title="Prompting for analysts")
    visitor = client.get("/").get_data(as_text=True)
    assert "Prompting for analysts" in visitor and "Times in UTC." in visitor
    assert "Join Pathways" in visitor and "/auth/login?next=" in visitor
    member = make_user("reader")
    member.timezone = "Asia/Tokyo"
    db.session.commit()
    login_as(client, member)
    page = client.get("/").get_data(as_text=True)
    assert "Join Pathways" not in page and "/auth/login?next=" not in page
    assert "Times in Asia/Tokyo." in page and "Submit an event" in page
    assert "/u/reader" in page  # the header is drawn for this member
    client.submit("/auth/logout")
    paused = make_user("paused", suspended=True)
    paused.timezone = "Asia/Tokyo"
    db.session.commit()
    login_as(client, paused)
    page = client.get("/").get_data(as_text=True)
    assert "Submit an event" not in page and "/u/paused" in page


def test_the_cache_holds_a_bounded_number_of_time_zones(app):
    from community.cache import ExpiringCache
    from community.main.home import Viewer

    cache = ExpiringCache(max_entries=3)
    built = []
    for zone in ["UTC", "Asia/Tokyo", "Europe/Berlin", "America/Lima", "UTC"]:
        cache.get_or_build(Viewer(zone, False, False), 60, lambda zone=zone: built.append(zone))
    assert built == ["UTC", "Asia/Tokyo", "Europe/Berlin", "America/Lima", "UTC"]
    assert len(cache._entries) == 3
