"""The mentorship request workflow: a state machine that keeps its promises.

``pending → accepted | declined | withdrawn | expired`` and ``accepted → completed | cancelled``.
Only the functions here change ``state``; each checks who acts and from which state, records
who and when, and notifies the other side. Anything else raises ``MentorshipError`` with a
message fit to show the member. Services flush; the view commits once (or rolls back on error).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from community import permissions
from community.accounts.models import User
from community.content import render_markdown
from community.db import Refused
from community.extensions import db
from community.mentorship import profiles
from community.mentorship.models import (
    OPEN_STATES,
    MentorProfile,
    MentorshipRequest,
    RequestState,
)
from community.notifications.services import notify
from community.timeutil import utcnow


class MentorshipError(Refused):
    """A refused action; ``str(error)`` is shown to the member as is."""


class NotAllowed(MentorshipError):
    """The actor has no part in this request (or may not write): the view answers 403."""


class Side(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    EITHER = "either"


@dataclass(frozen=True)
class Transition:
    source: RequestState
    target: RequestState
    side: Side


#: Every move a member can make; expiry is the system's and lives in ``expire_if_overdue``.
TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(RequestState.PENDING, RequestState.ACCEPTED, Side.MENTOR),
    "decline": Transition(RequestState.PENDING, RequestState.DECLINED, Side.MENTOR),
    "withdraw": Transition(RequestState.PENDING, RequestState.WITHDRAWN, Side.MENTEE),
    "complete": Transition(RequestState.ACCEPTED, RequestState.COMPLETED, Side.EITHER),
    "cancel": Transition(RequestState.ACCEPTED, RequestState.CANCELLED, Side.EITHER),
}

#: How a state reads in a refusal: "This request is already <...>."
STATE_WORDS = {
    RequestState.PENDING: "still waiting for an answer",
    RequestState.ACCEPTED: "accepted",
    RequestState.DECLINED: "declined",
    RequestState.WITHDRAWN: "withdrawn",
    RequestState.EXPIRED: "expired",
    RequestState.COMPLETED: "completed",
    RequestState.CANCELLED: "cancelled",
}

DECLINE_REASONS: dict[str, str] = {
    "no-time": "I don't have the time to mentor you well right now.",
    "expertise": "Your goals are outside my expertise.",
    "fit": "Our time zones or languages don't fit well.",
}

MESSAGING_STATES = OPEN_STATES


def request_path(request: MentorshipRequest) -> str:
    return f"/mentorship/{request.id}"


def expiry_period() -> timedelta:
    return timedelta(days=current_app.config["MENTORSHIP_REQUEST_EXPIRY_DAYS"])


def is_overdue(request: MentorshipRequest, now: datetime | None = None) -> bool:
    return request.state == RequestState.PENDING and request.created_at + expiry_period() <= (
        now or utcnow()
    )


def expires_at(request: MentorshipRequest) -> datetime:
    return request.created_at + expiry_period()


# --- locking -------------------------------------------------------------------------------


def _take_write_lock(model, row_id: int) -> None:
    """SQLite ignores FOR UPDATE: a (no-op) write takes its database-wide write lock now,
    so what this transaction reads next cannot change under it."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(model).where(model.id == row_id).values(id=model.id),
            execution_options={"synchronize_session": False},
        )


def _lock(model, row_id: int):
    """The row, re-read under a lock held until commit (PostgreSQL: a row lock)."""
    _take_write_lock(model, row_id)
    return db.session.execute(
        select(model).where(model.id == row_id).with_for_update(),
        execution_options={"populate_existing": True},
    ).scalar_one()


# --- sending a request ---------------------------------------------------------------------


def pending_count(mentee: User) -> int:
    return db.session.scalar(
        select(func.count(MentorshipRequest.id)).where(
            MentorshipRequest.mentee_id == mentee.id,
            MentorshipRequest.state == RequestState.PENDING,
        )
    )


def open_request_between(mentee: User, mentor: User) -> MentorshipRequest | None:
    return db.session.scalar(
        select(MentorshipRequest).where(
            MentorshipRequest.mentee_id == mentee.id,
            MentorshipRequest.mentor_id == mentor.id,
            MentorshipRequest.state.in_(OPEN_STATES),
        )
    )


