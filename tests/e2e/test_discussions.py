"""Sharing what worked under the guide, and hearing back, in a real browser."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import register, sign_in, sign_out


def test_member_shares_an_experience_and_finds_the_nested_reply(page: Page, unique_name):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sharer, replier = unique_name("sharer"), unique_name("replier")
    story = f"Mentors at local meetups opened doors for me ({sharer})."
    answer = f"Which meetups, {sharer}? I am starting out ({replier})."

    # A reads the guide and shares an experience tagged with a step.
    register(page, sharer)
    page.goto("/guide")
    expect(page.get_by_role("heading", name="2. Networking and Mentorship")).to_be_visible()
    page.get_by_label("What steps worked for you?").fill(story)
    page.get_by_label("Networking and mentorship").check()
    page.get_by_label("Where you started (role)").fill("Teacher")
    page.get_by_label("Where you went (role)").fill("Data analyst")
    page.get_by_label("Outcome").select_option("changed_role")
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()
    shared = page.locator("article.comment", has_text=story)
    expect(shared.locator(".tag--step")).to_have_text("Networking and mentorship")
    expect(shared).to_contain_text("Teacher → Data analyst")
    sign_out(page)

    # B replies to it from the guide's thread.
    register(page, replier)
    page.goto("/guide")
    page.locator("article.comment", has_text=story).get_by_role("link", name="Reply").click()
    expect(page.get_by_label("Your reply")).to_be_focused()  # the box opens under it
    page.get_by_label("Your reply").fill(answer)
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()
    sign_out(page)

    # A sees the notification, follows it, and finds the reply under their comment.
    sign_in(page, sharer)
    expect(page.get_by_role("link", name=re.compile(r"Notifications\s*1"))).to_be_visible()
    page.get_by_role("link", name=re.compile("Notifications")).click()
    note = page.locator(".notification", has_text=f"{replier} replied to your comment")
    expect(note).to_be_visible()
    note.get_by_role("button", name="Open").click()
    expect(page).to_have_url(re.compile(r"/comments/\d+"))
    mine = page.locator(f'article.comment[aria-label="Comment by {sharer}"]')
    nested = mine.locator(f'article.comment[aria-label="Comment by {replier}"]')
    expect(nested).to_contain_text(answer)
    assert dialogs == []
