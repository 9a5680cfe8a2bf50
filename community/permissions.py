"""Who may do what: the one place, used by views (403) and templates (to hide buttons).

Every predicate takes the acting user first (``current_user``, possibly anonymous).
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from community.accounts.models import Role
from community.events.models import TRANSITIONS as EVENT_TRANSITIONS
from community.events.models import EventState, RsvpStatus
from community.mentorship.models import (
    MESSAGING_STATES,
    TESTIMONIAL_MOVES,
    TRANSITIONS,
    RequestState,
    TestimonialState,
)


def is_member(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and not user.is_deleted


def can_write(user: Any) -> bool:
    """Members write; suspended members only read."""
    return is_member(user) and not user.is_suspended


def is_verified_enough(user: Any) -> bool:
    """Whether the address is checked, or the site doesn't ask (``REQUIRE_VERIFIED_EMAIL``).

    What reaches other people's inboxes or lists (mentorship requests, events, links) waits
    for the check; reading, commenting and voting don't. An account without an address (the
    site's own) has nothing to check.
    """
    if not current_app.config["REQUIRE_VERIFIED_EMAIL"]:
        return True
    return is_member(user) and (user.is_verified or user.email is None)


def can_moderate(user: Any) -> bool:
    """Moderators and admins, while not suspended themselves."""
    return can_write(user) and user.role in (Role.MODERATOR, Role.ADMIN)


def can_grant_roles(user: Any) -> bool:
    """Admins grant and revoke roles (while not suspended themselves)."""
    return can_write(user) and user.role == Role.ADMIN


def can_moderate_content(user: Any, subject_id: int | None) -> bool:
    """Hide, restore, feature, dismiss flags: never on the moderator's own content."""
    return can_moderate(user) and subject_id != user.id


def can_handle_review(user: Any, review: Any) -> bool:
    """A queue item is for moderators other than the member it is about."""
    return can_moderate_content(user, review.subject_id)


def can_suspend(user: Any, member: Any) -> bool:
    """Moderators suspend members; only admins suspend moderators; nobody suspends an admin
    (an admin first loses the role) or themselves."""
    if not can_moderate(user) or member.id == user.id or member.is_deleted:
        return False
    if member.role == Role.ADMIN:
        return False
    return member.role == Role.MEMBER or user.role == Role.ADMIN


def can_view_post(user: Any, post: Any) -> bool:
    """A post held for review is its author's and moderators' until let through."""
    return not post.is_held or (is_member(user) and post.author_id == user.id) or can_moderate(user)


def can_read_post(user: Any, post: Any) -> bool:
    """Hidden posts show their words (and why) to the author and moderators only."""
    return post.is_public or (is_member(user) and post.author_id == user.id) or can_moderate(user)


def can_flag_post(user: Any, post: Any) -> bool:
    """A deleted post's words are gone from members' view: nothing left to flag."""
    return can_write(user) and post.author_id != user.id and post.is_public and not post.deleted_at


def can_flag_event(user: Any, event: Any) -> bool:
    return can_write(user) and event.organiser_id != user.id and event.is_listed


def can_flag_member(user: Any, member: Any) -> bool:
    return can_write(user) and member.id != user.id and not member.is_deleted


def can_flag_message(user: Any, message: Any) -> bool:
    """The other participant flags a private message; nobody else ever sees it."""
    return (
        can_write(user)
        and message.author_id != user.id
        and can_view_mentorship(user, message.request)
    )


def can_flag_object(user: Any, kind: str, obj: Any) -> bool:
    """Whether ``user`` may flag ``obj`` of ``kind`` (a ``moderation.models.TargetType``)."""
    predicate = FLAG_PREDICATES.get(kind)
    return predicate is not None and predicate(user, obj)


def can_edit_post(user: Any, post: Any) -> bool:
    """Only the author edits their own post, while allowed to write, until they delete it."""
    return can_write(user) and post.author_id == user.id and post.deleted_at is None


