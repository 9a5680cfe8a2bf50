"""Mentor profiles: offering to mentor, in what, in which languages, with how many places.

Services flush; the request that called them commits once. Reads are in ``queries``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from community.accounts.mentions import render_member_markdown
from community.accounts.models import User
from community.extensions import db
from community.mentorship.models import (
    CURATED_EXPERTISE,
    TAG_MAX,
    MentorExpertise,
    MentorLanguage,
    MentorProfile,
)
from community.mentorship.queries import get_profile
from community.timeutil import utcnow


def expertise_label(slug: str) -> str:
    return CURATED_EXPERTISE.get(slug, slug.replace("-", " "))


def _is_word_character(character: str) -> bool:
    """Letters, digits and the marks that belong to them (Devanagari vowel signs, accents)."""
    return unicodedata.category(character)[0] in "LNM"


def tag_slug(label: str) -> str:
    """The tag's form in a URL (``?expertise=<slug>``), in the tag's own script.

    "Healthcare IT" becomes ``healthcare-it`` and "機械学習" stays ``機械学習``, so tags in
    other scripts never collapse into one. Empty when the label has no letter or digit.
    """
    text = unicodedata.normalize("NFKC", label).casefold()
    words = "".join(char if _is_word_character(char) else " " for char in text).split()
    return "-".join(words)[:TAG_MAX].rstrip("-")


def _expertise_tags(curated: Iterable[str], free: Iterable[str]) -> list[tuple[str, str]]:
    """(slug, label) pairs, curated first, without duplicates."""
    tags: dict[str, str] = {}
    for slug in curated:
        if slug in CURATED_EXPERTISE:
            tags.setdefault(slug, CURATED_EXPERTISE[slug])
    for label in free:
        label = " ".join(label.split())
        slug = tag_slug(label)
        if not slug:
            continue
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
    profile.bio_html = render_member_markdown(bio, "comment")
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
