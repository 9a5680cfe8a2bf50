"""Named reads for the mentorship pages, each with its eager loads.

Every page reads through one of these, so its query count stays constant however many
mentors, requests or messages there are (``tests/test_mentorship_queries.py`` caps them).
Nothing here writes: an overdue request is shown as expired through
``MentorshipRequest.current_state``, and only a POST or ``flask expire-requests`` stores it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, and_, case, exists, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from community.accounts.models import User
from community.extensions import db
from community.mentorship.models import (
    MentorExpertise,
    MentorLanguage,
    MentorProfile,
    MentorshipMessage,
    MentorshipRequest,
    MentorshipRetrospective,
    RequestState,
    expiry_period,
)
from community.search.matching import SearchText, matches
from community.timeutil import utcnow

#: What a username in a URL may look like; anything else is a 404 without a query.
USERNAME_IN_URL = re.compile(r"[a-z0-9_-]{1,40}")


# --- profiles and the directory ------------------------------------------------------------


def get_profile(user: User) -> MentorProfile | None:
    """The member's own profile, listed or not (they left, or are paused)."""
    return db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user.id))


def _listed():
    """Conditions for a profile to be public: the mentor has not left, the account is usable."""
    return (MentorProfile.left_at.is_(None), User.deleted_at.is_(None), User.not_suspended())


def get_listed_profile(username: str) -> MentorProfile | None:
    """The profile shown at /mentors/<username>: an active mentor whose account is live.

    A name no account can have (wrong characters, too long, a NUL) is answered without
    asking the database.
    """
    username = username.lower()
    if not USERNAME_IN_URL.fullmatch(username):
        return None
    return db.session.scalar(
        select(MentorProfile)
        .join(MentorProfile.user)
        .where(User.username == username, *_listed())
        .options(selectinload(MentorProfile.expertise), selectinload(MentorProfile.languages))
    )


def _active_subquery():
    return (
        select(func.count(MentorshipRequest.id))
        .where(
            MentorshipRequest.mentor_id == MentorProfile.user_id,
            MentorshipRequest.state == RequestState.ACCEPTED,
        )
        .correlate(MentorProfile)
        .scalar_subquery()
    )


def _has_room():
    return and_(MentorProfile.is_accepting.is_(True), _active_subquery() < MentorProfile.capacity)


@dataclass(frozen=True)
class DirectoryFilters:
    """The directory's filters, already cleaned of junk (``community.urls.text_arg``)."""

    expertise: str = ""
    language: str = ""
    accepting_only: bool = False
    search: str = ""


def directory_query(filters: DirectoryFilters = DirectoryFilters()) -> Select:
    """The directory's one query: listed mentors, filtered, those taking requests first."""
    query = (
        select(MentorProfile)
        .join(MentorProfile.user)
        .where(*_listed())
        .options(selectinload(MentorProfile.expertise), selectinload(MentorProfile.languages))
    )
    if filters.expertise:
        query = query.where(
            exists().where(
                MentorExpertise.profile_id == MentorProfile.id,
                MentorExpertise.slug == filters.expertise,
            )
        )
    if filters.language:
        query = query.where(
            exists().where(
                MentorLanguage.profile_id == MentorProfile.id,
                MentorLanguage.language == " ".join(filters.language.split()).lower(),
            )
        )
    if filters.accepting_only:
        query = query.where(_has_room())
    if filters.search:
        # The site's search (names, headline, bio); words it cannot search for match nothing.
        text = SearchText.parse(filters.search)
        query = query.where(matches(MentorProfile, text) if text else false())
    return query.order_by(
        MentorProfile.is_accepting.desc(), MentorProfile.created_at.desc(), MentorProfile.id.desc()
    )


def directory_page(filters: DirectoryFilters, page: int, per_page: int):
    """One page of the directory and each card's open places (a constant number of queries)."""
    mentors = db.paginate(directory_query(filters), page=page, per_page=per_page, error_out=False)
    return mentors, places_of(mentors.items)


