"""Every mentorship text stored as Markdown beside its HTML, and how to rebuild the HTML."""

from __future__ import annotations

from sqlalchemy import select

from community.content import render_markdown
from community.extensions import db
from community.mentorship.models import (
    MentorProfile,
    MentorshipMessage,
    MentorshipRequest,
    MentorshipRetrospective,
)

#: (model, Markdown column, HTML column, rendering profile) of each mentorship text.
RENDERED_FIELDS = [
    (MentorProfile, "bio_md", "bio_html", "comment"),
    (MentorshipRequest, "message_md", "message_html", "comment"),
    (MentorshipRequest, "end_note_md", "end_note_html", "comment"),
    (MentorshipMessage, "body_md", "body_html", "comment"),
    (MentorshipRetrospective, "body_md", "body_html", "comment"),
]


def rerender_all() -> int:
    """Rebuild every stored mentorship HTML column from its Markdown (``flask rerender``).

    Returns how many texts were rendered; an absent optional text (no end note) is skipped.
    """
    count = 0
    for model, source, target, profile in RENDERED_FIELDS:
        for row in db.session.scalars(select(model).where(getattr(model, source).is_not(None))):
            setattr(row, target, render_markdown(getattr(row, source), profile))
            count += 1
    db.session.flush()
    return count
