"""Account rules: who exists, how they prove it, what leaving means.

Services flush; the view that called them commits once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, or_, select

from community.accounts.models import Role, User
from community.content import render_markdown
from community.extensions import db
from community.timeutil import utcnow


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_username(username: str) -> str:
    return username.strip().lower()


def username_taken(username: str) -> bool:
    return (
        db.session.scalar(
            select(User.id).where(func.lower(User.username) == normalise_username(username))
        )
        is not None
    )


def email_taken(email: str) -> bool:
    return (
        db.session.scalar(select(User.id).where(User.email == normalise_email(email))) is not None
    )


def register_user(username: str, email: str, password: str, role: Role = Role.MEMBER) -> User:
    user = User(username=normalise_username(username), email=normalise_email(email), role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def find_by_login(login: str) -> User | None:
    """The live account whose username or email is ``login``, ignoring case."""
    value = login.strip().lower()
    return db.session.scalar(
        select(User).where(
            or_(User.username == value, User.email == value), User.deleted_at.is_(None)
        )
    )


def authenticate(login: str, password: str) -> User | None:
    user = find_by_login(login)
    if user is None or not user.check_password(password):
        return None
    return user


def update_profile(user: User, display_name: str, bio: str, timezone: str) -> None:
    user.display_name = display_name.strip() or None
    user.bio_md = bio
    user.bio_html = render_markdown(bio, "comment")
    user.timezone = timezone
    db.session.flush()


def rerender_bios() -> int:
    """Rebuild every stored bio from its Markdown (``flask rerender``)."""
    users = db.session.scalars(select(User)).all()
    for user in users:
        user.bio_html = render_markdown(user.bio_md, "comment")
    db.session.flush()
    return len(users)


def change_password(user: User, new_password: str) -> None:
    user.set_password(new_password)
    db.session.flush()


def delete_account(user: User) -> None:
    """Anonymise the member, keep what they wrote.

    The row stays so posts and comments keep their author reference; they show
    as by "deleted member". Username and email are freed for others.
    """
    user.username = f"deleted-{user.id}-{secrets.token_hex(4)}"
    user.email = None
    user.password_hash = None
    user.display_name = None
    user.bio_md = ""
    user.bio_html = ""
    user.deleted_at = utcnow()
    db.session.flush()


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
    user.role = role
    db.session.flush()
