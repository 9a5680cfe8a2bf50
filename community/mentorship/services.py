"""The mentorship request workflow: a state machine that keeps its promises.

``pending → accepted | declined | withdrawn | expired`` and ``accepted → completed | cancelled``
(the table is ``models.TRANSITIONS``). Only the functions here change ``state``; each asks
``permissions.can_<move>`` once, under a lock, records who and when, and notifies the other
side. Anything else raises ``MentorshipError`` with a message fit to show the member
(``NotAllowed`` when the move is not the actor's to make). Services flush; the request
commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from community import permissions
from community.accounts.mentions import render_member_markdown
from community.accounts.models import User
from community.accounts.services import on_delete
from community.db import Forbidden, Refused, lock_row, take_write_lock
from community.extensions import db
from community.mentorship import queries
from community.mentorship.models import (
    OPEN_STATES,
    TRANSITIONS,
    MentorProfile,
    MentorshipRequest,
    RequestState,
    expiry_period,
)
from community.mentorship.wording import (
    EXPIRED_REFUSAL,
    LEFT_MENTORING_REASON,
    MENTOR_LEFT_REASON,
    MOVE_NOTICES,
    STATE_WORDS,
)
from community.notifications.services import notify
from community.timeutil import utcnow


class MentorshipError(Refused):
    """A refused action; ``str(error)`` is shown to the member as is."""


class NotAllowed(MentorshipError, Forbidden):
    """The actor has no part in this move (or may not write): the view answers 403."""


def request_path(request: MentorshipRequest) -> str:
    return f"/mentorship/{request.id}"


# --- sending a request ---------------------------------------------------------------------


def check_can_request(
    mentee: User, profile: MentorProfile | None, places: int | None = None
) -> None:
    """Raise ``MentorshipError`` saying why ``mentee`` may not ask this mentor now.

    ``places`` is the mentor's open places when the caller has counted them already.
    """
    if not permissions.can_write(mentee):
        raise NotAllowed("Your account can't send mentorship requests.")
    if not permissions.is_verified_enough(mentee):
        raise MentorshipError(
            "Confirm your email address before sending mentorship requests: follow the link "
            "we mailed you (Settings can send it again)."
        )
    if profile is None or not profile.is_active:
        raise MentorshipError("This member is not mentoring at the moment.")
    mentor = profile.user
    if mentor.id == mentee.id:
        raise MentorshipError("You can't send a mentorship request to yourself.")
    if queries.open_request_between(mentee, mentor) is not None:
        raise MentorshipError(f"You already have an open request with {mentor.name}.")
    if not profile.is_accepting or mentor.is_suspended or mentor.is_deleted:
        raise MentorshipError(f"{mentor.name} is not accepting requests right now.")
    if (queries.open_places(profile) if places is None else places) == 0:
        raise MentorshipError(
            f"{mentor.name} is full: every mentoring place is taken. Try another mentor."
        )
    limit = current_app.config["MENTORSHIP_MAX_OPEN_REQUESTS"]
    if queries.pending_count(mentee) >= limit:
        raise MentorshipError(
            f"You have {limit} requests waiting for an answer, the most at once. "
            "Wait for a reply or withdraw one first."
        )


def refusal_to_request(
    mentee: User, profile: MentorProfile, places: int | None = None
) -> str | None:
    """Why the mentee can't ask this mentor now, for the page to say before they write."""
    try:
        check_can_request(mentee, profile, places)
    except MentorshipError as error:
        return str(error)
    return None


def _expire_stale_request(mentee: User, mentor_id: int) -> None:
    """Store the expiry of the pair's overdue request, so a new one may take its place."""
    stale = db.session.scalar(
        select(MentorshipRequest).where(
            MentorshipRequest.mentee_id == mentee.id,
            MentorshipRequest.mentor_id == mentor_id,
            MentorshipRequest.state == RequestState.PENDING,
        )
    )
    if stale is not None:
        expire_if_overdue(stale)


