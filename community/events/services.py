"""Event rules: submitting, reviewing, editing and cancelling events, and RSVPs with a waitlist.

An event moves ``pending → published | rejected`` and, from pending or published, to
``cancelled`` (``models.TRANSITIONS``); only the functions here change ``state``, each under
the event's row lock, recording who and when and notifying who must know. Seats are
counted on the event row under the same lock, so concurrent RSVPs for the last seat give
it to exactly one member. Anything refused raises ``EventRefused`` with a message fit to
show (``NotAllowed`` when the actor has no right to the move: the view answers 403).
Services flush; the request commits once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from community import permissions
from community.accounts.mentions import render_member_markdown
from community.accounts.models import User
from community.accounts.services import on_delete
from community.db import lock_row
from community.discussions.models import slug_for
from community.discussions.services import tags_named
from community.events.models import (
    TRANSITIONS,
    Event,
    EventState,
    Rsvp,
    RsvpStatus,
)
from community.events.rules import (
    MATERIAL_FIELDS,
    EventDetails,
    EventRefused,
    NotAllowed,
    check_details,
)
from community.extensions import db
from community.moderation import log, reviews
from community.moderation.models import Action, ReviewCause, TargetType
from community.notifications import preferences
from community.notifications.services import notify
from community.timeutil import utcnow


def event_path(event: Event) -> str:
    return f"/events/{event.id}/{event.slug}"


# --- the organiser's side ------------------------------------------------------------------


def _apply(event: Event, details: EventDetails) -> None:
    event.title = details.title
    event.slug = slug_for(details.title)
    event.kind = details.kind
    event.format = details.format
    event.starts_at = details.starts_at
    event.ends_at = details.ends_at
    event.timezone = details.timezone
    event.location = details.location if details.format.has_place else ""
    event.url = details.url if details.format.has_link else ""
    event.is_link_attendees_only = details.is_link_attendees_only and bool(event.url)
    event.registration_url = details.registration_url
    event.website_url = details.website_url
    event.is_free = details.is_free
    event.price = "" if details.is_free else details.price
    event.description_md = details.description
    event.description_html = render_member_markdown(details.description, "post")
    event.guide_step = details.guide_step
    event.capacity = details.capacity
    event.tags = tags_named(details.tags)
    event.updated_at = utcnow()


def submit_event(organiser: User, details: EventDetails) -> Event:
    """Store a new event: published at once for moderators, otherwise pending review."""
    if not permissions.can_submit_event(organiser):
        raise NotAllowed("Your account can't submit events.")
    check_details(details, is_new=True)
    event = Event(organiser_id=organiser.id, organiser=organiser, state=EventState.PENDING)
    _apply(event, details)
    db.session.add(event)
    if permissions.can_moderate(organiser):
        _publish(event, organiser)
    db.session.flush()
    return event


def edit_event(event: Event, editor: User, details: EventDetails) -> bool:
    """Replace what the organiser said; True when the change was material (time or place).

    Any edit of a published event raises its calendar ``SEQUENCE`` (calendar apps then
    update their copy); a material one also tells everyone who RSVP'd. A rejected event
    that is edited goes back to the review queue.
    Capacity can't drop below the members already going; raising it seats the waitlist.
    """
    event = lock_row(Event, event.id)
    if not permissions.can_edit_event(editor, event):
        raise NotAllowed("Only the organiser can edit this event, until it ends.")
    # A new start time must lie ahead, as must any start of an event not yet listed.
    unlisted = event.state in (EventState.PENDING, EventState.REJECTED)
    check_details(details, is_new=unlisted or details.starts_at != event.starts_at)
    if details.capacity is not None and details.capacity < event.going_count:
        raise EventRefused(
            f"{event.going_count} members are already going: the capacity can't be lower.",
            "capacity",
        )
    material = any(getattr(event, name) != getattr(details, name) for name in MATERIAL_FIELDS)
    _apply(event, details)
    if event.state == EventState.REJECTED:
        event.state = EventState.PENDING
        event.reviewed_by_id = event.reviewed_at = None
        event.rejection_reason = ""
    if event.state == EventState.PUBLISHED:
        event.sequence += 1
        _fill_free_seats(event)
        if material:
            _tell_attendees(event, f"{event.title} changed its time or place.", editor)
    db.session.flush()
    return material


# --- review and cancellation ---------------------------------------------------------------


#: How each move reads once made, for messages.
PAST = {"approve": "approved", "reject": "rejected", "cancel": "cancelled"}


def _check_move(event: Event, move: str, actor: User) -> Event:
    """Lock the event, re-read it, and check the move is the actor's and fits the state."""
    event = lock_row(Event, event.id)
    if not permissions.EVENT_MOVES[move](actor, event):
        if not permissions.may_make_event_move(move, actor, event):
            raise NotAllowed(f"You can't {move} this event.")
        if event.has_ended():
            raise EventRefused("This event is over: it can't change any more.")
        raise EventRefused(f"This event is {event.state.value}: it can't be {PAST[move]} now.")
    return event


