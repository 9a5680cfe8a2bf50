"""The private side of a mentorship: the conversation between its two sides, and each
side's retrospective once it is completed.

(Not to be confused with discussion threads: nobody else ever reads these.) Both belong to
the request's two participants only. Services flush; the request commits once.
"""

from __future__ import annotations

from community import permissions
from community.accounts.mentions import render_member_markdown
from community.accounts.models import User
from community.extensions import db
from community.mentorship.models import (
    MentorshipMessage,
    MentorshipRequest,
    MentorshipRetrospective,
)
from community.mentorship.queries import retrospective_of
from community.mentorship.services import MentorshipError, NotAllowed, request_path
from community.mentorship.wording import STATE_WORDS
from community.notifications.services import notify
from community.timeutil import utcnow


def check_can_message(request: MentorshipRequest, author: User) -> None:
    """Raise why ``author`` can't write in this conversation now, if they can't."""
    if not permissions.can_act_on_mentorship(author, request):
        raise NotAllowed("Only the mentor and the mentee can write here.")
    if not permissions.can_message_mentorship(author, request):
        raise MentorshipError(
            f"This request is {STATE_WORDS[request.current_state]}; its conversation is closed."
        )


def post_message(request: MentorshipRequest, author: User, body: str) -> MentorshipMessage:
    """Add a message to the request's conversation while it is pending or active."""
    check_can_message(request, author)
    now = utcnow()
    message = MentorshipMessage(
        request=request,
        author_id=author.id,
        author=author,
        body_md=body,
        body_html=render_member_markdown(body, "comment"),
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


def check_can_write_retrospective(request: MentorshipRequest, author: User) -> None:
    """Raise why ``author`` can't write a retrospective of this request, if they can't."""
    if not permissions.can_act_on_mentorship(author, request):
        raise NotAllowed("Only the mentor and the mentee write retrospectives.")
    if not permissions.can_write_retrospective(author, request):
        raise MentorshipError("Retrospectives are written once a mentorship is completed.")


def save_retrospective(
    request: MentorshipRequest, author: User, body: str
) -> MentorshipRetrospective:
    """Write or rewrite one's own private retrospective of a completed mentorship."""
    check_can_write_retrospective(request, author)
    retrospective = retrospective_of(request, author)
    if retrospective is None:
        retrospective = MentorshipRetrospective(request_id=request.id, author_id=author.id)
        db.session.add(retrospective)
    retrospective.body_md = body
    retrospective.body_html = render_member_markdown(body, "comment")
    retrospective.updated_at = utcnow()
    db.session.flush()
    return retrospective
