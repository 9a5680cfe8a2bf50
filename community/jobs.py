"""Work that runs after the request's commit and outside it: sending mail.

With ``JOBS_REDIS_URL`` set, jobs go to an RQ queue on Redis; ``flask worker`` runs them and
RQ retries a failed one after ``JOBS_RETRY_INTERVALS``. Without Redis (``make run``), or when
Redis can't be reached, a job runs in this process: once the response is sent, in a thread,
so no page waits on SMTP; in a command (no request), right after the commit, before the
process ends. ``JOBS_INLINE`` runs it right after the commit (tests). A job is queued only
when its unit of work commits: nothing is sent about a change that was rolled back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

from flask import Flask, after_this_request, current_app, has_app_context, has_request_context

from community.db import after_commit

log = logging.getLogger(__name__)

#: Jobs by name; RQ stores the name and the arguments (ids), never objects.
JOBS: dict[str, Callable[..., Any]] = {}


def job(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function as the job ``name``; it runs inside an app context."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        JOBS[name] = function
        return function

    return register


def enqueue(name: str, *args: Any) -> None:
    """Run job ``name`` with ``args`` once the current unit of work commits."""
    if name not in JOBS:
        raise KeyError(f"no job named {name!r}")
    after_commit(lambda: _dispatch(name, args))


def _dispatch(name: str, args: tuple) -> None:
    app = current_app._get_current_object()
    if app.config["JOBS_REDIS_URL"]:
        try:
            _enqueue_on_redis(app, name, args)
            return
        except Exception:
            # The change is committed: the member's page must not fail because Redis is
            # away. The job runs here instead (and a mail stays in the outbox if it fails).
            log.exception("job %s%r not queued on Redis; running it in this process", name, args)
    if app.config["JOBS_INLINE"]:
        _run_logged(app, name, args)
    elif has_request_context():

        @after_this_request
        def start_after_response(response):
            response.call_on_close(lambda: _start_thread(app, name, args))
            return response

    else:
        # A command (``flask send-reminders``): no page waits, and a thread would die with
        # the process when the command ends.
        _run_logged(app, name, args)


def _enqueue_on_redis(app: Flask, name: str, args: tuple) -> None:
    from rq import Retry

    intervals = list(app.config["JOBS_RETRY_INTERVALS"])
    retry = Retry(max=len(intervals), interval=intervals) if intervals else None
    queue(app).enqueue(perform, name, *args, retry=retry)


def queue(app: Flask):
    """The app's RQ queue on ``JOBS_REDIS_URL``."""
    from redis import Redis
    from rq import Queue

    # A connect timeout: a Redis that doesn't answer must not hold a page (``_dispatch``).
    connection = Redis.from_url(app.config["JOBS_REDIS_URL"], socket_connect_timeout=5)
    return Queue(app.config["JOBS_QUEUE"], connection=connection)


def perform(name: str, *args: Any) -> Any:
    """RQ's entry point: the job in an app context (a plain ``rq worker`` builds the app)."""
    if has_app_context():
        return JOBS[name](*args)
    with _worker_app().app_context():
        return JOBS[name](*args)


@cache
def _worker_app() -> Flask:
    from community import create_app

    return create_app()


def _start_thread(app: Flask, name: str, args: tuple) -> None:
    threading.Thread(target=_run_logged, args=(app, name, args), daemon=True).start()


def _run_logged(app: Flask, name: str, args: tuple) -> None:
    """Run a job in-process; a failure is logged, never shown to the member who caused it
    (mail stays in the outbox for ``flask send-outbox``)."""
    with app.app_context():
        try:
            JOBS[name](*args)
        except Exception:
            log.exception("job %s%r failed", name, args)
