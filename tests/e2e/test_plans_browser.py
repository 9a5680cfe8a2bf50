"""A transition plan in a real browser: started from the guide, ticked off, shared with a
mentor who comments on a goal, and hidden from everyone else."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Locator, Page, expect

from tests.conftest import DEFAULT_PASSWORD, make_user
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import violations
from tests.mentorship_support import REQUEST_TEXT, make_mentor

COMMENT = "Good pick: take the **SQL** module next, it pays off in the projects."


def person(browser: Browser, base_url: str, username: str, problems: list[str]) -> Page:
    """A browser of its own per person, signed in; script errors, console errors (CSP
    refusals among them) and dialogs all land in ``problems``."""
    page = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 900}
    ).new_page()
    page.on(
        "dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            message.type == "error" and problems.append(f"console on {page.url}: {message.text}")
        ),
    )
    sign_in(page, username, DEFAULT_PASSWORD)
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    return page


def overall(page: Page) -> Locator:
    """The plan's overall progress bar (the ``<progress>`` labelled "All goals")."""
    return page.get_by_label("All goals", exact=True)


def goal_item(page: Page, title: str) -> Locator:
    """The list item of the goal headed ``title``."""
    return page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )


def test_a_plan_from_the_guide_is_ticked_shared_with_a_mentor_and_hidden_from_others(
    browser: Browser, base_url: str, live_app, unique_name
):
    problems: list[str] = []
    member_name, mentor_name, third_name = (
        unique_name("planner"),
        unique_name("guide"),
        unique_name("third"),
    )
    with live_app.test_request_context():
        make_user(member_name)
        make_user(third_name)
        make_mentor(make_user(mentor_name), capacity=2, expertise=("data",))

    # The member starts a plan from the guide.
    member = person(browser, base_url, member_name, problems)
    member.goto("/plan")
    expect(member.get_by_role("heading", name="Your transition plan", level=1)).to_be_visible()
    expect(member.get_by_text("Private: only you see it.")).to_be_visible()
    member.get_by_role("button", name="Start from the guide").click()
    expect(member.get_by_text(re.compile(r"^Added \d+ goals from the guide\."))).to_be_visible()
    expect(member.get_by_role("button", name="Start from the guide")).to_have_count(0)
    figure = member.locator("#progress").get_by_text(re.compile(r"^\d+ of \d+ done"))
    total = int(re.match(r"0 of (\d+) done", figure.inner_text()).group(1))
    assert total >= 3
    expect(overall(member)).to_have_attribute("value", "0")
    expect(overall(member)).to_have_attribute("max", str(total))

    # Ticks two goals: the overall bar moves with each.
    ticked = []
    for done in (1, 2):
        open_goal = (
            member.get_by_role("listitem")
            .filter(has=member.get_by_role("button", name=re.compile(r"^Mark done\b")))
            .first
        )
        ticked.append(open_goal.get_by_role("heading").inner_text().strip())
        open_goal.get_by_role("button", name=re.compile(r"^Mark done\b")).click()
        expect(member.get_by_text(f"“{ticked[-1]}” is done.")).to_be_visible()
        expect(overall(member)).to_have_attribute("value", str(done))
        expect(member.locator("#progress").get_by_text(f"{done} of {total} done")).to_be_visible()
    for title in ticked:
        expect(
            goal_item(member, title).get_by_role("button", name=re.compile(r"^Done ✓"))
        ).to_have_attribute("aria-pressed", "true")
    assert violations(member, "/plan") == []

    # Nobody sees the private plan: not the mentor-to-be, not a third member.
    plan_url = f"/u/{member_name}/plan"
    mentor = person(browser, base_url, mentor_name, problems)
    assert mentor.goto(plan_url).status == 404

    # The member asks for mentorship; the mentor accepts.
    member.goto(f"/mentors/{mentor_name}")
    member.get_by_role("link", name="Request mentorship").click()
    member.get_by_label("Your message").fill(REQUEST_TEXT)
    member.get_by_role("button", name="Send request").click()
    expect(member.get_by_text(f"Your request is on its way to {mentor_name}.")).to_be_visible()
    request_url = member.url
    mentor.goto(request_url)
    mentor.get_by_role("button", name="Accept request").click()
    expect(mentor.get_by_text(f"You are now mentoring {member_name}.")).to_be_visible()

    # Accepted is not shared: the plan stays private until the member shares it.
    assert mentor.goto(plan_url).status == 404
    member.goto("/plan")
    expect(member.get_by_text("they don't see this plan until you share it")).to_be_visible()
    member.get_by_label("Me and my mentors, while a mentorship is accepted").check()
    member.get_by_role("button", name="Save sharing").click()
    expect(
        member.get_by_text("Shared with your mentors while a mentorship is accepted.")
    ).to_be_visible()

    # The mentor sees the plan, progress included, and comments on a ticked goal.
    assert mentor.goto(plan_url).status == 200
    expect(mentor.get_by_role("heading", level=1)).to_contain_text("transition plan")
    expect(mentor.get_by_text("You see this plan as")).to_be_visible()
    expect(overall(mentor)).to_have_attribute("value", "2")
    expect(mentor.get_by_role("button", name=re.compile(r"^Mark done"))).to_have_count(0)
    commented = goal_item(mentor, ticked[0])
    commented.locator("summary").click()
    commented.get_by_label("Comment", exact=True).fill(COMMENT)
    commented.get_by_role("button", name="Post comment").click()
    expect(mentor.get_by_text("Comment saved")).to_be_visible()
    expect(goal_item(mentor, ticked[0]).locator("strong", has_text="SQL")).to_be_visible()
    assert violations(mentor, "a mentor on the shared plan") == []

    # The member sees it on their own plan, under that goal.
    member.goto("/plan")
    mine = goal_item(member, ticked[0])
    expect(mine.get_by_text("Good pick: take the")).to_be_visible()
    expect(mine.get_by_role("link", name=mentor_name)).to_be_visible()
    assert violations(member, "/plan with a mentor's comment") == []

    # A third member, and a visitor, get a 404 (the plan's existence does not leak).
    third = person(browser, base_url, third_name, problems)
    response = third.goto(plan_url)
    assert response.status == 404
    expect(third.get_by_text("Good pick")).to_have_count(0)
    visitor = browser.new_context(base_url=base_url).new_page()
    assert visitor.goto(plan_url).status == 404

    # The browser logs each 404 asked for above; anything else is a problem.
    expected = f"{plan_url}: Failed to load resource: the server responded with a status of 404"
    assert [problem for problem in problems if expected not in problem] == []
