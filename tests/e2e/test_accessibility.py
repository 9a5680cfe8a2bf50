"""axe-core, the accessibility engine browsers' own audits use, finds nothing critical or
serious on any main page: on a phone and on a desktop, for visitors, members and moderators,
and on pages showing a refused form.

The rules are WCAG 2.0, 2.1 and 2.2 A and AA plus axe's best practices (target size among
them, which axe leaves out unless asked).
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.e2e.site_tour import (
    DESKTOP,
    MEMBER,
    PHONE,
    VISITOR,
    pages_by_viewer,
    tour_of,
)

RULES = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
BLOCKING = {"critical", "serious"}

_axe = Axe()


def violations(page: Page, where: str) -> list[str]:
    """axe's critical and serious findings on the page as it is now, one line per rule."""
    found = _axe.run(page, options=RULES).response["violations"]
    return [
        f"{where}: {rule['id']} ({rule['impact']}) {rule['help']} at "
        + ", ".join(" ".join(node["target"]) for node in rule["nodes"][:5])
        for rule in found
        if rule["impact"] in BLOCKING
    ]


def watch_console(page: Page, problems: list[str]) -> None:
    """Script errors and refusals by the Content-Security-Policy are problems too."""
    page.on("pageerror", lambda error: problems.append(f"page error on {page.url}: {error}"))
    page.on(
        "console",
        lambda message: (
            message.type == "error" and problems.append(f"console on {page.url}: {message.text}")
        ),
    )


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_main_pages_have_no_serious_accessibility_violations(
    browser: Browser, base_url: str, live_app, width: int
):
    tour = tour_of(live_app)
    viewers = pages_by_viewer(browser, base_url, tour, width)
    problems: list[str] = []
    for page in viewers.values():
        watch_console(page, problems)
    for name, path, who in tour.pages():
        page = viewers[who]
        response = page.goto(path)
        assert response is not None and response.ok, f"{name}: {path} answered {response}"
        problems += violations(page, f"{name} at {width}px ({path})")
    assert problems == []


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_refused_forms_have_no_serious_accessibility_violations(
    browser: Browser, base_url: str, live_app, width: int
):
    tour = tour_of(live_app)
    viewers = pages_by_viewer(browser, base_url, tour, width)
    visitor, member = viewers[VISITOR], viewers[MEMBER]
    problems: list[str] = []

    member.goto(tour.post_url)
    member.get_by_role("button", name="Post comment").click()
    expect(member.locator(".field--error textarea")).to_be_focused()
    problems += violations(member, f"empty comment at {width}px")

    visitor.goto("/auth/login")
    visitor.get_by_label("Username or email").fill(tour.member)
    visitor.get_by_label("Password").fill("not the password")
    visitor.get_by_role("button", name="Sign in").click()
    expect(visitor.locator(".field__errors, .flash--error").first).to_be_visible()
    problems += violations(visitor, f"failed sign-in at {width}px")

    visitor.goto("/auth/register")
    visitor.get_by_label("Username").fill("a")
    visitor.get_by_label("Email").fill("not an address")
    visitor.get_by_label("Password", exact=True).fill("short")
    visitor.get_by_role("button", name="Create account").click()
    expect(visitor.locator(".field--error").first).to_be_visible()
    problems += violations(visitor, f"refused sign-up at {width}px")

    assert problems == []
