"""The member's plan: starting from the guide, goals, progress, the timeline, roles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from community.extensions import db
from community.plans import services
from community.plans.guide_goals import GUIDE_GOALS
from community.plans.models import GOALS_MAX, Goal, Horizon, Plan, PlanTarget, Visibility
from community.plans.portfolio import add_project
from community.plans.timeline import MARGIN, ROW_Y, WIDTH, build_timeline
from community.timeutil import utcnow
from tests.conftest import count_queries, login_as, make_user


def goals_of(user) -> list[Goal]:
    return list(
        db.session.scalars(select(Goal).join(Plan).where(Plan.user_id == user.id).order_by(Goal.id))
    )


@pytest.fixture
def member(app, client):
    user = make_user("ines")
    login_as(client, user)
    return user


def test_a_new_member_sees_an_empty_plan_and_the_guide_button(client, member):
    page = client.get("/plan").get_data(as_text=True)
    assert "Your transition plan" in page
    assert "Start from the guide" in page
    assert "Private: only you see it." in page
    assert db.session.scalar(select(func.count(Plan.id))) == 0  # reading makes no plan


def test_starting_from_the_guide_adds_each_suggestion_once(client, member):
    response = client.submit("/plan", page="/plan")
    assert response.status_code == 302
    goals = goals_of(member)
    assert len(goals) == len(GUIDE_GOALS)
    assert {goal.horizon for goal in goals} == set(Horizon)
    page = client.get("/plan").get_data(as_text=True)
    assert "Complete relevant courses and certifications" in page
    assert "Transition fully into your new role" in page
    assert f"0 of {len(GUIDE_GOALS)} done" in page

    client.submit("/plan", page="/plan")
    assert len(goals_of(member)) == len(GUIDE_GOALS)


def test_a_removed_suggestion_stays_removed(client, member):
    client.submit("/plan", page="/plan")
    first = goals_of(member)[0]
    client.submit(f"/plan/goals/{first.id}/delete", page="/plan")
    client.submit("/plan", page="/plan")
    assert first.id not in {goal.id for goal in goals_of(member)}
    assert len(goals_of(member)) == len(GUIDE_GOALS) - 1


def test_ticking_goals_moves_the_progress_and_the_timeline(client, member):
    client.submit("/plan", page="/plan")
    first, second = goals_of(member)[:2]
    for goal in (first, second):
        assert (
            client.submit(f"/plan/goals/{goal.id}/done", {"done": "1"}, page="/plan").status_code
            == 302
        )
    page = client.get("/plan").get_data(as_text=True)
    total = len(GUIDE_GOALS)
    assert f"2 of {total} done" in page
    assert f'<progress id="progress-all" max="{total}" value="2">' in page
    assert "<svg" in page and "Completed goals over time" in page
    assert "2 goals completed between" in page
    assert first.title in page.split("The completed goals as a list")[1]

    client.submit(f"/plan/goals/{first.id}/done", {"done": "0"}, page="/plan")
    db.session.expire_all()
    assert db.session.get(Goal, first.id).done_at is None
    assert f"1 of {total} done" in client.get("/plan").get_data(as_text=True)


def test_a_member_adds_a_goal_of_their_own(client, member):
    due = date.today() + timedelta(days=60)
    response = client.submit(
        "/plan/goals",
        {
            "title": "Finish the SQL course",
            "horizon": "3-6",
            "due": due.isoformat(),
            "step": "certifications",
            "note": "Chapter 4 is **hard**<script>alert(1)</script>",
        },
        page="/plan",
    )
    assert response.status_code == 302
    (goal,) = goals_of(member)
    assert (goal.title, goal.horizon, goal.due, goal.step.value) == (
        "Finish the SQL course",
        Horizon.SHORT,
        due,
        "certifications",
    )
    assert "<strong>hard</strong>" in goal.note_html and "<script" not in goal.note_html
    page = client.get("/plan").get_data(as_text=True)
    assert "Finish the SQL course" in page and "<strong>hard</strong>" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "x" * 10_000, "horizon": "3-6"}, "title", "up to 200 characters"),
        ({"title": "   ", "horizon": "3-6"}, "title", "Say what the goal is."),
        ({"title": "Learn SQL", "horizon": "1-2"}, "horizon", "Not a valid choice"),
        ({"title": "Learn SQL", "horizon": ""}, "horizon", "Choose a horizon"),
        ({"title": "Learn SQL", "horizon": "3-6", "due": "2020-01-01"}, "due", "from today on"),
        ({"title": "Learn SQL", "horizon": "3-6", "due": "31/12/2027"}, "due", "YYYY-MM-DD"),
        ({"title": "Learn SQL", "horizon": "3-6", "due": "9999-12-31"}, "due", "within 10 years"),
        ({"title": "Learn SQL", "horizon": "3-6", "step": "magic"}, "step", "Not a valid choice"),
        ({"title": "Learn SQL", "horizon": "3-6", "note": "n" * 2_001}, "note", "2,000"),
    ],
)
def test_bad_goals_are_refused_next_to_the_field_with_the_text_kept(
    client, member, data, field, message
):
    response = client.submit("/plan/goals", data, page="/plan")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert f'id="{field}-error"' in page
    if data["title"].strip():
        assert f'value="{data["title"][:50]}' in page
    assert goals_of(member) == []


def test_a_plan_holds_a_bounded_number_of_goals(client, member):
    plan = services.get_or_create_plan(member)
    db.session.add_all(
        Goal(plan_id=plan.id, title=f"g{i}", horizon=Horizon.SHORT) for i in range(GOALS_MAX)
    )
    db.session.commit()
    response = client.submit("/plan/goals", {"title": "One more", "horizon": "3-6"}, page="/plan")
    assert response.status_code == 400
    assert f"up to {GOALS_MAX} goals" in response.get_data(as_text=True)
    assert len(goals_of(member)) == GOALS_MAX


def test_editing_a_goal_keeps_a_past_due_date_but_refuses_a_new_one(client, member):
    plan = services.get_or_create_plan(member)
    goal = Goal(plan_id=plan.id, title="Old", horizon=Horizon.MID, due=date(2020, 5, 1))
    db.session.add(goal)
    db.session.commit()
    form = {"title": "Renamed", "horizon": "6-12", "due": "2020-05-01", "step": "", "note": ""}
    assert client.submit(f"/plan/goals/{goal.id}/edit", form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Goal, goal.id).title == "Renamed"

    form = {**form, "due": "2021-01-01", "title": "Again"}
    response = client.submit(f"/plan/goals/{goal.id}/edit", form)
    assert response.status_code == 400
    assert "from today on" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Goal, goal.id).title == "Renamed"


def test_someone_elses_goal_is_not_found(client, member):
    other = make_user("otto")
    plan = services.get_or_create_plan(other)
    goal = Goal(plan_id=plan.id, title="Theirs", horizon=Horizon.SHORT)
    db.session.add(goal)
    db.session.commit()
    for path in (f"/plan/goals/{goal.id}/done", f"/plan/goals/{goal.id}/delete"):
        assert client.submit(path, {"done": "1"}, page="/plan").status_code == 404
    assert client.get(f"/plan/goals/{goal.id}/edit").status_code == 404
    assert (
        client.submit(f"/plan/goals/{goal.id}/edit", {"title": "Mine"}, page="/plan").status_code
        == 404
    )
    db.session.expire_all()
    assert db.session.get(Goal, goal.id).title == "Theirs"
    assert db.session.get(Goal, goal.id).done_at is None


def test_roles_are_saved_tidied_and_bounded(client, member):
    response = client.submit(
        "/plan/roles",
        {
            "current_role": "  Maths   teacher ",
            "targets": "Data analyst, data analyst,  UX researcher",
        },
        page="/plan",
    )
    assert response.status_code == 302
    plan = services.plan_for(member)
    assert plan.current_role == "Maths teacher"
    assert plan.target_roles == ["Data analyst", "UX researcher"]

    too_many = ", ".join(f"Role {i}" for i in range(6))
    response = client.submit(
        "/plan/roles", {"current_role": "Teacher", "targets": too_many}, page="/plan"
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "up to 5 target roles" in page and "Role 5" in page
    db.session.expire_all()
    assert services.plan_for(member).target_roles == ["Data analyst", "UX researcher"]
    assert db.session.scalar(select(func.count(PlanTarget.id))) == 2


def test_visibility_is_private_by_default_and_refuses_unknown_values(client, member):
    client.submit("/plan", page="/plan")
    assert services.plan_for(member).visibility is Visibility.PRIVATE
    response = client.submit("/plan/visibility", {"visibility": "everyone"}, page="/plan")
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert (
        client.submit("/plan/visibility", {"visibility": "profile"}, page="/plan").status_code
        == 302
    )
    db.session.expire_all()
    assert services.plan_for(member).visibility is Visibility.PROFILE


def test_goals_sort_open_by_due_date_then_done():
    today = date(2027, 1, 1)

    class FakeGoal:
        def __init__(self, id, due=None, done=False):
            self.id, self.due, self.horizon = id, due, Horizon.SHORT
            self.done_at = utcnow() if done else None

        @property
        def is_done(self):
            return self.done_at is not None

    class FakePlan:
        goals = [
            FakeGoal(1, done=True),
            FakeGoal(2),
            FakeGoal(3, due=today),
            FakeGoal(4, due=today - timedelta(days=1)),
        ]

    grouped = services.goals_by_horizon(FakePlan())
    assert [goal.id for goal in grouped[Horizon.SHORT]] == [4, 3, 2, 1]
    assert grouped[Horizon.LONG] == []


def test_the_plan_page_reads_a_bounded_number_of_statements(client, member):
    client.submit("/plan", page="/plan")
    first = goals_of(member)[0]
    client.submit(f"/plan/goals/{first.id}/done", {"done": "1"}, page="/plan")
    with count_queries() as few:
        client.get("/plan")
    plan = services.get_or_create_plan(member)
    db.session.add_all(
        Goal(plan_id=plan.id, title=f"g{i}", horizon=Horizon.LONG, done_at=utcnow())
        for i in range(40)
    )
    db.session.commit()
    with count_queries() as many:
        client.get("/plan")
    assert len(many) == len(few)


def test_the_timeline_places_done_goals_by_date_and_horizon():
    class Done:
        def __init__(self, title, horizon, day):
            self.title, self.horizon = title, horizon
            self.done_at = datetime(2027, 1, day, tzinfo=UTC) if day else None

    goals = [
        Done("b", Horizon.LONG, 31),
        Done("a", Horizon.SHORT, 1),
        Done("open", Horizon.MID, None),
    ]
    timeline = build_timeline(goals, datetime(2027, 1, 1, tzinfo=UTC), date(2027, 1, 31))
    assert [point.goal.title for point in timeline.points] == ["a", "b"]
    first, last = timeline.points
    assert (first.x, first.y) == (MARGIN, ROW_Y[Horizon.SHORT])
    assert (last.x, last.y) == (WIDTH - MARGIN, ROW_Y[Horizon.LONG])
    assert timeline.summary == "2 goals completed between 1 Jan 2027 and 31 Jan 2027."
    assert build_timeline(goals[2:], datetime(2027, 1, 1, tzinfo=UTC), date(2027, 2, 1)) is None


def test_the_timeline_labels_at_most_eight_months():
    class Done:
        title, horizon = "x", Horizon.SHORT
        done_at = datetime(2025, 1, 15, tzinfo=UTC)

    timeline = build_timeline([Done()], datetime(2025, 1, 1, tzinfo=UTC), date(2027, 1, 1))
    assert 1 <= len(timeline.ticks) <= 8
    assert all(MARGIN <= tick.x <= WIDTH - MARGIN for tick in timeline.ticks)


def test_a_target_role_too_long_is_refused_not_cut(client, member):
    response = client.submit(
        "/plan/roles", {"current_role": "Teacher", "targets": "Analyst, " + "x" * 101}, page="/plan"
    )
    assert response.status_code == 400
    assert "A role holds up to 100 characters." in response.get_data(as_text=True)
    assert services.plan_for(member) is None or services.plan_for(member).target_roles == []


def test_the_plan_shows_the_members_side_projects(client, member):
    page = client.get("/plan").get_data(as_text=True)
    assert "No side projects yet." in page and 'href="/settings/portfolio"' in page
    add_project(member, title="Bus punctuality dashboard", url="https://example.com/bus")
    db.session.commit()
    assert "Bus punctuality dashboard" in client.get("/plan").get_data(as_text=True)
