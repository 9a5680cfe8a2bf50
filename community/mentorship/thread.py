"""The private side of a mentorship: its message thread and each side's retrospective.

Both belong to the request's two participants only. Services flush; the view commits.
"""

from __future__ import annotations

from sqlalchemy import select

from community import permissions
from community.accounts.models import User
from community.content import render_markdown
from community.extensions import db
from community.mentorship.models import (
    MentorProfile,
    MentorshipMessage,
    MentorshipRequest,
    MentorshipRetrospective,
    RequestState,
)
from community.mentorship.services import (
    MESSAGING_STATES,
    STATE_WORDS,
    MentorshipError,
    NotAllowed,
    request_path,
)
from community.notifications.services import notify
from community.timeutil import utcnow


def post_message(request: MentorshipRequest, author: User, body: str) -> MentorshipMessage:
    """Add a message to the request's private thread while it is pending or active."""
    if not permissions.can_act_on_mentorship(author, request):
        raise NotAllowed("Only the mentor and the mentee can write here.")
    if request.state not in MESSAGING_STATES:
        raise MentorshipError(
            f"This request is {STATE_WORDS[request.state]}; its conversation is closed."
        )
    now = utcnow()
    message = MentorshipMessage(
        request=request,
        author_id=author.id,
        author=author,
        body_md=body,
        body_html=render_markdown(body, "comment"),
        created_at=now,
    )
    db.session.add(message)
    request.updated_at = now
    db.session.flush()
    notify(
        request.other_side(author),
        "mentorship_message",
        f"{author.name} sent you a message about your mentorship.",
        f"{request_path(request)}#message-{message.id}",
        actor=author,
    )
    return message


def retrospective_of(request: MentorshipRequest, author: User) -> MentorshipRetrospective | None:
    return db.session.scalar(
        select(MentorshipRetrospective).where(
            MentorshipRetrospective.request_id == request.id,
            MentorshipRetrospective.author_id == author.id,
        )
    )


def save_retrospective(
    request: MentorshipRequest, author: User, body: str
) -> MentorshipRetrospective:
    """Write or rewrite one's own private retrospective of a completed mentorship."""
    if not permissions.can_act_on_mentorship(author, request):
        raise NotAllowed("Only the mentor and the mentee write retrospectives.")
    if request.state != RequestState.COMPLETED:
        raise MentorshipError("Retrospectives are written once a mentorship is completed.")
    retrospective = retrospective_of(request, author)
    if retrospective is None:
        retrospective = MentorshipRetrospective(request_id=request.id, author_id=author.id)
        db.session.add(retrospective)
    retrospective.body_md = body
    retrospective.body_html = render_markdown(body, "comment")
    retrospective.updated_at = utcnow()
    db.session.flush()
    return retrospective


def rerender_all() -> int:
    """Rebuild every stored mentorship HTML column from its Markdown (``flask rerender``)."""
    count = 0
    for profile in db.session.scalars(select(MentorProfile)):
        profile.bio_html = render_markdown(profile.bio_md, "comment")
        count += 1
    for request in db.session.scalars(select(MentorshipRequest)):
        request.message_html = render_markdown(request.message_md, "comment")
        if request.end_note_md:
            request.end_note_html = render_markdown(request.end_note_md, "comment")
        count += 1
    for model in (MentorshipMessage, MentorshipRetrospective):
        for item in db.session.scalars(select(model)):
            item.body_html = render_markdown(item.body_md, "comment")
            count += 1
    db.session.flush()
    return count
