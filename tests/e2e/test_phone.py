"""On a 390px phone: the header menu opens (also without JavaScript), no page scrolls
sideways, and everything one taps is at least 44px tall.

"Everything one taps": links, buttons, form fields (a checkbox with its label), the comment
fold toggles, visible on the page with the menu open. Links inside a sentence are left out,
as WCAG 2.5.5 leaves them out: they are as tall as the line they are part of.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.site_tour import (
    DESKTOP,
    MEMBER,
    PHONE,
    pages_by_viewer,
    tour_of,
    visitor_page,
)

MIN_TARGET = 44

#: Every visible control shorter than ``MIN_TARGET``, as "tag.class "text" 23.5px".
SMALL_TARGETS = """
(minimum) => {
  const INTERACTIVE = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, '
    + '[tabindex]:not([tabindex="-1"])';
  const LETTERS = /[\\p{L}\\p{N}]/u;
  const inline = (el) => getComputedStyle(el).display.startsWith("inline");
  const inSentence = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    let block = el.parentElement;
    while (block && inline(block)) block = block.parentElement;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (parent.closest(INTERACTIVE) || parent.closest(".visually-hidden")) continue;
      if (LETTERS.test(node.textContent)) return true;
    }
    return false;
  };
  const small = [];
  for (const el of document.querySelectorAll(INTERACTIVE)) {
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // not shown, or visually hidden
    if (getComputedStyle(el).visibility === "hidden") continue;
    if (box.bottom + window.scrollY <= 0) continue;  // parked above the page (skip link)
    let height = box.height;
    if (el.type === "checkbox" || el.type === "radio") {
      for (const label of el.labels) {
        height = Math.max(height, label.getBoundingClientRect().height);
      }
    }
    if (height < minimum - 0.5 && !inSentence(el)) {
      const text = (el.textContent || el.value || el.name || "").trim().slice(0, 40);
      small.push(`${el.tagName.toLowerCase()}.${el.className} "${text}" ${height.toFixed(1)}px`);
    }
  }
  return small;
}
"""


def scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth")


def open_menu(page: Page) -> None:
    toggle = page.locator(".site-menu__toggle")
    toggle.click()
    expect(page.locator(".site-menu")).to_have_attribute("open", "")


def test_every_main_page_fits_a_phone_with_44px_targets(browser: Browser, base_url: str, live_app):
    tour = tour_of(live_app)
    viewers = pages_by_viewer(browser, base_url, tour, PHONE)
    problems: list[str] = []
    for name, path, who in tour.pages():
        page = viewers[who]
        page.goto(path)
        if scrolls_sideways(page):
            problems.append(f"{name} ({path}) scrolls sideways")
        open_menu(page)
        if scrolls_sideways(page):
            problems.append(f"{name} ({path}) scrolls sideways with the menu open")
        problems += [f"{name} ({path}): {small}" for small in page.evaluate(SMALL_TARGETS, 44)]
    assert problems == []


@pytest.mark.parametrize("script", [True, False], ids=["with script", "without script"])
def test_the_menu_opens_on_a_phone_and_is_open_on_a_desktop(
    browser: Browser, base_url: str, script: bool
):
    phone = visitor_page(browser, base_url, PHONE, java_script_enabled=script)
    phone.goto("/events/")
    events = phone.get_by_role("navigation", name="Main").get_by_role("link", name="Events")
    expect(events).to_be_hidden()
    phone.get_by_text("Menu", exact=True).click()
    expect(events).to_be_visible()
    expect(events).to_have_attribute("aria-current", "page")
    expect(phone.get_by_role("link", name="Sign in")).to_be_visible()
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Mentors").click()
    expect(phone).to_have_url(re.compile(r"/mentors/$"))
    expect(phone.get_by_role("link", name="Sign in")).to_be_hidden()  # a new page: closed

    desktop = visitor_page(browser, base_url, DESKTOP, java_script_enabled=script)
    desktop.goto("/")
    expect(desktop.locator(".site-menu__toggle")).to_be_hidden()
    for name in ("Discussions", "Mentors", "Events", "Sign in", "Sign up"):
        expect(desktop.get_by_role("link", name=name, exact=True).first).to_be_visible()
    expect(desktop.get_by_role("searchbox", name="Search Pathways")).to_be_visible()


def test_escape_closes_the_menu(browser: Browser, base_url: str):
    phone = visitor_page(browser, base_url, PHONE)
    phone.goto("/")
    toggle = phone.locator(".site-menu__toggle")
    toggle.focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("link", name="Sign up").first).to_be_visible()
    phone.keyboard.press("Tab")
    phone.keyboard.press("Escape")
    expect(phone.locator(".site-menu")).not_to_have_attribute("open", "")
    expect(toggle).to_be_focused()


def test_a_members_menu_shows_unread_notifications_and_mentorships(
    browser: Browser, base_url: str, live_app
):
    tour = tour_of(live_app)
    page = pages_by_viewer(browser, base_url, tour, PHONE)[MEMBER]
    page.goto("/")
    expect(page.locator(".site-menu__toggle .badge")).to_be_visible()  # seen while closed
    open_menu(page)
    account = page.get_by_role("navigation", name="Account")
    notifications = account.get_by_role("link", name=re.compile(r"^Notifications \d+ unread$"))
    expect(notifications).to_be_visible()
    account.get_by_role("link", name="Your mentorships").click()
    expect(page).to_have_url(re.compile(r"/mentorship/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_a_comment_folds_and_unfolds_with_its_own_toggle(browser: Browser, base_url: str, live_app):
    tour = tour_of(live_app)
    page = visitor_page(browser, base_url, PHONE, java_script_enabled=False)
    page.goto(tour.post_url)
    comment = page.locator("article.comment").first
    body = comment.locator(".comment__body").first
    toggle = comment.locator(":scope > details > summary")
    expect(body).to_be_visible()
    assert toggle.bounding_box()["height"] >= MIN_TARGET
    toggle.click()
    expect(body).to_be_hidden()
    expect(comment.locator(".comment__meta").first).to_be_visible()  # whose it is, still
    toggle.click()
    expect(body).to_be_visible()