def can_delete_post(user: Any, post: Any) -> bool:
    """The author deletes their own post (the thread stays); never the guide.

    Moderators hide and restore others' posts instead (``can_moderate_content``).
    """
    return can_edit_post(user, post) and not post.is_guide


def can_view_mentorship(user: Any, request: Any) -> bool:
    """A mentorship request and its messages are for its two participants only."""
    return is_member(user) and user.id in (request.mentee_id, request.mentor_id)


def can_act_on_mentorship(user: Any, request: Any) -> bool:
    """Participants act on their request while they may write; which move depends on the state."""
    return can_write(user) and can_view_mentorship(user, request)


def _can_move(move: str, user: Any, request: Any) -> bool:
    """The move's side is the user's and the request is in its source state (``TRANSITIONS``).

    An overdue pending request reads as expired, so nobody answers it any more.
    """
    transition = TRANSITIONS[move]
    return (
        can_act_on_mentorship(user, request)
        and request.takes_side(user, transition.side)
        and request.current_state == transition.source
    )


def can_accept(user: Any, request: Any) -> bool:
    """The mentor accepts a pending request."""
    return _can_move("accept", user, request)


def can_decline(user: Any, request: Any) -> bool:
    """The mentor declines a pending request."""
    return _can_move("decline", user, request)


def can_withdraw(user: Any, request: Any) -> bool:
    """The mentee withdraws a pending request."""
    return _can_move("withdraw", user, request)


def can_complete(user: Any, request: Any) -> bool:
    """Either side marks an active mentorship completed."""
    return _can_move("complete", user, request)


def can_cancel(user: Any, request: Any) -> bool:
    """Either side ends an active mentorship early."""
    return _can_move("cancel", user, request)


#: One predicate per move of the mentorship workflow, by the move's name in ``TRANSITIONS``.
MENTORSHIP_MOVES = {
    "accept": can_accept,
    "decline": can_decline,
    "withdraw": can_withdraw,
    "complete": can_complete,
    "cancel": can_cancel,
}


def can_message_mentorship(user: Any, request: Any) -> bool:
    """Both sides write to each other while the request is pending or active."""
    return can_act_on_mentorship(user, request) and request.current_state in MESSAGING_STATES


def can_write_retrospective(user: Any, request: Any) -> bool:
    """Each side keeps a private retrospective once the mentorship is completed."""
    return can_act_on_mentorship(user, request) and request.state == RequestState.COMPLETED


def can_write_testimonial(user: Any, request: Any) -> bool:
    """The mentee of a completed mentorship writes (or rewrites) its public testimonial."""
    return (
        can_act_on_mentorship(user, request)
        and user.id == request.mentee_id
        and request.state == RequestState.COMPLETED
    )


def can_withdraw_testimonial(user: Any, testimonial: Any) -> bool:
    """Its author withdraws their consent, and with it the testimonial, at any time (a
    suspended member too: taking one's words down is not writing)."""
    return is_member(user) and testimonial is not None and user.id == testimonial.mentee_id


def can_view_testimonial(user: Any, testimonial: Any) -> bool:
    """A published testimonial is public; a pending or declined one is its two sides'."""
    return testimonial.state == TestimonialState.PUBLISHED or (
        is_member(user) and user.id in (testimonial.mentee_id, testimonial.mentor_id)
    )


def _can_move_testimonial(move: str, user: Any, testimonial: Any) -> bool:
    """The mentor makes the move while they may write, from its source state."""
    return (
        can_write(user)
        and testimonial is not None
        and user.id == testimonial.mentor_id
        and testimonial.state == TESTIMONIAL_MOVES[move].source
    )


def can_approve_testimonial(user: Any, testimonial: Any) -> bool:
    """The mentor publishes a pending testimonial on their profile."""
    return _can_move_testimonial("approve", user, testimonial)