def _publish(event: Event, reviewer: User) -> None:
    now = utcnow()
    event.state = EventState.PUBLISHED
    event.reviewed_by_id = reviewer.id
    event.reviewed_at = event.published_at = now


def approve_event(event: Event, moderator: User, reason: str) -> Event:
    """Publish a pending event and tell its organiser; the reason goes in the public log."""
    event = _check_move(event, "approve", moderator)
    reason = log.required_reason(reason)
    _publish(event, moderator)
    db.session.flush()
    _record(moderator, Action.APPROVE_EVENT, event, reason)
    notify(
        event.organiser,
        "event_approved",
        f"Your event {event.title} is approved and listed.",
        event_path(event),
        actor=moderator,
    )
    return event


def reject_event(event: Event, moderator: User, reason: str) -> Event:
    """Turn a pending event down, with the reason its organiser is told."""
    event = _check_move(event, "reject", moderator)
    if not reason.strip():
        raise EventRefused("Say why the event is rejected: its organiser is told.", "reason")
    event.state = EventState.REJECTED
    event.reviewed_by_id = moderator.id
    event.reviewed_at = utcnow()
    event.rejection_reason = reason.strip()
    db.session.flush()
    _record(moderator, Action.REJECT_EVENT, event, event.rejection_reason)
    notify(
        event.organiser,
        "event_rejected",
        f"Your event {event.title} was not approved: {event.rejection_reason}",
        event_path(event),
        actor=moderator,
    )
    return event


def cancel_event(event: Event, actor: User, reason: str = "") -> Event:
    """Call an event off; a listed one stays visible, marked cancelled, and attendees hear."""
    event = _check_move(event, "cancel", actor)
    by_moderator = actor.id != event.organiser_id
    if by_moderator and not reason.strip():
        raise EventRefused("Say why the event is cancelled: its organiser is told.", "reason")
    event.state = EventState.CANCELLED
    event.cancelled_by_id = actor.id
    event.cancelled_at = utcnow()
    event.cancellation_reason = reason.strip()
    event.sequence += 1
    db.session.flush()
    if by_moderator:
        _record(actor, Action.CANCEL_EVENT, event, event.cancellation_reason)
    because = f": {event.cancellation_reason}" if event.cancellation_reason else "."
    if event.is_listed:
        _tell_attendees(event, f"{event.title} is cancelled{because}", actor)
    notify(
        event.organiser,
        "event_cancelled",
        f"A moderator cancelled your event {event.title}{because}",
        event_path(event),
        actor=actor,
    )
    return event


def _record(moderator: User, action: Action, event: Event, reason: str) -> None:
    """A moderator's move on someone's event goes in the public log and settles its flags."""
    reviews.close_open_about(TargetType.EVENT, event.id, moderator, action, (ReviewCause.FLAGS,))
    log.record(moderator, action, TargetType.EVENT, event.id, reason, event.organiser_id)


def _tell_attendees(event: Event, message: str, actor: User | None) -> None:
    """Notify every member who answered the event (going, interested or waiting)."""
    answers = db.session.scalars(
        select(Rsvp)
        .where(Rsvp.event_id == event.id)
        .options(joinedload(Rsvp.user))
        .order_by(Rsvp.id)
    ).all()
    preferences.prefetch(answer.user for answer in answers)
    for answer in answers:
        notify(answer.user, "event_changed", message, event_path(event), actor=actor)


# --- RSVPs ---------------------------------------------------------------------------------

#: What a member may answer: one of the statuses they choose, or "cancel" (no answer).
CHOICES = ("going", "interested", "cancel")


def _counter(status: RsvpStatus) -> str:
    return {
        RsvpStatus.GOING: "going_count",
        RsvpStatus.INTERESTED: "interested_count",
        RsvpStatus.WAITLISTED: "waitlist_count",
    }[status]


def _count(event: Event, status: RsvpStatus | None, change: int) -> None:
    if status is not None:
        name = _counter(status)
        setattr(event, name, getattr(event, name) + change)


