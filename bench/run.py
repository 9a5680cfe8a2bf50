"""Load benchmark: a 1,000-comment thread, a comment with 5,000 replies and the events
pages against a bare endpoint; and how soon a renamed or deleted author shows.

Creates a fresh database, seeds the guide, a realistic 1,000-comment thread (about 300
top-level comments, replies nested 3-4 deep, 300-600 characters of Markdown with links
and emphasis each), a post whose single top-level comment holds 5,000 such replies, a
10-comment post, 40 events of every kind and format (30 to come, a full page of the
list) and an event 1,000 members are going to, starts gunicorn with 2 workers on
127.0.0.1, and measures with a small load generator (processes x threads,
``http.client``):

- ``/healthz`` (the bare endpoint: one ``SELECT 1``),
- the home page (every section filled with the demo data) for a visitor and for a
  signed-in member,
- the 1,000-comment post page for a visitor and for a signed-in member,
- the post page of the 5,000-reply comment, and its permalink's first and last page,
- the 10-comment post page for a visitor,
- the upcoming events list, unfiltered and ``?kind=webinar``, for a visitor,
- the page of the event with 1,000 going, for a visitor.

Then it renames an author of the 1,000-comment thread's first page several times and
finally deletes the account (through the account services, as the settings page does),
and after each commit requests the page until four answers in a row (both workers)
show the change: how long that takes, and what the first fresh page cost.

Prints requests per second, p50 and p99 for each, comments delivered per second, and
the ratios the performance targets are stated in. Bounded in time; talks only to
127.0.0.1. Usage: ``make bench`` or ``.venv/bin/python bench/run.py --duration 10``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
# The project first, and not this folder: bench/markdown.py would shadow the Markdown package.
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

if TYPE_CHECKING:
    from community.accounts.models import User
    from community.events.models import Event

HOST = "127.0.0.1"
MEMBER = ("bench-member", "bench member password")
TARGET_COMMENT_RATIO = 35  # comments/s on the big page vs bare requests/s, for a visitor
TARGET_MEMBER_SHARE = 1 / 3
TARGET_SMALL_RATIO = 1 / 7
TARGET_EVENTS_RATIO = 1 / 4  # events list req/s vs bare req/s, for a visitor
TARGET_HOME_RATIO = 1 / 5  # home page req/s vs bare req/s, visitor and member
TARGET_TAIL = 3
EVENTS = 40
EVENT_CROWD = 1_000
REPLIES = 5_000
RENAMES = 10
#: Answers in a row that must show a change: with 2 workers, both have served it.
FRESH_IN_A_ROW = 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def seed(database_url: str) -> dict:
    """Fresh schema (migrations) and the benchmark threads; returns their URLs."""
    os.environ["DATABASE_URL"] = database_url
    from flask_migrate import upgrade
    from sqlalchemy import select

    from community import create_app
    from community.accounts.services import register_user
    from community.demo import seed_demo_data, seed_thread
    from community.discussions.comment_models import Comment
    from community.discussions.services import create_post, seed_guide
    from community.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        seed_guide()
        # Every section of the home page filled: experiences, mentors, events, discussions.
        seed_demo_data()
        authors = [
            register_user(f"member{n:03d}", f"member{n:03d}@example.com", secrets.token_hex(8))
            for n in range(60)
        ]
        member = register_user(MEMBER[0], f"{MEMBER[0]}@example.com", MEMBER[1])
        big = create_post(
            authors[0], "What worked for you? A thousand answers", "The big thread.", ["bench"]
        )
        small = create_post(authors[1], "A short discussion", "Ten comments.", ["bench"])
        replied = create_post(authors[2], "One question, five thousand answers", "Go.", ["bench"])
        db.session.flush()
        started = time.perf_counter()
        seed_thread(big, authors, total=1000, top_level=300, max_depth=3, seed=7)
        seed_thread(small, authors, total=10, top_level=4, max_depth=3, seed=8)
        db.session.commit()
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        root, *_ = seed_thread(replied, authors, total=REPLIES + 1, top_level=1, max_depth=1)
        db.session.commit()
        replies_seconds = time.perf_counter() - started
        # The author of the first comment the big thread shows (best first): renamed later.
        first = db.session.scalars(
            select(Comment)
            .where(Comment.post_id == big.id, Comment.parent_id.is_(None))
            .order_by(Comment.score.desc(), Comment.created_at, Comment.id)
            .limit(1)
        ).one()
        started = time.perf_counter()
        crowded = seed_events(authors)
        db.session.commit()
        return {
            "big": f"/posts/{big.id}/{big.slug}",
            "small": f"/posts/{small.id}/{small.slug}",
            "crowded": f"/events/{crowded.id}/{crowded.slug}",
            "replied": f"/posts/{replied.id}/{replied.slug}",
            "replies": f"/comments/{root.id}",
            "replies_last": f"/comments/{root.id}?page=50",
            "renamed": first.author.username,
            "member_id": member.id,
            "seed_seconds": seconds,
            "replies_seconds": replies_seconds,
            "events_seconds": time.perf_counter() - started,
        }


def seed_events(authors: list[User]) -> Event:
    """``EVENTS`` events through the services, as members submit them and a moderator
    approves them (every kind, format and several zones, tagged, some paid), a quarter of
    them moved to the past on their rows (services refuse new events that start there),
    and one event ``EVENT_CROWD`` members answer "going" to, through the RSVP service.
    Returns that event."""
    from datetime import timedelta

    from community.accounts.models import Role, User
    from community.accounts.services import register_user
    from community.events import services
    from community.events.models import EventFormat, EventKind
    from community.extensions import db
    from community.timeutil import utcnow

    moderator = register_user(
        "bench-moderator", "bench-moderator@example.com", secrets.token_hex(8), Role.MODERATOR
    )
    kinds, formats = list(EventKind), list(EventFormat)
    zones = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Africa/Lagos")
    soon = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    events = []
    for number in range(EVENTS + 1):
        kind, format = kinds[number % 4], formats[number // 4 % 3]
        starts_at = soon + timedelta(days=number, hours=number % 5)
        details = services.EventDetails(
            title=f"{kind.label} for career changers, part {number}",
            kind=kind,
            format=format,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            timezone=zones[number % len(zones)],
            location="Kulturbrauerei, Berlin" if format.has_place else "",
            url="https://meet.example.com/bench" if format.has_link else "",
            is_free=number % 3 != 0,
            price="" if number % 3 != 0 else "€20",
            description="What worked, what didn't, and questions from the room. " * 4,
            tags=["career-change", ("data", "product", "automation")[number % 3]],
        )
        event = services.submit_event(authors[number % len(authors)], details)
        events.append(services.approve_event(event, moderator, "Fits the event guidelines."))
    *listed, crowded = events
    for days_ago, event in enumerate(listed[: EVENTS // 4], start=1):
        event.starts_at = utcnow() - timedelta(days=days_ago * 7)
        event.ends_at = event.starts_at + timedelta(hours=2)
    crowd = [
        User(username=f"going{n:04d}", email=f"going{n:04d}@example.com")
        for n in range(EVENT_CROWD)
    ]
    db.session.add_all(crowd)
    db.session.flush()
    for member in crowd:
        services.rsvp(crowded, member, "going")
    db.session.flush()
    return crowded


def watch_names(database_url: str, path: str, username: str) -> dict:
    """Rename ``username`` ``RENAMES`` times, then delete the account, each committed
    through the account services; after each, request ``path`` as a visitor until
    ``FRESH_IN_A_ROW`` answers in a row show the change. Returns, in ms, how long that
    took after each commit and what each first fresh page cost (a cache miss)."""
    from sqlalchemy import select

    from community import create_app
    from community.accounts.models import User
    from community.accounts.services import delete_account, update_profile
    from community.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    seen, first_views = [], []
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        old = f">{user.name}</a>"
        for number in range(RENAMES + 1):
            if number < RENAMES:
                name = f"Renamed member {number}"
                update_profile(user, name, user.bio_md, user.timezone)
                new = f">{name}</a>"
            else:
                delete_account(user)
                new = '<span class="user user--deleted">deleted member</span>'
            db.session.commit()
            committed = time.perf_counter()
            in_a_row, first = 0, None
            while in_a_row < FRESH_IN_A_ROW:
                started = time.perf_counter()
                status, _, body = request(path)
                fresh = status == 200 and new.encode() in body and old.encode() not in body
                if fresh and first is None:
                    first = time.perf_counter() - started
                in_a_row = in_a_row + 1 if fresh else 0
                if time.perf_counter() - committed > 30:
                    raise SystemExit(f"bench: {path} still showed the old name after 30 s")
            seen.append((time.perf_counter() - committed) * 1000)
            first_views.append(first * 1000)
            old = new
    return {"seen": seen, "first_views": first_views}


def request(path: str, cookie: str | None = None, method: str = "GET", body: str | None = None):
    connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
    headers = {"Host": f"{HOST}:{PORT}"}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, response.getheader("Set-Cookie"), data


def sign_in() -> str:
    """A member's session cookie, through the real login form."""
    from urllib.parse import urlencode

    status, set_cookie, page = request("/auth/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if token is None:
        token = re.search(rb'type="hidden" name="csrf_token" value="([^"]+)"', page)
    cookie = set_cookie.split(";", 1)[0]
    form = urlencode(
        {"csrf_token": token.group(1).decode(), "username": MEMBER[0], "password": MEMBER[1]}
    )
    status, set_cookie, _ = request("/auth/login", cookie, "POST", form)
    if status != 302 or not set_cookie:
        raise SystemExit(f"bench: member login failed ({status})")
    return set_cookie.split(";", 1)[0]


def _load_worker(args) -> list[float]:
    """One load process: ``threads`` closed-loop clients for ``duration`` seconds."""
    port, path, cookie, duration, threads = args
    global PORT
    PORT = port
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def client() -> None:
        mine = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, _, _ = request(path, cookie)
            mine.append(time.perf_counter() - started)
            if status != 200:
                failures[0] += 1
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=client) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if failures[0]:
        raise RuntimeError(f"{failures[0]} non-200 responses from {path}")
    return latencies


