"""A mentorship from first profile to completion, in a real browser."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import register

REQUEST_MESSAGE = (
    "I run logistics for a warehouse and want to move into automation engineering. "
    "I have started learning Python and would love help picking a first project."
)


def person(browser: Browser, base_url: str, dialogs: list) -> Page:
    """A separate browser context per member, as three people on three computers."""
    page = browser.new_context(base_url=base_url).new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return page


def test_mentorship_from_profile_to_completion(browser: Browser, base_url: str, unique_name):
    dialogs: list[str] = []
    mentor_name, mentee_name, third_name = (
        unique_name("mentor"),
        unique_name("mentee"),
        unique_name("third"),
    )

    # A member becomes a mentor with one place.
    mentor = person(browser, base_url, dialogs)
    register(mentor, mentor_name)
    mentor.get_by_role("link", name="Mentors").first.click()
    mentor.get_by_role("link", name="Become a mentor").click()
    mentor.get_by_label("Headline").fill("Plant manager turned automation engineer")
    mentor.get_by_label("Automation", exact=True).check()
    mentor.get_by_label("Other expertise").fill("Warehouse robotics")
    mentor.get_by_label("Capacity").fill("1")
    expect(mentor.get_by_label("Accepting new requests")).to_be_checked()
    mentor.get_by_role("button", name="Start mentoring").click()
    expect(mentor.get_by_text("You are now a mentor.")).to_be_visible()
    expect(mentor.get_by_text("1 open place")).to_be_visible()

    # Another member finds them by expertise and sends a request.
    mentee = person(browser, base_url, dialogs)
    register(mentee, mentee_name)
    mentee.goto("/mentors/")
    mentee.get_by_role("combobox", name="Expertise").select_option(label="Automation")
    mentee.get_by_role("button", name="Find mentors").click()
    expect(mentee).to_have_url(re.compile(r"expertise=automation"))
    mentee.get_by_role("link", name=mentor_name).click()
    mentee.get_by_role("link", name="Request mentorship").click()
    mentee.get_by_label("Your message").fill("Too short")
    mentee.get_by_role("button", name="Send request").click()
    expect(mentee.get_by_text("Write 80 to 3,000 characters")).to_be_visible()
    mentee.get_by_label("Your message").fill(REQUEST_MESSAGE)
    mentee.get_by_role("button", name="Send request").click()
    expect(mentee.get_by_text(f"Your request is on its way to {mentor_name}.")).to_be_visible()
    request_url = mentee.url

    # The mentor hears of it, accepts and writes.
    mentor.goto("/notifications")
    expect(mentor.get_by_text(f"{mentee_name} asked you for mentorship.")).to_be_visible()
    mentor.get_by_role("link", name="Mentors").first.click()
    mentor.goto("/mentorship/")
    mentor.get_by_role("link", name=f"From {mentee_name}").click()
    expect(mentor.get_by_text("I run logistics for a warehouse")).to_be_visible()
    mentor.get_by_role("button", name="Accept request").click()
    expect(mentor.get_by_text(f"You are now mentoring {mentee_name}.")).to_be_visible()
    mentor.get_by_label("Message", exact=True).fill("Welcome! Let's start with **one** script.")
    mentor.get_by_role("button", name="Send message").click()
    expect(mentor.get_by_text("Message sent.")).to_be_visible()

    # They exchange messages.
    mentee.goto(request_url)
    expect(mentee.locator(".message strong", has_text="one")).to_be_visible()
    mentee.get_by_label("Message", exact=True).fill("Thank you, I will bring one on Tuesday.")
    mentee.get_by_role("button", name="Send message").click()
    expect(mentee.get_by_text("Thank you, I will bring one on Tuesday.")).to_be_visible()
    mentor.reload()
    expect(mentor.get_by_text("Thank you, I will bring one on Tuesday.")).to_be_visible()

    # A third member is told the mentor is full.
    third = person(browser, base_url, dialogs)
    register(third, third_name)
    third.goto(f"/mentors/{mentor_name}")
    expect(third.get_by_text(f"{mentor_name} is full")).to_be_visible()
    expect(third.get_by_role("link", name="Request mentorship")).to_have_count(0)
    third.goto(f"/mentors/{mentor_name}/request")
    expect(third.get_by_role("alert")).to_contain_text("every mentoring place is taken")

    # The mentee marks it completed and the place opens again.
    mentee.get_by_label("Closing note (optional)").fill("I shipped my first automation!")
    mentee.get_by_role("button", name="Mark as completed").click()
    expect(mentee.get_by_text("The mentorship is completed. Well done!")).to_be_visible()
    expect(mentee.get_by_text("This conversation is closed.")).to_be_visible()

    third.goto(f"/mentors/{mentor_name}")
    expect(third.get_by_text("1 open place")).to_be_visible()
    expect(third.locator(".completed-count")).to_have_text("1")
    expect(third.get_by_role("link", name="Request mentorship")).to_be_visible()

    assert dialogs == []
