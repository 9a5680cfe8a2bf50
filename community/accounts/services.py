"""Account rules: who exists, how they prove it, what leaving means.

Services flush; the view that called them commits once.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from community.accounts import sessions
from community.accounts.mentions import render_member_markdown
from community.accounts.models import DELETED_NAME, RetiredUsername, Role, User
from community.accounts.names import (
    is_reserved,
    name_key,
    normalise_email,
    normalise_username,
    retired_hash,
)
from community.db import Refused
from community.extensions import db
from community.notifications.models import Notification
from community.timeutil import utcnow


def username_taken(username: str) -> bool:
    """Taken by a member, or by a deleted member (their name is never handed on)."""
    name = normalise_username(username)
    if db.session.scalar(select(User.id).where(func.lower(User.username) == name)) is not None:
        return True
    return db.session.get(RetiredUsername, retired_hash(name)) is not None


def name_problem(name: str, user: User | None = None) -> str | None:
    """Why a username or display name would let its owner pass for someone else, or None.

    Staff may use the reserved words (a moderator called "Mod" is what it says).
    """
    if is_reserved(name) and not (user is not None and user.is_moderator):
        return "That name is reserved: it would look like the site or its staff."
    key = name_key(name)
    staff = db.session.execute(
        select(User.id, User.username, User.display_name).where(
            User.role.in_((Role.MODERATOR, Role.ADMIN)), User.deleted_at.is_(None)
        )
    ).all()
    for staff_id, username, display_name in staff:
        if user is not None and staff_id == user.id:
            continue
        if key in (name_key(username), name_key(display_name or "")):
            return "That name belongs to a member of staff; choose one of your own."
    return None


def email_taken(email: str) -> bool:
    return (
        db.session.scalar(select(User.id).where(User.email == normalise_email(email))) is not None
    )


def register_user(
    username: str,
    email: str,
    password: str,
    role: Role = Role.MEMBER,
    *,
    verified: bool = True,
) -> User:
    """Create the account; refuses when the name or address was taken a moment ago.

    Accounts an operator makes (``flask create-user``, demo data) count as checked; the
    sign-up form passes ``verified=False`` and mails a check link (``recovery.sign_up``).
    """
    user = User(username=normalise_username(username), email=normalise_email(email), role=role)
    user.set_password(password)
    if verified:
        user.email_verified_at = utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise Refused("That username or email was just taken. Try another.", "username") from None
    return user


def find_by_login(login: str) -> User | None:
    """The live account whose username or email is ``login``, ignoring case."""
    return db.session.scalar(
        select(User).where(
            or_(User.username == normalise_username(login), User.email == normalise_email(login)),
            User.deleted_at.is_(None),
        )
    )


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not anybody's password")


def authenticate(login: str, password: str) -> User | None:
    """The member if the password is theirs.

    An unknown login costs the same hash check as a wrong password, so the answer's
    timing doesn't tell which accounts exist.
    """
    user = find_by_login(login)
    if user is None or user.password_hash is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if user.check_password(password) else None


def update_profile(user: User, display_name: str, bio: str, timezone: str) -> None:
    """Save the profile; a new shown name reaches pages that keep it (``on_name_change``)."""
    shown_before = user.name
    user.display_name = display_name.strip() or None
    user.bio_md = bio
    user.bio_html = render_member_markdown(bio, "comment")
    user.timezone = timezone
    if user.name != shown_before:
        for step in NAME_CHANGE_STEPS.values():
            step(user)
    db.session.flush()


#: Called with a member whose shown name (``User.name``) just changed; features that keep
#: rendered names (cached threads) register their refresh with ``on_name_change``.
NAME_CHANGE_STEPS: dict[str, Callable[[User], Any]] = {}


def on_name_change(name: str) -> Callable[[Callable[[User], Any]], Callable[[User], Any]]:
    """Register a feature's part of a member's new name under ``name``."""

    def register(function: Callable[[User], Any]) -> Callable[[User], Any]:
        NAME_CHANGE_STEPS[name] = function
        return function

    return register


def change_password(user: User, new_password: str) -> None:
    """Set a new password and end every sign-in, a thief's included (the view signs the
    member in again on the device they used, with a new key)."""
    user.set_password(new_password)
    sessions.end_all_sessions(user)
    db.session.flush()


#: Called with the member being deleted, before their row is anonymised; features register
#: what leaves with the person (a mentor profile, open mentorships) with ``on_delete``.
DELETION_STEPS: dict[str, Callable[[User], Any]] = {}


def on_delete(name: str) -> Callable[[Callable[[User], Any]], Callable[[User], Any]]:
    """Register a feature's part of deleting an account under ``name``."""

    def register(function: Callable[[User], Any]) -> Callable[[User], Any]:
        DELETION_STEPS[name] = function
        return function

    return register


def delete_account(user: User) -> None:
    """Remove the person, keep the conversation.

    Their posts and comments stay, shown as by "deleted member"; everything personal goes:
    email, password, names, bio, sign-ins, their notifications, and their name in the
    notifications others received. The username stays taken (as a hash), so old mentions
    and links never lead to a newcomer. Features remove their own parts (``on_delete``).
    """
    for step in DELETION_STEPS.values():
        step(user)
    old_names = [name for name in (user.display_name, user.username) if name]
    _scrub_notifications(user, old_names)
    db.session.add(RetiredUsername(name_hash=retired_hash(user.username)))
    sessions.end_all_sessions(user)
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    user.username = f"deleted-{user.id}-{secrets.token_hex(4)}"
    user.email = None
    user.password_hash = None
    user.display_name = None
    user.bio_md = ""
    user.bio_html = ""
    user.timezone = "UTC"
    user.deleted_at = utcnow()
    db.session.flush()


def _scrub_notifications(user: User, old_names: list[str]) -> None:
    """Others' notifications about this member name a deleted member instead."""
    told = db.session.scalars(select(Notification).where(Notification.actor_id == user.id))
    patterns = [re.compile(rf"(?<!\w){re.escape(name)}(?!\w)") for name in old_names]
    for notification in told:
        message = notification.message
        for pattern in patterns:
            message = pattern.sub(DELETED_NAME, message)
        notification.message = message[:1].upper() + message[1:]


def export_account(user: User) -> dict[str, Any]:
    """Everything the member gave us, as JSON-ready data (GDPR-style export).

    Features add their own sections through ``EXPORT_SECTIONS``.
    """
    export: dict[str, Any] = {
        "account": {
            "username": user.username,
            "email": user.email,
            "display_name": user.display_name,
            "bio": user.bio_md,
            "timezone": user.timezone,
            "role": user.role.value,
            "created_at": user.created_at.isoformat(),
        }
    }
    for name, section in EXPORT_SECTIONS.items():
        export[name] = section(user)
    return export


#: name -> function(user) returning JSON-ready data, registered with ``export_section``.
EXPORT_SECTIONS: dict[str, Callable[[User], Any]] = {}


def export_section(name: str) -> Callable[[Callable[[User], Any]], Callable[[User], Any]]:
    """Register a feature's part of the data export under ``name``."""

    def register(function: Callable[[User], Any]) -> Callable[[User], Any]:
        EXPORT_SECTIONS[name] = function
        return function

    return register


def set_role(user: User, role: Role) -> None:
    """Change the role and end every sign-in, so no session keeps powers it lost."""
    user.role = role
    sessions.end_all_sessions(user)
    db.session.flush()
