"""The request workflow at the service level, without HTTP: every allowed and refused move."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from community.extensions import db
from community.mentorship import profiles, queries, services
from community.mentorship.models import MentorshipRequest, RequestState
from community.mentorship.wording import DECLINE_REASONS
from community.notifications.models import Notification
from tests.conftest import make_user
from tests.mentorship_support import REQUEST_TEXT, age_request, make_mentor, make_request

S = RequestState
ALL_STATES = list(RequestState)


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


def move(action: str, request: MentorshipRequest, actor):
    if action == "accept":
        return services.accept(request, actor)
    if action == "decline":
        return services.decline(request, actor, "Not my field.")
    if action == "withdraw":
        return services.withdraw(request, actor)
    if action == "complete":
        return services.complete(request, actor, "Thanks!")
    return services.cancel(request, actor, "")


#: (action, who may make it) for every move a member can make.
ALLOWED = {
    "accept": (S.PENDING, S.ACCEPTED, ("mentor",)),
    "decline": (S.PENDING, S.DECLINED, ("mentor",)),
    "withdraw": (S.PENDING, S.WITHDRAWN, ("mentee",)),
    "complete": (S.ACCEPTED, S.COMPLETED, ("mentor", "mentee")),
    "cancel": (S.ACCEPTED, S.CANCELLED, ("mentor", "mentee")),
}


@pytest.mark.parametrize(
    ("action", "side"),
    [(action, side) for action, (_, _, sides) in ALLOWED.items() for side in sides],
)
def test_allowed_move_records_who_and_when_and_notifies_the_other_side(pair, action, side):
    profile, mentee = pair
    source, target, _ = ALLOWED[action]
    request = make_request(mentee, profile, source)
    actor = profile.user if side == "mentor" else mentee
    other = mentee if side == "mentor" else profile.user
    before = len(notifications_for(other))

    move(action, request, actor)
    db.session.commit()

    stored = db.session.get(MentorshipRequest, request.id)
    assert stored.state == target
    if source == S.PENDING:
        assert stored.responded_by_id == actor.id
        assert stored.responded_at is not None
    else:
        assert stored.ended_by_id == actor.id
        assert stored.ended_at is not None
    notes = notifications_for(other)
    assert len(notes) == before + 1
    assert notes[-1].url == f"/mentorship/{request.id}"
    assert notes[-1].actor_id == actor.id


REFUSED_STATE = [
    (action, state)
    for action, (source, _, _) in ALLOWED.items()
    for state in ALL_STATES
    if state != source
]


@pytest.mark.parametrize(("action", "state"), REFUSED_STATE)
def test_move_from_a_wrong_state_is_refused_and_changes_nothing(pair, action, state):
    profile, mentee = pair
    request = make_request(mentee, profile, state)
    actor = profile.user if "mentor" in ALLOWED[action][2] else mentee
    with pytest.raises(services.MentorshipError) as refused:
        move(action, request, actor)
    assert not isinstance(refused.value, services.NotAllowed)
    assert f"You can't {action} this request" in str(refused.value) or "expired" in str(
        refused.value
    )
    db.session.rollback()
    assert db.session.get(MentorshipRequest, request.id).state == state


@pytest.mark.parametrize(
    ("action", "side"),
    [
        ("accept", "mentee"),
        ("decline", "mentee"),
        ("withdraw", "mentor"),
        *[(action, "stranger") for action in ALLOWED],
        *[(action, "other mentor") for action in ALLOWED],
        *[(action, "moderator") for action in ALLOWED],
    ],
)
def test_move_by_the_wrong_person_is_not_allowed(pair, action, side):
    profile, mentee = pair
    request = make_request(mentee, profile, ALLOWED[action][0])
    actor = {
        "mentee": mentee,
        "mentor": profile.user,
        "stranger": make_user(),
        "other mentor": make_mentor().user,
        "moderator": make_user(role="moderator"),
    }[side]
    with pytest.raises(services.NotAllowed):
        move(action, request, actor)
    db.session.rollback()
    assert db.session.get(MentorshipRequest, request.id).state == ALLOWED[action][0]


def test_a_suspended_participant_may_not_move_the_request(pair):
    profile, mentee = pair
    request = make_request(mentee, profile)
    profile.user.suspended_at = mentee.created_at
    db.session.commit()
    with pytest.raises(services.NotAllowed):
        services.accept(request, profile.user)


def test_accepting_twice_is_refused(pair):
    profile, mentee = pair
    request = make_request(mentee, profile)
    services.accept(request, profile.user)
    db.session.commit()
    with pytest.raises(services.MentorshipError, match="it is accepted"):
        services.accept(request, profile.user)


def test_decline_stores_the_reason(pair):
    profile, mentee = pair
    request = make_request(mentee, profile)
    services.decline(request, profile.user, DECLINE_REASONS["expertise"])
    db.session.commit()
    assert db.session.get(MentorshipRequest, request.id).decline_reason == (
        "Your goals are outside my expertise."
    )


def test_end_note_is_rendered_markdown(pair):
    profile, mentee = pair
    request = make_request(mentee, profile, S.ACCEPTED)
    services.cancel(request, mentee, "Moving **abroad** <script>x()</script>")
    db.session.commit()
    assert request.end_note_html.startswith("<p>Moving <strong>abroad</strong>")
    assert "<script>" not in request.end_note_html


# --- sending requests ----------------------------------------------------------------------


def test_create_request_is_pending_and_notifies_the_mentor(pair):
    profile, mentee = pair
    request = services.create_request(mentee, profile, REQUEST_TEXT + " **Thanks**")
    db.session.commit()
    assert request.state == S.PENDING
    assert "<strong>Thanks</strong>" in request.message_html
    [note] = notifications_for(profile.user)
    assert note.kind == "mentorship_request"
    assert note.message == "eli asked you for mentorship."


def test_requesting_oneself_is_refused(pair):
    profile, _ = pair
    with pytest.raises(services.MentorshipError, match="to yourself"):
        services.create_request(profile.user, profile, REQUEST_TEXT)


def test_requesting_a_paused_mentor_is_refused(pair):
    profile, mentee = pair
    profiles.set_accepting(profile, False)
    with pytest.raises(services.MentorshipError, match="not accepting requests"):
        services.create_request(mentee, profile, REQUEST_TEXT)


def test_requesting_a_mentor_who_left_is_refused(pair):
    profile, mentee = pair
    services.leave_mentoring(profile)
    with pytest.raises(services.MentorshipError, match="not mentoring"):
        services.create_request(mentee, profile, REQUEST_TEXT)


def test_requesting_a_full_mentor_is_refused(app):
    profile = make_mentor(capacity=1)
    make_request(make_user(), profile, S.ACCEPTED)
    with pytest.raises(services.MentorshipError, match="is full"):
        services.create_request(make_user(), profile, REQUEST_TEXT)


@pytest.mark.parametrize("state", [S.PENDING, S.ACCEPTED])
def test_a_second_open_request_to_the_same_mentor_is_refused(pair, state):
    profile, mentee = pair
    make_request(mentee, profile, state)
    with pytest.raises(services.MentorshipError, match="already have an open request"):
        services.create_request(mentee, profile, REQUEST_TEXT)


@pytest.mark.parametrize("state", [S.DECLINED, S.WITHDRAWN, S.EXPIRED, S.COMPLETED, S.CANCELLED])
def test_a_new_request_after_a_closed_one_is_allowed(pair, state):
    profile, mentee = pair
    make_request(mentee, profile, state)
    again = services.create_request(mentee, profile, REQUEST_TEXT)
    db.session.commit()
    assert again.state == S.PENDING


def test_the_database_refuses_a_second_open_request_for_a_pair(pair):
    """The partial unique index holds even if the service check is bypassed."""
    profile, mentee = pair
    make_request(mentee, profile)
    db.session.add(
        MentorshipRequest(
            mentee_id=mentee.id, mentor_id=profile.user_id, message_md="x", message_html="x"
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(
        MentorshipRequest(
            mentee_id=mentee.id,
            mentor_id=profile.user_id,
            message_md="x",
            message_html="x",
            state=S.DECLINED,
        )
    )
    db.session.commit()


def test_the_database_refuses_capacity_out_of_range(pair):
    profile, _ = pair
    profile.capacity = 0
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_more_pending_requests_than_the_limit_are_refused(app):
    mentee = make_user()
    for _ in range(app.config["MENTORSHIP_MAX_OPEN_REQUESTS"]):
        make_request(mentee, make_mentor())
    with pytest.raises(services.MentorshipError, match="3 requests waiting"):
        services.create_request(mentee, make_mentor(), REQUEST_TEXT)


def test_the_pending_limit_counts_only_pending_requests(app):
    mentee = make_user()
    make_request(mentee, make_mentor(), S.ACCEPTED)
    make_request(mentee, make_mentor(), S.DECLINED)
    make_request(mentee, make_mentor())
    make_request(mentee, make_mentor())
    assert services.create_request(mentee, make_mentor(), REQUEST_TEXT).state == S.PENDING


# --- capacity ------------------------------------------------------------------------------


def test_accept_refused_when_the_mentor_is_full_and_place_reopens_after_completion(app):
    profile = make_mentor(capacity=1)
    first = make_request(make_user(), profile)
    second = make_request(make_user(), profile)
    services.accept(first, profile.user)
    db.session.commit()
    assert queries.open_places(profile) == 0

    with pytest.raises(services.MentorshipError, match="no open places"):
        services.accept(second, profile.user)
    db.session.rollback()
    assert db.session.get(MentorshipRequest, second.id).state == S.PENDING

    services.complete(first, first.mentee)
    db.session.commit()
    assert queries.open_places(profile) == 1
    assert queries.completed_count(profile.user_id) == 1
    services.accept(second, profile.user)
    db.session.commit()
    assert second.state == S.ACCEPTED


def test_lowering_capacity_below_active_count_shows_no_places(app):
    profile = make_mentor(capacity=2)
    make_request(make_user(), profile, S.ACCEPTED)
    make_request(make_user(), profile, S.ACCEPTED)
    profile.capacity = 1
    db.session.commit()
    assert queries.open_places(profile) == 0


# --- expiry --------------------------------------------------------------------------------


def test_overdue_request_expires_and_tells_the_mentee(pair):
    profile, mentee = pair
    request = make_request(mentee, profile)
    age_request(request, days=15)
    assert services.expire_if_overdue(request) is True
    db.session.commit()
    assert request.state == S.EXPIRED
    assert request.responded_by_id is None and request.responded_at is not None
    assert notifications_for(mentee)[-1].kind == "mentorship_expired"


def test_request_younger_than_the_expiry_period_stays_pending(pair):
    profile, mentee = pair
    request = make_request(mentee, profile)
    age_request(request, days=13)
    assert services.expire_if_overdue(request) is False
    assert request.state == S.PENDING


def test_an_overdue_request_cannot_be_accepted(pair):
    profile, mentee = pair
    request = make_request(mentee, profile)
    age_request(request, days=20)
    db.session.commit()
    with pytest.raises(services.MentorshipError, match="expired"):
        services.accept(request, profile.user)


def test_expire_overdue_touches_only_overdue_pending_requests(app):
    profile = make_mentor(capacity=5)
    old = make_request(make_user(), profile)
    fresh = make_request(make_user(), profile)
    active = make_request(make_user(), profile, S.ACCEPTED)
    age_request(old, 30)
    age_request(active, 30)
    db.session.commit()
    assert services.expire_overdue() == 1
    db.session.commit()
    assert (old.state, fresh.state, active.state) == (S.EXPIRED, S.PENDING, S.ACCEPTED)


def test_expiry_period_follows_the_setting(app):
    app.config["MENTORSHIP_REQUEST_EXPIRY_DAYS"] = 2
    profile = make_mentor()
    request = make_request(make_user(), profile)
    age_request(request, days=3)
    assert services.expire_overdue() == 1


# --- leaving -------------------------------------------------------------------------------


def test_leaving_declines_pending_keeps_active_and_hides_the_profile(app):
    profile = make_mentor(capacity=3)
    pending = make_request(make_user(), profile)
    active = make_request(make_user(), profile, S.ACCEPTED)
    assert services.leave_mentoring(profile) == 1
    db.session.commit()
    assert pending.state == S.DECLINED
    assert pending.decline_reason == "I have stopped mentoring for now."
    assert active.state == S.ACCEPTED
    assert queries.get_listed_profile(profile.user.username) is None
