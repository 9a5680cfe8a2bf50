"""Factories and helpers for the mentorship tests."""

from __future__ import annotations

from datetime import timedelta

from community.accounts.models import User
from community.extensions import db
from community.mentorship import profiles, services
from community.mentorship.models import (
    CURATED_EXPERTISE,
    MentorProfile,
    MentorshipRequest,
    RequestState,
)
from community.timeutil import utcnow
from tests.conftest import make_user

REQUEST_TEXT = (
    "I teach maths and want to move into data analysis within a year. "
    "I know some SQL and Python; I need help choosing projects."
)


def make_mentor(
    user: User | None = None,
    *,
    capacity: int = 2,
    expertise: tuple[str, ...] = ("data",),
    languages: tuple[str, ...] = ("English",),
    headline: str = "Teacher turned data analyst",
    accepting: bool = True,
) -> MentorProfile:
    profile = profiles.save_profile(
        user or make_user(),
        headline=headline,
        bio="I moved from **teaching** to data.",
        expertise=[tag for tag in expertise if tag in CURATED_EXPERTISE],
        other_expertise=[tag for tag in expertise if tag not in CURATED_EXPERTISE],
        languages=languages,
        timezone="Europe/Paris",
        capacity=capacity,
        accepting=accepting,
    )
    db.session.commit()
    return profile


def make_request(
    mentee: User, profile: MentorProfile, state: RequestState = RequestState.PENDING
) -> MentorshipRequest:
    """A request moved to ``state`` through the services, as members would."""
    request = services.create_request(mentee, profile, REQUEST_TEXT)
    mentor = profile.user
    if state == RequestState.ACCEPTED or state in (RequestState.COMPLETED, RequestState.CANCELLED):
        services.accept(request, mentor)
    if state == RequestState.COMPLETED:
        services.complete(request, mentee)
    elif state == RequestState.CANCELLED:
        services.cancel(request, mentor)
    elif state == RequestState.DECLINED:
        services.decline(request, mentor, "Not my field.")
    elif state == RequestState.WITHDRAWN:
        services.withdraw(request, mentee)
    elif state == RequestState.EXPIRED:
        age_request(request, days=30)
        services.expire_if_overdue(request)
    db.session.commit()
    assert request.state == state
    return request


def age_request(request: MentorshipRequest, days: int) -> None:
    request.created_at = utcnow() - timedelta(days=days)
    db.session.flush()
