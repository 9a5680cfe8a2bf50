"""The member's events in their JSON export (``/settings/export``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from community.accounts.models import User
from community.accounts.services import export_section
from community.events.models import Event, Rsvp
from community.extensions import db


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


@export_section("events")
def export_events(user: User) -> dict[str, Any]:
    """Events the member submitted, in every state, and their answers to events."""
    organised = db.session.scalars(
        select(Event).where(Event.organiser_id == user.id).order_by(Event.created_at, Event.id)
    ).all()
    answers = db.session.execute(
        select(Rsvp, Event.title)
        .join(Event, Event.id == Rsvp.event_id)
        .where(Rsvp.user_id == user.id)
        .order_by(Rsvp.responded_at, Rsvp.id)
    ).all()
    return {
        "organised": [
            {
                "id": event.id,
                "title": event.title,
                "kind": event.kind.value,
                "format": event.format.value,
                "state": event.state.value,
                "starts_at": _iso(event.starts_at),
                "ends_at": _iso(event.ends_at),
                "timezone": event.timezone,
                "location": event.location,
                "url": event.url,
                "registration_url": event.registration_url,
                "website_url": event.website_url,
                "is_free": event.is_free,
                "price": event.price,
                "capacity": event.capacity,
                "tags": [tag.name for tag in event.tags],
                "description": event.description_md,
                "created_at": _iso(event.created_at),
                "rejection_reason": event.rejection_reason or None,
                "cancellation_reason": event.cancellation_reason or None,
            }
            for event in organised
        ],
        "answers": [
            {
                "event_id": answer.event_id,
                "event": title,
                "status": answer.status.value,
                "responded_at": _iso(answer.responded_at),
            }
            for answer, title in answers
        ],
    }
