"""Votes under concurrent requests: never counted twice, never lost."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from community.accounts.models import User
from community.discussions import comment_services as service
from community.discussions.comment_models import Comment, Vote
from community.extensions import db
from tests.conftest import make_post, make_user


def _vote_in_parallel(app, comment_id: int, voter_ids: list[int]) -> list[str]:
    """Each voter votes from its own thread, app context and database session at once."""
    start = threading.Barrier(len(voter_ids))
    outcomes: list[str] = []

    def vote(voter_id: int) -> None:
        with app.app_context():
            comment = db.session.get(Comment, comment_id)
            voter = db.session.get(User, voter_id)
            start.wait()
            try:
                service.vote(comment, voter)
                db.session.commit()
                outcomes.append("counted")
            except service.CommentRefused:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=vote, args=(voter_id,)) for voter_id in voter_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def _comment(app) -> Comment:
    author = make_user()
    with app.test_request_context():
        made = service.create_comment(make_post(author), author, "Race me")
        db.session.commit()
    return made


def test_the_same_vote_sent_at_once_counts_once(app):
    made, voter = _comment(app), make_user()
    outcomes = _vote_in_parallel(app, made.id, [voter.id] * 6)
    assert sorted(outcomes) == ["counted"] + ["refused"] * 5
    db.session.expire_all()
    assert db.session.get(Comment, made.id).score == 1
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 1


def test_votes_from_many_members_at_once_are_all_counted(app):
    made = _comment(app)
    voters = [make_user().id for _ in range(6)]
    assert _vote_in_parallel(app, made.id, voters) == ["counted"] * 6
    db.session.expire_all()
    assert db.session.get(Comment, made.id).score == 6