def create_request(mentee: User, profile: MentorProfile, message: str) -> MentorshipRequest:
    """Send a pending request to the mentor and tell them.

    The mentee's row is locked first so two requests sent at once can't both slip under
    the pending limit; the partial unique index settles two sent to the same mentor.
    """
    if permissions.can_write(mentee):
        lock_row(User, mentee.id)
        _expire_stale_request(mentee, profile.user_id)
    check_can_request(mentee, profile)
    now = utcnow()
    request = MentorshipRequest(
        mentee_id=mentee.id,
        mentor_id=profile.user_id,
        mentee=mentee,
        mentor=profile.user,
        message_md=message,
        message_html=render_member_markdown(message, "comment"),
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


def _refusal(request: MentorshipRequest, move: str, actor: User) -> MentorshipError:
    """Why ``permissions.can_<move>`` said no: not the actor's move, or not in this state."""
    transition = TRANSITIONS[move]
    if not permissions.can_act_on_mentorship(actor, request):
        return NotAllowed("Only the mentor and the mentee can act on this request.")
    if not request.takes_side(actor, transition.side):
        return NotAllowed(f"Only the {transition.side.value} can {move} this request.")
    if request.is_overdue():
        return MentorshipError(EXPIRED_REFUSAL)
    return MentorshipError(f"You can't {move} this request: it is {STATE_WORDS[request.state]}.")


def check_move(request: MentorshipRequest, move: str, actor: User) -> None:
    """Raise the refusal ``move`` would meet now, e.g. for a form sent after the state changed."""
    if not permissions.MENTORSHIP_MOVES[move](actor, request):
        raise _refusal(request, move, actor)


def _check_move(request: MentorshipRequest, move: str, actor: User) -> None:
    """Lock the request, re-read it, and ask the move's one predicate."""
    lock_row(MentorshipRequest, request.id)
    check_move(request, move, actor)


def _respond(request: MentorshipRequest, target: RequestState, actor: User | None) -> None:
    now = utcnow()
    request.state = target
    request.responded_at = now
    request.responded_by_id = actor.id if actor else None
    request.updated_at = now


def _make_move(request: MentorshipRequest, move: str, actor: User, text: str = "") -> None:
    """Change the state as ``move`` does, record who and when, and tell the other side.

    The caller has checked the move. ``text`` is a decline's reason or an end's note.
    """
    transition = TRANSITIONS[move]
    if transition.source == RequestState.PENDING:
        _respond(request, transition.target, actor)
        if move == "decline":
            request.decline_reason = text.strip() or None
    else:
        now = utcnow()
        request.state = transition.target
        request.ended_at = now
        request.ended_by_id = actor.id
        request.updated_at = now
        request.end_note_md = text.strip() or None
        request.end_note_html = render_member_markdown(text, "comment") if text.strip() else None
    db.session.flush()
    notify(
        request.other_side(actor),
        f"mentorship_{transition.target.value}",
        MOVE_NOTICES[move].format(actor=actor.name),
        request_path(request),
        actor=actor,
    )


def accept(request: MentorshipRequest, mentor: User) -> None:
    """Accept a pending request if the mentor has a place left.

    The mentor's profile row is locked first, so two accepts racing for the last place
    run one after the other and the second sees the first's mentorship.
    """
    profile_id = db.session.scalar(
        select(MentorProfile.id).where(MentorProfile.user_id == request.mentor_id)
    )
    profile = lock_row(MentorProfile, profile_id) if profile_id is not None else None
    _check_move(request, "accept", mentor)
    if profile is None:
        raise MentorshipError("Create your mentor profile before accepting requests.")
    if queries.active_count(request.mentor_id) >= profile.capacity:
        raise MentorshipError(
            "You have no open places: complete a mentorship or raise your capacity first."
        )
    _make_move(request, "accept", mentor)


def decline(request: MentorshipRequest, mentor: User, reason: str) -> None:
    """Say no with a reason, so the mentee knows why and where to look next."""
    _check_move(request, "decline", mentor)
    _make_move(request, "decline", mentor, reason)


def withdraw(request: MentorshipRequest, mentee: User) -> None:
    """Take back a request the mentor hasn't answered; they are told."""
    _check_move(request, "withdraw", mentee)
    _make_move(request, "withdraw", mentee)


def complete(request: MentorshipRequest, actor: User, note: str = "") -> None:
    """End an active mentorship as done; the mentor's place opens again."""
    _check_move(request, "complete", actor)
    _make_move(request, "complete", actor, note)


def cancel(request: MentorshipRequest, actor: User, note: str = "") -> None:
    """End an active mentorship early; the mentor's place opens again."""
    _check_move(request, "cancel", actor)
    _make_move(request, "cancel", actor, note)


# --- expiry --------------------------------------------------------------------------------


def expire_if_overdue(request: MentorshipRequest, now: datetime | None = None) -> bool:
    """Store the expiry of a pending request left unanswered too long, and tell the mentee.

    Called by ``flask expire-requests`` and by every POST on a request; pages only show
    an overdue request as expired (``current_state``) and never write.
    """
    if not request.is_overdue(now):
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


def expire_overdue(now: datetime | None = None) -> int:
    """Expire every overdue pending request (``flask expire-requests``); returns how many."""
    cutoff = (now or utcnow()) - expiry_period()
    overdue = db.session.scalars(
        select(MentorshipRequest).where(
            MentorshipRequest.state == RequestState.PENDING,
            MentorshipRequest.created_at <= cutoff,
        )
    ).all()
    return sum(expire_if_overdue(request, now) for request in overdue)


# --- leaving -------------------------------------------------------------------------------


def _open_requests(*conditions) -> list[MentorshipRequest]:
    """Open requests matching ``conditions``, locked until commit, oldest first."""
    query = (
        select(MentorshipRequest)
        .where(MentorshipRequest.state.in_(OPEN_STATES), *conditions)
        .order_by(MentorshipRequest.id)
        .with_for_update()
    )
    return list(db.session.scalars(query, execution_options={"populate_existing": True}))


def leave_mentoring(profile: MentorProfile) -> int:
    """Stop mentoring: hide the profile and decline what is still pending.

    Overdue requests are stored as expired instead. Active mentorships go on until
    either side ends them. Returns how many were declined.
    """
    profile.left_at = utcnow()
    profile.is_accepting = False
    take_write_lock(MentorProfile, profile.id)
    declined = 0
    for request in _open_requests(
        MentorshipRequest.mentor_id == profile.user_id,
        MentorshipRequest.state == RequestState.PENDING,
    ):
        if not expire_if_overdue(request):
            decline(request, profile.user, LEFT_MENTORING_REASON)
            declined += 1
    db.session.flush()
    return declined


@dataclass(frozen=True)
class MemberRemoval:
    """What ``remove_member`` did, for the account-deletion page to report."""

    profile_deleted: bool
    withdrawn: int
    declined: int
    cancelled: int
    expired: int


@on_delete("mentorship")
def remove_member(user: User) -> MemberRemoval:
    """Take a member out of mentorship when their account is deleted.

    Registered with ``accounts.services.on_delete``, so ``delete_account`` runs it before
    the account is anonymised (and then scrubs the member's name from what others were told).

    Deletes their mentor profile with its expertise tags and languages; withdraws the
    requests they sent and declines those sent to them that are still pending (overdue
    ones expire); cancels their active mentorships. Each other side is notified, as for any
    move; the moves are recorded as the member's own, whatever their account's state
    (a suspended member's deletion closes their requests too). Flushes only; the caller
    commits once with the rest of the deletion.
    """
    take_write_lock(User, user.id)
    withdrawn = declined = cancelled = expired = 0
    for request in _open_requests(
        or_(MentorshipRequest.mentee_id == user.id, MentorshipRequest.mentor_id == user.id)
    ):
        if expire_if_overdue(request):
            expired += 1
        elif request.state == RequestState.ACCEPTED:
            _make_move(request, "cancel", user)
            cancelled += 1
        elif request.mentee_id == user.id:
            _make_move(request, "withdraw", user)
            withdrawn += 1
        else:
            _make_move(request, "decline", user, MENTOR_LEFT_REASON)
            declined += 1
    profile = queries.get_profile(user)
    if profile is not None:
        db.session.delete(profile)
    db.session.flush()
    return MemberRemoval(profile is not None, withdrawn, declined, cancelled, expired)