def can_decline_testimonial(user: Any, testimonial: Any) -> bool:
    """The mentor says no to a pending testimonial; the mentee sees it declined."""
    return _can_move_testimonial("decline", user, testimonial)


def can_hide_testimonial(user: Any, testimonial: Any) -> bool:
    """The mentor takes a published testimonial off their profile."""
    return _can_move_testimonial("hide", user, testimonial)


#: One predicate per mentor's move on a testimonial, by its name in ``TESTIMONIAL_MOVES``.
TESTIMONIAL_PREDICATES = {
    "approve": can_approve_testimonial,
    "decline": can_decline_testimonial,
    "hide": can_hide_testimonial,
}


def can_request_mentorship(user: Any, profile: Any) -> bool:
    """Any member who may write, with a checked address, can ask another member who mentors."""
    return can_write(user) and is_verified_enough(user) and profile.user_id != user.id


def can_create_post(user: Any) -> bool:
    return can_write(user)


def can_comment(user: Any, post: Any) -> bool:
    """Members comment on any listed post that is neither locked nor deleted by its author
    (a deleted post's thread is closed like a locked one)."""
    return can_write(user) and not post.is_locked and post.deleted_at is None and post.is_public


def _own(user: Any, comment: Any) -> bool:
    return is_member(user) and comment.author_id == user.id


def can_edit_comment(user: Any, comment: Any) -> bool:
    """Only the author, while allowed to write, and never a deleted comment."""
    return can_write(user) and _own(user, comment) and comment.deleted_at is None


def can_delete_comment(user: Any, comment: Any) -> bool:
    return can_edit_comment(user, comment)


def can_vote(user: Any, comment: Any) -> bool:
    """Members vote on others' live comments, never on their own."""
    return (
        can_write(user)
        and not _own(user, comment)
        and comment.deleted_at is None
        and comment.hidden_at is None
    )


def can_endorse(user: Any, comment: Any) -> bool:
    """Marking "worked for me too" is for another member's live experience."""
    return can_vote(user, comment) and comment.is_experience


def can_flag(user: Any, comment: Any) -> bool:
    """Flag another member's live comment (a hidden one is already with moderators)."""
    return can_vote(user, comment) and not comment.is_hidden


def can_read_hidden_comment(user: Any, comment: Any) -> bool:
    """A hidden comment's words (and why it was hidden) are its author's and moderators'."""
    return _own(user, comment) or can_moderate(user)


def can_view_revisions(user: Any, comment: Any) -> bool:
    """Earlier versions are for the author and moderators."""
    return _own(user, comment) or can_moderate(user)


def can_follow(user: Any) -> bool:
    """Following is a write (it stores a row): suspended members only read."""
    return can_write(user)


def can_submit_event(user: Any) -> bool:
    """Members with a checked address submit events (they wait for review); moderators'
    are published at once."""
    return can_write(user) and is_verified_enough(user)


def is_organiser(user: Any, event: Any) -> bool:
    return is_member(user) and event.organiser_id == user.id


def can_view_event(user: Any, event: Any) -> bool:
    """Listed events are public; a pending or rejected one is its organiser's and staff's."""
    return event.is_listed or is_organiser(user, event) or can_moderate(user)


def can_edit_event(user: Any, event: Any) -> bool:
    """Only the organiser edits, while allowed to write, until the event ends or is called off."""
    return (
        can_write(user)
        and is_organiser(user, event)
        and event.state != EventState.CANCELLED
        and not event.has_ended()
    )


def may_make_event_move(move: str, user: Any, event: Any) -> bool:
    """Whose move it is, whatever the event's state: moderators review; the organiser or a
    moderator cancels."""
    if move == "cancel":
        return (can_write(user) and is_organiser(user, event)) or can_moderate(user)
    return can_moderate(user)


def _can_move_event(move: str, user: Any, event: Any) -> bool:
    transition = EVENT_TRANSITIONS[move]
    return may_make_event_move(move, user, event) and event.state in transition.sources


