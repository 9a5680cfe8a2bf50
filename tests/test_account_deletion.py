"""Deleting an account deletes the person: what the settings page promises is what happens."""

from sqlalchemy import func, select

from community.accounts.models import LoginSession, RetiredUsername, User
from community.discussions import comment_services
from community.extensions import db
from community.mentorship.models import MentorProfile, MentorshipRequest, RequestState
from community.notifications.models import Notification
from tests.conftest import DEFAULT_PASSWORD, login_as, make_post, make_user
from tests.mentorship_support import make_mentor, make_request


def _delete(client) -> None:
    response = client.submit(
        "/settings/delete", {"del-password": DEFAULT_PASSWORD}, page="/settings"
    )
    assert response.status_code == 302


def test_the_settings_page_lists_what_goes_and_what_stays(app, client):
    login_as(client, make_user("mira"))
    page = client.get("/settings").get_data(as_text=True)
    removed = page[page.index('id="deletion-removed"') : page.index('id="deletion-kept"')]
    kept = page[page.index('id="deletion-kept"') :]
    for promise in (
        "email address, password",
        "display name, bio",
        "mentor profile",
        "notifications",
    ):
        assert promise in removed
    for promise in ("posts, comments and mentorship messages", "votes", "username stays reserved"):
        assert promise in kept


def test_deletion_removes_the_person_and_keeps_the_conversation(app, client):
    mira = make_user("mira")
    mira.display_name = "Mira Okafor"
    mira.bio_md = "Teacher"
    db.session.commit()
    omar = make_user("omar")
    post = make_post(omar, title="From teaching to data")
    with app.test_request_context():
        comment_services.create_comment(post, mira, "Mentors helped me most.")
        db.session.commit()
    profile = make_mentor(mira)
    pending = make_request(make_user("lena"), profile)
    mentee_of = make_request(mira, make_mentor(make_user("maya")), RequestState.ACCEPTED)
    told_before = db.session.scalar(
        select(Notification.message).where(
            Notification.user_id == omar.id, Notification.actor_id == mira.id
        )
    )
    assert "Mira Okafor" in told_before

    login_as(client, mira)
    _delete(client)

    db.session.expire_all()
    gone = db.session.get(User, mira.id)
    assert gone.is_deleted and gone.email is None and gone.password_hash is None
    assert gone.display_name is None and gone.bio_md == "" and gone.username != "mira"
    assert db.session.scalar(select(func.count(LoginSession.id))) == 0
    assert db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == mira.id)) is None
    assert db.session.get(MentorshipRequest, pending.id).state == RequestState.DECLINED
    assert db.session.get(MentorshipRequest, mentee_of.id).state == RequestState.CANCELLED
    # Nothing of hers is left in her own notifications, nor her name in others'.
    assert not db.session.scalars(select(Notification).where(Notification.user_id == mira.id)).all()
    messages = db.session.scalars(select(Notification.message)).all()
    assert messages and not any("Mira" in message or "mira" in message for message in messages)
    # The conversation stays, by a deleted member.
    thread = client.get(f"/posts/{post.id}/{post.slug}").get_data(as_text=True)
    assert "Mentors helped me most." in thread and "deleted member" in thread
    assert "Mira" not in thread
    # The name stays taken, so old @mira mentions never lead to a newcomer.
    assert db.session.scalar(select(func.count(RetiredUsername.name_hash))) == 1
    assert client.get("/u/mira").status_code == 404
    assert client.get("/mentors/mira").status_code == 404
