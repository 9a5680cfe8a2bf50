"""Error pages: every error a member can meet has a page in the site's layout."""

from __future__ import annotations

import math
import time

from flask import Flask, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from community.extensions import db, limiter

#: Fields never echoed back into a page, whatever the form.
_SECRET_FIELDS = ("password", "confirm", "csrf_token")

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Not allowed", "You don't have permission to do that."),
    404: ("Page not found", "There is nothing here. The link may be old or mistyped."),
    405: ("Method not allowed", "That page can't be used this way."),
    413: ("Too large", "What you sent is larger than we accept. Shorten it and try again."),
    429: ("Slow down", "Too many attempts in a short time. Wait a minute and try again."),
    500: ("Something went wrong", "We hit an error on our side. It has been logged; try again."),
}


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


def _kept_fields() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """What the member sent, split into text they wrote and the form's own hidden values."""
    written, hidden = [], []
    for name, value in request.form.items(multi=True):
        if any(secret in name for secret in _SECRET_FIELDS):
            continue
        prose = len(value) > 40 or " " in value.strip() or "\n" in value
        (written if prose else hidden).append((name, value))
    return written, hidden


def rate_limited(error: RateLimitExceeded):
    """429 that keeps what the member wrote and says when they can send it again."""
    current = limiter.current_limit
    wait = max(1, math.ceil(current.reset_at - time.time())) if current else 60
    written, hidden = _kept_fields() if request.method == "POST" else ([], [])
    response = render_template(
        "errors/rate_limited.html",
        code=429,
        title=MESSAGES[429][0],
        wait_seconds=wait,
        written=written,
        hidden=hidden,
        action=request.full_path.rstrip("?"),
    )
    return response, 429, {"Retry-After": str(wait)}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(RateLimitExceeded, rate_limited)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400, "Your form expired or was sent from elsewhere. Reload the page and try again."
        )

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        """A ``Host`` outside ``TRUSTED_HOSTS``: no page of ours can be built for it."""
        return "This site does not answer to that host name.", 400, {"Content-Type": "text/plain"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code in MESSAGES:
            return render_error(error.code)
        return error

    @app.errorhandler(InternalServerError)
    def server_error(error):
        db.session.rollback()
        return render_error(500)
