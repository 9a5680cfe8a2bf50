"""Actions on members: suspend, lift, appeal and its answer, grant and revoke roles.

A suspended member reads but does not write (``permissions.can_write``); they are told
why and until when, and may appeal once per suspension. Every step is in the public log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from community import permissions
from community.accounts import services as accounts
from community.accounts.models import Role, User
from community.accounts.services import export_section
from community.db import Forbidden, Refused, change_once, take_write_lock
from community.extensions import db
from community.moderation import log, reviews
from community.moderation.models import (
    APPEAL_MAX,
    Action,
    Flag,
    ReviewCause,
    Suspension,
    TargetType,
)
from community.notifications.services import notify
from community.timeutil import utcnow

APPEAL_PATH = "/mod/appeal"


class MemberActionRefused(Refused):
    """The action can't be taken on this member as asked."""


def current_suspension(member: User) -> Suspension | None:
    """The suspension the member is under now, if any."""
    if not member.is_suspended:
        return None
    return db.session.scalar(
        select(Suspension)
        .where(Suspension.user_id == member.id, Suspension.lifted_at.is_(None))
        .order_by(Suspension.created_at.desc(), Suspension.id.desc())
        .limit(1)
    )


def suspend(
    member: User, moderator: User, reason: str, until: datetime | None = None
) -> Suspension:
    """Keep ``member`` from writing until ``until`` (or until lifted), and tell them why."""
    if not permissions.can_suspend(moderator, member):
        raise Forbidden("You can't suspend this member.")
    reason = log.required_reason(reason)
    if until is not None and until <= utcnow():
        raise MemberActionRefused("The end of a suspension is in the future.", "until")
    now = utcnow()
    if not change_once(
        User, member.id, User.not_suspended(), suspended_at=now, suspended_until=until
    ):
        raise reviews.AlreadyHandled(f"{member.name} is already suspended.")
    suspension = Suspension(
        user_id=member.id, moderator_id=moderator.id, reason=reason, ends_at=until
    )
    db.session.add(suspension)
    db.session.flush()
    reviews.close_flags_on_person(member.id, moderator, Action.SUSPEND)
    detail = f"until {until:%d %b %Y %H:%M} UTC" if until else "until lifted"
    log.record(moderator, Action.SUSPEND, TargetType.MEMBER, member.id, reason, member.id, detail)
    ending = f" until {until:%d %b %Y}" if until else ""
    notify(
        member,
        "moderation",
        f"Your account is suspended{ending}: {reason}",
        APPEAL_PATH,
        actor=moderator,
    )
    return suspension


def unsuspend(member: User, moderator: User, reason: str) -> None:
    """Lift the member's suspension now."""
    if not permissions.can_suspend(moderator, member):
        raise Forbidden("You can't lift this member's suspension.")
    reason = log.required_reason(reason)
    suspension = current_suspension(member)
    if suspension is None or not _lift(member, suspension):
        raise reviews.AlreadyHandled(f"{member.name} is not suspended.")
    answered = reviews.close_open_about(
        TargetType.SUSPENSION, suspension.id, moderator, Action.UNSUSPEND, (ReviewCause.APPEAL,)
    )
    if answered:  # the appeal waiting in the queue is answered by this lift, and only then
        suspension.appeal_outcome = Action.UNSUSPEND.value
        suspension.appeal_answer = reason
    log.record(moderator, Action.UNSUSPEND, TargetType.MEMBER, member.id, reason, member.id)
    notify(
        member, "moderation", f"Your suspension is lifted: {reason}", APPEAL_PATH, actor=moderator
    )


def _lift(member: User, suspension: Suspension) -> bool:
    if not change_once(
        User, member.id, User.suspended_at.is_not(None), suspended_at=None, suspended_until=None
    ):
        return False
    suspension.lifted_at = utcnow()
    db.session.flush()
    return True


def appeal(member: User, text: str) -> Suspension:
    """Ask moderators to reconsider: once per suspension; the appeal waits in the queue."""
    suspension = current_suspension(member)
    if suspension is None:
        raise MemberActionRefused("Your account is not suspended.", "appeal")
    text = text.strip()
    if not text:
        raise MemberActionRefused("Say why the suspension should be reconsidered.", "appeal")
    if len(text) > APPEAL_MAX:
        raise MemberActionRefused(f"Keep the appeal under {APPEAL_MAX:,} characters.", "appeal")
    if not change_once(
        Suspension,
        suspension.id,
        Suspension.appealed_at.is_(None),
        appealed_at=utcnow(),
        appeal=text,
    ):
        raise MemberActionRefused("You have already appealed this suspension.", "appeal")
    reviews.open_review(TargetType.SUSPENSION, suspension.id, ReviewCause.APPEAL, member.id)
    return suspension


