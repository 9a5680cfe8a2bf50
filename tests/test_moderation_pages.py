"""Moderation as people see it, through the pages: flagging, the queue, acting with a
reason, the public log, suspensions and appeals, roles.

Pages are small here (``app_config``) so that a few rows paginate.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.discussions import comment_services
from community.discussions.comment_models import Comment
from community.extensions import db
from community.mentorship import conversation
from community.moderation import members
from community.moderation.models import (
    Action,
    Flag,
    FlagReason,
    LogEntry,
    Review,
    Suspension,
    TargetType,
)
from tests import moderation_support as moderation
from tests.conftest import login_as, make_post, make_user
from tests.events_support import make_event
from tests.mentorship_support import REQUEST_TEXT, make_mentor, make_request


@pytest.fixture
def app_config() -> dict:
    return {"MODERATION_QUEUE_PER_PAGE": 2, "MODERATION_LOG_PER_PAGE": 2}


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def words(response) -> str:
    """The page as read: tags dropped, entities decoded, white space collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(text).split())


def field_value(response, name: str) -> str:
    """What the page's input or textarea called ``name`` holds."""
    page = response.get_data(as_text=True)
    textarea = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    if textarea:
        return html.unescape(textarea.group(1)).strip()
    field = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert field, f"no field {name}"
    value = re.search(r'value="([^"]*)"', field.group(0))
    return html.unescape(value.group(1)) if value else ""


def error_next_to(response, field_id: str) -> str:
    """The error listed under the field ``field_id`` (``macros/forms.html``)."""
    found = re.search(
        rf'<ul class="field__errors" id="{field_id}-error"[^>]*>(.*?)</ul>',
        response.get_data(as_text=True),
        re.S,
    )
    assert found, f"no error next to {field_id}"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def make_comment(app, post, author, body: str) -> Comment:
    with app.test_request_context():
        comment = comment_services.create_comment(post, author, body)
        db.session.commit()
    return comment


@pytest.fixture
def thread(app):
    """A post and a comment by ayo; mira reads them; mod and ada moderate."""
    author = make_user("ayo")
    post = make_post(author, title="Changing lanes")
    comment = make_comment(app, post, author, "Buy my bootcamp at a discount")
    return {
        "author": author,
        "member": make_user("mira"),
        "moderator": make_user("mod", role=Role.MODERATOR),
        "admin": make_user("ada", role=Role.ADMIN),
        "post": post,
        "comment": comment,
    }


# --- flagging -------------------------------------------------------------------------------


def test_a_member_flags_a_comment_and_the_form_keeps_what_they_typed(client, thread):
    comment = thread["comment"]
    login_as(client, thread["member"])
    url = f"/comments/{comment.id}/flag"
    form = client.get(url)
    assert form.status_code == 200
    assert "Buy my bootcamp" in page_text(form)

    missing_details = client.submit(url, {"reason": "other", "details": "  "})
    assert missing_details.status_code == 400
    assert "Say what is wrong" in error_next_to(missing_details, "details")
    assert re.search(r'<input checked[^>]*value="other"', missing_details.get_data(as_text=True))

    no_reason = client.submit(url, {"details": "Sells a course in every thread"})
    assert no_reason.status_code == 400
    assert "Choose a reason." in page_text(no_reason)
    assert field_value(no_reason, "details") == "Sells a course in every thread"

    too_long = client.submit(url, {"reason": "other", "details": "x" * 501})
    assert too_long.status_code == 400
    assert "Up to 500 characters." in error_next_to(too_long, "details")
    assert field_value(too_long, "details") == "x" * 501
    assert db.session.scalar(select(func.count(Flag.id))) == 0

    sent = client.submit(url, {"reason": "other", "details": "Sells a course in every thread"})
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/comments/{comment.id}")
    assert "Moderators will look at this comment" in page_text(client.get(sent.headers["Location"]))
    flag = db.session.scalar(select(Flag))
    assert (flag.reason, flag.details, flag.reporter_id) == (
        FlagReason.OTHER,
        "Sells a course in every thread",
        thread["member"].id,
    )


def test_flagging_twice_says_it_is_already_flagged(client, thread):
    login_as(client, thread["member"])
    url = f"/comments/{thread['comment'].id}/flag"
    assert client.submit(url, {"reason": "spam", "details": ""}).status_code == 302

    again = client.submit(url, {"reason": "promotion", "details": ""}, follow_redirects=True)
    assert "You have flagged this comment; moderators will look at it." in page_text(again)
    shown = client.get(url, follow_redirects=True)
    assert "You have flagged this comment" in page_text(shown)
    assert db.session.scalar(select(func.count(Flag.id))) == 1
    assert db.session.scalar(select(Review.flag_count)) == 1


