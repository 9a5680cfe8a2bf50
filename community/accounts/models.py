"""Members and their roles."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, Text, and_, or_
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from community.db import UTCDateTime
from community.extensions import db, login_manager
from community.timeutil import utcnow

USERNAME_PATTERN = r"^[a-z0-9_-]{3,30}$"
DELETED_NAME = "deleted member"


class Role(enum.StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-case by construction (the allowed alphabet has no capitals), so unique ignoring case.
    username: Mapped[str] = mapped_column(String(40), unique=True)
    #: Stored lower-cased; NULL once the account is deleted.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    #: NULL means nobody can log in as this user (deleted accounts, the site account).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(60))
    bio_md: Mapped[str] = mapped_column(Text, default="")
    bio_html: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=Role.MEMBER,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the member followed the link mailed to ``email``; a new address clears it.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The end of a suspension with an end date; NULL while ``suspended_at`` is set means
    #: until a moderator lifts it. The record and the reason are a ``Suspension``.
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    #: The sign-in this request came with (set by the user loader); ``get_id`` carries it,
    #: so the session and remember-me cookies name one revocable sign-in, not just the user.
    login_key = None

    def get_id(self) -> str:
        """Flask-Login's identity: ``<user id>.<sign-in key>``; a revoked key ends the session."""
        return f"{self.id}.{self.login_key}"

    @property
    def is_active(self) -> bool:  # Flask-Login: deleted accounts cannot hold a session
        return self.deleted_at is None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_suspended(self) -> bool:
        """Suspended members read but don't write; a dated suspension ends by itself."""
        if self.suspended_at is None:
            return False
        return self.suspended_until is None or self.suspended_until > utcnow()

    @classmethod
    def not_suspended(cls):
        """The SQL twin of ``not is_suspended``, for lists that leave suspended members out."""
        return or_(
            cls.suspended_at.is_(None),
            and_(cls.suspended_until.is_not(None), cls.suspended_until <= utcnow()),
        )

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def name(self) -> str:
        """What other members see as this member's name."""
        if self.is_deleted:
            return DELETED_NAME
        return self.display_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class LoginSession(db.Model):
    """One sign-in on one device; deleting the row signs that device out.

    Only a hash of the key is stored, so a leaked database holds no usable cookie.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the key that the member's cookies carry.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: After this the sign-in no longer works, remember-me cookie or not.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The browser, shortened, so the member can tell their sessions apart.
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class RetiredUsername(db.Model):
    """A deleted member's username, never given to anyone else.

    Old ``@mentions`` and links keep pointing at nobody rather than at a newcomer who
    took the name. Stored as a hash: the name itself leaves with the member.
    """

    __tablename__ = "retired_usernames"

    name_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """The member whose live sign-in ``identity`` names, in one query; else nobody."""
    from community.accounts.sessions import find_signed_in_user

    return find_signed_in_user(identity)
