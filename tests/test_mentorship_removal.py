"""A member leaving: a mentor leaves mentoring, or a member deletes their account."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community.extensions import db
from community.mentorship import queries, services
from community.mentorship.models import (
    MentorExpertise,
    MentorLanguage,
    MentorProfile,
    MentorshipRequest,
)
from community.mentorship.models import RequestState as S
from community.notifications.models import Notification
from tests.conftest import DEFAULT_PASSWORD, make_user
from tests.mentorship_support import age_request, make_mentor, make_request


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def notes_for(user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


@pytest.fixture
def leaver(app):
    """A mentor who is also a mentee, with a request in every state on both sides."""
    user = make_user("lee")
    own = make_mentor(user, capacity=5, expertise=("data", "Robotique"), languages=("French",))
    elsewhere = make_mentor(make_user("guide"), capacity=5)
    other = make_mentor(make_user("sage"), capacity=5)
    cast = {
        "user": user,
        "pending_in": make_request(make_user("asker"), own),
        "overdue_in": make_request(make_user("late"), own),
        "active_in": make_request(make_user("learner"), own, S.ACCEPTED),
        "done_in": make_request(make_user("alum"), own, S.COMPLETED),
        "pending_out": make_request(user, elsewhere),
        "active_out": make_request(user, other, S.ACCEPTED),
    }
    age_request(cast["overdue_in"], days=30)
    db.session.commit()
    return cast


def test_remove_member_closes_every_open_request_and_deletes_the_profile(leaver):
    user = leaver["user"]
    removal = services.remove_member(user)
    db.session.commit()

    assert removal == services.MemberRemoval(
        profile_deleted=True, withdrawn=1, declined=1, cancelled=2, expired=1
    )
    state = {
        name: db.session.get(MentorshipRequest, req.id)
        for name, req in leaver.items()
        if name != "user"
    }
    assert state["pending_in"].state == S.DECLINED
    assert state["pending_in"].decline_reason == "The mentor has left Pathways."
    assert state["pending_in"].responded_by_id == user.id
    assert state["overdue_in"].state == S.EXPIRED
    assert state["active_in"].state == S.CANCELLED and state["active_in"].ended_by_id == user.id
    assert state["done_in"].state == S.COMPLETED
    assert state["pending_out"].state == S.WITHDRAWN
    assert state["active_out"].state == S.CANCELLED
    assert (count(MentorProfile), count(MentorExpertise), count(MentorLanguage)) == (2, 2, 2)
    assert queries.get_profile(user) is None

    told = {
        name: notes_for(state[name].other_side(user))[-1]
        for name in ("pending_in", "active_in", "pending_out", "active_out")
    }
    assert told["pending_in"].kind == "mentorship_declined"
    assert told["active_in"].kind == "mentorship_cancelled"
    assert told["pending_out"].kind == "mentorship_withdrawn"
    assert told["active_out"].kind == "mentorship_cancelled"
    assert all(note.actor_id == user.id for note in told.values())


def test_remove_member_only_flushes(leaver):
    services.remove_member(leaver["user"])
    db.session.rollback()
    assert db.session.get(MentorshipRequest, leaver["pending_in"].id).state == S.PENDING
    assert queries.get_profile(leaver["user"]) is not None


def test_remove_member_without_mentorship_does_nothing(app):
    user = make_user()
    assert services.remove_member(user) == services.MemberRemoval(False, 0, 0, 0, 0)


def test_a_suspended_members_requests_close_too(leaver):
    user = leaver["user"]
    user.suspended_at = user.created_at
    db.session.commit()
    assert services.remove_member(user).cancelled == 2


def test_deleting_the_account_takes_the_member_out_of_mentorship(leaver, login):
    user = leaver["user"]
    client = login(user)
    response = client.submit(
        "/settings/delete", {"del-password": DEFAULT_PASSWORD}, page="/settings"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(MentorshipRequest, leaver["pending_out"].id).state == S.WITHDRAWN
    assert db.session.get(MentorshipRequest, leaver["active_in"].id).state == S.CANCELLED
    assert count(MentorProfile) == 2
    assert client.get("/mentors/lee").status_code == 404
    learner = leaver["active_in"].mentee
    assert notes_for(learner)[-1].kind == "mentorship_cancelled"
    assert "lee" not in notes_for(learner)[-1].message


# --- leaving mentoring ---------------------------------------------------------------------


def test_leaving_mentoring_expires_overdue_requests_instead_of_failing(app):
    profile = make_mentor(capacity=3)
    overdue = make_request(make_user(), profile)
    fresh = make_request(make_user(), profile)
    age_request(overdue, days=30)
    db.session.commit()
    assert services.leave_mentoring(profile) == 1
    db.session.commit()
    assert (overdue.state, fresh.state) == (S.EXPIRED, S.DECLINED)