def check_can_request(mentee: User, profile: MentorProfile | None) -> None:
    """Raise ``MentorshipError`` saying why ``mentee`` may not ask this mentor now."""
    if not permissions.can_write(mentee):
        raise NotAllowed("Your account can't send mentorship requests.")
    if profile is None or not profile.is_active:
        raise MentorshipError("This member is not mentoring at the moment.")
    mentor = profile.user
    if mentor.id == mentee.id:
        raise MentorshipError("You can't send a mentorship request to yourself.")
    if open_request_between(mentee, mentor) is not None:
        raise MentorshipError(f"You already have an open request with {mentor.name}.")
    if not profile.is_accepting or mentor.is_suspended or mentor.is_deleted:
        raise MentorshipError(f"{mentor.name} is not accepting requests right now.")
    if profiles.open_places(profile) == 0:
        raise MentorshipError(
            f"{mentor.name} is full: every mentoring place is taken. Try another mentor."
        )
    limit = current_app.config["MENTORSHIP_MAX_OPEN_REQUESTS"]
    if pending_count(mentee) >= limit:
        raise MentorshipError(
            f"You have {limit} requests waiting for an answer, the most at once. "
            "Wait for a reply or withdraw one first."
        )


def create_request(mentee: User, profile: MentorProfile, message: str) -> MentorshipRequest:
    """Send a pending request to the mentor and tell them.

    The mentee's row is locked first so two requests sent at once can't both slip under
    the pending limit; the partial unique index settles two sent to the same mentor.
    """
    if permissions.can_write(mentee):
        _lock(User, mentee.id)
    check_can_request(mentee, profile)
    now = utcnow()
    request = MentorshipRequest(
        mentee_id=mentee.id,
        mentor_id=profile.user_id,
        mentee=mentee,
        mentor=profile.user,
        message_md=message,
        message_html=render_markdown(message, "comment"),
        created_at=now,
        updated_at=now,
    )
    db.session.add(request)
    try:
        db.session.flush()
    except IntegrityError as error:  # a concurrent request to the same mentor won
        raise MentorshipError(
            f"You already have an open request with {profile.user.name}."
        ) from error
    notify(
        profile.user,
        "mentorship_request",
        f"{mentee.name} asked you for mentorship.",
        request_path(request),
        actor=mentee,
    )
    return request


# --- moving a request ----------------------------------------------------------------------


def _is_party(request: MentorshipRequest, user: User, side: Side) -> bool:
    if side == Side.MENTOR:
        return user.id == request.mentor_id
    if side == Side.MENTEE:
        return user.id == request.mentee_id
    return user.id in (request.mentor_id, request.mentee_id)


def _check_move(request: MentorshipRequest, action: str, actor: User) -> Transition:
    """Who may make this move, from which state; the request is re-read under a lock first."""
    transition = TRANSITIONS[action]
    if not permissions.can_act_on_mentorship(actor, request):
        raise NotAllowed("Only the mentor and the mentee can act on this request.")
    if not _is_party(request, actor, transition.side):
        raise NotAllowed(f"Only the {transition.side.value} can {action} this request.")
    _lock(MentorshipRequest, request.id)
    if is_overdue(request):
        raise MentorshipError("This request has expired; it can no longer be answered.")
    if request.state != transition.source:
        raise MentorshipError(
            f"You can't {action} this request: it is {STATE_WORDS[request.state]}."
        )
    return transition


def _respond(request: MentorshipRequest, target: RequestState, actor: User | None) -> None:
    now = utcnow()
    request.state = target
    request.responded_at = now
    request.responded_by_id = actor.id if actor else None
    request.updated_at = now


def accept(request: MentorshipRequest, mentor: User) -> None:
    """Accept a pending request if the mentor has a place left.

    The mentor's profile row is locked first, so two accepts racing for the last place
    run one after the other and the second sees the first's mentorship.
    """
    if not _is_party(request, mentor, Side.MENTOR) or not permissions.can_write(mentor):
        raise NotAllowed("Only the mentor can accept this request.")
    profile = db.session.scalar(
        select(MentorProfile.id).where(MentorProfile.user_id == request.mentor_id)
    )
    if profile is None:
        raise MentorshipError("Create your mentor profile before accepting requests.")
    profile = _lock(MentorProfile, profile)
    transition = _check_move(request, "accept", mentor)
    if profiles.active_count(mentor.id) >= profile.capacity:
        raise MentorshipError(
            "You have no open places: complete a mentorship or raise your capacity first."
        )
    _respond(request, transition.target, mentor)
    db.session.flush()
    notify(
        request.mentee,
        "mentorship_accepted",
        f"{mentor.name} accepted your mentorship request.",
        request_path(request),
        actor=mentor,
    )


