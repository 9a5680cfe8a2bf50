"""How pages and static files reach the browser: fingerprinted static URLs cached for a
year, and compressed responses.

Static files. Every ``url_for('static', filename=...)`` gains ``?v=`` and the first 12 hex
digits of the file's SHA-256 (a ``url_defaults`` hook, so templates call ``url_for`` as
always). A response to a URL whose ``v`` is the fingerprint of the file it serves is
``public, max-age=31536000, immutable``: browsers and shared caches keep it a year without
asking again, and a changed file is a new URL. Any other request for the file (no ``v``, an
old one) gets Flask's ``no-cache`` with an ETag, so nothing stale is kept.

This is the simplest option that holds: WhiteNoise's hashed file names need a build step
writing renamed copies and a manifest (Django's ``collectstatic``), and serving in front of
Flask would bypass the security headers of ``community/security.py``. The query string
changes the cache key just as a name would, with no build step and one copy of each file.
Fingerprints are kept per (path, modification time, size), so an edited file gets a new URL
without a restart, and a file is read once per version. CSP is unchanged: the files are on
our own origin.

Compression. Flask-Compress encodes HTML, CSS, JavaScript, JSON, XML and SVG with zstd,
Brotli or gzip, whichever the browser accepts first in that order, above 500 bytes (static
files are streamed, so they are encoded as they are read). ``COMPRESS_RESPONSES=false``
turns it off where the proxy in front compresses. Compressing pages that hold a secret and
reflect input is what BREACH measures; here the CSRF token in a page is signed with a fresh
timestamp on every render (so no two responses hold the same secret bytes) and the
``SameSite=Lax`` session cookie is not sent with the cross-site requests such an attack
makes, so compression reveals nothing usable.
"""

from __future__ import annotations

import hashlib
import os
import threading

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress
from werkzeug.security import safe_join

#: A year: the longest lifetime caches honour (RFC 9111 advises no more).
IMMUTABLE_SECONDS = 365 * 24 * 3600
FINGERPRINT_LENGTH = 12

_fingerprints: dict[tuple[str, int, int], str] = {}
_lock = threading.Lock()


def fingerprint(filename: str) -> str | None:
    """The content hash of a static file, or None when there is no such file."""
    folder = current_app.static_folder
    path = safe_join(folder, filename) if folder else None
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (path, stat.st_mtime_ns, stat.st_size)
    found = _fingerprints.get(key)
    if found is None:
        try:
            with open(path, "rb") as file:
                found = hashlib.file_digest(file, "sha256").hexdigest()[:FINGERPRINT_LENGTH]
        except OSError:  # a folder, or removed since
            return None
        with _lock:
            _fingerprints[key] = found
    return found


def _add_fingerprint(endpoint: str | None, values: dict) -> None:
    """``url_for('static', filename=f)`` → ``/static/f?v=<fingerprint>``."""
    if endpoint != "static" or "v" in values or not isinstance(values.get("filename"), str):
        return
    version = fingerprint(values["filename"])
    if version is not None:
        values["v"] = version


def _cache_static(response: Response) -> Response:
    """A year for a file asked for by its current fingerprint; revalidation otherwise."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename")
    version = request.args.get("v")
    if version and isinstance(filename, str) and version == fingerprint(filename):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = IMMUTABLE_SECONDS
        response.cache_control.immutable = True
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, minus ``Vary: Cookie`` on static files.

    Flask-Login reads the session after every request, and a read session makes Flask
    answer ``Vary: Cookie``; browsers then drop a cached file whenever the session cookie
    changes (every sign-in), and shared caches keep one copy per visitor. A static file
    never depends on the session, so it does not vary with it.
    """

    def save_session(self, app: Flask, session, response: Response) -> None:
        super().save_session(app, session, response)
        if request.endpoint == "static" and not session.modified:
            kept = [value for value in response.vary if value.lower() != "cookie"]
            if kept:
                response.headers["Vary"] = ", ".join(kept)
            else:
                response.headers.pop("Vary", None)


def _close_file_when_done(response: Response) -> Response:
    """Compression replaces a static file's body with the compressed one; the file must still
    be closed with the response, not left to the garbage collector."""
    body = response.response
    if request.endpoint == "static" and hasattr(body, "close"):
        response.call_on_close(body.close)
    return response


def register_assets(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.url_defaults(_add_fingerprint)
    app.after_request(_cache_static)
    if app.config["COMPRESS_RESPONSES"]:
        app.extensions["compress"] = Compress(app)
        app.after_request(_close_file_when_done)  # hooks run last first: before compression
