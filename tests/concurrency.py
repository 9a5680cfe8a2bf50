"""Running the same work from several threads at once, as web workers or cron runs would."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from flask import Flask

from community.extensions import db

T = TypeVar("T")


def at_once(app: Flask, work: Callable[[], T], runs: int = 2) -> list[T]:
    """``work``'s result from each of ``runs`` threads released together. Each thread has
    its own app context, hence its own session and database connection."""
    barrier = threading.Barrier(runs)
    results: list[T] = []
    lock = threading.Lock()

    def run() -> None:
        with app.app_context():
            barrier.wait(timeout=10)
            try:
                result = work()
            finally:
                db.session.remove()
            with lock:
                results.append(result)

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == runs, "a thread did not finish"
    return results
