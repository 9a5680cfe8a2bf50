"""Every stored rendering of member Markdown, in one list, and the command that rebuilds them.

Each ``*_html`` column holds ``render_markdown()`` of its source column, made on write. When
the sanitisation policy changes, ``flask rerender`` walks this list; a test checks that every
``*_html`` column in the schema is on it, so a new feature cannot forget its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from community.accounts.mentions import existing_usernames
from community.accounts.models import User
from community.content import Profile, mention_candidates, render_markdown
from community.discussions.comment_models import Comment, CommentRevision
from community.discussions.models import Post
from community.events.models import Event
from community.extensions import db
from community.mentorship.models import (
    MentorProfile,
    MentorshipMessage,
    MentorshipRequest,
    MentorshipRetrospective,
    Testimonial,
)
from community.plans.models import Goal, GoalComment, PlanResource, PortfolioProject, Resource


@dataclass(frozen=True)
class RenderedField:
    model: type
    source: str
    html: str
    profile: Profile

    @property
    def name(self) -> str:
        return f"{self.model.__tablename__}.{self.html}"


RENDERED_FIELDS: tuple[RenderedField, ...] = (
    RenderedField(User, "bio_md", "bio_html", "comment"),
    RenderedField(Post, "body_md", "body_html", "post"),
    RenderedField(Comment, "body_md", "body_html", "comment"),
    RenderedField(CommentRevision, "body_md", "body_html", "comment"),
    RenderedField(MentorProfile, "bio_md", "bio_html", "comment"),
    RenderedField(MentorshipRequest, "message_md", "message_html", "comment"),
    RenderedField(MentorshipRequest, "end_note_md", "end_note_html", "comment"),
    RenderedField(MentorshipMessage, "body_md", "body_html", "comment"),
    RenderedField(MentorshipRetrospective, "body_md", "body_html", "comment"),
    RenderedField(Testimonial, "body_md", "body_html", "comment"),
    RenderedField(Event, "description_md", "description_html", "post"),
    RenderedField(Resource, "description_md", "description_html", "comment"),
    RenderedField(PlanResource, "review_md", "review_html", "comment"),
    RenderedField(PortfolioProject, "description_md", "description_html", "comment"),
    RenderedField(Goal, "note_md", "note_html", "comment"),
    RenderedField(GoalComment, "body_md", "body_html", "comment"),
)


def rerender_all(batch: int = 500) -> dict[str, int]:
    """Rebuild every rendered column from its source; returns rows per field. Flushes only.

    Cached thread renderings are keyed by each post's ``thread_version``; bumping every
    version makes all workers render again with the new HTML.

    ``@name`` links only existing members, as on write: the members a batch of rows
    mentions are looked up together (``existing_usernames``, one query per batch for
    most batches), so the queries grow with the rows divided by ``batch``.
    """
    counts: dict[str, int] = {}
    for field in RENDERED_FIELDS:
        source = getattr(field.model, field.source)
        rows = db.session.scalars(
            select(field.model).where(source.is_not(None)).execution_options(yield_per=batch)
        )
        count = 0
        for chunk in rows.partitions():
            _rerender_batch(field, chunk)
            count += len(chunk)
        counts[field.name] = count
        db.session.flush()
    db.session.execute(update(Post).values(thread_version=Post.thread_version + 1))
    return counts


def _rerender_batch(field: RenderedField, rows: list) -> None:
    """Render ``rows`` again, each with the members among its own mention candidates
    (the same names a write would look up), found in one lookup for the batch."""
    candidates = [mention_candidates(getattr(row, field.source)) for row in rows]
    names = {name for row_names in candidates for name in row_names}
    members = existing_usernames(names, limit=len(names))
    for row, row_names in zip(rows, candidates, strict=True):
        mentions = members.intersection(row_names)
        html = render_markdown(getattr(row, field.source), field.profile, mentions=mentions)
        setattr(row, field.html, html)