def decline(request: MentorshipRequest, mentor: User, reason: str) -> None:
    """Say no with a reason, so the mentee knows why and where to look next."""
    transition = _check_move(request, "decline", mentor)
    _respond(request, transition.target, mentor)
    request.decline_reason = reason.strip() or None
    db.session.flush()
    notify(
        request.mentee,
        "mentorship_declined",
        f"{mentor.name} declined your mentorship request.",
        request_path(request),
        actor=mentor,
    )


def withdraw(request: MentorshipRequest, mentee: User) -> None:
    transition = _check_move(request, "withdraw", mentee)
    _respond(request, transition.target, mentee)
    db.session.flush()
    notify(
        request.mentor,
        "mentorship_withdrawn",
        f"{mentee.name} withdrew their mentorship request.",
        request_path(request),
        actor=mentee,
    )


def _end(request: MentorshipRequest, action: str, actor: User, note: str) -> None:
    transition = _check_move(request, action, actor)
    now = utcnow()
    request.state = transition.target
    request.ended_at = now
    request.ended_by_id = actor.id
    request.updated_at = now
    request.end_note_md = note.strip() or None
    request.end_note_html = render_markdown(note, "comment") if note.strip() else None
    db.session.flush()
    notify(
        request.other_side(actor),
        f"mentorship_{transition.target.value}",
        f"{actor.name} marked your mentorship {transition.target.value}.",
        request_path(request),
        actor=actor,
    )


def complete(request: MentorshipRequest, actor: User, note: str = "") -> None:
    """End an active mentorship as done; the mentor's place opens again."""
    _end(request, "complete", actor, note)


def cancel(request: MentorshipRequest, actor: User, note: str = "") -> None:
    """End an active mentorship early; the mentor's place opens again."""
    _end(request, "cancel", actor, note)


def expire_if_overdue(request: MentorshipRequest, now: datetime | None = None) -> bool:
    """Expire a pending request left unanswered too long; applied whenever it is read."""
    if not is_overdue(request, now):
        return False
    _respond(request, RequestState.EXPIRED, None)
    db.session.flush()
    notify(
        request.mentee,
        "mentorship_expired",
        f"Your mentorship request to {request.mentor.name} expired without an answer.",
        request_path(request),
    )
    return True


def expire_overdue(now: datetime | None = None, user: User | None = None) -> int:
    """Expire every overdue pending request (``flask expire-requests``), or only ``user``'s."""
    cutoff = (now or utcnow()) - expiry_period()
    query = select(MentorshipRequest).where(
        MentorshipRequest.state == RequestState.PENDING, MentorshipRequest.created_at <= cutoff
    )
    if user is not None:
        query = query.where(
            (MentorshipRequest.mentee_id == user.id) | (MentorshipRequest.mentor_id == user.id)
        )
    return sum(expire_if_overdue(request, now) for request in db.session.scalars(query).all())


def leave_mentoring(profile: MentorProfile) -> int:
    """Stop mentoring: hide the profile and decline what is still pending.

    Active mentorships go on until either side ends them. Returns how many were declined.
    """
    profile.left_at = utcnow()
    profile.is_accepting = False
    pending = db.session.scalars(
        select(MentorshipRequest).where(
            MentorshipRequest.mentor_id == profile.user_id,
            MentorshipRequest.state == RequestState.PENDING,
        )
    ).all()
    for request in pending:
        decline(request, profile.user, "I have stopped mentoring for now.")
    db.session.flush()
    return len(pending)


# --- reading -------------------------------------------------------------------------------


def available_actions(request: MentorshipRequest, user: User) -> set[str]:
    """What ``user`` may do to this request now: the page shows exactly these buttons."""
    if not permissions.can_act_on_mentorship(user, request):
        return set()
    actions = {
        action
        for action, transition in TRANSITIONS.items()
        if request.state == transition.source and _is_party(request, user, transition.side)
    }
    if request.state in MESSAGING_STATES:
        actions.add("message")
    if request.state == RequestState.COMPLETED:
        actions.add("retrospective")
    return actions


def group_by_stage(
    requests: list[MentorshipRequest], past_limit: int = 50
) -> dict[str, list[MentorshipRequest]]:
    """Split a member's requests into pending, active and (the latest) past ones."""
    groups: dict[str, list[MentorshipRequest]] = {"pending": [], "active": [], "past": []}
    for item in requests:
        if item.state == RequestState.PENDING:
            groups["pending"].append(item)
        elif item.state == RequestState.ACCEPTED:
            groups["active"].append(item)
        elif len(groups["past"]) < past_limit:
            groups["past"].append(item)
    return groups
