"""The home page: the guide, active discussions, experiences that worked and mentors who
can take someone now."""

from community.discussions import comment_services as comments
from community.discussions import services as posts
from community.discussions.comment_models import Step
from community.discussions.queries import get_guide
from community.extensions import db
from community.mentorship.models import RequestState
from tests.conftest import count_queries, make_post, make_user
from tests.mentorship_support import make_mentor, make_request


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