def answer_appeal(suspension: Suspension, moderator: User, lift: bool, reason: str) -> None:
    """Lift the suspension, or uphold it; the member is told, and it is logged either way."""
    member = suspension.user
    if not permissions.can_suspend(moderator, member):
        raise Forbidden("You can't answer this appeal.")
    reason = log.required_reason(reason)
    review = reviews.open_review_for(TargetType.SUSPENSION, suspension.id, ReviewCause.APPEAL)
    if review is None:
        raise reviews.AlreadyHandled("This appeal has already been answered.")
    outcome = Action.UNSUSPEND if lift else Action.UPHOLD
    reviews.close(review, moderator, outcome)
    suspension.appeal_outcome = outcome.value
    suspension.appeal_answer = reason
    if lift and suspension.is_current():
        _lift(member, suspension)
        message = f"Your appeal was accepted and your suspension lifted: {reason}"
    elif lift:
        # It ran out before the answer: any newer suspension stays in force.
        message = f"Your appeal was accepted (the suspension had already ended): {reason}"
    else:
        message = f"Your appeal was considered and the suspension stays: {reason}"
    log.record(moderator, outcome, TargetType.MEMBER, member.id, reason, member.id, "on appeal")
    notify(member, "moderation", message, APPEAL_PATH, actor=moderator)


def set_role(member: User, role: Role, admin: User, reason: str) -> None:
    """Grant or revoke a role; the last admin keeps theirs."""
    if not permissions.can_grant_roles(admin):
        raise Forbidden("Only admins grant roles.")
    reason = log.required_reason(reason)
    if member.is_deleted or member.password_hash is None:
        raise MemberActionRefused("That account can't hold a role.", "username")
    if member.role == role:
        raise MemberActionRefused(f"{member.name} already is {role.value}.", "role")
    if role == Role.ADMIN and member.is_suspended:
        raise MemberActionRefused(
            "Lift the suspension first: nobody could lift it from an admin.", "role"
        )
    if member.role == Role.ADMIN:
        _keep_an_admin(member)
    before = member.role
    accounts.set_role(member, role)
    log.record(
        admin,
        Action.SET_ROLE,
        TargetType.MEMBER,
        member.id,
        reason,
        member.id,
        f"{before.value} → {role.value}",
    )
    notify(
        member,
        "moderation",
        f"Your role is now {role.value}: {reason}",
        f"/u/{member.username}",
        actor=admin,
    )


def _keep_an_admin(leaving: User) -> None:
    """Refuse to demote the last admin who can act (signs in, not suspended); the admins are
    locked while counted, so two admins demoting each other at once can't both succeed."""
    take_write_lock(User, leaving.id)
    admins = db.session.scalars(
        select(User.id)
        .where(
            User.role == Role.ADMIN,
            User.deleted_at.is_(None),
            User.password_hash.is_not(None),
            User.not_suspended(),
        )
        .with_for_update()
    ).all()
    if not set(admins) - {leaving.id}:
        raise MemberActionRefused(
            "There must always be an admin: grant the role to someone else first.", "role"
        )


@export_section("moderation")
def export_moderation(user: User) -> dict:
    """What the member told moderators: their flags, and their suspensions with appeals."""
    flags = db.session.scalars(select(Flag).where(Flag.reporter_id == user.id).order_by(Flag.id))
    suspensions = db.session.scalars(
        select(Suspension).where(Suspension.user_id == user.id).order_by(Suspension.id)
    )
    return {
        "flags": [
            {
                "target": f"{flag.target_type.value}/{flag.target_id}",
                "reason": flag.reason.value,
                "details": flag.details,
                "created_at": flag.created_at.isoformat(),
            }
            for flag in flags
        ],
        "suspensions": [
            {
                "reason": suspension.reason,
                "created_at": suspension.created_at.isoformat(),
                "ends_at": suspension.ends_at.isoformat() if suspension.ends_at else None,
                "appeal": suspension.appeal,
                "appeal_answer": suspension.appeal_answer,
            }
            for suspension in suspensions
        ],
    }


def staff() -> list[User]:
    """Moderators and admins who can sign in, admins first."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role.in_((Role.MODERATOR, Role.ADMIN)),
                User.deleted_at.is_(None),
                User.password_hash.is_not(None),
            )
            .order_by(User.role, func.lower(User.username))
        )
    )