def refusal_to_rsvp(member: User, event: Event) -> str | None:
    """Why ``member`` can't answer this event now, or None."""
    if not permissions.can_write(member):
        return "Your account can't RSVP."
    if event.is_cancelled:
        return "This event is cancelled."
    if event.state == EventState.REJECTED:
        return "This event was not approved, so it takes no answers."
    if not event.is_listed:
        return "This event is not published yet."
    if event.has_ended():
        return "This event is over."
    return None


def rsvp(event: Event, member: User, choice: str) -> RsvpStatus | None:
    """Answer ``going``, ``interested`` or ``cancel``; returns where the member now stands.

    "Going" to a full event joins the waitlist. Giving up a seat seats the first member
    waiting. The event's row lock serialises every answer to it, so the seat count on the
    row never passes the capacity, whatever arrives at once.
    """
    if choice not in CHOICES:
        raise EventRefused("Choose going, interested or cancel.")
    if not permissions.can_write(member):
        raise NotAllowed("Your account can't RSVP.")
    event = lock_row(Event, event.id)
    refusal = refusal_to_rsvp(member, event)
    if refusal:
        raise EventRefused(refusal)
    answer = db.session.scalar(
        select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.user_id == member.id)
    )
    before = answer.status if answer else None
    if choice == "cancel":
        after = None
    elif choice == "interested":
        after = RsvpStatus.INTERESTED
    elif before in (RsvpStatus.GOING, RsvpStatus.WAITLISTED):
        after = before
    else:
        after = RsvpStatus.WAITLISTED if event.is_full else RsvpStatus.GOING
    if after == before:
        return after
    _count(event, before, -1)
    _count(event, after, +1)
    if after is None:
        db.session.delete(answer)
    elif answer is None:
        db.session.add(Rsvp(event_id=event.id, user_id=member.id, status=after))
    else:
        answer.status = after
        answer.responded_at = utcnow()
    db.session.flush()
    if before == RsvpStatus.GOING:
        _fill_free_seats(event)
    return after


def _fill_free_seats(event: Event) -> None:
    """Seat waiting members, first come first served, while seats are free; tell each.

    One query reads as many as there are free seats, whatever the length of the line.

    Only for an event still to happen: nobody is seated at one that is off or over.
    """
    if event.state != EventState.PUBLISHED or event.has_ended():
        return
    if not event.waitlist_count or event.is_full:
        return
    waiting = (
        select(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.WAITLISTED)
        .options(joinedload(Rsvp.user))
        .order_by(Rsvp.responded_at, Rsvp.id)
    )
    if event.capacity is not None:
        waiting = waiting.limit(event.seats_left)
    seated = db.session.scalars(waiting).all()
    now = utcnow()
    for answer in seated:
        answer.status = RsvpStatus.GOING
        answer.responded_at = now
        notify(
            answer.user,
            "event_seat",
            f"A seat opened up: you're going to {event.title}.",
            event_path(event),
        )
    _count(event, RsvpStatus.WAITLISTED, -len(seated))
    _count(event, RsvpStatus.GOING, +len(seated))
    if not event.is_full:  # every waiting member is seated (a drifted counter is mended)
        event.waitlist_count = 0
    db.session.flush()


def rsvp_of(member: User, event: Event) -> Rsvp | None:
    if not getattr(member, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.user_id == member.id)
    )


# --- leaving -------------------------------------------------------------------------------


@on_delete("events")
def remove_member(user: User) -> None:
    """A deleted member gives up their answers (seating the waitlist) and their upcoming
    events are cancelled; events that took place stay listed, by "deleted member"."""
    answers = db.session.scalars(select(Rsvp).where(Rsvp.user_id == user.id)).all()
    for answer in answers:
        event = lock_row(Event, answer.event_id)
        was_going = answer.status == RsvpStatus.GOING
        _count(event, answer.status, -1)
        db.session.delete(answer)
        db.session.flush()
        if was_going:
            _fill_free_seats(event)
    upcoming = db.session.scalars(
        select(Event).where(
            Event.organiser_id == user.id,
            Event.state.in_(TRANSITIONS["cancel"].sources),
            Event.ends_at > utcnow(),
        )
    ).all()
    for event in upcoming:
        event.state = EventState.CANCELLED
        event.cancelled_by_id = user.id
        event.cancelled_at = utcnow()
        event.cancellation_reason = "The organiser left Pathways."
        event.sequence += 1
        if event.is_listed:
            _tell_attendees(event, f"{event.title} is cancelled: its organiser left.", None)
    db.session.flush()
