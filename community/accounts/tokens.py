"""Signed links for mail: a password reset and an address check.

Both are signed with the secret key and dated, so a forged, truncated or stale link reads
as nothing. Neither is stored: a reset link carries a fingerprint of the password it may
replace, so it dies with the first reset (or any other password change); a check link
carries a fingerprint of the address it checks, so a changed address kills it.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from community.accounts.models import User
from community.extensions import db

RESET_SALT = "password-reset"
VERIFY_SALT = "email-verification"
#: Longer than any link we sign; a longer one is junk, refused before any work.
TOKEN_MAX = 300


class TokenProblem(enum.Enum):
    """Why a link is refused, so the page can say what to do next."""

    EXPIRED = "expired"
    #: Forged, truncated, already used, or about a password or address that changed.
    INVALID = "invalid"


@dataclass(frozen=True)
class TokenCheck:
    user: User | None
    problem: TokenProblem | None = None


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(value: str) -> str:
    """A keyed digest: the link proves what it was made for without showing it."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def reset_token(user: User) -> str:
    """A link token that resets ``user``'s current password, once."""
    return _serializer(RESET_SALT).dumps(
        {"user": user.id, "password": _fingerprint(user.password_hash or "")}
    )


def verification_token(user: User) -> str:
    """A link token that confirms ``user`` reads mail at their current address."""
    return _serializer(VERIFY_SALT).dumps(
        {"user": user.id, "email": _fingerprint(user.email or "")}
    )


def _load(token: str, salt: str, max_age: int) -> tuple[User | None, dict | None, TokenProblem]:
    """The live member and the payload a token names; a problem when it names nothing."""
    if not token or len(token) > TOKEN_MAX or not token.isascii():
        return None, None, TokenProblem.INVALID
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        return None, None, TokenProblem.EXPIRED
    except (BadSignature, UnicodeError, ValueError):
        return None, None, TokenProblem.INVALID
    user_id = payload.get("user") if isinstance(payload, dict) else None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**31:
        return None, None, TokenProblem.INVALID
    user = db.session.get(User, user_id)
    if user is None or user.is_deleted:
        return None, None, TokenProblem.INVALID
    return user, payload, TokenProblem.INVALID


def _matches(payload: dict, key: str, value: str | None) -> bool:
    given = payload.get(key)
    return (
        isinstance(given, str)
        and value is not None
        and hmac.compare_digest(given, _fingerprint(value))
    )


def check_reset_token(token: str) -> TokenCheck:
    """The member a reset link is for, while it is fresh and their password unchanged."""
    user, payload, problem = _load(token, RESET_SALT, current_app.config["PASSWORD_RESET_SECONDS"])
    if user is None or not _matches(payload, "password", user.password_hash):
        return TokenCheck(None, problem)
    return TokenCheck(user)


def check_verification_token(token: str) -> TokenCheck:
    """The member a check link is for, while it is fresh and their address unchanged."""
    max_age = current_app.config["EMAIL_VERIFICATION_DAYS"] * 24 * 3600
    user, payload, problem = _load(token, VERIFY_SALT, max_age)
    if user is None or not _matches(payload, "email", user.email):
        return TokenCheck(None, problem)
    return TokenCheck(user)
