"""Public testimonials: what a mentee says about a completed mentorship, on the mentor's profile.

The mentee writes one per completed mentorship, consenting in so many words to its showing
with their name; it waits (``pending``) until the mentor approves it (``published``) or
declines it (``declined``, which the mentee sees). Editing sends it back to the mentor, a
published one included; the mentor can take a published one down again (``hide``, back to
``declined``). The mentee withdraws it, and their consent, at any time: the row is deleted.
Each step tells the other side. Only these functions change a testimonial; each asks its
``permissions`` predicate under a lock and raises ``MentorshipError`` (``NotAllowed`` when
the step is not the actor's) with a message fit to show. Services flush; the request
commits once.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from community import permissions
from community.accounts.mentions import render_member_markdown
from community.accounts.models import User
from community.accounts.services import on_delete
from community.db import lock_row
from community.extensions import db
from community.forms import has_visible_text
from community.mentorship.models import (
    TESTIMONIAL_MAX,
    TESTIMONIAL_MOVES,
    MentorshipRequest,
    RequestState,
    Testimonial,
    TestimonialState,
)
from community.mentorship.services import MentorshipError, NotAllowed, request_path
from community.mentorship.wording import (
    TESTIMONIAL_BODY_REQUIRED,
    TESTIMONIAL_CONSENT_REQUIRED,
    TESTIMONIAL_NOTICES,
    TESTIMONIAL_STATE_WORDS,
)
from community.notifications.services import notify
from community.timeutil import utcnow

BODY_TOO_LONG = f"A testimonial holds up to {TESTIMONIAL_MAX:,} characters."


def testimonial_path(request: MentorshipRequest) -> str:
    return f"{request_path(request)}#testimonial"


def _locked_testimonial(request: MentorshipRequest) -> Testimonial | None:
    """The request's testimonial, re-read under a lock held until commit."""
    testimonial_id = db.session.scalar(
        select(Testimonial.id).where(Testimonial.request_id == request.id)
    )
    return lock_row(Testimonial, testimonial_id) if testimonial_id is not None else None


# --- the mentee's side ---------------------------------------------------------------------


def check_can_write(request: MentorshipRequest, mentee: User) -> None:
    """Raise why ``mentee`` can't write a testimonial of this mentorship now, if they can't."""
    if not permissions.can_act_on_mentorship(mentee, request) or mentee.id != request.mentee_id:
        raise NotAllowed("Only the mentee writes a testimonial of their mentorship.")
    if not permissions.can_write_testimonial(mentee, request):
        raise MentorshipError("Testimonials are written once a mentorship is completed.")


def save(request: MentorshipRequest, mentee: User, body: str, consent: bool) -> Testimonial:
    """Write or rewrite the mentee's testimonial; it goes (back) to the mentor for approval.

    The request row is locked first, so two first saves at once make one testimonial.
    Saving the same words while still pending changes nothing and tells nobody again.
    """
    check_can_write(request, mentee)
    if not consent:
        raise MentorshipError(TESTIMONIAL_CONSENT_REQUIRED, field="consent")
    if not has_visible_text(body):
        raise MentorshipError(TESTIMONIAL_BODY_REQUIRED, field="body")
    if len(body) > TESTIMONIAL_MAX:
        raise MentorshipError(BODY_TOO_LONG, field="body")
    lock_row(MentorshipRequest, request.id)
    testimonial = _locked_testimonial(request)
    if (
        testimonial is not None
        and testimonial.state == TestimonialState.PENDING
        and testimonial.body_md == body
    ):
        return testimonial
    now = utcnow()
    notice = "edited" if testimonial is not None else "wrote"
    if testimonial is None:
        testimonial = Testimonial(
            request_id=request.id,
            mentor_id=request.mentor_id,
            mentee_id=mentee.id,
            created_at=now,
        )
        db.session.add(testimonial)
    testimonial.body_md = body
    testimonial.body_html = render_member_markdown(body, "comment")
    testimonial.state = TestimonialState.PENDING
    testimonial.updated_at = now
    testimonial.published_at = None
    testimonial.declined_at = None
    try:
        db.session.flush()
    except IntegrityError as error:  # another first save of the same mentorship won
        raise MentorshipError("Your testimonial was just saved; reload the page.") from error
    _tell(request.mentor, notice, mentee, testimonial_path(request))
    return testimonial