def language_choices() -> list[str]:
    """Languages mentors offer, for the directory filter."""
    return list(
        db.session.scalars(
            select(MentorLanguage.language).distinct().order_by(MentorLanguage.language)
        )
    )


def mentors_with_room(limit: int) -> list[tuple[MentorProfile, int]]:
    """Newest listed mentors who take requests now, with their open places (for the home page)."""
    mentors = list(
        db.session.scalars(directory_query(DirectoryFilters(accepting_only=True)).limit(limit))
    )
    places = places_of(mentors)
    return [(profile, places[profile.user_id]) for profile in mentors]


def suggest_mentors(request: MentorshipRequest, limit: int = 5) -> list[MentorProfile]:
    """Other mentors with room who share an expertise with the one who said no (or never did)."""
    slugs = (
        select(MentorExpertise.slug)
        .join(MentorProfile, MentorProfile.id == MentorExpertise.profile_id)
        .where(MentorProfile.user_id == request.mentor_id)
    )
    query = (
        select(MentorProfile)
        .join(MentorProfile.user)
        .where(
            *_listed(),
            _has_room(),
            MentorProfile.user_id.not_in([request.mentor_id, request.mentee_id]),
            exists().where(
                MentorExpertise.profile_id == MentorProfile.id, MentorExpertise.slug.in_(slugs)
            ),
        )
        .options(selectinload(MentorProfile.expertise), selectinload(MentorProfile.languages))
        .order_by(MentorProfile.created_at.desc(), MentorProfile.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


# --- places and counts ---------------------------------------------------------------------


def active_count(mentor_id: int) -> int:
    """Accepted mentorships of one mentor (what capacity is measured against)."""
    return db.session.scalar(
        select(func.count(MentorshipRequest.id)).where(
            MentorshipRequest.mentor_id == mentor_id,
            MentorshipRequest.state == RequestState.ACCEPTED,
        )
    )


def active_counts(mentor_ids: Iterable[int]) -> dict[int, int]:
    """Accepted mentorships per mentor, in one query, for a page of cards."""
    ids = list(mentor_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(MentorshipRequest.mentor_id, func.count(MentorshipRequest.id))
        .where(
            MentorshipRequest.mentor_id.in_(ids),
            MentorshipRequest.state == RequestState.ACCEPTED,
        )
        .group_by(MentorshipRequest.mentor_id)
    ).all()
    counts = dict.fromkeys(ids, 0)
    counts.update({mentor_id: count for mentor_id, count in rows})
    return counts


def open_places(profile: MentorProfile, active: int | None = None) -> int:
    """Places left: capacity minus active mentorships (never below zero)."""
    if active is None:
        active = active_count(profile.user_id)
    return max(0, profile.capacity - active)


def places_of(profiles: Iterable[MentorProfile]) -> dict[int, int]:
    """Open places per mentor (by user id) for a list of cards, in one query."""
    profiles = list(profiles)
    active = active_counts(profile.user_id for profile in profiles)
    return {profile.user_id: open_places(profile, active[profile.user_id]) for profile in profiles}


def completed_count(mentor_id: int) -> int:
    return mentor_record(mentor_id)[1]


def mentor_record(mentor_id: int) -> tuple[int, int]:
    """(active, completed) mentorships of one mentor, in one query, for the profile page."""
    is_state = MentorshipRequest.state

    def count(state: RequestState):
        return func.coalesce(func.sum(case((is_state == state, 1), else_=0)), 0)

    active, completed = db.session.execute(
        select(count(RequestState.ACCEPTED), count(RequestState.COMPLETED)).where(
            MentorshipRequest.mentor_id == mentor_id,
            is_state.in_([RequestState.ACCEPTED, RequestState.COMPLETED]),
        )
    ).one()
    return int(active), int(completed)


# --- requests ------------------------------------------------------------------------------


def _not_overdue():
    """Open in fact: accepted, or pending and still within its expiry period."""
    cutoff = utcnow() - expiry_period()
    return or_(
        MentorshipRequest.state == RequestState.ACCEPTED,
        and_(
            MentorshipRequest.state == RequestState.PENDING,
            MentorshipRequest.created_at > cutoff,
        ),
    )


def open_request_between(mentee: User, mentor: User) -> MentorshipRequest | None:
    """The pair's pending or active request; one that is overdue no longer counts."""
    return db.session.scalar(
        select(MentorshipRequest).where(
            MentorshipRequest.mentee_id == mentee.id,
            MentorshipRequest.mentor_id == mentor.id,
            _not_overdue(),
        )
    )


def pending_count(mentee: User) -> int:
    """Requests the mentee is still waiting on (overdue ones have stopped waiting)."""
    return db.session.scalar(
        select(func.count(MentorshipRequest.id)).where(
            MentorshipRequest.mentee_id == mentee.id,
            MentorshipRequest.state == RequestState.PENDING,
            _not_overdue(),
        )
    )


def request_with_sides(request_id: int) -> MentorshipRequest | None:
    """One request with its mentee, mentor and whoever ended it, in one query.

    Views answer 404 both when it is missing and when ``permissions.can_view_mentorship``
    says no, so nobody can probe which ids exist.
    """
    return db.session.scalar(
        select(MentorshipRequest)
        .where(MentorshipRequest.id == request_id)
        .options(
            joinedload(MentorshipRequest.mentee),
            joinedload(MentorshipRequest.mentor),
            joinedload(MentorshipRequest.ended_by),
        )
    )


@dataclass
class Stages:
    """A member's requests on one side, as the list page groups them."""

    pending: list[MentorshipRequest]
    active: list[MentorshipRequest]
    past: list[MentorshipRequest]


def group_by_stage(requests: Iterable[MentorshipRequest], past_limit: int = 50) -> Stages:
    """Split requests into pending, active and (the latest) past ones, overdue ones as past."""
    stages = Stages([], [], [])
    for item in requests:
        state = item.current_state
        if state == RequestState.PENDING:
            stages.pending.append(item)
        elif state == RequestState.ACCEPTED:
            stages.active.append(item)
        elif len(stages.past) < past_limit:
            stages.past.append(item)
    return stages


def requests_of(user: User) -> tuple[Stages, Stages]:
    """(received, sent): every request the member takes part in, latest change first."""
    requests = db.session.scalars(
        select(MentorshipRequest)
        .where(or_(MentorshipRequest.mentee_id == user.id, MentorshipRequest.mentor_id == user.id))
        .options(joinedload(MentorshipRequest.mentee), joinedload(MentorshipRequest.mentor))
        .order_by(MentorshipRequest.updated_at.desc(), MentorshipRequest.id.desc())
    ).all()
    received = group_by_stage(item for item in requests if item.mentor_id == user.id)
    sent = group_by_stage(item for item in requests if item.mentee_id == user.id)
    return received, sent


def messages_of(request: MentorshipRequest) -> list[MentorshipMessage]:
    """The request's conversation, oldest first, with each author."""
    return list(
        db.session.scalars(
            select(MentorshipMessage)
            .where(MentorshipMessage.request_id == request.id)
            .options(joinedload(MentorshipMessage.author))
            .order_by(MentorshipMessage.created_at, MentorshipMessage.id)
        )
    )


def retrospective_of(request: MentorshipRequest, author: User) -> MentorshipRetrospective | None:
    """The author's own retrospective; only completed mentorships have one."""
    if request.state != RequestState.COMPLETED:
        return None
    return db.session.scalar(
        select(MentorshipRetrospective).where(
            MentorshipRetrospective.request_id == request.id,
            MentorshipRetrospective.author_id == author.id,
        )
    )
