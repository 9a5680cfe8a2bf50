"""Lighthouse scores of the main pages, on a desktop and on a phone: ``make lighthouse``.

Builds a database of demo content (``flask demo-data``) in a temporary SQLite file, serves it
with gunicorn in production settings on 127.0.0.1 (a free port), runs Lighthouse (pinned in
package.json beside this file) on the home page, the guide, the mentors directory and the
events list, prints the four category scores of each run and leaves the JSON reports in a
temporary folder (or ``--out``). Chromium is the system one (``CHROME_PATH``, default
/usr/bin/chromium). Exits 1 if any score is under ``--minimum`` (default 0: report only).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
FORM_FACTORS = ("desktop", "mobile")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment(database: Path, port: int) -> dict[str, str]:
    """Production settings, as an operator would set them, on a throwaway database."""
    return {
        **os.environ,
        "PATHWAYS_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": f"sqlite:///{database}",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "RATELIMIT_ENABLED": "false",
    }


def build_database(env: dict[str, str]) -> None:
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["seed"], ["demo-data"]):
        subprocess.run([*flask, *command], cwd=ROOT, env=env, check=True, capture_output=True)


def serve(env: dict[str, str], port: int) -> subprocess.Popen:
    """gunicorn on the port, once it answers."""
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn stopped before answering") from None
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 30 s")


def pages(base: str) -> list[tuple[str, str]]:
    """(name, URL) of the pages to score; the guide's address is read off the home page."""
    with urllib.request.urlopen(f"{base}/", timeout=10) as response:
        home = response.read().decode()
    guide = re.search(r'<a class="button" href="(/posts/\d+/[^"]+)">Read the guide', home)
    if guide is None:
        raise SystemExit("no guide link on the home page")
    return [
        ("home", f"{base}/"),
        ("guide", base + guide.group(1)),
        ("mentors", f"{base}/mentors/"),
        ("events", f"{base}/events/"),
    ]


def lighthouse(url: str, form_factor: str, report: Path) -> dict[str, int]:
    """One Lighthouse run; the category scores out of 100."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(command, env=env, check=True, capture_output=True)
    result = json.loads(report.read_text())
    return {name: round((result["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder for the JSON reports")
    parser.add_argument("--minimum", type=int, default=0, help="fail under this score")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"Lighthouse is not installed: npm ci --prefix {HERE}")
    out = args.out or Path(tempfile.mkdtemp(prefix="lighthouse-"))
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="pathways-lighthouse-") as work:
        env = app_environment(Path(work) / "demo.sqlite3", port)
        build_database(env)
        server = serve(env, port)
        try:
            rows = []
            for name, url in pages(f"http://127.0.0.1:{port}"):
                for form_factor in FORM_FACTORS:
                    report = out / f"{name}-{form_factor}.json"
                    rows.append((name, form_factor, lighthouse(url, form_factor, report)))
        finally:
            server.terminate()
            server.wait(timeout=10)
    header = f"| {'page':<8} | {'device':<7} | " + " | ".join(CATEGORIES) + " |"
    print(header)
    print("|" + "|".join("-" * len(cell) for cell in header.split("|")[1:-1]) + "|")
    for name, form_factor, scores in rows:
        cells = " | ".join(f"{scores[c]:>{len(c)}}" for c in CATEGORIES)
        print(f"| {name:<8} | {form_factor:<7} | {cells} |")
    print(f"\nJSON reports: {out}")
    lowest = min(score for _, _, scores in rows for score in scores.values())
    return 1 if lowest < args.minimum else 0


if __name__ == "__main__":
    sys.exit(main())
