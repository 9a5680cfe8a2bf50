"""Mentor profiles and the directory: who offers mentoring, in what, and with how many places.

Services flush; the view that called them commits once.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.content import render_markdown, slugify
from community.extensions import db
from community.mentorship.models import (
    CURATED_EXPERTISE,
    MentorExpertise,
    MentorLanguage,
    MentorProfile,
    MentorshipRequest,
    RequestState,
)
from community.timeutil import utcnow


def get_profile(user: User) -> MentorProfile | None:
    return db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user.id))


def get_listed_profile(username: str) -> MentorProfile | None:
    """The profile shown at /mentors/<username>: an active mentor whose account is live."""
    return db.session.scalar(
        select(MentorProfile)
        .join(MentorProfile.user)
        .where(User.username == username.lower(), *_listed())
        .options(selectinload(MentorProfile.expertise), selectinload(MentorProfile.languages))
    )


def expertise_label(slug: str) -> str:
    return CURATED_EXPERTISE.get(slug, slug.replace("-", " "))


def _expertise_tags(curated: Iterable[str], free: Iterable[str]) -> list[tuple[str, str]]:
    """(slug, label) pairs, curated first, without duplicates."""
    tags: dict[str, str] = {}
    for slug in curated:
        if slug in CURATED_EXPERTISE:
            tags.setdefault(slug, CURATED_EXPERTISE[slug])
    for label in free:
        label = " ".join(label.split())
        if not any(character.isalnum() for character in label):
            continue
        slug = slugify(label, max_length=40)
        tags.setdefault(slug, CURATED_EXPERTISE.get(slug, label))
    return list(tags.items())


def _languages(names: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        value = " ".join(name.split()).lower()
        if value and value not in seen:
            seen.append(value)
    return seen


def _sync_expertise(profile: MentorProfile, tags: list[tuple[str, str]]) -> None:
    """Keep rows whose slug stays (unique per profile), add the new, drop the rest."""
    kept = {tag.slug: tag for tag in profile.expertise}
    profile.expertise = [
        _placed(kept.get(slug) or MentorExpertise(slug=slug), position, label=label)
        for position, (slug, label) in enumerate(tags)
    ]


def _sync_languages(profile: MentorProfile, languages: list[str]) -> None:
    kept = {row.language: row for row in profile.languages}
    profile.languages = [
        _placed(kept.get(language) or MentorLanguage(language=language), position)
        for position, language in enumerate(languages)
    ]


def _placed(row, position: int, **values):
    row.position = position
    for name, value in values.items():
        setattr(row, name, value)
    return row


def save_profile(
    user: User,
    *,
    headline: str,
    bio: str,
    expertise: Iterable[str],
    other_expertise: Iterable[str] = (),
    years_experience: int | None = None,
    languages: Iterable[str] = (),
    timezone: str = "UTC",
    capacity: int,
    accepting: bool,
) -> MentorProfile:
    """Create or update the member's mentor profile; saving also brings back one who left."""
    profile = get_profile(user)
    if profile is None:
        profile = MentorProfile(user_id=user.id, user=user)
        db.session.add(profile)
    profile.headline = headline.strip()
    profile.bio_md = bio
    profile.bio_html = render_markdown(bio, "comment")
    profile.years_experience = years_experience
    profile.timezone = timezone
    profile.capacity = capacity
    profile.is_accepting = accepting
    profile.left_at = None
    profile.updated_at = utcnow()
    _sync_expertise(profile, _expertise_tags(expertise, other_expertise))
    _sync_languages(profile, _languages(languages))
    db.session.flush()
    return profile


def set_accepting(profile: MentorProfile, accepting: bool) -> None:
    """Pause (or resume) new requests; active mentorships go on."""
    profile.is_accepting = accepting
    profile.updated_at = utcnow()
    db.session.flush()


def active_count(mentor_id: int) -> int:
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


def completed_count(mentor_id: int) -> int:
    return db.session.scalar(
        select(func.count(MentorshipRequest.id)).where(
            MentorshipRequest.mentor_id == mentor_id,
            MentorshipRequest.state == RequestState.COMPLETED,
        )
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


def _listed():
    """Conditions for a profile to be public: the mentor has not left, the account is usable."""
    return (MentorProfile.left_at.is_(None), User.deleted_at.is_(None), User.suspended_at.is_(None))


def _has_room():
    return and_(MentorProfile.is_accepting.is_(True), _active_subquery() < MentorProfile.capacity)


def directory_query(
    *,
    expertise: str | None = None,
    language: str | None = None,
    accepting_only: bool = False,
    search: str | None = None,
) -> Select:
    """The directory's one query: listed mentors, filtered, those with room first."""
    query = (
        select(MentorProfile)
        .join(MentorProfile.user)
        .where(*_listed())
        .options(selectinload(MentorProfile.expertise), selectinload(MentorProfile.languages))
    )
    if expertise:
        query = query.where(
            exists().where(
                MentorExpertise.profile_id == MentorProfile.id,
                MentorExpertise.slug == expertise,
            )
        )
    if language:
        query = query.where(
            exists().where(
                MentorLanguage.profile_id == MentorProfile.id,
                MentorLanguage.language == " ".join(language.split()).lower(),
            )
        )
    if accepting_only:
        query = query.where(_has_room())
    if search:
        term = " ".join(search.split())
        query = query.where(
            or_(
                User.username.icontains(term, autoescape=True),
                User.display_name.icontains(term, autoescape=True),
                MentorProfile.headline.icontains(term, autoescape=True),
            )
        )
    return query.order_by(
        MentorProfile.is_accepting.desc(), MentorProfile.created_at.desc(), MentorProfile.id.desc()
    )


def mentors_with_room(limit: int) -> list[tuple[MentorProfile, int]]:
    """Newest listed mentors who take requests now, with their open places (for the home page)."""
    mentors = list(db.session.scalars(directory_query(accepting_only=True).limit(limit)))
    active = active_counts(profile.user_id for profile in mentors)
    return [(profile, open_places(profile, active[profile.user_id])) for profile in mentors]


def suggest_mentors(request: MentorshipRequest, limit: int = 5) -> list[MentorProfile]:
    """Other mentors with room who share an expertise with the one who said no (or never did)."""
    slugs = select(MentorExpertise.slug).join(
        MentorProfile, MentorProfile.id == MentorExpertise.profile_id
    )
    slugs = slugs.where(MentorProfile.user_id == request.mentor_id)
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
        .options(selectinload(MentorProfile.expertise))
        .order_by(MentorProfile.created_at.desc(), MentorProfile.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def language_choices() -> list[str]:
    """Languages mentors offer, for the directory filter."""
    return list(
        db.session.scalars(
            select(MentorLanguage.language).distinct().order_by(MentorLanguage.language)
        )
    )