def _tell(recipient: User, notice: str, actor: User, path: str) -> None:
    """The other side hears of each step, in the words of ``TESTIMONIAL_NOTICES``."""
    notify(
        recipient,
        "mentorship_testimonial",
        TESTIMONIAL_NOTICES[notice].format(actor=actor.name),
        path,
        actor=actor,
    )


def withdraw(request: MentorshipRequest, mentee: User) -> None:
    """Delete the mentee's testimonial: their consent withdrawn, it leaves the profile now."""
    if not permissions.can_view_mentorship(mentee, request) or mentee.id != request.mentee_id:
        raise NotAllowed("Only the mentee can withdraw their testimonial.")
    testimonial = _locked_testimonial(request)
    if not permissions.can_withdraw_testimonial(mentee, testimonial):
        raise MentorshipError("There is no testimonial to withdraw.")
    db.session.delete(testimonial)
    db.session.flush()
    _tell(request.mentor, "withdraw", mentee, request_path(request))


# --- the mentor's side ---------------------------------------------------------------------


def _refusal(request: MentorshipRequest, move: str, actor: User, testimonial) -> MentorshipError:
    """Why the move's predicate said no: not the actor's move, or not in this state."""
    if not permissions.can_act_on_mentorship(actor, request) or actor.id != request.mentor_id:
        return NotAllowed(f"Only the mentor can {move} a testimonial.")
    if testimonial is None:
        if request.state != RequestState.COMPLETED:
            return MentorshipError("Testimonials come once a mentorship is completed.")
        return MentorshipError("There is no testimonial to answer.")
    return MentorshipError(
        f"You can't {move} this testimonial: it is {TESTIMONIAL_STATE_WORDS[testimonial.state]}."
    )


def _move(request: MentorshipRequest, move: str, mentor: User) -> Testimonial:
    """Lock the testimonial, ask the move's predicate, change the state, tell the mentee."""
    testimonial = _locked_testimonial(request)
    if not permissions.TESTIMONIAL_PREDICATES[move](mentor, testimonial):
        raise _refusal(request, move, mentor, testimonial)
    now = utcnow()
    testimonial.state = TESTIMONIAL_MOVES[move].target
    if testimonial.state == TestimonialState.PUBLISHED:
        testimonial.published_at, testimonial.declined_at = now, None
    else:
        testimonial.published_at, testimonial.declined_at = None, now
    db.session.flush()
    _tell(request.mentee, move, mentor, testimonial_path(request))
    return testimonial


def approve(request: MentorshipRequest, mentor: User) -> Testimonial:
    """Publish a pending testimonial on the mentor's profile."""
    return _move(request, "approve", mentor)


def decline(request: MentorshipRequest, mentor: User) -> Testimonial:
    """Keep a pending testimonial off the profile; the mentee sees it declined and may edit."""
    return _move(request, "decline", mentor)


def hide(request: MentorshipRequest, mentor: User) -> Testimonial:
    """Take a published testimonial off the profile again (it reads as declined)."""
    return _move(request, "hide", mentor)


# --- leaving -------------------------------------------------------------------------------


@on_delete("mentorship_testimonials")
def remove_member(user: User) -> int:
    """Delete the testimonials a deleted member wrote (their name and words go with them)
    and those about them as a mentor (their profile is gone). Returns how many."""
    result = db.session.execute(
        delete(Testimonial)
        .where((Testimonial.mentee_id == user.id) | (Testimonial.mentor_id == user.id))
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount
