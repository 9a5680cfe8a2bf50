"""One predicate per move, derived from the transitions table, for every side and state."""

from __future__ import annotations

import pytest

from community import permissions
from community.extensions import db
from community.mentorship import services
from community.mentorship.models import TRANSITIONS, RequestState
from tests.conftest import make_user
from tests.mentorship_support import age_request, make_mentor, make_request

S = RequestState
ALL_STATES = list(RequestState)


@pytest.fixture
def pair(app):
    """A mentor with two places and a mentee."""
    return make_mentor(make_user("maya"), capacity=2), make_user("eli")


def allowed(request, user) -> set[str]:
    """Every move, plus messaging and retrospectives, that the predicates grant ``user``."""
    granted = {move for move, can in permissions.MENTORSHIP_MOVES.items() if can(user, request)}
    if permissions.can_message_mentorship(user, request):
        granted.add("message")
    if permissions.can_write_retrospective(user, request):
        granted.add("retrospective")
    return granted


def test_predicates_grant_each_side_its_moves_in_each_state(pair):
    profile, mentee = pair
    request = make_request(mentee, profile)
    assert allowed(request, profile.user) == {"accept", "decline", "message"}
    assert allowed(request, mentee) == {"withdraw", "message"}
    assert allowed(request, make_user()) == set()
    services.accept(request, profile.user)
    assert allowed(request, mentee) == {"complete", "cancel", "message"}
    services.complete(request, mentee)
    assert allowed(request, profile.user) == {"retrospective"}


@pytest.mark.parametrize("move", list(TRANSITIONS))
def test_each_move_predicate_follows_the_transitions_table(pair, move):
    """A move is granted exactly in its source state, to its side, while they may write."""
    profile, mentee = pair
    transition = TRANSITIONS[move]
    sides = {"mentor": profile.user, "mentee": mentee}
    for state in ALL_STATES:
        request = make_request(mentee, profile, state)
        for side, user in sides.items():
            expected = state == transition.source and transition.side in (side, "either")
            assert permissions.MENTORSHIP_MOVES[move](user, request) is expected, (state, side)
        db.session.delete(request)
        db.session.commit()


def test_an_overdue_request_grants_no_answer(pair):
    profile, mentee = pair
    request = make_request(mentee, profile)
    age_request(request, days=15)
    assert request.current_state == S.EXPIRED and request.state == S.PENDING
    assert allowed(request, profile.user) == set()
    assert allowed(request, mentee) == set()


def test_a_suspended_side_is_granted_nothing(pair):
    profile, mentee = pair
    request = make_request(mentee, profile)
    mentee.suspended_at = mentee.created_at
    assert allowed(request, mentee) == set()
