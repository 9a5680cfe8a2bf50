"""The home page: the guide, active discussions and mentors who can take someone now."""

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

    make_mentor(make_user())
    make_post(make_user())
    few = queries()
    for number in range(6):
        make_mentor(make_user(), headline=f"Mentor {number}")
        make_post(make_user(), title=f"Story {number}")
    assert queries() == few
