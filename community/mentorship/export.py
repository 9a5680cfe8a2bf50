"""The member's mentorship data in their JSON export (``/settings/export``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from community.accounts.models import User
from community.accounts.services import export_section
from community.extensions import db
from community.mentorship.models import (
    MentorProfile,
    MentorshipMessage,
    MentorshipRequest,
    MentorshipRetrospective,
    Testimonial,
)


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _profile(profile: MentorProfile | None) -> dict[str, Any] | None:
    if profile is None:
        return None
    return {
        "headline": profile.headline,
        "bio": profile.bio_md,
        "expertise": [tag.label for tag in profile.expertise],
        "years_experience": profile.years_experience,
        "languages": [language.language for language in profile.languages],
        "timezone": profile.timezone,
        "capacity": profile.capacity,
        "accepting": profile.is_accepting,
        "created_at": _iso(profile.created_at),
        "left_at": _iso(profile.left_at),
    }


@export_section("mentorship")
def export_mentorship(user: User) -> dict[str, Any]:
    """The mentor profile, every request the member sent or received, what they wrote in
    its thread, their own retrospectives (the other side's stay private) and the
    testimonials they wrote."""
    profile = db.session.scalar(
        select(MentorProfile)
        .where(MentorProfile.user_id == user.id)
        .options(selectinload(MentorProfile.expertise), selectinload(MentorProfile.languages))
    )
    requests = db.session.scalars(
        select(MentorshipRequest)
        .where(or_(MentorshipRequest.mentee_id == user.id, MentorshipRequest.mentor_id == user.id))
        .options(joinedload(MentorshipRequest.mentee), joinedload(MentorshipRequest.mentor))
        .order_by(MentorshipRequest.created_at, MentorshipRequest.id)
    ).all()
    messages = db.session.scalars(
        select(MentorshipMessage)
        .where(MentorshipMessage.author_id == user.id)
        .order_by(MentorshipMessage.created_at, MentorshipMessage.id)
    ).all()
    retrospectives = {
        retrospective.request_id: retrospective.body_md
        for retrospective in db.session.scalars(
            select(MentorshipRetrospective).where(MentorshipRetrospective.author_id == user.id)
        )
    }
    testimonials = {
        testimonial.request_id: {
            "body": testimonial.body_md,
            "state": testimonial.state.value,
            "created_at": _iso(testimonial.created_at),
            "updated_at": _iso(testimonial.updated_at),
            "published_at": _iso(testimonial.published_at),
            "declined_at": _iso(testimonial.declined_at),
        }
        for testimonial in db.session.scalars(
            select(Testimonial).where(Testimonial.mentee_id == user.id)
        )
    }
    written: dict[int, list[dict[str, Any]]] = {}
    for message in messages:
        written.setdefault(message.request_id, []).append(
            {"body": message.body_md, "created_at": _iso(message.created_at)}
        )
    return {
        "mentor_profile": _profile(profile),
        "requests": [
            {
                "id": item.id,
                "role": "mentee" if item.mentee_id == user.id else "mentor",
                "with": (item.mentor if item.mentee_id == user.id else item.mentee).name,
                "state": item.state.value,
                "message": item.message_md if item.mentee_id == user.id else None,
                "created_at": _iso(item.created_at),
                "responded_at": _iso(item.responded_at),
                "decline_reason": item.decline_reason,
                "ended_at": _iso(item.ended_at),
                "end_note": item.end_note_md if item.ended_by_id == user.id else None,
                "my_messages": written.get(item.id, []),
                "my_retrospective": retrospectives.get(item.id),
                "my_testimonial": testimonials.get(item.id),
            }
            for item in requests
        ],
    }
