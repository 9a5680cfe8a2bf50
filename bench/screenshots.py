"""The README's screenshots: ``make screenshots``.

Builds a database of demo content (``flask demo-data``), serves it with gunicorn in
production settings (as ``make lighthouse`` does) and saves PNGs of the home page, a
member's profile (the demo member who shared the most experiences, none of it flagged),
the mentors directory, the busiest discussion, the demo plan shared on a profile and the
paths map, at 1280px and 390px, in docs/screenshots/
(or ``--out``), plus the top of the guide (guide.png). Playwright drives the system Chromium
(``CHROMIUM_PATH``, default /usr/bin/chromium). Pages longer than ``--max-height`` are cut
there, so a PNG stays small enough for a README.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from bench.lighthouse.run import app_environment, build_database, free_port, serve  # noqa: E402

WIDTHS = {"desktop": 1280, "phone": 390}


def pick(database: Path) -> dict[str, str]:
    """Paths of the pages to show, chosen in the demo database."""
    with sqlite3.connect(database) as db:
        (member,) = db.execute(
            "SELECT users.username FROM comments JOIN users ON users.id = comments.author_id"
            " WHERE comments.is_experience AND users.id NOT IN (SELECT flagged.author_id"
            " FROM comments AS flagged JOIN flags ON flags.target_id = flagged.id"
            " AND lower(flags.target_type) = 'comment')"
            " GROUP BY users.id ORDER BY count(*) DESC, users.id LIMIT 1"
        ).fetchone()
        thread = db.execute(
            "SELECT id, slug FROM posts WHERE NOT is_guide ORDER BY comment_count DESC, id LIMIT 1"
        ).fetchone()
        guide = db.execute("SELECT id, slug FROM posts WHERE is_guide LIMIT 1").fetchone()
        (planner,) = db.execute(
            "SELECT users.username FROM plans JOIN users ON users.id = plans.user_id"
            " WHERE plans.visibility = 'profile' ORDER BY plans.id LIMIT 1"
        ).fetchone()
    return {
        "home": "/",
        "profile": f"/u/{member}",
        "mentors": "/mentors/",
        "thread": f"/posts/{thread[0]}/{thread[1]}",
        "guide": f"/posts/{guide[0]}/{guide[1]}",
        "plan": f"/u/{planner}/plan",
        "paths": "/paths",
    }


def shoot(page: Page, path: str, target: Path, max_height: int) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    height = page.evaluate("document.documentElement.scrollHeight")
    width = page.viewport_size["width"]
    clip = {"x": 0, "y": 0, "width": width, "height": min(height, max_height)}
    page.screenshot(path=target, full_page=True, clip=clip)
    print(
        f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: "
        f"{width}x{clip['height']}, {target.stat().st_size // 1024} KB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--max-height", type=int, default=1400, help="cut longer pages (px)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="pathways-screenshots-") as work:
        database = Path(work) / "demo.sqlite3"
        env = app_environment(database, port)
        build_database(env)
        paths = pick(database)
        server = serve(env, port)
        base = f"http://127.0.0.1:{port}"
        urllib.request.urlopen(base + paths["thread"], timeout=10).close()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium)
                for device, width in WIDTHS.items():
                    context = browser.new_context(
                        base_url=base,
                        viewport={"width": width, "height": 900},
                        locale="en-GB",
                        timezone_id="Europe/London",
                    )
                    page = context.new_page()
                    for name in ("home", "profile", "mentors", "thread", "plan", "paths"):
                        shoot(page, paths[name], args.out / f"{name}-{device}.png", args.max_height)
                    if device == "desktop":
                        shoot(page, paths["guide"], args.out / "guide.png", 900)
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