def test_a_flag_sent_without_the_details_box_is_taken(client, thread):
    """Only "other" needs details: a form posted without the box is a flag like any other."""
    login_as(client, thread["member"])
    response = client.submit(f"/comments/{thread['comment'].id}/flag", {"reason": "spam"})
    assert response.status_code == 302
    assert db.session.scalar(select(Flag.details)) == ""


def test_the_flag_address_of_a_comment_is_its_own(client, thread):
    response = client.get(f"/flag/comment/{thread['comment'].id}")
    assert response.status_code == 308
    assert response.headers["Location"].endswith(f"/comments/{thread['comment'].id}/flag")


def test_members_flag_a_profile_and_never_their_own(client, thread):
    author = thread["author"]
    login_as(client, author)
    assert client.get(f"/flag/member/{author.id}").status_code == 403

    login_as(client, thread["member"])
    page = client.get(f"/flag/member/{author.id}")
    assert page.status_code == 200
    assert "@ayo" in page_text(page)
    sent = client.submit(f"/flag/member/{author.id}", {"reason": "harassment", "details": ""})
    assert sent.headers["Location"].endswith("/u/ayo")

    login_as(client, thread["moderator"])
    queue = words(client.get("/mod/"))
    assert "Member: @ayo" in queue
    assert "Harassment × 1" in queue
    assert "Suspend ayo…" in queue
    assert client.get("/flag/member/999").status_code == 404


# --- the queue ------------------------------------------------------------------------------


def test_moderators_see_how_much_waits_in_the_navigation(client, thread):
    moderation.flag(TargetType.COMMENT, thread["comment"].id, thread["member"])
    login_as(client, thread["member"])
    home = page_text(client.get("/"))
    assert "moderation-link" not in home

    login_as(client, thread["moderator"])
    assert 'aria-label="1 waiting"' in page_text(client.get("/"))
    moderation.moderate("hide", TargetType.COMMENT, thread["comment"].id, thread["admin"])
    cleared = page_text(client.get("/"))
    assert 'class="moderation-link">Moderation</a>' in cleared
    assert 'waiting"' not in cleared


def test_the_queue_groups_flags_by_object_with_every_section(app, client, thread):
    comment, post = thread["comment"], thread["post"]
    reporters = [make_user(f"reader{number}") for number in range(2)]
    moderation.flag(TargetType.COMMENT, comment.id, *reporters, reason=FlagReason.PROMOTION)
    moderation.flag(TargetType.COMMENT, comment.id, thread["member"], reason=FlagReason.OFF_TOPIC)
    moderation.flag(TargetType.POST, post.id, thread["member"])
    newcomer = make_user("newbie")
    make_post(newcomer, title="Free course list", body="See https://courses.example.com/free")
    appellant = make_user("sue")
    moderation.suspend(appellant, thread["admin"])
    members.appeal(appellant, "It was a joke between friends.")
    db.session.commit()
    with app.test_request_context():
        make_event(thread["member"], title="Data careers meetup")

    login_as(client, thread["moderator"])
    queue = client.get("/mod/")
    text = page_text(queue)
    assert queue.status_code == 200
    # One item per object, the most flagged first, with its count and reasons.
    assert text.count('class="card queue-item" id="review-') == 2 + 1 + 1
    assert text.index("Comment: a comment on") < text.index("Post: ")
    assert "3 flags" in text
    assert "Recruiter or course promotion × 2" in text
    assert "Off topic × 1" in text
    assert "Buy my bootcamp at a discount" in text
    # Three flags hid the comment until a moderator looks.
    assert "Hidden" in text
    assert "Free course list" in text
    assert "It was a joke between friends." in text
    assert "Data careers meetup" in text
    assert 'aria-label="5 waiting"' in text


def test_the_queue_paginates_flagged_items(app, client, thread):
    author = thread["author"]
    posts = [make_post(author, title=f"Post number {number}") for number in range(5)]
    for post in posts:
        moderation.flag(TargetType.POST, post.id, thread["member"])
    login_as(client, thread["moderator"])

    first = page_text(client.get("/mod/"))
    assert "Page 1 of 3" in first
    assert "Post number 0" in first and "Post number 1" in first
    assert "Post number 2" not in first
    assert 'href="/mod/?page=2"' in first
    last = page_text(client.get("/mod/?page=3"))
    assert "Post number 4" in last and "Post number 0" not in last
    # Past the end: the last page, not an empty one.
    assert "Post number 4" in page_text(client.get("/mod/?page=99"))


