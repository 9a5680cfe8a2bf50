"""Error pages: every error a member can meet has a page in the site's layout."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from community.extensions import db

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


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400, "Your form expired or was sent from elsewhere. Reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code in MESSAGES:
            return render_error(error.code)
        return error

    @app.errorhandler(InternalServerError)
    def server_error(error):
        db.session.rollback()
        return render_error(500)
