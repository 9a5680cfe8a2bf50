"""Sending, answering and living a mentorship request through HTTP."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from community.extensions import db
from community.mentorship.models import (
    MentorshipMessage,
    MentorshipRequest,
    MentorshipRetrospective,
    RequestState,
)
from community.notifications.models import Notification
from tests.conftest import count_queries, make_user
from tests.mentorship_support import REQUEST_TEXT, age_request, make_mentor, make_request

S = RequestState
#: Statements that change the database; a page view sends none of them.
WRITES = ("INSERT", "UPDATE", "DELETE")


def request_count() -> int:
    return db.session.scalar(select(func.count(MentorshipRequest.id)))


@pytest.fixture
def mentor(app):
    return make_mentor(make_user("maya"), capacity=1, expertise=("data", "career-change"))


def test_a_member_sends_a_request(mentor, login):
    mentee = make_user("eli")
    client = login(mentee)
    response = client.submit("/mentors/maya/request", {"message": REQUEST_TEXT})
    request = db.session.scalar(select(MentorshipRequest))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/mentorship/{request.id}"
    assert (request.mentee_id, request.mentor_id, request.state) == (
        mentee.id,
        mentor.user_id,
        S.PENDING,
    )
    page = client.get(f"/mentorship/{request.id}").get_data(as_text=True)
    assert "Your request is on its way to maya." in page
    assert "I teach maths" in page
    assert "Withdraw request" in page
    assert "Accept request" not in page
    note = db.session.scalar(select(Notification).where(Notification.user_id == mentor.user_id))
    assert note.message == "eli asked you for mentorship."


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", "Tell the mentor what you want to achieve"),
        ("Help me please", "Write 80 to 3,000 characters"),
        ("x" * 3001, "Write 80 to 3,000 characters"),
    ],
)
def test_a_request_message_out_of_bounds_is_refused_and_kept(mentor, login, message, error):
    client = login(make_user())
    response = client.submit("/mentors/maya/request", {"message": message})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error in page
    assert message[:50] in page
    assert request_count() == 0


def test_requesting_oneself_is_refused_with_a_message(mentor, login):
    client = login(mentor.user)
    assert "to yourself" in client.get("/mentors/maya/request").get_data(as_text=True)
    response = client.submit("/mentors/maya/request", {"message": REQUEST_TEXT})
    assert "You can&#39;t send a mentorship request to yourself." in response.get_data(as_text=True)
    assert request_count() == 0


def test_a_third_member_is_told_the_mentor_is_full(mentor, login):
    make_request(make_user(), mentor, S.ACCEPTED)
    client = login(make_user())
    assert "maya is full" in client.get("/mentors/maya").get_data(as_text=True)
    response = client.submit(
        "/mentors/maya/request", {"message": REQUEST_TEXT}, page="/mentors/maya/request"
    )
    assert response.status_code == 400
    assert "maya is full: every mentoring place is taken." in response.get_data(as_text=True)
    assert request_count() == 1


def test_a_second_open_request_is_refused(mentor, login):
    mentee = make_user()
    first = make_request(mentee, mentor)
    client = login(mentee)
    profile_page = client.get("/mentors/maya").get_data(as_text=True)
    assert f'href="/mentorship/{first.id}"' in profile_page
    response = client.submit("/mentors/maya/request", {"message": REQUEST_TEXT})
    assert "You already have an open request with maya." in response.get_data(as_text=True)
    assert request_count() == 1


def test_too_many_pending_requests_are_refused(app, login):
    mentee = make_user()
    for _ in range(3):
        make_request(mentee, make_mentor())
    fourth = make_mentor(make_user("fourth"))
    client = login(mentee)
    response = client.submit("/mentors/fourth/request", {"message": REQUEST_TEXT})
    assert "You have 3 requests waiting for an answer" in response.get_data(as_text=True)
    assert request_count() == 3
    assert fourth.user_id not in db.session.scalars(select(MentorshipRequest.mentor_id)).all()


def test_the_mentor_accepts_and_accepting_twice_is_refused(mentor, login):
    request = make_request(make_user("eli"), mentor)
    client = login(mentor.user)
    page = client.get(f"/mentorship/{request.id}").get_data(as_text=True)
    assert "Accept request" in page and "Decline request" in page
    assert "Withdraw request" not in page

    url = f"/mentorship/{request.id}/accept"
    response = client.submit(url, page=f"/mentorship/{request.id}", follow_redirects=True)
    assert "You are now mentoring eli." in response.get_data(as_text=True)
    assert db.session.get(MentorshipRequest, request.id).state == S.ACCEPTED

    again = client.submit(url, page=f"/mentorship/{request.id}", follow_redirects=True)
    assert again.status_code == 200
    assert "You can&#39;t accept this request: it is accepted." in again.get_data(as_text=True)
    assert "Mark as completed" in again.get_data(as_text=True)


def test_accept_refused_when_full_stores_nothing(mentor, login):
    make_request(make_user(), mentor, S.ACCEPTED)
    mentor.capacity = 2
    db.session.commit()
    waiting = make_request(make_user(), mentor)
    mentor.capacity = 1
    db.session.commit()
    client = login(mentor.user)
    response = client.submit(
        f"/mentorship/{waiting.id}/accept", page=f"/mentorship/{waiting.id}", follow_redirects=True
    )
    assert "You have no open places" in response.get_data(as_text=True)
    assert db.session.get(MentorshipRequest, waiting.id).state == S.PENDING


def test_decline_needs_a_reason_and_then_suggests_other_mentors(mentor, login):
    other = make_mentor(make_user("olga"), expertise=("career-change",))
    mentee = make_user("eli")
    request = make_request(mentee, mentor)
    client = login(mentor.user)
    url, page = f"/mentorship/{request.id}/decline", f"/mentorship/{request.id}"

    missing = client.submit(url, {"decline-reason": "other"}, page=page)
    assert missing.status_code == 400
    assert "Write your reason, or choose one from the list." in missing.get_data(as_text=True)
    assert db.session.get(MentorshipRequest, request.id).state == S.PENDING

    client.submit(url, {"decline-reason": "other", "decline-reason_detail": "On leave"}, page=page)
    stored = db.session.get(MentorshipRequest, request.id)
    assert (stored.state, stored.decline_reason) == (S.DECLINED, "On leave")

    login(mentee)
    seen = client.get(page).get_data(as_text=True)
    assert "Reason:</strong> On leave" in seen
    assert "Other mentors who could help" in seen
    assert f'href="/mentors/{other.user.username}"' in seen
    assert 'href="/mentors/maya"' not in seen


def test_decline_with_a_listed_reason(mentor, login):
    request = make_request(make_user(), mentor)
    client = login(mentor.user)
    client.submit(
        f"/mentorship/{request.id}/decline",
        {"decline-reason": "fit"},
        page=f"/mentorship/{request.id}",
    )
    assert db.session.get(MentorshipRequest, request.id).decline_reason == (
        "Our time zones or languages don't fit well."
    )


def test_the_mentee_withdraws(mentor, login):
    mentee = make_user()
    request = make_request(mentee, mentor)
    client = login(mentee)
    client.submit(f"/mentorship/{request.id}/withdraw", page=f"/mentorship/{request.id}")
    assert db.session.get(MentorshipRequest, request.id).state == S.WITHDRAWN


def test_messages_are_sanitised_and_bounded(mentor, login):
    mentee = make_user("eli")
    request = make_request(mentee, mentor, S.ACCEPTED)
    client = login(mentee)
    url, page = f"/mentorship/{request.id}/messages", f"/mentorship/{request.id}"
    client.submit(url, {"body": "Hi **Maya** <script>alert(1)</script>"}, page=page)
    shown = client.get(page).get_data(as_text=True)
    assert "Hi <strong>Maya</strong> &lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<script>alert(1)</script>" not in shown

    too_long = client.submit(url, {"body": "y" * 5001}, page=page)
    assert too_long.status_code == 400
    assert "A message holds up to 5,000 characters." in too_long.get_data(as_text=True)
    assert "y" * 100 in too_long.get_data(as_text=True)
    empty = client.submit(url, {"body": ""}, page=page)
    assert "Write a message." in empty.get_data(as_text=True)
    assert db.session.scalar(select(func.count(MentorshipMessage.id))) == 1


def test_closed_conversation_takes_no_messages(mentor, login):
    mentee = make_user()
    request = make_request(mentee, mentor, S.WITHDRAWN)
    client = login(mentee)
    page = f"/mentorship/{request.id}"
    assert "This conversation is closed." in client.get(page).get_data(as_text=True)
    response = client.submit(
        f"{page}/messages", {"body": "Hello"}, page=page, follow_redirects=True
    )
    assert "its conversation is closed" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(MentorshipMessage.id))) == 0


def test_completion_with_a_note_and_private_retrospectives(mentor, login):
    mentee = make_user("eli")
    request = make_request(mentee, mentor, S.ACCEPTED)
    client = login(mentee)
    page = f"/mentorship/{request.id}"
    response = client.submit(
        f"{page}/complete", {"complete-note": "Got the *job*!"}, page=page, follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert "The mentorship is completed. Well done!" in text
    assert "<p>Got the <em>job</em>!</p>" in text
    assert db.session.get(MentorshipRequest, request.id).ended_by_id == mentee.id

    client.submit(f"{page}/retrospective", {"body": "Weekly check-ins helped."}, page=page)
    assert "Weekly check-ins helped." in client.get(page).get_data(as_text=True)
    login(mentor.user)
    mentor_view = client.get(page).get_data(as_text=True)
    assert "Weekly check-ins helped." not in mentor_view
    assert "Your retrospective" in mentor_view
    assert db.session.scalar(select(func.count(MentorshipRetrospective.id))) == 1
    assert '<dd class="completed-count">1</dd>' in client.get("/mentors/maya").get_data(
        as_text=True
    )


def test_cancel_note_over_limit_is_refused(mentor, login):
    request = make_request(make_user(), mentor, S.ACCEPTED)
    client = login(mentor.user)
    page = f"/mentorship/{request.id}"
    response = client.submit(f"{page}/cancel", {"cancel-note": "z" * 1001}, page=page)
    assert response.status_code == 400
    assert "Up to 1,000 characters." in response.get_data(as_text=True)
    assert db.session.get(MentorshipRequest, request.id).state == S.ACCEPTED


def test_reading_an_overdue_request_shows_it_expired_and_writes_nothing(mentor, login):
    mentee = make_user()
    make_mentor(expertise=("data",))
    request = make_request(mentee, mentor)
    age_request(request, days=15)
    db.session.commit()
    client = login(mentee)
    notes_before = db.session.scalar(select(func.count(Notification.id)))
    with count_queries() as statements:
        page = client.get(f"/mentorship/{request.id}").get_data(as_text=True)
    assert "Expired without an answer" in page
    assert "Other mentors who could help" in page
    assert "Withdraw request" not in page
    assert not [sql for sql in statements if sql.lstrip().upper().startswith(WRITES)]
    db.session.expire_all()
    assert db.session.get(MentorshipRequest, request.id).state == S.PENDING
    assert db.session.scalar(select(func.count(Notification.id))) == notes_before


def test_accepting_an_overdue_request_stores_the_expiry_once_and_refuses(mentor, login):
    mentee = make_user("eli")
    request = make_request(mentee, mentor)
    age_request(request, days=15)
    db.session.commit()
    client = login(mentor.user)
    url, page = f"/mentorship/{request.id}/accept", f"/mentorship/{request.id}"
    response = client.submit(url, page=page, follow_redirects=True)
    assert "This request has expired; it can no longer be answered." in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    stored = db.session.get(MentorshipRequest, request.id)
    assert (stored.state, stored.responded_by_id) == (S.EXPIRED, None)
    again = client.submit(url, page=page, follow_redirects=True)
    assert "You can&#39;t accept this request: it is expired." in again.get_data(as_text=True)
    expiries = select(func.count(Notification.id)).where(
        Notification.user_id == mentee.id, Notification.kind == "mentorship_expired"
    )
    assert db.session.scalar(expiries) == 1
    accepted = select(func.count(Notification.id)).where(Notification.kind == "mentorship_accepted")
    assert db.session.scalar(accepted) == 0


def test_my_mentorships_groups_received_and_sent(app, login):
    me = make_user("me")
    my_profile = make_mentor(me, capacity=3)
    make_request(make_user("asker"), my_profile)
    make_request(make_user("learner"), my_profile, S.ACCEPTED)
    make_request(me, make_mentor(make_user("guide")), S.DECLINED)
    overdue = make_request(me, make_mentor(make_user("silent")))
    age_request(overdue, days=40)
    db.session.commit()
    client = login(me)
    with count_queries() as statements:
        page = client.get("/mentorship/").get_data(as_text=True)
    assert not [sql for sql in statements if sql.lstrip().upper().startswith(WRITES)]
    received, sent = page.split("Requests you sent")
    pending, rest = received.split("<h3>Active</h3>")
    active, past = rest.split("<h3>Past</h3>")
    assert "From asker" in pending and "From learner" in active and "From" not in past
    assert "To guide" in sent and "To silent" in sent
    assert sent.index("<h3>Past</h3>") < sent.index("To silent")
    # shown as expired, stored by the next POST or ``flask expire-requests``, not by a GET
    db.session.expire_all()
    assert db.session.get(MentorshipRequest, overdue.id).state == S.PENDING


def test_expire_requests_command(app, runner, mentor):
    old = make_request(make_user(), mentor)
    age_request(old, days=30)
    db.session.commit()
    result = runner.invoke(args=["expire-requests"])
    assert result.exit_code == 0, result.output
    assert "Expired 1 mentorship request(s)." in result.output
    assert db.session.get(MentorshipRequest, old.id).state == S.EXPIRED


def test_rerender_includes_mentorship_texts(app, runner, mentor):
    request = make_request(make_user(), mentor)
    request.message_html = "stale"
    db.session.commit()
    result = runner.invoke(args=["rerender"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(MentorshipRequest, request.id).message_html.startswith("<p>I teach")


def test_export_holds_the_members_mentorship(mentor, login):
    mentee = make_user("eli")
    request = make_request(mentee, mentor, S.ACCEPTED)
    client = login(mentee)
    page = f"/mentorship/{request.id}"
    client.submit(f"{page}/messages", {"body": "My first message"}, page=page)
    exported = json.loads(client.get("/settings/export").get_data(as_text=True))["mentorship"]
    assert exported["mentor_profile"] is None
    [sent] = exported["requests"]
    assert sent["role"] == "mentee" and sent["with"] == "maya" and sent["state"] == "accepted"
    assert sent["message"] == REQUEST_TEXT
    assert sent["my_messages"][0]["body"] == "My first message"

    login(mentor.user)
    as_mentor = json.loads(client.get("/settings/export").get_data(as_text=True))["mentorship"]
    assert as_mentor["mentor_profile"]["headline"] == "Teacher turned data analyst"
    assert as_mentor["mentor_profile"]["expertise"] == ["Data", "Career change"]
    assert as_mentor["requests"][0]["role"] == "mentor"
    assert as_mentor["requests"][0]["message"] is None


def test_nul_characters_never_break_a_save(mentor, login):
    client = login(make_user())
    response = client.submit("/mentors/maya/request", {"message": REQUEST_TEXT + "\x00 end"})
    assert response.status_code == 302
    assert db.session.scalar(select(MentorshipRequest.message_md)).endswith(" end")
    assert "\x00" not in db.session.scalar(select(MentorshipRequest.message_md))


def test_a_pending_request_reads_from_each_side(mentor, login):
    mentee = make_user("eli")
    request = make_request(mentee, mentor)
    as_mentee = login(mentee)
    show = as_mentee.get(f"/mentorship/{request.id}").get_data(as_text=True)
    listed = as_mentee.get("/mentorship/").get_data(as_text=True)
    assert "Waiting for their answer." in show and "Waiting for your answer" not in show
    assert "Waiting for their answer" in listed.split("Requests you sent")[1]
    assert "Waiting for your answer" not in listed
    as_mentor = login(mentor.user)
    show = as_mentor.get(f"/mentorship/{request.id}").get_data(as_text=True)
    listed = as_mentor.get("/mentorship/").get_data(as_text=True)
    assert "Waiting for your answer." in show and "Waiting for their answer" not in show
    received = listed.split("Requests you sent")[0]
    assert "Waiting for your answer" in received and "Waiting for their answer" not in listed


def test_an_answered_request_no_longer_waits(mentor, login):
    mentee = make_user("eli")
    request = make_request(mentee, mentor, S.ACCEPTED)
    client = login(mentee)
    for url in (f"/mentorship/{request.id}", "/mentorship/"):
        assert "Waiting for" not in client.get(url).get_data(as_text=True)


def test_past_requests_page_through_every_one_once(app):
    from community.mentorship import queries

    me = make_user("me")
    mine = make_mentor(me, capacity=3)
    asked = [make_request(make_user(), mine, S.DECLINED) for _ in range(4)]
    asked += [make_request(me, make_mentor(), S.WITHDRAWN) for _ in range(3)]
    open_one = make_request(make_user(), mine)
    seen_received, seen_sent = [], []
    for page in (1, 2):
        received, sent = queries.requests_of(me, page, per_page=3)
        assert received.pending == [open_one] and received.active == []
        seen_received += received.past
        seen_sent += sent.past
        assert received.past_more == (page == 1) and not sent.past_more
        assert len(received.past) == (3 if page == 1 else 1)
    assert sorted(r.id for r in seen_received) == [r.id for r in asked[:4]]
    assert sorted(r.id for r in seen_sent) == [r.id for r in asked[4:]]
    far, _ = queries.requests_of(me, 10_000, per_page=3)
    assert far.past == [] and far.pending == [open_one] and not far.past_more


def test_the_past_pager_links_pages_at_the_same_cost(app, login):
    from community.mentorship.queries import PAST_PER_PAGE

    me = make_user("me")
    mine = make_mentor(me, capacity=3)
    for _ in range(PAST_PER_PAGE + 1):
        make_request(make_user(), mine, S.DECLINED)
    client = login(me)
    costs = {}
    for url in ("/mentorship/", "/mentorship/?past_page=2", "/mentorship/?past_page=99"):
        db.session.expunge_all()
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        costs[url] = len(statements)
        pages = response.get_data(as_text=True)
        if url == "/mentorship/":
            assert 'href="/mentorship/?past_page=2">Older past requests' in pages
            assert pages.count("request-list__item") == PAST_PER_PAGE
        elif url.endswith("=2"):
            assert 'href="/mentorship/">← Newer past requests' in pages
            assert "Older past requests" not in pages
            assert pages.count("request-list__item") == 1
        else:
            assert "No older requests." in pages
    assert len(set(costs.values())) == 1, costs


@pytest.mark.parametrize("value", ["0", "-1", "abc", "9" * 40, "2.5", "%00", "１"])
def test_hostile_past_page_numbers_are_safe(app, login, value):
    client = login(make_user("me"))
    assert client.get(f"/mentorship/?past_page={value}").status_code == 200