def can_approve_event(user: Any, event: Any) -> bool:
    """A pending event is approved before it ends; one that is over can only be rejected."""
    return _can_move_event("approve", user, event) and not event.has_ended()


def can_reject_event(user: Any, event: Any) -> bool:
    return _can_move_event("reject", user, event)


def can_cancel_event(user: Any, event: Any) -> bool:
    """Cancelling is for events still to come (or under way): a past one is history."""
    return _can_move_event("cancel", user, event) and not event.has_ended()


#: One predicate per move on an event, by the move's name in ``events.models.TRANSITIONS``.
EVENT_MOVES = {
    "approve": can_approve_event,
    "reject": can_reject_event,
    "cancel": can_cancel_event,
}


def can_see_event_link(user: Any, event: Any, rsvp: Any = None) -> bool:
    """An "attendees only" join link is for members going, the organiser and moderators."""
    if not event.url:
        return False
    if not event.is_link_attendees_only:
        return True
    going = rsvp is not None and rsvp.status == RsvpStatus.GOING
    return going or is_organiser(user, event) or can_moderate(user)


#: Who may flag each kind of object, by the kind's name.
FLAG_PREDICATES = {
    "post": can_flag_post,
    "comment": can_flag,
    "event": can_flag_event,
    "member": can_flag_member,
    "message": can_flag_message,
}

#: Exposed to templates so they ask the same questions as the views.
TEMPLATE_PREDICATES = {
    "can_write": can_write,
    "is_verified_enough": is_verified_enough,
    "can_moderate": can_moderate,
    "can_grant_roles": can_grant_roles,
    "can_moderate_content": can_moderate_content,
    "can_handle_review": can_handle_review,
    "can_suspend": can_suspend,
    "can_view_post": can_view_post,
    "can_read_post": can_read_post,
    "can_flag_post": can_flag_post,
    "can_flag_event": can_flag_event,
    "can_flag_member": can_flag_member,
    "can_flag_message": can_flag_message,
    "can_edit_post": can_edit_post,
    "can_delete_post": can_delete_post,
    "can_view_mentorship": can_view_mentorship,
    "can_act_on_mentorship": can_act_on_mentorship,
    "can_accept": can_accept,
    "can_decline": can_decline,
    "can_withdraw": can_withdraw,
    "can_complete": can_complete,
    "can_cancel": can_cancel,
    "can_message_mentorship": can_message_mentorship,
    "can_write_retrospective": can_write_retrospective,
    "can_write_testimonial": can_write_testimonial,
    "can_withdraw_testimonial": can_withdraw_testimonial,
    "can_view_testimonial": can_view_testimonial,
    "can_approve_testimonial": can_approve_testimonial,
    "can_decline_testimonial": can_decline_testimonial,
    "can_hide_testimonial": can_hide_testimonial,
    "can_request_mentorship": can_request_mentorship,
    "can_create_post": can_create_post,
    "can_comment": can_comment,
    "can_edit_comment": can_edit_comment,
    "can_delete_comment": can_delete_comment,
    "can_vote": can_vote,
    "can_endorse": can_endorse,
    "can_flag": can_flag,
    "can_view_revisions": can_view_revisions,
    "can_follow": can_follow,
    "can_submit_event": can_submit_event,
    "can_edit_event": can_edit_event,
    "can_approve_event": can_approve_event,
    "can_reject_event": can_reject_event,
    "can_cancel_event": can_cancel_event,
    "can_see_event_link": can_see_event_link,
}


# --- learning resources and portfolio ---


def can_edit_resources(user: Any) -> bool:
    """Moderators and admins keep the learning resources catalogue."""
    return can_moderate(user)


def can_edit_project(user: Any, project: Any) -> bool:
    """A portfolio project is its member's alone to change, while they may write."""
    return can_write(user) and project.user_id == user.id


TEMPLATE_PREDICATES.update(can_edit_resources=can_edit_resources, can_edit_project=can_edit_project)
