"""A small per-process cache of built values with an expiry and a size bound.

Pages most visitors open (the home page's sections, the paths map, the guide's figures)
are the same for many requests; each worker keeps what it built for a few seconds rather
than running the same statements again. Keys may come from members (a time zone), so the
oldest entries are evicted past ``max_entries``. Each app has its own caches (in
``app.extensions``), so test apps never share entries.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")


class ExpiringCache:
    """Values by key, each kept ``seconds`` after it was built; 0 seconds builds every time."""

    def __init__(self, max_entries: int = 128) -> None:
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, seconds: float, build: Callable[[], T]) -> T:
        if seconds <= 0:
            return build()
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found and found[0] > now:
                self._entries.move_to_end(key)
                return found[1]
        value = build()
        with self._lock:
            self._entries[key] = (now + seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return value


def app_cache(name: str) -> ExpiringCache:
    """The current app's cache called ``name``."""
    return current_app.extensions.setdefault(name, ExpiringCache())
