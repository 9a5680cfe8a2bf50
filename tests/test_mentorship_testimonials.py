"""Testimonials: the mentee of a completed mentorship writes one, with consent; the mentor
approves it before it shows on their profile; either side can take it down again."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community.accounts import services as accounts
from community.extensions import db
from community.mentorship import models, queries, services, testimonials
from community.mentorship.models import RequestState
from community.notifications.models import Notification
from community.timeutil import utcnow
from tests.conftest import count_queries, login_as, make_user
from tests.mentorship_support import make_mentor, make_request

S = RequestState
T = models.TestimonialState
WORDS = "Maya helped me **choose** my first data projects."


@pytest.fixture
def pair(app):
    """A mentor with room and a mentee whose mentorship with her is completed."""
    profile = make_mentor(make_user("maya"), capacity=3)
    mentee = make_user("eli")
    mentee.display_name = "Eli Brandt"
    db.session.commit()
    return profile, mentee, make_request(mentee, profile, S.COMPLETED)


def written(pair, body: str = WORDS) -> models.Testimonial:
    _, mentee, request = pair
    testimonial = testimonials.save(request, mentee, body, consent=True)
    db.session.commit()
    return testimonial


def published(pair, body: str = WORDS) -> models.Testimonial:
    profile, _, request = pair
    written(pair, body)
    testimonial = testimonials.approve(request, profile.user)
    db.session.commit()
    return testimonial


def last_notice(user) -> Notification:
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    ).first()


def count() -> int:
    return db.session.scalar(select(func.count(models.Testimonial.id)))


# --- services ------------------------------------------------------------------------------


def test_the_mentee_writes_one_pending_and_the_mentor_is_told(pair):
    profile, mentee, request = pair
    testimonial = written(pair)
    assert testimonial.state == T.PENDING
    assert testimonial.mentor_id == profile.user_id and testimonial.mentee_id == mentee.id
    assert "<strong>choose</strong>" in testimonial.body_html
    assert testimonial.published_at is None and testimonial.declined_at is None
    notice = last_notice(profile.user)
    assert notice.kind == "mentorship_testimonial" and "Eli Brandt wrote" in notice.message
    assert notice.url == f"/mentorship/{request.id}#testimonial"


def test_approving_publishes_and_tells_the_mentee(pair):
    _, mentee, _ = pair
    testimonial = published(pair)
    assert testimonial.state == T.PUBLISHED and testimonial.published_at is not None
    assert "approved your testimonial" in last_notice(mentee).message


def test_declining_keeps_it_off_the_profile_and_the_mentee_sees_why(pair):
    profile, mentee, request = pair
    written(pair)
    testimonial = testimonials.decline(request, profile.user)
    db.session.commit()
    assert testimonial.state == T.DECLINED and testimonial.declined_at is not None
    assert "declined your testimonial" in last_notice(mentee).message


def test_the_mentor_can_hide_a_published_one_later(pair):
    profile, mentee, request = pair
    published(pair)
    testimonial = testimonials.hide(request, profile.user)
    db.session.commit()
    assert testimonial.state == T.DECLINED and testimonial.published_at is None
    assert "took your testimonial off" in last_notice(mentee).message
    assert queries.published_testimonials(profile.user_id) == []


@pytest.mark.parametrize("before", ["pending", "published", "declined"])
def test_editing_sends_it_back_to_the_mentor(pair, before):
    profile, mentee, request = pair
    written(pair)
    if before == "published":
        testimonials.approve(request, profile.user)
    elif before == "declined":
        testimonials.decline(request, profile.user)
    db.session.commit()
    testimonial = testimonials.save(request, mentee, "Better words.", consent=True)
    db.session.commit()
    assert testimonial.state == T.PENDING and testimonial.body_md == "Better words."
    assert testimonial.published_at is None and testimonial.declined_at is None
    assert count() == 1
    assert "edited their testimonial" in last_notice(profile.user).message


def test_saving_the_same_pending_words_again_tells_nobody_twice(pair):
    profile, mentee, request = pair
    written(pair)
    testimonials.save(request, mentee, WORDS, consent=True)
    db.session.commit()
    notices = db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == profile.user_id, Notification.kind == "mentorship_testimonial"
        )
    )
    assert notices == 1


@pytest.mark.parametrize("state", ["pending", "published", "declined"])
def test_the_mentee_withdraws_at_any_time(pair, state):
    profile, mentee, request = pair
    written(pair)
    if state == "published":
        testimonials.approve(request, profile.user)
    elif state == "declined":
        testimonials.decline(request, profile.user)
    db.session.commit()
    testimonials.withdraw(request, mentee)
    db.session.commit()
    assert count() == 0
    assert "withdrew their testimonial" in last_notice(profile.user).message


def test_a_suspended_mentee_can_withdraw_but_not_write(pair):
    _, mentee, request = pair
    written(pair)
    mentee.suspended_at = utcnow()
    db.session.commit()
    with pytest.raises(services.NotAllowed):
        testimonials.save(request, mentee, "New words", consent=True)
    testimonials.withdraw(request, mentee)
    db.session.commit()
    assert count() == 0


def test_consent_is_required(pair):
    _, mentee, request = pair
    with pytest.raises(services.MentorshipError) as refusal:
        testimonials.save(request, mentee, WORDS, consent=False)
    assert refusal.value.field == "consent"


@pytest.mark.parametrize("body", ["", "   \n", "\u200b&nbsp;", "x" * 2001])
def test_blank_or_oversized_words_are_refused(pair, body):
    _, mentee, request = pair
    with pytest.raises(services.MentorshipError) as refusal:
        testimonials.save(request, mentee, body, consent=True)
    assert refusal.value.field == "body"


@pytest.mark.parametrize("state", [S.PENDING, S.ACCEPTED, S.DECLINED, S.CANCELLED, S.WITHDRAWN])
def test_only_a_completed_mentorship_takes_one(app, state):
    profile, mentee = make_mentor(make_user("maya")), make_user("eli")
    request = make_request(mentee, profile, state)
    with pytest.raises(services.MentorshipError, match="once a mentorship is completed"):
        testimonials.save(request, mentee, WORDS, consent=True)


def test_only_the_mentee_writes_it(pair):
    profile, _, request = pair
    for stranger in (profile.user, make_user("fred")):
        with pytest.raises(services.NotAllowed):
            testimonials.save(request, stranger, WORDS, consent=True)


@pytest.mark.parametrize("move", ["approve", "decline", "hide"])
def test_only_the_mentor_answers(pair, move):
    _, mentee, request = pair
    published(pair) if move == "hide" else written(pair)
    for stranger in (mentee, make_user("fred")):
        with pytest.raises(services.NotAllowed):
            getattr(testimonials, move)(request, stranger)


def test_a_suspended_mentor_cannot_answer(pair):
    profile, _, request = pair
    written(pair)
    profile.user.suspended_at = utcnow()
    db.session.commit()
    with pytest.raises(services.NotAllowed):
        testimonials.approve(request, profile.user)


def test_moves_from_the_wrong_state_are_refused(pair):
    profile, mentee, request = pair
    with pytest.raises(services.MentorshipError, match="no testimonial"):
        testimonials.approve(request, profile.user)
    with pytest.raises(services.MentorshipError, match="no testimonial to withdraw"):
        testimonials.withdraw(request, mentee)
    written(pair)
    with pytest.raises(services.MentorshipError, match="it is waiting"):
        testimonials.hide(request, profile.user)
    testimonials.approve(request, profile.user)
    db.session.commit()
    for move in ("approve", "decline"):
        with pytest.raises(services.MentorshipError, match="it is published"):
            getattr(testimonials, move)(request, profile.user)


def test_nobody_else_sees_a_pending_or_declined_one(pair):
    from community import permissions

    profile, mentee, request = pair
    testimonial = written(pair)
    stranger = make_user("fred")
    assert not permissions.can_view_testimonial(stranger, testimonial)
    assert permissions.can_view_testimonial(mentee, testimonial)
    assert permissions.can_view_testimonial(profile.user, testimonial)
    testimonials.approve(request, profile.user)
    assert permissions.can_view_testimonial(stranger, testimonial)


def test_deleting_the_mentee_deletes_their_testimonials(pair):
    profile, mentee, _ = pair
    published(pair)
    accounts.delete_account(mentee)
    db.session.commit()
    assert count() == 0
    assert queries.mentor_figures([profile.user_id])[profile.user_id].testimonials == 0


def test_deleting_the_mentor_deletes_those_about_them(pair):
    profile, _, _ = pair
    published(pair)
    accounts.delete_account(profile.user)
    db.session.commit()
    assert count() == 0


def test_the_export_holds_the_mentees_own_testimonial(pair):
    profile, mentee, _request = pair
    published(pair)
    mine = accounts.export_account(mentee)["mentorship"]["requests"]
    assert mine[0]["my_testimonial"]["body"] == WORDS
    assert mine[0]["my_testimonial"]["state"] == "published"
    theirs = accounts.export_account(profile.user)["mentorship"]["requests"]
    assert theirs[0]["my_testimonial"] is None


# --- pages ---------------------------------------------------------------------------------


def test_the_profile_shows_published_ones_only_newest_first(client, pair):
    profile, _mentee, _request = pair
    published(pair, "Older words.")
    other = make_user("lena")
    second = make_request(other, profile, S.COMPLETED)
    testimonials.save(second, other, "Newer words.", consent=True)
    testimonials.approve(second, profile.user)
    third = make_request(make_user("omar"), profile, S.COMPLETED)
    testimonials.save(third, third.mentee, "Still pending words.", consent=True)
    db.session.commit()
    page = client.get("/mentors/maya").get_data(as_text=True)
    assert "2 testimonials" in page
    assert page.index("Newer words.") < page.index("Older words.")
    assert "Still pending words." not in page
    assert 'href="/u/eli"' in page and "Eli Brandt" in page
    assert re.search(r"<time datetime=[^>]+>just now</time>", page)


def test_a_withdrawn_or_hidden_one_leaves_the_profile(client, pair):
    profile, _mentee, request = pair
    published(pair)
    assert WORDS.replace("**", "") not in client.get("/mentors/maya").get_data(as_text=True)
    assert "choose</strong>" in client.get("/mentors/maya").get_data(as_text=True)
    testimonials.hide(request, profile.user)
    db.session.commit()
    assert "choose</strong>" not in client.get("/mentors/maya").get_data(as_text=True)


def test_the_profile_shows_at_most_ten_with_the_count(client, pair):
    profile, _, _ = pair
    for number in range(12):
        mentee = make_user(f"mentee{number}")
        done = make_request(mentee, profile, S.COMPLETED)
        testimonials.save(done, mentee, f"Words number {number}.", consent=True)
        testimonials.approve(done, profile.user)
    db.session.commit()
    page = client.get("/mentors/maya").get_data(as_text=True)
    assert "12 testimonials" in page
    assert page.count('class="post-list__item testimonial"') == queries.TESTIMONIALS_SHOWN


def test_the_profile_query_count_does_not_grow(client, pair):
    profile, _, _ = pair
    published(pair)

    def statements() -> int:
        with count_queries() as sent:
            assert client.get("/mentors/maya").status_code == 200
        return len(sent)

    few = statements()
    for number in range(5):
        mentee = make_user(f"more{number}")
        done = make_request(mentee, profile, S.COMPLETED)
        testimonials.save(done, mentee, f"More words {number}.", consent=True)
        testimonials.approve(done, profile.user)
    db.session.commit()
    assert statements() == few


def test_the_directory_card_shows_the_count(client, pair):
    published(pair)
    assert "1 testimonial<" in client.get("/mentors/").get_data(as_text=True)


def test_the_mentee_writes_it_from_the_request_page(client, pair):
    _profile, mentee, request = pair
    login_as(client, mentee)
    page = client.get(f"/mentorship/{request.id}").get_data(as_text=True)
    assert "Show this on maya&#39;s public profile, with my name" in page or (
        "Show this on maya's public profile, with my name" in page
    )
    response = client.submit(
        f"/mentorship/{request.id}/testimonial",
        {"body": WORDS, "consent": "y"},
        page=f"/mentorship/{request.id}",
    )
    assert response.status_code == 302
    assert count() == 1
    page = client.get(f"/mentorship/{request.id}").get_data(as_text=True)
    assert "Waiting for maya to approve it." in page
    assert "Withdraw my testimonial" in page


def test_without_consent_the_error_is_next_to_the_box_and_the_words_stay(client, pair):
    _, mentee, request = pair
    login_as(client, mentee)
    response = client.submit(
        f"/mentorship/{request.id}/testimonial",
        {"body": "Words I took time to write."},
        page=f"/mentorship/{request.id}",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="testimonial-consent-error"' in page and "Tick the box" in page
    assert "Words I took time to write.</textarea>" in page
    assert count() == 0


def test_a_huge_body_is_an_error_next_to_the_field(client, pair):
    _, mentee, request = pair
    login_as(client, mentee)
    response = client.submit(
        f"/mentorship/{request.id}/testimonial",
        {"body": "<script>x</script>" * 20_000, "consent": "y"},
        page=f"/mentorship/{request.id}",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="testimonial-body-error"' in page and "Up to 2,000 characters." in page
    assert "<script>x</script>" not in page
    assert count() == 0


def test_the_mentor_approves_from_the_request_page(client, pair):
    profile, _, request = pair
    written(pair)
    login_as(client, profile.user)
    page = client.get(f"/mentorship/{request.id}").get_data(as_text=True)
    assert "Waiting for your approval" in page and "Eli Brandt's testimonial" in page
    response = client.submit(
        f"/mentorship/{request.id}/testimonial/approve", page=f"/mentorship/{request.id}"
    )
    assert response.status_code == 302
    assert db.session.scalar(select(models.Testimonial.state)) == T.PUBLISHED
    page = client.get(f"/mentorship/{request.id}").get_data(as_text=True)
    assert "Remove from my profile" in page and "Withdraw my testimonial" not in page


def test_a_refused_move_is_flashed_and_changes_nothing(client, pair):
    profile, _, request = pair
    written(pair)
    login_as(client, profile.user)
    response = client.submit(
        f"/mentorship/{request.id}/testimonial/hide", page=f"/mentorship/{request.id}"
    )
    assert response.status_code == 302
    assert "You can&#39;t hide this testimonial" in client.get(
        f"/mentorship/{request.id}"
    ).get_data(as_text=True)
    assert db.session.scalar(select(models.Testimonial.state)) == T.PENDING


@pytest.mark.parametrize(
    "path", ["testimonial", "testimonial/approve", "testimonial/withdraw", "testimonial/hide"]
)
def test_forged_ids_are_not_found(client, pair, path):
    _, _mentee, request = pair
    written(pair)
    login_as(client, make_user("fred"))
    for forged in (request.id, request.id + 1000, 2**62):
        response = client.submit(
            f"/mentorship/{forged}/{path}", {"body": "Mine now", "consent": "y"}, page="/"
        )
        assert response.status_code == 404
    assert client.submit("/mentorship/-1/testimonial", page="/").status_code == 404
    assert db.session.scalar(select(models.Testimonial.body_md)) == WORDS


def test_a_pending_one_is_not_on_the_profile_for_anyone(client, pair):
    profile, mentee, _ = pair
    written(pair)
    for viewer in (None, mentee, profile.user):
        if viewer is not None:
            login_as(client, viewer)
        page = client.get("/mentors/maya").get_data(as_text=True)
        assert "choose</strong>" not in page and "testimonial" not in page.lower()


def test_published_at_orders_the_list(pair):
    profile, _mentee, _request = pair
    testimonial = published(pair)
    other = make_user("lena")
    second = make_request(other, profile, S.COMPLETED)
    later = testimonials.save(second, other, "Second", consent=True)
    testimonials.approve(second, profile.user)
    later.published_at = testimonial.published_at - timedelta(days=1)
    db.session.commit()
    shown = queries.published_testimonials(profile.user_id)
    assert [item.id for item in shown] == [testimonial.id, later.id]


def test_the_request_page_reads_the_testimonial_with_the_request(client, pair):
    """The testimonial comes joined to the request: no query of its own on the page."""
    _, mentee, request = pair
    login_as(client, mentee)

    def statements() -> int:
        with count_queries() as sent:
            assert client.get(f"/mentorship/{request.id}").status_code == 200
        return len(sent)

    without = statements()
    written(pair)
    assert statements() == without


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_first_saves_at_once_make_one_testimonial(app, pair):
    """Two tabs sending at once (real row locks: PostgreSQL): the second waits for the first
    and rewrites it; nobody meets an error."""
    _, mentee, request = pair
    request_id, mentee_id = request.id, mentee.id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def send(words: str) -> None:
        with app.app_context():
            mentorship = db.session.get(models.MentorshipRequest, request_id)
            author = db.session.get(type(mentee), mentee_id)
            barrier.wait(timeout=10)
            try:
                testimonials.save(mentorship, author, words, consent=True)
                db.session.commit()
                outcomes.append("saved")
            except services.MentorshipError as error:
                db.session.rollback()
                outcomes.append(str(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send, args=(f"Words {n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == ["saved", "saved"]
    assert count() == 1