def measure(path: str, cookie: str | None, duration: float, processes: int, threads: int):
    """(latencies in seconds, elapsed seconds) of one closed-loop run against ``path``."""
    with ProcessPoolExecutor(processes) as pool:
        started = time.perf_counter()
        results = list(
            pool.map(_load_worker, [(PORT, path, cookie, duration, threads)] * processes)
        )
        elapsed = time.perf_counter() - started
    return [value for chunk in results for value in chunk], max(elapsed, duration)


def summarise(latencies: list[float], elapsed: float) -> dict:
    latencies = sorted(latencies)
    count = len(latencies)
    return {
        "requests": count,
        "rps": count / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(count - 1, int(count * 0.99))] * 1000,
    }


def start_gunicorn(database_url: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RATELIMIT_ENABLED": "false",
        "SECRET_KEY": secrets.token_hex(32),
        "PATHWAYS_ENV": "production",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "--workers", "2", "--bind", f"{HOST}:{PORT}", "wsgi:app"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if request("/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"bench: gunicorn did not start; see {log}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per scenario")
    parser.add_argument("--rounds", type=int, default=4, help="turns each scenario takes")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--threads", type=int, default=2, help="client threads per process")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    options = parser.parse_args()

    global PORT
    PORT = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="pathways-bench-"))
    database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    print(f"database: {database_url.split('@')[-1]}")
    urls = seed(database_url)
    print(f"seeded 1,010 comments in {urls['seed_seconds']:.1f} s")
    print(f"seeded a comment with {REPLIES:,} replies in {urls['replies_seconds']:.1f} s")
    print(f"seeded {EVENTS + 1} events and {EVENT_CROWD:,} RSVPs in {urls['events_seconds']:.1f} s")

    server = start_gunicorn(database_url, workdir / "gunicorn.log")
    try:
        cookie = sign_in()
        scenarios = [
            ("bare endpoint /healthz", "bare", "/healthz", None),
            ("home page, visitor", "home", "/", None),
            ("home page, member", "home-member", "/", cookie),
            ("1,000-comment post, visitor", "big", urls["big"], None),
            ("1,000-comment post, member", "big-member", urls["big"], cookie),
            ("5,000 replies: post page, visitor", "replied", urls["replied"], None),
            ("5,000 replies: permalink p. 1, visitor", "replies", urls["replies"], None),
            ("5,000 replies: permalink p. 50, visitor", "replies-last", urls["replies_last"], None),
            ("10-comment post, visitor", "small", urls["small"], None),
            ("events list, visitor", "events", "/events/", None),
            ("events list ?kind=webinar, visitor", "webinars", "/events/?kind=webinar", None),
            ("event with 1,000 going, visitor", "crowded", urls["crowded"], None),
        ]
        shown, events_shown = {}, {}
        for _, name, path, session in scenarios:
            for _ in range(20):  # warm both workers' caches and connections
                status, _, body = request(path, session)
                assert status == 200, (path, status)
            shown[name] = body.count(b'<article class="comment')
            events_shown[name] = body.count(b'<li class="event-card')
            if name == "crowded":
                going = re.search(rb"(\d+) going", body)
                events_shown[name] = int(going.group(1)) if going else 0
        # Scenarios take turns in short rounds, so a burst of other work on the
        # machine lands on all of them alike instead of on whichever ran then.
        samples = {key: ([], 0.0) for _, key, _, _ in scenarios}
        slice_seconds = options.duration / options.rounds
        for _ in range(options.rounds):
            for _, key, path, session in scenarios:
                latencies, elapsed = measure(
                    path, session, slice_seconds, options.processes, options.threads
                )
                samples[key] = (samples[key][0] + latencies, samples[key][1] + elapsed)
        results = {}
        for label, key, _, _ in scenarios:
            results[key] = summarise(*samples[key])
            results[key]["label"] = label
        names = watch_names(database_url, urls["big"], urls["renamed"])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
    report(results, shown, events_shown, options)
    report_names(names)
    if not options.keep:
        for path in sorted(workdir.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        workdir.rmdir()
    return 0


def report(results: dict, shown: dict, events_shown: dict, options) -> None:
    bare = results["bare"]["rps"]
    concurrency = options.processes * options.threads
    print(
        f"\ngunicorn 2 workers, {concurrency} concurrent clients, "
        f"{options.duration:.0f} s per scenario in {options.rounds} rounds, CPUs: {os.cpu_count()}"
    )
    header = (
        f"{'scenario':40} {'comments':>8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'p99/p50':>7} {'comments/s':>11} {'vs bare':>9}"
    )
    print(header)
    print("-" * len(header))
    for key, row in results.items():
        comments = shown.get(key, 0)
        ratio = row["rps"] / bare
        print(
            f"{row['label']:40} {comments:>8} {row['rps']:>9.1f} {row['p50']:>8.2f} "
            f"{row['p99']:>8.2f} {row['p99'] / row['p50']:>7.2f} {row['rps'] * comments:>11.0f} "
            f"{'1/' + format(1 / ratio, '.1f') if ratio < 1 else format(ratio, '.2f'):>9}"
        )
    big = results["big"]["rps"] * shown["big"] / bare
    member = results["big-member"]["rps"] * shown["big-member"] / bare
    small = results["small"]["rps"] / bare
    listing = {key: results[key]["rps"] / bare for key in ("events", "webinars")}
    home = {key: results[key]["rps"] / bare for key in ("home", "home-member")}
    crowded = results["crowded"]["rps"] / bare
    print(
        f"\nevents list shows {events_shown['events']} events, ?kind=webinar "
        f"{events_shown['webinars']}; the event page says {events_shown['crowded']:,} going "
        f"(1/{1 / crowded:.2f} of bare req/s)"
    )
    tails = {key: row["p99"] / row["p50"] for key, row in results.items()}
    member_target = TARGET_COMMENT_RATIO * TARGET_MEMBER_SHARE
    checks = [
        (
            f"visitor: comments/s = {big:.1f} x bare req/s (target >= {TARGET_COMMENT_RATIO})",
            big >= TARGET_COMMENT_RATIO,
        ),
        (
            f"member: comments/s = {member:.1f} x bare req/s (target >= {member_target:.1f})",
            member >= member_target,
        ),
        (
            f"10-comment post: 1/{1 / small:.2f} of bare req/s (target >= 1/7)",
            small >= TARGET_SMALL_RATIO,
        ),
        *(
            (
                f"{label}: 1/{1 / listing[key]:.2f} of bare req/s (target >= 1/4)",
                listing[key] >= TARGET_EVENTS_RATIO,
            )
            for key, label in (("events", "events list"), ("webinars", "events ?kind=webinar"))
        ),
        *(
            (
                f"{label}: 1/{1 / home[key]:.2f} of bare req/s (target >= 1/5)",
                home[key] >= TARGET_HOME_RATIO,
            )
            for key, label in (("home", "home page, visitor"), ("home-member", "home, member"))
        ),
        (
            "p99 <= 3 x p50 everywhere: "
            + ", ".join(f"{key} {value:.2f}" for key, value in tails.items()),
            all(value <= TARGET_TAIL for value in tails.values()),
        ),
    ]
    print()
    for text, ok in checks:
        print(f"[{'ok' if ok else 'MISSED'}] {text}")


def report_names(names: dict) -> None:
    renames, deletion = names["seen"][:-1], names["seen"][-1]
    first_views = names["first_views"]
    print(
        f"\nrenamed author, 1,000-comment post ({RENAMES} renames, {FRESH_IN_A_ROW} fresh "
        f"answers in a row): every worker shows the new name {statistics.median(renames):.0f} ms "
        f"after the commit (p50; worst {max(renames):.0f} ms); deleted: {deletion:.0f} ms; "
        f"first fresh page {statistics.median(first_views):.0f} ms (p50; worst "
        f"{max(first_views):.0f} ms)"
    )
    ok = max(names["seen"]) < 2000
    print(f"[{'ok' if ok else 'MISSED'}] a new name or a deletion shows within 2 s")


PORT = 0

if __name__ == "__main__":
    raise SystemExit(main())
