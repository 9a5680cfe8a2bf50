"""Where it is safe to send a member after login."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next_url(target: str | None) -> str | None:
    """``target`` if it is a same-site relative path, else None.

    Refuses absolute URLs, scheme-relative ``//host`` and backslash tricks that
    browsers read as another host, so ``?next=`` cannot become an open redirect.
    """
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(char) < 32 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