def test_hiding_from_the_queue_needs_a_reason_and_keeps_what_was_typed(client, thread):
    comment = thread["comment"]
    moderation.flag(TargetType.COMMENT, comment.id, thread["member"])
    login_as(client, thread["moderator"])
    hide = f"/mod/comments/{comment.id}/hide"

    blank = client.submit(hide, {"reason": "   ", "next": "/mod/"})
    assert blank.status_code == 400
    assert "Give a reason: it goes in the public moderation log." in page_text(blank)
    assert 'aria-invalid="true"' in blank.get_data(as_text=True)

    long_reason = "Advertising " * 50
    too_long = client.submit(hide, {"reason": long_reason, "next": "/mod/"})
    assert too_long.status_code == 400
    assert "Up to 500 characters." in page_text(too_long)
    assert field_value(too_long, "reason") == long_reason.strip()
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_at is None

    done = client.submit(hide, {"reason": "Advertising a paid course", "next": "/mod/"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/mod/")
    queue = page_text(client.get("/mod/"))
    assert "Hidden. Members now see it as removed by a moderator" in queue
    assert "Nothing is flagged." in queue

    log = page_text(client.get("/mod/log"))
    assert "Hid a comment on “Changing lanes”" in log
    assert "Advertising a paid course" in log
    assert "bootcamp" not in log
    # The author hears why.
    login_as(client, thread["author"])
    assert "A moderator removed your comment: Advertising a paid course" in page_text(
        client.get("/notifications")
    )


def test_a_flagged_private_message_is_all_moderators_see_of_the_conversation(client, thread):
    mentor = make_mentor(make_user("maya"))
    mentee = make_user("mo")
    request = make_request(mentee, mentor)
    conversation.post_message(request, mentee, "Which course should I take first?")
    rude = conversation.post_message(request, mentee, "Answer faster or I post your number")
    conversation.post_message(request, mentor.user, "Please keep it civil.")
    db.session.commit()

    login_as(client, thread["member"])
    assert client.get(f"/flag/message/{rude.id}").status_code == 404
    login_as(client, mentee)
    assert client.get(f"/flag/message/{rude.id}").status_code == 403
    login_as(client, mentor.user)
    page = page_text(client.get(f"/flag/message/{rude.id}"))
    assert "Moderators will see this message only" in page
    sent = client.submit(f"/flag/message/{rude.id}", {"reason": "harassment", "details": ""})
    assert sent.status_code == 302

    login_as(client, thread["moderator"])
    queue = page_text(client.get("/mod/"))
    assert "Answer faster or I post your number" in queue
    assert "Which course should I take first?" not in queue
    assert "Please keep it civil." not in queue
    assert REQUEST_TEXT[:40] not in queue
    assert client.get(f"/mentorship/{request.id}").status_code == 404


# --- acting: missing objects, handled ones, one's own -------------------------------------


def test_acting_on_what_does_not_exist_is_404(client, thread):
    login_as(client, thread["moderator"])
    reason = {"reason": "Spam"}
    for url in (
        "/mod/posts/999/hide",
        "/mod/posts/999/edit",
        "/mod/comments/999/restore",
        "/mod/reviews/999/dismiss",
        "/mod/appeals/999/lift",
        "/mod/members/nobody/suspend",
        "/mod/members/nobody/unsuspend",
        "/flag/post/999",
        "/flag/event/999",
        "/flag/message/999",
    ):
        assert client.submit(url, reason).status_code == 404, url
    for url in ("/mod/posts/999", "/mod/comments/999", "/mod/members/nobody"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("name", ["a%00b", "x" * 2000, "%F0%9F%98%80", "..%2F..%2Fetc"])
def test_a_member_page_for_a_name_nobody_can_have_is_404(client, thread, name):
    login_as(client, thread["moderator"])
    assert client.get(f"/mod/members/{name}").status_code == 404
    assert client.submit(f"/mod/members/{name}/suspend", {"reason": "Spam"}).status_code == 404


def test_acting_on_what_was_handled_says_so(client, thread):
    comment, member = thread["comment"], thread["member"]
    review = moderation.flag(TargetType.COMMENT, comment.id, member)
    moderation.moderate("hide", TargetType.COMMENT, comment.id, thread["admin"])
    login_as(client, thread["moderator"])

    hidden = client.submit(
        f"/mod/comments/{comment.id}/hide", {"reason": "Spam"}, follow_redirects=True
    )
    assert hidden.status_code == 200
    assert "It is already hidden." in page_text(hidden)
    dismissed = client.submit(
        f"/mod/reviews/{review.id}/dismiss", {"reason": "Fine"}, follow_redirects=True
    )
    assert "Another moderator has already handled this item." in page_text(dismissed)
    unpinned = client.submit(
        f"/mod/posts/{thread['post'].id}/unpin", {"reason": "Old"}, follow_redirects=True
    )
    assert "It is not pinned." in page_text(unpinned)
    not_suspended = client.submit(
        "/mod/members/mira/unsuspend", {"reason": "Served"}, follow_redirects=True
    )
    assert "mira is not suspended." in page_text(not_suspended)
    moderation.suspend(member, thread["admin"])
    twice = client.submit("/mod/members/mira/suspend", {"reason": "Spam"}, follow_redirects=True)
    assert "mira is already suspended." in page_text(twice)
    # Nothing was logged for the moves that changed nothing.
    logged = db.session.scalars(select(LogEntry.moderator_id)).all()
    assert thread["moderator"].id not in logged


def test_an_appeal_is_answered_once(client, thread):
    member = thread["member"]
    suspension = moderation.suspend(member, thread["admin"])
    members.appeal(member, "Sorry")
    db.session.commit()
    login_as(client, thread["moderator"])
    url = f"/mod/appeals/{suspension.id}/uphold"
    assert client.submit(url, {"reason": "Repeated spam"}).status_code == 302
    again = client.submit(
        f"/mod/appeals/{suspension.id}/lift", {"reason": "Changed my mind"}, follow_redirects=True
    )
    assert "This appeal has already been answered." in page_text(again)
    db.session.expire_all()
    assert db.session.get(User, member.id).is_suspended
    assert db.session.get(Suspension, suspension.id).appeal_outcome == Action.UPHOLD.value


def test_a_moderator_leaves_flags_on_their_own_comment_to_another(app, client, thread):
    own = make_comment(app, thread["post"], thread["moderator"], "Ask a mentor first")
    review = moderation.flag(TargetType.COMMENT, own.id, thread["member"])
    login_as(client, thread["moderator"])

    assert "This is about you: another moderator handles it." in page_text(client.get("/mod/"))
    page = page_text(client.get(f"/mod/comments/{own.id}"))
    assert "This is your own comment" in page
    refused = client.submit(f"/mod/reviews/{review.id}/dismiss", {"reason": "Not spam"})
    assert refused.status_code == 403
    assert client.submit(f"/mod/comments/{own.id}/hide", {"reason": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Review, review.id).closed_at is None

    login_as(client, thread["admin"])
    assert client.submit(
        f"/mod/reviews/{review.id}/dismiss", {"reason": "Not spam"}
    ).status_code == (302)
    db.session.expire_all()
    assert db.session.get(Review, review.id).outcome == Action.DISMISS.value


# --- the public log -------------------------------------------------------------------------


def _log_at(moderator: User, action: Action, reason: str, day: str) -> None:
    entry = LogEntry(
        moderator_id=moderator.id,
        action=action,
        target_type=TargetType.TAG,
        target_id=1,
        reason=reason,
        created_at=datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC),
    )
    db.session.add(entry)
    db.session.commit()


def test_the_log_filters_and_keeps_its_filters_from_page_to_page(client, thread):
    moderator, admin = thread["moderator"], thread["admin"]
    _log_at(moderator, Action.HIDE, "Reason one", "2025-01-10")
    _log_at(moderator, Action.HIDE, "Reason two", "2025-02-10")
    _log_at(moderator, Action.HIDE, "Reason three", "2025-03-10")
    _log_at(moderator, Action.PIN, "Reason four", "2025-03-11")
    _log_at(admin, Action.HIDE, "Reason five", "2025-03-12")

    everything = page_text(client.get("/mod/log"))
    assert "Page 1 of 3" in everything
    assert "Reason five" in everything and "Reason four" in everything

    by_mod = client.get("/mod/log?moderator=mod&action=hide")
    text = page_text(by_mod)
    assert "Reason three" in text and "Reason two" in text
    assert "Reason five" not in text and "Reason four" not in text
    assert "Page 1 of 2" in text
    next_link = re.search(r'<a rel="next" href="([^"]+)"', by_mod.get_data(as_text=True))
    next_url = html.unescape(next_link.group(1))
    assert "moderator=mod" in next_url and "action=hide" in next_url and "page=2" in next_url
    second = page_text(client.get(next_url))
    assert "Reason one" in second and "Reason five" not in second and "Reason four" not in second

    dated = page_text(client.get("/mod/log?from_date=2025-02-01&to_date=2025-03-10"))
    assert "Reason two" in dated and "Reason three" in dated
    assert "Reason one" not in dated and "Reason four" not in dated
    assert 'value="2025-02-01"' in dated

    assert "No action matches these filters." in page_text(
        client.get("/mod/log?moderator=ada&action=pin")
    )
    # A filter that makes no sense is ignored, not an error.
    assert client.get("/mod/log?action=nuke&from_date=2025-02-30").status_code == 200


# --- suspensions, appeals, roles ------------------------------------------------------------


def test_a_suspended_member_sees_why_and_appeals_once(client, thread):
    member = thread["member"]
    moderation.suspend(member, thread["moderator"], reason="Advertising in every thread")
    login_as(client, member)

    home = page_text(client.get("/"))
    assert "Your account is suspended" in home and "See why, and appeal" in home
    page = client.get("/mod/appeal")
    assert "Advertising in every thread" in page_text(page)

    blank = client.submit("/mod/appeal", {"appeal": "  "})
    assert blank.status_code == 400
    assert "Say why the suspension should be reconsidered." in error_next_to(blank, "appeal")
    sent = client.submit("/mod/appeal", {"appeal": "I will post links only when asked."})
    assert sent.status_code == 302
    after = page_text(client.get("/mod/appeal"))
    assert "Your appeal is sent." in after
    assert "It waits for a moderator. You can appeal once per suspension." in after
    assert 'name="appeal"' not in after

    again = client.submit(
        "/mod/appeal", {"appeal": "Please, a second look."}, follow_redirects=True
    )
    assert "Please, a second look." not in page_text(again)
    assert "You have already appealed this suspension: one appeal each." in page_text(again)
    db.session.expire_all()
    suspension = members.current_suspension(db.session.get(User, member.id))
    assert suspension.appeal == "I will post links only when asked."
    assert db.session.scalar(select(func.count(Review.id)).where(Review.closed_at.is_(None))) == 1

    login_as(client, thread["admin"])
    assert "I will post links only when asked." in page_text(client.get("/mod/"))


def test_the_appeal_page_is_for_suspended_members_only(client, thread):
    login_as(client, thread["member"])
    response = client.get("/mod/appeal", follow_redirects=True)
    assert "Your account is not suspended." in page_text(response)
    assert client.get("/mod/appeal").status_code == 302


def test_the_last_admin_keeps_the_role(client, thread):
    login_as(client, thread["admin"])
    response = client.submit(
        "/mod/roles", {"username": "ada", "role": "member", "reason": "Stepping down"}
    )
    assert response.status_code == 400
    assert "There must always be an admin" in error_next_to(response, "role")
    assert field_value(response, "reason") == "Stepping down"
    db.session.expire_all()
    assert db.session.get(User, thread["admin"].id).role is Role.ADMIN


def test_granting_a_role_ends_the_members_sessions(app, client, thread):
    member = thread["member"]
    members_client = app.test_client()
    login_as(members_client, member)
    assert members_client.get("/settings").status_code == 200

    login_as(client, thread["admin"])
    page = page_text(client.get("/mod/roles"))
    assert "ada" in page and "mod" in page
    granted = client.submit(
        "/mod/roles",
        {"username": "Mira", "role": "moderator", "reason": "Trusted long-time member"},
        follow_redirects=True,
    )
    assert "mira is now moderator." in page_text(granted)
    db.session.expire_all()
    assert db.session.get(User, member.id).role is Role.MODERATOR
    entry = db.session.scalar(select(LogEntry).where(LogEntry.action == Action.SET_ROLE))
    assert (entry.detail, entry.reason) == ("member → moderator", "Trusted long-time member")

    signed_out = members_client.get("/settings")
    assert signed_out.status_code == 302 and "/auth/login" in signed_out.headers["Location"]
    login_as(members_client, member)
    assert members_client.get("/mod/").status_code == 200

    unknown = client.submit(
        "/mod/roles", {"username": "nobody", "role": "moderator", "reason": "x"}
    )
    assert unknown.status_code == 400
    assert "There is no member with that username." in error_next_to(unknown, "username")
