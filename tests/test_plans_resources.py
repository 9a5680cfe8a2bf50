"""Learning resources: the catalogue seeded from the guide, moderators keeping it, members
putting resources on their plan and reviewing the ones they completed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from community.accounts import services as accounts
from community.accounts.models import Role
from community.extensions import db
from community.plans import resources
from community.plans.models import (
    REVIEW_MAX,
    Plan,
    PlanResource,
    Resource,
    ResourceKind,
    ResourceStatus,
)
from tests.conftest import count_queries, login_as, make_user

S = ResourceStatus


@pytest.fixture
def seeded(app) -> dict[str, Resource]:
    resources.seed_resources()
    db.session.commit()
    return {
        resource.guide_key.removeprefix("guide:"): resource
        for resource in db.session.scalars(select(Resource))
    }


def count(model=PlanResource) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def entry_of(user, resource) -> PlanResource | None:
    db.session.expire_all()
    return resources.entry_for(user, resource)


def put(user, resource, status=S.PLANNED, review=None) -> PlanResource:
    entry = resources.add_to_plan(user, resource, status, review)
    db.session.commit()
    return entry


# --- seeding -------------------------------------------------------------------------------


def test_seeding_adds_the_guides_courses_once(app, runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "Learning resources from the guide added: 3." in first.output
    again = runner.invoke(args=["seed"])
    assert again.exit_code == 0 and "added: 0." in again.output
    rows = {row.guide_key: row for row in db.session.scalars(select(Resource))}
    assert len(rows) == 3
    assert rows["guide:ai-for-everyone"].url == "https://www.coursera.org/learn/ai-for-everyone"
    assert rows["guide:machine-learning"].url == "https://www.coursera.org/learn/machine-learning"
    assert rows["guide:project-management"].track == "Project management"
    assert {row.track for row in rows.values()} == {"Automation/AI", "Project management"}
    assert all(
        row.provider == "Coursera" and row.kind == ResourceKind.COURSE for row in rows.values()
    )


def test_seeding_keeps_a_moderators_edit(app, seeded):
    seeded["ai-for-everyone"].title = "AI for Everyone (Andrew Ng)"
    db.session.commit()
    assert resources.seed_resources() == 0
    db.session.commit()
    assert count(Resource) == 3
    assert seeded["ai-for-everyone"].title == "AI for Everyone (Andrew Ng)"


# --- the catalogue -------------------------------------------------------------------------


def test_the_catalogue_lists_the_resources_by_track_with_completions(app, client, seeded):
    for name in ("ana", "ben"):
        put(make_user(name), seeded["machine-learning"], S.COMPLETED)
    put(make_user("cy"), seeded["machine-learning"], S.IN_PROGRESS)
    put(make_user("di"), seeded["project-management"], S.COMPLETED)
    page = client.get("/resources/").get_data(as_text=True)
    assert "Automation/AI" in page and "Project management" in page
    for resource in seeded.values():
        assert f'href="/resources/{resource.id}"' in page
    counts = re.findall(r'<span class="completed-count">(\d+) members? completed it', page)
    # By track, then title: AI for Everyone, Introduction to ML, Project Management Principles.
    assert counts == ["0", "2", "1"]


def test_the_catalogue_filters_by_kind_and_track(app, client, seeded):
    certification = Resource(
        title="PMP",
        url="https://www.pmi.org/pmp",
        kind=ResourceKind.CERTIFICATION,
        track="Project management",
    )
    db.session.add(certification)
    db.session.commit()
    page = client.get("/resources/?kind=certification").get_data(as_text=True)
    assert "PMP" in page and "AI for Everyone" not in page
    page = client.get("/resources/?track=Automation/AI").get_data(as_text=True)
    assert "AI for Everyone" in page and "PMP" not in page
    page = client.get("/resources/?track=Nothing+like+it&kind=bogus").get_data(as_text=True)
    assert "AI for Everyone" in page and "PMP" in page


def test_the_catalogue_paginates(app, client):
    for number in range(resources.RESOURCES_PER_PAGE + 3):
        db.session.add(Resource(title=f"Course {number:02d}", url="https://example.com/c"))
    db.session.commit()
    first = client.get("/resources/").get_data(as_text=True)
    assert first.count('class="resource-card"') == resources.RESOURCES_PER_PAGE
    second = client.get("/resources/?page=2").get_data(as_text=True)
    assert second.count('class="resource-card"') == 3 and "Page 2 of 2" in second


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_the_catalogue_takes_a_bounded_number_of_queries(app, client, viewer):
    members = [make_user(f"m{number}") for number in range(5)]
    for number in range(resources.RESOURCES_PER_PAGE):
        db.session.add(Resource(title=f"Course {number:02d}", url="https://example.com/c"))
    db.session.commit()
    for resource in db.session.scalars(select(Resource)):
        for member in members:
            put(member, resource, S.COMPLETED)
    if viewer == "member":
        login_as(client, members[0])
    db.session.expunge_all()
    with count_queries() as statements:
        assert client.get("/resources/").status_code == 200
    # tracks, count, page, completions; a member's page also loads them, their unread
    # notifications and their statuses on the page's resources
    assert len(statements) <= (4 if viewer == "visitor" else 7)


# --- a resource's page ---------------------------------------------------------------------


def test_the_resource_page_shows_counts_link_and_reviews(app, client, seeded):
    course = seeded["ai-for-everyone"]
    ana, ben = make_user("ana"), make_user("ben")
    ana.display_name = "Ana Lima"
    db.session.commit()
    put(ana, course, S.COMPLETED, "Clear and **short**.")
    put(ben, course, S.COMPLETED, "Worth it for managers.")
    put(make_user("cy"), course, S.IN_PROGRESS)
    put(make_user("di"), course, S.PLANNED)
    put(make_user("ed"), course, S.PLANNED)
    page = client.get(f"/resources/{course.id}").get_data(as_text=True)
    assert 'href="https://www.coursera.org/learn/ai-for-everyone" rel="nofollow noopener"' in page
    assert '<dd class="completed-count">2 members</dd>' in page
    assert '<dd class="in-progress-count">1</dd>' in page
    assert '<dd class="planned-count">2</dd>' in page
    assert "Ana Lima" in page and "<strong>short</strong>" in page
    # Newest first; a review shows the name only, not the profile or the plan.
    assert page.index("Worth it for managers") < page.index("Clear and")
    assert "/u/ana" not in page and "/u/ben" not in page


def test_reviews_paginate_newest_first(app, client, seeded):
    course = seeded["machine-learning"]
    for number in range(resources.REVIEWS_PER_PAGE + 2):
        put(make_user(f"r{number}"), course, S.COMPLETED, f"Review number {number:02d}.")
    first = client.get(f"/resources/{course.id}").get_data(as_text=True)
    assert first.count('class="message review"') == resources.REVIEWS_PER_PAGE
    assert "Review number 11." in first and "Review number 00." not in first
    second = client.get(f"/resources/{course.id}?page=2").get_data(as_text=True)
    assert "Review number 00." in second and second.count('class="message review"') == 2


def test_a_missing_resource_is_404(app, client):
    assert client.get("/resources/999").status_code == 404
    assert client.get("/resources/999/edit").status_code == 302  # sign in first


# --- moderators keep the catalogue ---------------------------------------------------------

NEW = {
    "title": "Google Data Analytics",
    "provider": "Coursera",
    "url": "https://www.coursera.org/professional-certificates/google-data-analytics",
    "kind": "certification",
    "track": "Data  analysis",
    "description": "Eight courses. <script>alert(1)</script>",
}


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_staff_add_and_edit_resources(app, client, role):
    staff = make_user("staff", role=role)
    login_as(client, staff)
    assert client.get("/resources/new").status_code == 200
    response = client.submit("/resources/new", NEW)
    assert response.status_code == 302
    resource = db.session.scalar(select(Resource))
    assert resource.title == "Google Data Analytics" and resource.kind == ResourceKind.CERTIFICATION
    assert resource.track == "Data analysis" and resource.created_by_id == staff.id
    assert (
        "<script" not in resource.description_html and "Eight courses." in resource.description_html
    )
    response = client.submit(f"/resources/{resource.id}/edit", {**NEW, "title": "Data Analytics"})
    assert response.status_code == 302
    db.session.expire_all()
    assert resource.title == "Data Analytics"
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "Edit this resource" in page


def test_members_cannot_add_or_edit_resources(app, client, seeded):
    course = seeded["ai-for-everyone"]
    login_as(client, make_user("mira"))
    assert client.get("/resources/new").status_code == 403
    assert client.submit("/resources/new", NEW).status_code == 403
    assert client.get(f"/resources/{course.id}/edit").status_code == 403
    assert client.submit(f"/resources/{course.id}/edit", NEW).status_code == 403
    assert count(Resource) == 3
    db.session.expire_all()
    assert course.title == "AI for Everyone"
    assert "Edit this resource" not in client.get(f"/resources/{course.id}").get_data(as_text=True)
    with pytest.raises(resources.Forbidden):
        resources.save_resource(make_user("fred"), None, **{**NEW, "kind": ResourceKind.COURSE})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("url", "javascript:alert(1)", "Links must start with http:// or https://."),
        ("url", "", "Give the link to the course or certification."),
        ("title", "T" * 10_000, "A title holds up to 200 characters."),
        ("title", "\u200b ", "Give the course or certification its title."),
        ("kind", "webinar", "Not a valid choice."),
        ("description", "d" * 2_001, "A description holds up to 2,000 characters."),
    ],
)
def test_bad_resource_input_is_refused_next_to_the_field(app, client, field, value, message):
    login_as(client, make_user("mod", role=Role.MODERATOR))
    response = client.submit("/resources/new", {**NEW, field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(rf'id="{field}-error"><li>{re.escape(message)}', page), page[-3000:]
    assert count(Resource) == 0
    if field in ("url", "title", "description") and value.strip().isprintable() and value:
        assert value[:50] in page  # the text is kept


# --- a member's plan -----------------------------------------------------------------------


def test_a_member_adds_a_resource_and_gets_a_plan(app, client, seeded):
    mira = make_user("mira")
    course = seeded["ai-for-everyone"]
    login_as(client, mira)
    response = client.submit(f"/resources/{course.id}/plan", {"status": "planned", "review": ""})
    assert response.status_code == 302
    entry = entry_of(mira, course)
    assert entry.status == S.PLANNED and entry.completed_at is None and entry.review_md == ""
    assert db.session.scalar(select(Plan.user_id)) == mira.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is on your plan" in page


def test_the_same_resource_twice_is_refused(app, client, seeded):
    mira = make_user("mira")
    course = seeded["ai-for-everyone"]
    login_as(client, mira)
    client.submit(f"/resources/{course.id}/plan", {"status": "planned"})
    response = client.submit(f"/resources/{course.id}/plan", {"status": "completed"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is already on your plan" in page
    assert count() == 1 and entry_of(mira, course).status == S.PLANNED
    with pytest.raises(resources.Refused, match="already on your plan"):
        resources.add_to_plan(mira, course, S.PLANNED)
    db.session.rollback()
    assert count() == 1


def test_a_concurrent_second_add_stores_nothing_twice(app, seeded):
    """The unique constraint catches the add that the first check missed."""
    mira = make_user("mira")
    course = seeded["ai-for-everyone"]
    put(mira, course)
    original = resources.entry_for
    resources.entry_for = lambda user, resource: None  # as if the first add were not yet seen
    try:
        with pytest.raises(resources.Refused, match="already on your plan"):
            resources.add_to_plan(mira, course, S.IN_PROGRESS)
    finally:
        resources.entry_for = original
    db.session.rollback()
    assert count() == 1


def test_status_transitions_set_and_clear_completion(app, client, seeded):
    mira = make_user("mira")
    course = seeded["machine-learning"]
    login_as(client, mira)
    url = f"/resources/{course.id}/plan/edit"
    client.submit(f"/resources/{course.id}/plan", {"status": "planned"})
    assert client.submit(url, {"status": "in_progress"}).status_code == 302
    assert entry_of(mira, course).status == S.IN_PROGRESS
    client.submit(url, {"status": "completed", "review": "Hard but *fair*."})
    entry = entry_of(mira, course)
    assert entry.status == S.COMPLETED and entry.completed_at is not None
    assert entry.review_html == "<p>Hard but <em>fair</em>.</p>"
    completed_at = entry.completed_at
    # The plan page's form changes only the status: the review stays.
    client.submit(url, {"status": "completed", "back": "plan"})
    entry = entry_of(mira, course)
    assert entry.review_md == "Hard but *fair*." and entry.completed_at == completed_at
    # Leaving "completed" clears the date and the review.
    response = client.submit(url, {"status": "in_progress", "back": "plan"})
    assert response.headers["Location"].endswith("/plan#resources")
    entry = entry_of(mira, course)
    assert entry.status == S.IN_PROGRESS and entry.completed_at is None
    assert entry.review_md == "" and entry.review_html == ""
    assert "Hard but" not in client.get(f"/resources/{course.id}").get_data(as_text=True)


def test_editing_and_clearing_a_review(app, client, seeded):
    mira = make_user("mira")
    course = seeded["machine-learning"]
    login_as(client, mira)
    client.submit(f"/resources/{course.id}/plan", {"status": "completed", "review": "Good."})
    url = f"/resources/{course.id}/plan/edit"
    client.submit(url, {"status": "completed", "review": "Better than I thought."})
    assert entry_of(mira, course).review_md == "Better than I thought."
    client.submit(url, {"status": "completed", "review": " \u200b "})
    assert entry_of(mira, course).review_md == ""


def test_a_review_is_sanitised(app, client, seeded):
    mira = make_user("mira")
    course = seeded["ai-for-everyone"]
    login_as(client, mira)
    hostile = 'Fine <script>alert("x")</script> [link](javascript:alert(1)) <img src=x onerror=y>'
    client.submit(f"/resources/{course.id}/plan", {"status": "completed", "review": hostile})
    entry = entry_of(mira, course)
    assert entry.review_md == hostile
    for bad in ("<script", "javascript:", "<img"):
        assert bad not in entry.review_html
    assert "&lt;img" in entry.review_html  # shown as text, never as an element
    page = client.get(f"/resources/{course.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "Fine" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "planned", "review": "Loved it."}, "Reviews are for resources you completed"),
        ({"status": "completed", "review": "r" * (REVIEW_MAX + 1)}, "A review holds up to 2,000"),
        ({"status": "finished"}, "Not a valid choice"),
    ],
)
def test_bad_plan_input_is_refused_with_the_text_kept(app, client, seeded, data, message):
    course = seeded["ai-for-everyone"]
    login_as(client, make_user("mira"))
    response = client.submit(f"/resources/{course.id}/plan", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert count() == 0 and count(Plan) == 0
    if "review" in data:
        assert data["review"][:100] in page


def test_removing_a_resource_takes_its_review(app, client, seeded):
    mira = make_user("mira")
    course = seeded["ai-for-everyone"]
    put(mira, course, S.COMPLETED, "Short and clear.")
    login_as(client, mira)
    response = client.submit(f"/resources/{course.id}/plan/remove", {"back": "plan"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/plan#resources")
    assert count() == 0
    assert "Short and clear" not in client.get(f"/resources/{course.id}").get_data(as_text=True)
    # Removing again says so and changes nothing.
    assert client.submit(f"/resources/{course.id}/plan/remove").status_code == 302


def test_changing_a_resource_not_on_the_plan_is_a_message(app, client, seeded):
    course = seeded["ai-for-everyone"]
    login_as(client, make_user("mira"))
    response = client.submit(f"/resources/{course.id}/plan/edit", {"status": "completed"})
    assert response.status_code == 302 and count() == 0
    assert "is not on your plan" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_suspended_members_cannot_change_their_plan(app, client, seeded):
    sam = make_user("sam")
    course = seeded["ai-for-everyone"]
    put(sam, course)
    sam_row = db.session.get(type(sam), sam.id)
    sam_row.suspended_at = sam_row.created_at
    db.session.commit()
    login_as(client, sam)
    for url, data in (
        (f"/resources/{course.id}/plan", {"status": "planned"}),
        (f"/resources/{course.id}/plan/edit", {"status": "completed"}),
        (f"/resources/{course.id}/plan/remove", {}),
    ):
        assert client.submit(url, data).status_code == 403
    assert entry_of(sam, course).status == S.PLANNED
    page = client.get(f"/resources/{course.id}").get_data(as_text=True)
    assert "Add to my plan" not in page and "suspended" in page


def test_visitors_are_asked_to_sign_in(app, client, seeded):
    course = seeded["ai-for-everyone"]
    page = client.get(f"/resources/{course.id}").get_data(as_text=True)
    assert "Sign in</a> to put it on your plan" in page
    response = client.submit(f"/resources/{course.id}/plan", {"status": "planned"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert count() == 0


def test_plan_resources_orders_by_status_then_title(app, seeded):
    mira = make_user("mira")
    put(mira, seeded["project-management"], S.COMPLETED)
    put(mira, seeded["machine-learning"], S.PLANNED)
    put(mira, seeded["ai-for-everyone"], S.PLANNED)
    plan = db.session.scalar(select(Plan))
    db.session.expunge_all()
    plan = db.session.get(Plan, plan.id)
    with count_queries() as statements:
        listed = resources.plan_resources(plan)
        titles = [entry.resource.title for entry in listed]
    assert len(statements) == 1
    assert titles == [
        "AI for Everyone",
        "Introduction to Machine Learning",
        "Project Management Principles",
    ]


def test_the_plan_page_lists_resources_with_a_status_form(app, client, seeded):
    mira = make_user("mira")
    put(mira, seeded["machine-learning"], S.IN_PROGRESS)
    login_as(client, mira)
    page = client.get("/plan").get_data(as_text=True)
    assert "Introduction to Machine Learning" in page
    assert f'action="/resources/{seeded["machine-learning"].id}/plan/edit"' in page
    assert 'name="back" value="plan"' in page and 'href="/resources/"' in page


# --- leaving and export --------------------------------------------------------------------


def test_account_deletion_takes_the_reviews(app, client, seeded):
    mira, ben = make_user("mira"), make_user("ben")
    course = seeded["ai-for-everyone"]
    put(mira, course, S.COMPLETED, "Mira's words.")
    put(ben, course, S.COMPLETED, "Ben's words.")
    accounts.delete_account(mira)
    db.session.commit()
    assert count() == 1
    page = client.get(f"/resources/{course.id}").get_data(as_text=True)
    assert "Mira" not in page and "Ben's words." in page


def test_the_export_holds_the_resources_and_reviews(app, client, seeded):
    mira = make_user("mira")
    put(mira, seeded["ai-for-everyone"], S.COMPLETED, "Clear.")
    login_as(client, mira)
    exported = client.get("/settings/export").get_json()
    assert exported["learning_resources"] == [
        {
            "title": "AI for Everyone",
            "provider": "Coursera",
            "url": "https://www.coursera.org/learn/ai-for-everyone",
            "status": "completed",
            "review": "Clear.",
            "completed_at": exported["learning_resources"][0]["completed_at"],
            "added_at": exported["learning_resources"][0]["added_at"],
        }
    ]
    assert exported["learning_resources"][0]["completed_at"]


def test_demo_data_puts_the_guides_courses_on_demo_plans(app, runner):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert count(Resource) == 3
    reviews = db.session.scalars(select(PlanResource.review_md).where(PlanResource.review_md != ""))
    assert all(review.startswith("(Demo) ") for review in reviews)
    entries = count()
    assert entries >= 5
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    assert count() == entries and count(Resource) == 3


def test_the_resource_page_takes_the_same_queries_however_many_reviews(app, client, seeded):
    few, many = seeded["ai-for-everyone"], seeded["machine-learning"]
    urls = (f"/resources/{few.id}", f"/resources/{many.id}")
    put(make_user("solo"), few, S.COMPLETED, "Fine.")
    for number in range(resources.REVIEWS_PER_PAGE + 5):
        put(make_user(f"r{number}"), many, S.COMPLETED, f"Review {number}.")
    login_as(client, make_user("mira"))

    def queries(url: str) -> int:
        db.session.expunge_all()
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    assert queries(urls[0]) == queries(urls[1])


def test_the_counts_on_a_resource_follow_members_plans(app):
    """Kept at write time: adding, moving, removing, and a member leaving."""
    resources.seed_resources()
    course = db.session.scalar(select(Resource).order_by(Resource.id))
    ana, ben, cy = make_user("ana"), make_user("ben"), make_user("cy")
    resources.add_to_plan(ana, course, ResourceStatus.COMPLETED, "Good")
    resources.add_to_plan(ben, course, ResourceStatus.PLANNED)
    resources.add_to_plan(cy, course, ResourceStatus.IN_PROGRESS)
    db.session.commit()

    def counts() -> tuple[int, int, int]:
        db.session.expire_all()
        fresh = db.session.get(Resource, course.id)
        return fresh.planned_count, fresh.in_progress_count, fresh.completed_count

    def counted() -> tuple[int, int, int]:
        rows = dict(
            db.session.execute(
                select(PlanResource.status, func.count())
                .where(PlanResource.resource_id == course.id)
                .group_by(PlanResource.status)
            ).all()
        )
        return tuple(
            rows.get(status, 0)
            for status in (
                ResourceStatus.PLANNED,
                ResourceStatus.IN_PROGRESS,
                ResourceStatus.COMPLETED,
            )
        )

    assert counts() == counted() == (1, 1, 1)
    resources.update_on_plan(ben, course, ResourceStatus.COMPLETED, "Also good")
    resources.remove_from_plan(cy, course)
    db.session.commit()
    assert counts() == counted() == (0, 0, 2)
    with app.test_request_context():
        accounts.delete_account(ana)
        db.session.commit()
    assert counts() == counted() == (0, 0, 1)
