"""Two accepts racing for a mentor's last place: exactly one wins.

Each thread has its own app context, hence its own session and database connection, as two
web workers would. On PostgreSQL the accept service holds a row lock on the mentor's profile
while it counts, so the second accept waits for the first to commit and then sees it.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from community.extensions import db
from community.mentorship import services
from community.mentorship.models import MentorshipRequest, RequestState
from tests.conftest import make_user
from tests.mentorship_support import make_mentor, make_request

RACERS = 2


def race_accepts(app, request_ids: list[int]) -> list[str]:
    """Accept every request at once from its own thread; return each thread's outcome."""
    barrier = threading.Barrier(len(request_ids))
    outcomes: list[str] = []
    lock = threading.Lock()

    def accept(request_id: int) -> None:
        with app.app_context():
            request = db.session.get(MentorshipRequest, request_id)
            mentor = request.mentor
            barrier.wait(timeout=10)
            try:
                services.accept(request, mentor)
                db.session.commit()
                outcome = "accepted"
            except services.MentorshipError as error:
                db.session.rollback()
                outcome = f"refused: {error}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=accept, args=(rid,)) for rid in request_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == len(request_ids), "a thread did not finish"
    return outcomes


#: Real row locks and concurrent connections: these run on PostgreSQL only.
on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@on_postgresql
@pytest.mark.parametrize("capacity", [1, 2])
def test_concurrent_accepts_never_exceed_capacity(app, capacity):
    profile = make_mentor(capacity=capacity)
    for _ in range(capacity - 1):
        make_request(make_user(), profile, RequestState.ACCEPTED)
    racing = [make_request(make_user(), profile).id for _ in range(RACERS)]
    mentor_id = profile.user_id
    db.session.remove()

    outcomes = race_accepts(app, racing)

    assert outcomes.count("accepted") == 1
    [refusal] = [outcome for outcome in outcomes if outcome != "accepted"]
    assert "no open places" in refusal
    accepted = db.session.scalar(
        select(func.count(MentorshipRequest.id)).where(
            MentorshipRequest.mentor_id == mentor_id,
            MentorshipRequest.state == RequestState.ACCEPTED,
        )
    )
    assert accepted == capacity


@on_postgresql
def test_concurrent_double_accept_of_one_request_records_one_answer(app):
    """The same request accepted twice at once (two tabs): one wins, one is told it's done."""
    profile = make_mentor(capacity=5)
    request_id = make_request(make_user(), profile).id
    db.session.remove()

    outcomes = race_accepts(app, [request_id, request_id])

    assert outcomes.count("accepted") == 1
    assert any("it is accepted" in outcome for outcome in outcomes)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_concurrent_accepts_on_sqlite_are_serialised(app):
    """SQLite has no row locks; the accept's first write takes the database write lock."""
    profile = make_mentor(capacity=1)
    racing = [make_request(make_user(), profile).id for _ in range(RACERS)]
    mentor_id = profile.user_id
    db.session.remove()

    outcomes = race_accepts(app, racing)

    assert outcomes.count("accepted") == 1
    assert (
        db.session.scalar(
            select(func.count(MentorshipRequest.id)).where(
                MentorshipRequest.mentor_id == mentor_id,
                MentorshipRequest.state == RequestState.ACCEPTED,
            )
        )
        == 1
    )


@on_postgresql
def test_concurrent_requests_never_exceed_the_pending_limit(app):
    """A mentee one below the limit sends two requests at once: one gets through."""
    from community.accounts.models import User
    from community.mentorship.models import MentorProfile
    from tests.mentorship_support import REQUEST_TEXT

    mentee = make_user()
    for _ in range(app.config["MENTORSHIP_MAX_OPEN_REQUESTS"] - 1):
        make_request(mentee, make_mentor())
    profile_ids = [make_mentor().id, make_mentor().id]
    mentee_id = mentee.id
    db.session.remove()

    barrier = threading.Barrier(len(profile_ids))
    outcomes: list[str] = []

    def send(profile_id: int) -> None:
        with app.app_context():
            sender = db.session.get(User, mentee_id)
            profile = db.session.get(MentorProfile, profile_id)
            barrier.wait(timeout=10)
            try:
                services.create_request(sender, profile, REQUEST_TEXT)
                db.session.commit()
                outcomes.append("sent")
            except services.MentorshipError as error:
                db.session.rollback()
                outcomes.append(str(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send, args=(pid,)) for pid in profile_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == 2 and outcomes.count("sent") == 1
    assert any("requests waiting for an answer" in outcome for outcome in outcomes)
    assert (
        db.session.scalar(
            select(func.count(MentorshipRequest.id)).where(
                MentorshipRequest.mentee_id == mentee_id,
                MentorshipRequest.state == RequestState.PENDING,
            )
        )
        == app.config["MENTORSHIP_MAX_OPEN_REQUESTS"]
    )
