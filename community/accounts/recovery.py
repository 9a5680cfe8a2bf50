"""Proving an address: password resets by mail, address checks, changing the address.

Services flush; the view that called them commits once, and the mail leaves after it.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from community.accounts import sessions, tokens
from community.accounts.models import User
from community.accounts.names import normalise_email
from community.accounts.services import register_user
from community.db import Refused
from community.extensions import db
from community.notifications.mail import absolute, compose
from community.notifications.models import MailTopic
from community.timeutil import utcnow


def sign_up(username: str, email: str, password: str) -> User:
    """A new member from the sign-up form: their address waits for its check link."""
    user = register_user(username, email, password, verified=False)
    send_verification(user)
    return user


def send_verification(user: User) -> None:
    """Mail the member a link that confirms their current address."""
    site = current_app.config["SITE_NAME"]
    compose(
        user,
        MailTopic.ACCOUNT,
        f"Confirm your email address for {site}",
        "verify_email",
        url=absolute(f"/auth/verify/{tokens.verification_token(user)}"),
        days=current_app.config["EMAIL_VERIFICATION_DAYS"],
    )


def confirm_email(user: User) -> bool:
    """Mark the address checked; False when it already was."""
    if user.is_verified:
        return False
    user.email_verified_at = utcnow()
    db.session.flush()
    return True


def request_password_reset(email: str) -> None:
    """Mail a reset link when a live account with a password uses ``email``; else nothing.

    The caller answers the same either way, so the form never tells who is a member.
    """
    user = db.session.scalar(
        select(User).where(User.email == normalise_email(email), User.deleted_at.is_(None))
    )
    if user is None or user.password_hash is None:
        return
    seconds = current_app.config["PASSWORD_RESET_SECONDS"]
    compose(
        user,
        MailTopic.ACCOUNT,
        f"Reset your {current_app.config['SITE_NAME']} password",
        "password_reset",
        url=absolute(f"/auth/reset/{tokens.reset_token(user)}"),
        minutes=seconds // 60,
    )


def reset_password(user: User, new_password: str) -> None:
    """Set the new password and end every sign-in (the link's own included).

    The new hash kills the link that was used and every other one sent before. Following
    the link proved the member reads mail at their address, so it counts as checked.
    """
    user.set_password(new_password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    sessions.end_all_sessions(user)
    db.session.flush()


def masked(address: str) -> str:
    """``n***@example.com``: enough for the owner to recognise, little for anyone else."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def change_email(user: User, new_email: str) -> None:
    """Store the new address unchecked, mail it a check link and tell the old one.

    Refuses (field ``email``) when another account took the address a moment ago.
    """
    old = user.email
    user.email = normalise_email(new_email)
    user.email_verified_at = None
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Refused("An account with that email already exists.", "email") from None
    send_verification(user)
    if old:
        site = current_app.config["SITE_NAME"]
        compose(
            user,
            MailTopic.ACCOUNT,
            f"Your {site} email address was changed",
            "email_changed",
            to=old,
            new_address=masked(user.email),
        )
