"""A request's private conversation and each side's retrospective, at the service level."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from community.extensions import db
from community.mentorship import conversation, queries, services
from community.mentorship.models import RequestState
from community.notifications.models import Notification
from tests.conftest import make_user
from tests.mentorship_support import make_mentor, make_request

S = RequestState


@pytest.fixture
def pair(app):
    """A mentor with two places and a mentee."""
    return make_mentor(make_user("maya"), capacity=2), make_user("eli")


def notifications_for(user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


@pytest.mark.parametrize("state", [S.PENDING, S.ACCEPTED])
def test_participants_message_each_other_while_open(pair, state):
    profile, mentee = pair
    request = make_request(mentee, profile, state)
    message = conversation.post_message(request, profile.user, "Let's meet on *Tuesday*.")
    db.session.commit()
    assert message.body_html == "<p>Let's meet on <em>Tuesday</em>.</p>"
    assert notifications_for(mentee)[-1].kind == "mentorship_message"


@pytest.mark.parametrize("state", [S.DECLINED, S.WITHDRAWN, S.EXPIRED, S.COMPLETED, S.CANCELLED])
def test_closed_conversation_refuses_messages(pair, state):
    profile, mentee = pair
    request = make_request(mentee, profile, state)
    with pytest.raises(services.MentorshipError, match="conversation is closed"):
        conversation.post_message(request, mentee, "Hello?")


def test_strangers_cannot_post_in_a_thread(pair):
    profile, mentee = pair
    request = make_request(mentee, profile)
    with pytest.raises(services.NotAllowed):
        conversation.post_message(request, make_user(), "Hi")


def test_each_side_keeps_one_private_retrospective_after_completion(pair):
    profile, mentee = pair
    request = make_request(mentee, profile, S.COMPLETED)
    conversation.save_retrospective(request, mentee, "Mock interviews helped.")
    conversation.save_retrospective(request, mentee, "Mock interviews helped most.")
    conversation.save_retrospective(request, profile.user, "Next time: a plan in week one.")
    db.session.commit()
    assert queries.retrospective_of(request, mentee).body_md == "Mock interviews helped most."
    assert queries.retrospective_of(request, profile.user).body_md.startswith("Next time")


@pytest.mark.parametrize("state", [S.PENDING, S.ACCEPTED, S.DECLINED, S.CANCELLED])
def test_retrospective_before_completion_is_refused(pair, state):
    profile, mentee = pair
    request = make_request(mentee, profile, state)
    with pytest.raises(services.MentorshipError, match="once a mentorship is completed"):
        conversation.save_retrospective(request, mentee, "Too early")
