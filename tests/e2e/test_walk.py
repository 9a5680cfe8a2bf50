"""A new member's first walk, on a 390px phone and a 1280px desktop: home → the guide →
share an experience through the form under the guide (refused once, then accepted) → the
experience they landed on → their profile, which lists it.

On every page of the walk: nothing scrolls sideways, axe finds nothing critical or serious
(the refused form included), the header menu's links are visible (on the phone once a tap
on "Menu" opened it), and on the phone everything one taps is at least 44px tall.

"Everything one taps" is every visible link, button, form field and summary. The only ones
allowed to be shorter are links inside the paragraphs and list items of what members wrote
(a post, a comment, a bio): WCAG 2.5.8 exempts a target "in a sentence", whose height is the
line's. ``SMALL_TARGETS`` (the phone test's) checks everything but links in any sentence;
``SMALL_LINKS_OUTSIDE_MEMBER_TEXT`` then holds the site's own sentences (bylines, the time of
a comment, "Read the experience") to 44px too, so exactly the links in members' text are
exempt.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import make_post, make_user
from tests.e2e.conftest import register
from tests.e2e.site_tour import DESKTOP, PHONE, visitor_page
from tests.e2e.test_accessibility import violations, watch_console
from tests.e2e.test_phone import MIN_TARGET, SMALL_TARGETS

#: Paragraphs and list items of member-written text (rendered Markdown).
MEMBER_TEXT = ":is(.prose, .comment__body) :is(p, li)"
#: Visible links shorter than ``minimum`` outside members' text, as 'a.class "text" 17.0px'.
SMALL_LINKS_OUTSIDE_MEMBER_TEXT = """
([minimum, memberText]) => [...document.querySelectorAll("a[href]")]
  .filter((a) => {
    const box = a.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || box.bottom + window.scrollY <= 0) return false;
    if (getComputedStyle(a).visibility === "hidden" || a.closest(memberText)) return false;
    return box.height < minimum - 0.5;
  })
  .map((a) => `a.${a.className} "${a.textContent.trim().slice(0, 40)}" ${
    a.getBoundingClientRect().height.toFixed(1)}px`)
"""
BODY = "Evenings on SQL with a plan of three dates; a mentor reviewed my portfolio."


def fits_width(page: Page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def hidden_menu_links(page: Page) -> list[str]:
    """The header menu's links that are not visible (all of them should be)."""
    links = page.locator(".site-menu__panel a[href]")
    hidden = [
        f"menu link {links.nth(i).inner_text()!r} is not visible"
        for i in range(links.count())
        if not links.nth(i).is_visible()
    ]
    if links.count() < 4:
        hidden.append(f"the menu holds {links.count()} links")
    return hidden


def menu_opens_on_tap(page: Page) -> list[str]:
    """Tap "Menu" on the phone: the closed panel opens with all its links visible."""
    expect(page.locator(".site-menu__panel a[href]").first).to_be_hidden()
    page.locator(".site-menu__toggle").tap()
    expect(page.locator(".site-menu")).to_have_attribute("open", "")
    return hidden_menu_links(page)


def close_menu(page: Page) -> None:
    page.locator(".site-menu__toggle").tap()
    expect(page.locator(".site-menu")).not_to_have_attribute("open", "")


def check(page: Page, where: str, width: int) -> list[str]:
    """What is wrong with the page as it is now (menu checks and 44px targets on the phone)."""
    problems = [] if fits_width(page) else [f"{where} scrolls sideways"]
    problems += violations(page, where)
    if width == PHONE:
        problems += [f"{where}: {problem}" for problem in menu_opens_on_tap(page)]
        if not fits_width(page):
            problems.append(f"{where} scrolls sideways with the menu open")
        small = page.evaluate(SMALL_TARGETS, MIN_TARGET)
        small += page.evaluate(SMALL_LINKS_OUTSIDE_MEMBER_TEXT, [MIN_TARGET, MEMBER_TEXT])
        problems += [f"{where}: {target}" for target in dict.fromkeys(small)]
        close_menu(page)
    else:  # a desktop shows the menu's contents in the header, no toggle
        expect(page.locator(".site-menu__toggle")).to_be_hidden()
        problems += [f"{where}: {problem}" for problem in hidden_menu_links(page)]
    return problems


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_a_new_member_walks_from_home_to_their_shared_experience(
    browser: Browser, base_url: str, live_app, unique_name, width: int
):
    page = visitor_page(browser, base_url, width, has_touch=True)
    problems: list[str] = []
    watch_console(page, problems)
    username = unique_name("walker")
    register(page, username)
    main = page.get_by_role("main")
    # The home page's lists hold something to tap: a discussion with its author's byline.
    with live_app.app_context():
        title = f"What I wish I knew about SQL, {username}"
        make_post(make_user(unique_name("poster")), title=title)

    page.goto("/")
    expect(main.get_by_role("link", name=title)).to_be_visible()
    problems += check(page, f"home at {width}px", width)

    main.get_by_role("link", name="Read the guide", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    guide_id = re.search(r"/posts/(\d+)/", page.url).group(1)
    form = page.locator("form#reply")
    expect(form).to_be_visible()
    problems += check(page, f"guide at {width}px", width)

    # Refused: too many months. The text stays, the error is next to the field.
    form.get_by_label("What steps worked for you?").fill(BODY)
    form.get_by_label("A transition plan").check()
    form.get_by_label("Side projects and portfolio").check()
    form.get_by_label("Where you started (role)").fill("Teacher")
    form.get_by_label("Where you went (role)").fill("Data analyst")
    form.get_by_label("Months it took").fill("999")
    form.get_by_label("Outcome").select_option(label="Changed role")
    form.get_by_role("button", name="Share").click()
    form = page.locator("form#reply")
    expect(form.locator(".field--error").first).to_be_visible()
    expect(form.get_by_label("What steps worked for you?")).to_have_value(BODY)
    problems += check(page, f"guide with the refused experience at {width}px", width)

    form.get_by_label("Months it took").fill("11")
    form.get_by_role("button", name="Share").click()
    expect(page).to_have_url(re.compile(r"#c\d+$"))
    comment_id = page.url.rsplit("#c", 1)[1]
    shared = page.locator(f"#c{comment_id}")
    expect(shared).to_contain_text(BODY)
    expect(shared).to_contain_text("Teacher")
    problems += check(page, f"the shared experience at {width}px", width)

    if width == PHONE:
        page.locator(".site-menu__toggle").tap()
    account = page.get_by_role("navigation", name="Account")
    account.get_by_role("link", name=username, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/u/{username}$"))
    moves = page.get_by_role("region", name="Career moves shared")
    expect(moves).to_contain_text("Teacher → Data analyst · 11 months · Changed role")
    problems += check(page, f"profile at {width}px", width)

    moves.get_by_role("link", name="Read the experience").click()
    expect(page.locator(f"#c{comment_id}")).to_contain_text(BODY)

    # The refused form answers 400, as it should, and Chromium logs that status.
    refused = f"/posts/{guide_id}/comments#reply: Failed to load resource: the server responded"
    problems = [problem for problem in problems if refused not in problem]
    assert problems == []
