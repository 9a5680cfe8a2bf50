"""A newcomer's first visit, in a real browser."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import register, sign_in, sign_out, verification_path

GUIDE_TITLE = "Preparing for a Career Transition in the AI Era"


def test_newcomer_registers_reads_the_guide_and_signs_out(page: Page, unique_name):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto("/")
    expect(page.get_by_role("heading", name=GUIDE_TITLE)).to_be_visible()
    expect(page.get_by_role("link", name="Discussions").first).to_be_visible()

    username = unique_name("newcomer")
    register(page, username, confirm=False)
    expect(page.get_by_text(f"Welcome to Pathways, {username}!")).to_be_visible()
    page.goto(verification_path(username))
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_text(f"Thanks: {username}@example.com is confirmed.")).to_be_visible()
    sign_out(page)
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    sign_in(page, username)
    expect(page.get_by_text("You are signed in.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(username)

    page.goto("/guide")
    expect(page).to_have_url(re.compile(r"/posts/\d+/preparing-for-a-career-transition"))
    expect(page.get_by_role("heading", name="2. Networking and Mentorship")).to_be_visible()
    link = page.get_by_role("link", name="AI for Everyone")
    expect(link).to_have_attribute("rel", "nofollow ugc noopener")

    sign_out(page)
    account = page.get_by_role("navigation", name="Account")
    expect(account.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    assert dialogs == []


def test_registration_errors_keep_what_was_typed(page: Page, unique_name):
    username = unique_name("typo")
    page.goto("/auth/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Confirm password").fill("different")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    expect(page.get_by_text("Use 8 to 128 characters.")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value(username)
    expect(page.get_by_label("Email")).to_have_value("not-an-email")


def test_hostile_bio_runs_no_script(page: Page, unique_name):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    username = unique_name("fred")
    register(page, username)
    page.goto("/settings")
    page.get_by_label("Bio").fill(
        '<script>alert("xss")</script> <img src=x onerror=alert(1)> '
        "[click](javascript:alert(2)) <svg onload=alert(3)>"
    )
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your settings are saved.")).to_be_visible()
    page.goto(f"/u/{username}")
    expect(page.get_by_text('<script>alert("xss")</script>')).to_be_visible()
    page.get_by_text("click", exact=True).click(timeout=2000)
    assert dialogs == []
