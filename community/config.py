"""Settings read from environment variables, with defaults fit for development.

Production (``PATHWAYS_ENV=production``) fails fast on a missing, default or short
``SECRET_KEY``: a guessable key lets anyone forge a session.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"
DEFAULT_SENDER = "Pathways <noreply@localhost>"
MIN_SECRET_KEY_LENGTH = 32
#: ``PATHWAYS_ENV`` values; anything else refuses to start, so a typo never runs
#: production with development settings.
ENVIRONMENTS = ("development", "production", "testing")


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _optional_int(name: str, minimum: int = 1) -> dict:
    """``{name: int}`` when the variable is set, so ``BASE_SETTINGS`` keeps the default."""
    value = os.environ.get(name, "").strip()
    if not value:
        return {}
    try:
        number = int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}.")
    return {name: number}


def _host_list(name: str) -> list[str] | None:
    """Comma-separated host names; None (any host) when unset.

    Absolute URLs (redirects Werkzeug builds itself) take the request's Host: behind a proxy
    that passes any Host through, only the site's own names should be answered.
    """
    hosts = [host.strip() for host in os.environ.get(name, "").split(",") if host.strip()]
    return hosts or None


def _environment() -> str:
    value = os.environ.get("PATHWAYS_ENV", "development").strip().lower()
    if value not in ENVIRONMENTS:
        raise ConfigurationError(
            f"PATHWAYS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {value!r}."
        )
    return value


def settings_from_environment(instance_path: str) -> dict:
    """Everything an operator may set, as Flask config keys."""
    sqlite_path = Path(instance_path) / "pathways.sqlite3"
    return {
        **_optional_int("MENTORSHIP_REQUEST_EXPIRY_DAYS"),
        **_optional_int("MENTORSHIP_MAX_OPEN_REQUESTS"),
        **_optional_int("PROXY_FIX_X_FOR", minimum=0),
        **_optional_int("FLAGS_TO_HIDE"),
        **_optional_int("NEW_MEMBER_HOLD_DAYS", minimum=0),
        "PATHWAYS_ENV": _environment(),
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", f"sqlite:///{sqlite_path}"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", False),
        #: Compress HTML, CSS and JS here (community/assets.py); off where the proxy does it.
        "COMPRESS_RESPONSES": _flag("COMPRESS_RESPONSES", True),
        "TRUSTED_HOSTS": _host_list("TRUSTED_HOSTS"),
        # Mail over SMTP (Flask-Mail); without MAIL_SERVER mail is written to the log.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "").strip() or None,
        **_optional_int("MAIL_PORT"),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "Pathways <noreply@localhost>"
        ),
        #: Where links in mail point (mail is built outside any request).
        "SITE_URL": os.environ.get("SITE_URL", "http://127.0.0.1:5000").rstrip("/"),
        #: Jobs (mail) go to RQ on this Redis; unset, they run in-process after the response.
        "JOBS_REDIS_URL": os.environ.get("JOBS_REDIS_URL", "").strip() or None,
        "REQUIRE_VERIFIED_EMAIL": _flag("REQUIRE_VERIFIED_EMAIL", True),
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", False),
    }


#: Fixed settings: the same in every environment.
BASE_SETTINGS = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "MAX_FORM_PARTS": 200,
    #: Reverse proxies in front of the app whose X-Forwarded-For is trusted (env PROXY_FIX_X_FOR).
    "PROXY_FIX_X_FOR": 0,
    #: A sign-in lasts this long with "remember me", else until the browser closes or this.
    "LOGIN_REMEMBER_DAYS": 30,
    "LOGIN_SESSION_DAYS": 14,
    "REMEMBER_COOKIE_DURATION": timedelta(days=30),
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "RATELIMIT_HEADERS_ENABLED": True,
    #: "10 per minute" means any 60 seconds, not a clock minute that resets on the minute
    #: (a fixed window lets twice the limit through across the boundary).
    "RATELIMIT_STRATEGY": "moving-window",
    "WTF_CSRF_TIME_LIMIT": None,
    "POSTS_PER_PAGE": 20,
    "NOTIFICATIONS_PER_PAGE": 30,
    "MENTORS_PER_PAGE": 20,
    "EVENTS_PER_PAGE": 20,
    #: How long a process reuses the events list's tag suggestions (they only help typing).
    "EVENT_TAG_SUGGESTIONS_SECONDS": 300,
    #: Top-level comments per thread page; each comes with its whole subtree.
    "COMMENTS_PER_PAGE": 100,
    #: Write limits (Flask-Limiter syntax), per member; see ``community/limits.py``.
    "RATE_LIMIT_AUTH": "10 per minute; 50 per hour",
    #: Failed sign-ins per account, whoever tries (on top of the per-address limit).
    "RATE_LIMIT_LOGIN_FAILURES": "10 per 15 minutes; 50 per day",
    "RATE_LIMIT_POSTS": "3 per minute; 20 per day",
    "RATE_LIMIT_COMMENTS": "6 per minute; 100 per day",
    "RATE_LIMIT_EDITS": "10 per minute; 200 per day",
    #: Markdown previews (the Preview button, with or without JavaScript).
    "RATE_LIMIT_PREVIEWS": "30 per minute; 500 per day",
    "RATE_LIMIT_VOTES": "60 per minute; 1000 per day",
    "RATE_LIMIT_FOLLOWS": "30 per minute; 300 per day",
    "RATE_LIMIT_FLAGS": "10 per minute; 50 per day",
    "RATE_LIMIT_MENTORSHIP_REQUESTS": "5 per hour; 20 per day",
    "RATE_LIMIT_MENTORSHIP_ACTIONS": "30 per minute; 300 per day",
    "RATE_LIMIT_EVENTS": "5 per hour; 20 per day",
    "RATE_LIMIT_RSVPS": "30 per minute; 300 per day",
    "RATE_LIMIT_MODERATION": "60 per minute; 1000 per day",
    "RATE_LIMIT_MESSAGES": "10 per minute; 200 per day",
    "RATE_LIMIT_PLANS": "60 per minute; 1000 per day",
    "RATE_LIMIT_SETTINGS": "20 per minute; 200 per day",
    "RATE_LIMIT_NOTIFICATIONS": "60 per minute; 2000 per day",
    #: Rendered threads are cached per process, keyed by the thread's version; this bounds
    #: how long what lies outside the thread (a member's new display name) can stay stale.
    "THREAD_CACHE_SECONDS": 300,
    #: The home page's sections are built at most this often per worker and time zone
    #: (community/main/home.py); a new post or event shows there within this time.
    "HOME_CACHE_SECONDS": 15,
    #: The paths map and the guide page's community figures are counted at most this often
    #: per worker (community/plans/paths.py); 0 counts them on every request.
    "PATHS_CACHE_SECONDS": 60,
    "THREAD_CACHE_ENTRIES": 256,
    "THREAD_CACHE_CHARS": 32_000_000,
    #: A pending request unanswered this many days expires (env MENTORSHIP_REQUEST_EXPIRY_DAYS).
    "MENTORSHIP_REQUEST_EXPIRY_DAYS": 14,
    #: Distinct members whose flags hide a post or comment until a moderator reviews it
    #: (env FLAGS_TO_HIDE).
    "FLAGS_TO_HIDE": 3,
    #: For this many days after joining, a member's posts with links wait for a moderator
    #: (env NEW_MEMBER_HOLD_DAYS; 0 turns the guard off).
    "NEW_MEMBER_HOLD_DAYS": 3,
    "MODERATION_QUEUE_PER_PAGE": 20,
    "SITE_NAME": "Pathways",
    "MAIL_PORT": 25,
    "MAIL_TIMEOUT_SECONDS": 10,
    #: Jobs without Redis: True runs each right after the commit (tests); False in a thread
    #: once the response is sent.
    "JOBS_INLINE": False,
    "JOBS_QUEUE": "pathways",
    #: RQ retries a failed job after these many seconds (SMTP down), then gives up.
    "JOBS_RETRY_INTERVALS": [30, 120, 600, 1800, 3600],
    #: A password-reset link works this long, once.
    "PASSWORD_RESET_SECONDS": 3600,
    "EMAIL_VERIFICATION_DAYS": 7,
    #: Event reminders go this long before the start.
    "EVENT_REMINDER_HOURS": 24,
    "RATE_LIMIT_PASSWORD_RESET": "5 per hour; 20 per day",
    "RATE_LIMIT_VERIFICATION": "3 per hour; 10 per day",
    "MODERATION_LOG_PER_PAGE": 50,
    #: Pending requests a mentee may have at once (env MENTORSHIP_MAX_OPEN_REQUESTS).
    "MENTORSHIP_MAX_OPEN_REQUESTS": 3,
}


class ConfigurationError(RuntimeError):
    """The application refuses to start with this configuration."""


def check_production_settings(config: dict) -> None:
    """Refuse to start on an unknown environment, or in production without a real key."""
    environment = str(config.get("PATHWAYS_ENV", "")).strip().lower()
    if environment not in ENVIRONMENTS:
        raise ConfigurationError(f"PATHWAYS_ENV must be one of {', '.join(ENVIRONMENTS)}.")
    config["PATHWAYS_ENV"] = environment
    if environment != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            "SECRET_KEY must be set to a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters in production "
            '(python -c "import secrets; print(secrets.token_hex(32))").'
        )
