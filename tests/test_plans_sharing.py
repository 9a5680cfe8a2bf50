"""Who sees a plan, and the private comments between a member and their mentor."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community.accounts.models import Role
from community.accounts.services import delete_account, export_account
from community.extensions import db
from community.mentorship import services as mentorship
from community.mentorship.models import RequestState
from community.notifications.models import Notification
from community.plans import services
from community.plans.models import Goal, GoalComment, Horizon, Plan, Visibility
from tests.conftest import login_as, make_user
from tests.mentorship_support import make_mentor, make_request


@pytest.fixture
def people(app):
    """Ines plans; Maya mentors her (accepted); Otto is another member; staff too."""
    ines = make_user("ines")
    maya = make_mentor(make_user("maya"))
    mentorship_request = make_request(ines, maya, RequestState.ACCEPTED)
    plan = services.get_or_create_plan(ines)
    goal = services.add_goal(plan, "Finish AI for Everyone", Horizon.SHORT)
    db.session.commit()
    return {
        "ines": ines,
        "maya": maya.user,
        "otto": make_user("otto"),
        "mod": make_user("mod", role=Role.MODERATOR),
        "ada": make_user("ada", role=Role.ADMIN),
        "request": mentorship_request,
        "plan": plan,
        "goal": goal,
    }


def share(plan: Plan, visibility: Visibility) -> None:
    services.set_visibility(plan, visibility)
    db.session.commit()


def status_for(client, user, path="/u/ines/plan") -> int:
    if user is None:
        if client.signed_in():
            client.submit("/auth/logout")
    else:
        login_as(client, user)
    return client.get(path).status_code


def test_a_private_plan_is_not_found_by_anyone_else_staff_included(client, people):
    for name in ("otto", "maya", "mod", "ada"):
        assert status_for(client, people[name]) == 404, name
    assert status_for(client, None) == 404
    assert status_for(client, people["ines"]) == 302  # the member's own: their plan page


def test_a_plan_shared_with_mentors_shows_to_the_mentor_while_accepted(client, people):
    share(people["plan"], Visibility.MENTORS)
    told = db.session.scalars(
        select(Notification).where(Notification.user_id == people["maya"].id)
    ).all()
    assert [(n.kind, n.url) for n in told if n.kind == "plan_shared"] == [
        ("plan_shared", "/u/ines/plan")
    ]
    share(people["plan"], Visibility.PROFILE)  # already open to her: nothing new
    share(people["plan"], Visibility.MENTORS)
    assert (
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.kind == "plan_shared")
        )
        == 1
    )
    assert status_for(client, people["maya"]) == 200
    page = client.get("/u/ines/plan").get_data(as_text=True)
    assert "ines's transition plan" in page.replace("Ines", "ines")
    assert "Finish AI for Everyone" in page
    assert "as ines's mentor" in page.replace("Ines", "ines")
    for name in ("otto", "mod", "ada"):
        assert status_for(client, people[name]) == 404, name

    mentorship.complete(people["request"], people["ines"])
    db.session.commit()
    assert status_for(client, people["maya"]) == 404


def test_a_mentor_whose_request_is_still_pending_sees_nothing(client, app):
    ines, noor = make_user("ines"), make_mentor(make_user("noor"))
    make_request(ines, noor)
    share(services.get_or_create_plan(ines), Visibility.MENTORS)
    assert status_for(client, noor.user) == 404


def test_a_plan_on_the_profile_shows_to_everyone_but_only_mentors_comment(client, people):
    share(people["plan"], Visibility.PROFILE)
    assert status_for(client, None) == 200
    assert status_for(client, people["otto"]) == 200
    page = client.get("/u/ines/plan").get_data(as_text=True)
    assert "shares this plan on their profile" in page
    assert 'name="body"' not in page  # no comment form for a reader
    services.comment_on_goal(people["goal"], people["maya"], services.Access(False, True), "Psst")
    db.session.commit()
    assert "Psst" not in client.get("/u/ines/plan").get_data(as_text=True)
    login_as(client, people["maya"])
    assert "Psst" in client.get("/u/ines/plan").get_data(as_text=True)
    login_as(client, people["otto"])
    goal = people["goal"]
    response = client.submit(f"/plan/goals/{goal.id}/comments", {"body": "Nice"}, page="/plan")
    assert response.status_code == 404
    assert db.session.scalars(select(GoalComment.body_md)).all() == ["Psst"]


def test_the_mentor_comments_privately_and_the_member_hears_of_it(client, people):
    share(people["plan"], Visibility.MENTORS)
    goal = people["goal"]
    login_as(client, people["maya"])
    response = client.submit(
        f"/plan/goals/{goal.id}/comments",
        {"body": "Do week 3 twice. <script>x()</script>"},
        page="/u/ines/plan",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/u/ines/plan#goal-{goal.id}")
    (stored,) = db.session.scalars(select(GoalComment)).all()
    assert stored.author_id == people["maya"].id and "<script" not in stored.body_html
    told = db.session.scalars(
        select(Notification).where(Notification.user_id == people["ines"].id)
    ).all()
    assert [(n.kind, n.url) for n in told if n.kind.startswith("plan_")] == [
        ("plan_comment", f"/plan#goal-{goal.id}")
    ]

    login_as(client, people["ines"])
    page = client.get("/plan").get_data(as_text=True)
    assert "Do week 3 twice." in page
    client.submit(f"/plan/goals/{goal.id}/comments", {"body": "Will do!"}, page="/plan")
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == people["maya"].id)
    ).all()
    assert "plan_comment" in kinds

    # Others never see the comments: the plan doesn't exist for them.
    assert status_for(client, people["otto"]) == 404


def test_a_blank_comment_is_refused_next_to_its_box(client, people):
    share(people["plan"], Visibility.MENTORS)
    login_as(client, people["maya"])
    goal = people["goal"]
    response = client.submit(f"/plan/goals/{goal.id}/comments", {"body": "  "}, page="/u/ines/plan")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Write a comment first." in page
    assert f'id="goal-{goal.id}-comment-error"' in page
    assert db.session.scalars(select(GoalComment)).all() == []


def test_access_ends_with_the_sharing_and_comments_stay_with_the_member(client, people):
    share(people["plan"], Visibility.MENTORS)
    login_as(client, people["maya"])
    client.submit(
        f"/plan/goals/{people['goal'].id}/comments", {"body": "Keep going"}, page="/u/ines/plan"
    )
    share(people["plan"], Visibility.PRIVATE)
    assert client.get("/u/ines/plan").status_code == 404
    comment_id = db.session.scalar(select(GoalComment.id))
    assert client.submit(f"/plan/comments/{comment_id}/delete", page="/plan").status_code == 404
    login_as(client, people["ines"])
    assert "Keep going" in client.get("/plan").get_data(as_text=True)


def test_authors_delete_their_own_comments_only(client, people):
    share(people["plan"], Visibility.MENTORS)
    goal = people["goal"]
    comment = services.comment_on_goal(
        goal, people["maya"], services.Access(False, True), "From Maya"
    )
    db.session.commit()
    login_as(client, people["ines"])
    assert client.submit(f"/plan/comments/{comment.id}/delete", page="/plan").status_code == 403
    login_as(client, people["maya"])
    assert client.submit(f"/plan/comments/{comment.id}/delete", page="/plan").status_code == 302
    assert db.session.scalars(select(GoalComment)).all() == []


def test_a_suspended_mentor_cannot_comment(client, people):
    share(people["plan"], Visibility.MENTORS)
    people["maya"].suspended_at = people["maya"].created_at
    db.session.commit()
    login_as(client, people["maya"])
    response = client.submit(
        f"/plan/goals/{people['goal'].id}/comments", {"body": "Hi"}, page="/mentorship/"
    )
    assert response.status_code == 404
    assert db.session.scalars(select(GoalComment)).all() == []


def test_the_mentorship_page_links_the_shared_plan_for_the_mentor(client, people):
    path = f"/mentorship/{people['request'].id}"
    login_as(client, people["ines"])
    assert 'Your <a href="/plan#sharing">transition plan</a> is private.' in client.get(
        path
    ).get_data(as_text=True)
    login_as(client, people["maya"])
    assert "transition plan</a> is shared with you" not in client.get(path).get_data(as_text=True)
    share(people["plan"], Visibility.MENTORS)
    page = client.get(path).get_data(as_text=True)
    assert "transition plan</a> is shared with you" in page
    assert 'href="/u/ines/plan"' in page


def test_the_plan_page_names_the_mentors_and_whether_they_see_it(client, people):
    login_as(client, people["ines"])
    page = client.get("/plan").get_data(as_text=True)
    assert "Your mentors now:" in page and "they don't see this plan until you share it" in page
    share(people["plan"], Visibility.MENTORS)
    page = client.get("/plan").get_data(as_text=True)
    assert "Shared with your mentors while a mentorship is accepted." in page
    assert "they don't see this plan" not in page


def test_the_export_holds_the_plan_and_deletion_removes_it(app, people):
    share(people["plan"], Visibility.MENTORS)
    services.comment_on_goal(people["goal"], people["maya"], services.Access(False, True), "Yes")
    db.session.commit()
    exported = export_account(people["ines"])["plan"]
    assert exported["visibility"] == "mentors"
    assert exported["goals"][0]["title"] == "Finish AI for Everyone"
    assert exported["goals"][0]["comments"] == [{"by": "maya", "body": "Yes"}]

    with app.test_request_context():
        delete_account(people["maya"])
        db.session.commit()
    assert db.session.scalars(select(GoalComment)).all() == []
    with app.test_request_context():
        delete_account(people["ines"])
        db.session.commit()
    assert db.session.scalars(select(Plan)).all() == []
    assert db.session.scalars(select(Goal)).all() == []


def test_the_profile_links_a_plan_shown_on_it_only(client, people):
    assert "transition plan</a>" not in client.get("/u/ines").get_data(as_text=True)
    share(people["plan"], Visibility.MENTORS)
    assert "transition plan</a>" not in client.get("/u/ines").get_data(as_text=True)
    share(people["plan"], Visibility.PROFILE)
    page = client.get("/u/ines").get_data(as_text=True)
    assert 'href="/u/ines/plan"' in page and "transition plan</a>" in page


def test_a_plans_comments_are_bounded_and_the_refused_one_is_kept(client, people, monkeypatch):
    monkeypatch.setattr(services, "PLAN_COMMENTS_MAX", 2)
    share(people["plan"], Visibility.MENTORS)
    goal = people["goal"]
    login_as(client, people["maya"])
    for body in ("One", "Two"):
        client.submit(f"/plan/goals/{goal.id}/comments", {"body": body}, page="/u/ines/plan")
    response = client.submit(
        f"/plan/goals/{goal.id}/comments", {"body": "Three, kept"}, page="/u/ines/plan"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This plan holds 2 comments" in page and "Three, kept</textarea>" in page
    assert db.session.scalars(select(GoalComment.body_md).order_by(GoalComment.id)).all() == [
        "One",
        "Two",
    ]
