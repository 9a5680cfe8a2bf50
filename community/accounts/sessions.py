"""Sign-ins: each is a row, so signing out, changing the password or being deleted ends it.

Flask-Login keeps ``<user id>.<key>`` in the session cookie and in the remember-me cookie
(``User.get_id``). The key is random per sign-in and only its hash is stored; the user
loader accepts a cookie only while its row exists and has not expired. Deleting rows is
therefore how every "sign out" works, including for cookies copied before it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app, session
from sqlalchemy import delete, select

from community.accounts.models import LoginSession, User
from community.extensions import db
from community.timeutil import utcnow

_KEY_BYTES = 32


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User, *, remember: bool, user_agent: str = "") -> None:
    """Record a new sign-in for ``user`` and make it the one ``get_id`` names."""
    days = current_app.config["LOGIN_REMEMBER_DAYS" if remember else "LOGIN_SESSION_DAYS"]
    key = secrets.token_urlsafe(_KEY_BYTES)
    db.session.add(
        LoginSession(
            user_id=user.id,
            key_hash=_hash(key),
            expires_at=utcnow() + timedelta(days=days),
            user_agent=(user_agent or "")[:200],
        )
    )
    db.session.flush()
    user.login_key = key
    rotate_csrf_token()


def rotate_csrf_token() -> None:
    """A new CSRF token at every change of who is signed in (Flask-WTF makes one on demand)."""
    session.pop("csrf_token", None)


def find_signed_in_user(identity: str) -> User | None:
    """The live member whose unexpired sign-in ``identity`` names, in one query."""
    user_id, _, key = (identity or "").partition(".")
    if not user_id.isdigit() or len(user_id) > 10 or not key or len(key) > 64:
        return None
    user = db.session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == int(user_id),
            User.deleted_at.is_(None),
            LoginSession.key_hash == _hash(key),
            LoginSession.expires_at > utcnow(),
        )
    )
    if user is not None:
        user.login_key = key
    return user


def end_session(user: User) -> None:
    """Sign out this device: its cookies, and every copy of them, stop working."""
    if user.login_key:
        db.session.execute(
            delete(LoginSession).where(LoginSession.key_hash == _hash(user.login_key))
        )
    rotate_csrf_token()


def end_other_sessions(user: User) -> int:
    """Sign out every other device; returns how many sign-ins ended."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if user.login_key:
        query = query.where(LoginSession.key_hash != _hash(user.login_key))
    return db.session.execute(query).rowcount


def end_all_sessions(user: User) -> None:
    """Sign out everywhere (role change, account deletion)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def other_session_count(user: User) -> int:
    rows = db.session.scalars(
        select(LoginSession.key_hash).where(
            LoginSession.user_id == user.id, LoginSession.expires_at > utcnow()
        )
    ).all()
    own = _hash(user.login_key) if user.login_key else ""
    return sum(1 for key_hash in rows if not hmac.compare_digest(key_hash, own))
