"""Rate limits on writes: one decorator, limits named in ``config.py``, counted per member.

Every state-changing route carries ``@write_limit("<name>")``; the limit itself is the
setting ``RATE_LIMIT_<NAME>`` (Flask-Limiter syntax, e.g. ``"6 per minute; 100 per day"``),
so operators tune it without code. Members are counted by account, visitors by address
(which ``PROXY_FIX_X_FOR`` makes the client's real address behind a proxy).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from community.extensions import limiter


def member_key() -> str:
    """Members are limited per account, so a shared office address doesn't lock everyone out."""
    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    return get_remote_address()


def write_limit(name: str, exempt_when: Callable[[], bool] | None = None) -> Callable:
    """Limit POSTs to the decorated view by the setting ``RATE_LIMIT_<NAME>``.

    Views sharing a name share one budget (post and comment edits both spend ``edits``).
    ``exempt_when`` spares the requests another limit counts instead (a form's Preview
    button spends ``previews``, not the budget of what the form saves).
    """
    setting = f"RATE_LIMIT_{name.upper()}"

    def limit_value() -> str:
        return current_app.config[setting]

    return limiter.shared_limit(
        limit_value,
        scope=name,
        key_func=member_key,
        methods=["POST"],
        exempt_when=exempt_when,
    )


def client_limit(name: str) -> Callable:
    """Limit POSTs per client address (sign-in, sign-up: before there is a member)."""
    setting = f"RATE_LIMIT_{name.upper()}"

    def limit_value() -> str:
        return current_app.config[setting]

    return limiter.shared_limit(
        limit_value, scope=name, key_func=get_remote_address, methods=["POST"]
    )
