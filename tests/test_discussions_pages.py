"""Discussion pages as a member sees them: posts, threads, comment actions, bad input."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from community.discussions import comment_services as service
from community.discussions import queries
from community.discussions import services as posts
from community.discussions.comment_models import (
    Comment,
    ExperienceEndorsement,
    Outcome,
    Step,
    Vote,
)
from community.discussions.models import Post
from community.discussions.queries import DEPTH_CAP
from community.extensions import db
from community.moderation.models import Flag
from community.notifications.models import Notification
from tests.conftest import login_as, make_post, make_user


def url_of(post: Post) -> str:
    return f"/posts/{post.id}/{post.slug}"


def add_comment(app, post, author, body, parent=None, experience=None) -> Comment:
    with app.test_request_context():
        made = service.create_comment(post, author, body, parent.id if parent else None, experience)
        db.session.commit()
    return made


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def guide(app):
    guide, _ = posts.seed_guide()
    db.session.commit()
    return guide


# Posts


def test_member_starts_a_discussion_with_tags(app, client):
    member = make_user()
    login_as(client, member)
    response = client.submit(
        "/posts/new",
        {"title": "From nursing to UX", "body": "**Bold** move", "tags": "ux, Career-Change"},
    )
    post = db.session.scalar(select(Post))
    assert response.status_code == 302 and response.headers["Location"] == url_of(post)
    page = client.get(url_of(post)).get_data(as_text=True)
    assert "<strong>Bold</strong> move" in page
    assert 'href="/posts/?tag=career-change">#career-change</a>' in page
    assert queries.is_following(post, member)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "body": "Body"}, "Give your post a title."),
        ({"title": "T" * 201, "body": "Body"}, "Titles are up to 200 characters."),
        ({"title": "Title", "body": "   "}, "Write the body of your post."),
        ({"title": "Title", "body": "x" * 40_001}, "A post holds up to 40,000 characters."),
        ({"title": "Title", "body": "B", "tags": "a, b, c, d, e, f"}, "Use at most 5 tags."),
        ({"title": "Title", "body": "B", "tags": "ok, no_way!"}, "no_way!"),
    ],
)
def test_bad_post_input_is_shown_next_to_the_field(app, client, data, message):
    login_as(client, make_user())
    response = client.submit("/posts/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert count(Post) == 0
    if data["title"] and len(data["title"]) < 50:
        assert f'value="{data["title"]}"' in page


def test_author_edits_own_post(app, client):
    author = make_user()
    post = make_post(author, title="Old title")
    login_as(client, author)
    response = client.submit(
        f"/posts/{post.id}/edit", {"title": "New title", "body": "New _body_", "tags": "data"}
    )
    assert response.status_code == 302
    db.session.refresh(post)
    assert (post.title, post.body_html, [t.name for t in post.tags]) == (
        "New title",
        "<p>New <em>body</em></p>",
        ["data"],
    )
    assert "edited" in client.get(url_of(post)).get_data(as_text=True)


def test_the_edit_form_shows_the_tags_as_typed_and_a_missing_tags_field_keeps_them(app, client):
    author = make_user()
    post = posts.create_post(author, "Tagged", "Body", ["ai", "ml"])
    db.session.commit()
    login_as(client, author)
    form = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert 'value="ai, ml"' in form and "&lt;Tag" not in form
    response = client.submit(f"/posts/{post.id}/edit", {"title": "Tagged", "body": "New"})
    assert response.status_code == 302
    db.session.refresh(post)
    assert [tag.name for tag in post.tags] == ["ai", "ml"]


def test_post_list_sorts_filters_and_pins(app, client):
    author = make_user()
    older = posts.create_post(author, "Older but busy", "Body", ["data"])
    newer = posts.create_post(author, "Newer and quiet", "Body", ["ux"])
    rules = posts.create_post(author, "House rules", "Body")
    rules.is_pinned = True
    db.session.commit()
    add_comment(app, older, make_user(), "one")
    newer.last_activity_at = newer.created_at
    db.session.commit()

    def titles(query):
        page = client.get(f"/posts/{query}").get_data(as_text=True)
        listed = page[page.index('<ol class="post-list">') :].split("</ol>")[0]
        return re.findall(r'<a href="/posts/\d+/[^"]+">([^<]+)</a>', listed)

    assert titles("?sort=new") == ["House rules", "Newer and quiet", "Older but busy"]
    assert titles("?sort=top") == ["House rules", "Older but busy", "Newer and quiet"]
    assert titles("?sort=active")[0] == "House rules"
    assert titles("?tag=ux") == ["Newer and quiet"]
    assert titles("?sort=nonsense&tag=") == titles("?sort=active")
    assert "1 comment" in client.get("/posts/?sort=top").get_data(as_text=True)


# Comments and replies


def test_member_comments_and_replies_nest(app, client):
    author, replier = make_user(), make_user()
    post = make_post(author)
    login_as(client, author)
    response = client.submit(
        f"/posts/{post.id}/comments", {"body": "Top *level*"}, page=url_of(post)
    )
    top = db.session.scalar(select(Comment))
    assert response.status_code == 302
    assert response.headers["Location"] == f"{url_of(post)}?sort=newest#c{top.id}"
    login_as(client, replier)
    response = client.submit(
        f"/posts/{post.id}/comments",
        {"body": "A reply", "parent_id": str(top.id)},
        page=f"/comments/{top.id}",
    )
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == top.id))
    assert response.headers["Location"] == f"/comments/{top.id}#c{reply.id}"
    page = client.get(url_of(post)).get_data(as_text=True)
    # The reply sits inside the parent's article, in a nested list.
    parent_block = page[page.index(f'id="c{top.id}"') :]
    assert parent_block.index(f'id="c{reply.id}"') < parent_block.index("</article>")
    assert "Top <em>level</em>" in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write something before posting."),
        ("  \n ", "Write something before posting."),
        ("z" * 10_001, "A comment holds up to 10,000 characters."),
    ],
)
def test_bad_comment_keeps_the_text_and_stores_nothing(app, client, body, message):
    post = make_post(make_user())
    login_as(client, make_user())
    response = client.submit(f"/posts/{post.id}/comments", {"body": body}, page=url_of(post))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    if body.strip():
        assert body[:100] in page
    assert count(Comment) == 0


def test_reply_with_a_foreign_missing_or_deleted_parent_is_refused(app, client):
    author = make_user()
    post, other = make_post(author, title="Here"), make_post(author, title="There")
    foreign = add_comment(app, other, author, "Elsewhere")
    gone = add_comment(app, post, author, "Gone soon")
    with app.test_request_context():
        service.delete_comment(gone)
    db.session.commit()
    login_as(client, make_user())
    cases = [
        (str(foreign.id), "not in this discussion"),
        ("987654", "not in this discussion"),
        ("abc", "not in this discussion"),
        ("9" * 40, "not in this discussion"),
        (str(gone.id), "has been deleted"),
    ]
    for parent_id, message in cases:
        response = client.submit(
            f"/posts/{post.id}/comments",
            {"body": "My reply text", "parent_id": parent_id},
            page=url_of(post),
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 400, parent_id
        assert message in page and "My reply text" in page
    assert count(Comment) == 2


def test_duplicate_comment_is_refused_with_a_message(app, client):
    post = make_post(make_user())
    login_as(client, make_user())
    for _ in range(2):
        response = client.submit(
            f"/posts/{post.id}/comments", {"body": "Same again"}, page=url_of(post)
        )
    assert response.status_code == 400
    assert "You just posted exactly this" in response.get_data(as_text=True)
    assert count(Comment) == 1


def test_locked_post_shows_its_thread_and_refuses_comments(app, client):
    author = make_user()
    post = make_post(author)
    add_comment(app, post, author, "Before the lock")
    post.is_locked = True
    db.session.commit()
    login_as(client, make_user())
    page = client.get(url_of(post)).get_data(as_text=True)
    assert "Before the lock" in page
    assert "This discussion is locked" in page and 'name="body"' not in page
    response = client.submit(f"/posts/{post.id}/comments", {"body": "After"}, page=url_of(post))
    assert response.status_code == 403
    assert "locked" in response.get_data(as_text=True)
    assert count(Comment) == 1


def test_logged_out_comment_goes_to_login(app, client):
    post = make_post(make_user())
    response = client.submit(f"/posts/{post.id}/comments", {"body": "Hi"}, page=url_of(post))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert count(Comment) == 0
    assert "to join the conversation" in client.get(url_of(post)).get_data(as_text=True)


# Votes


def test_vote_toggles_and_shows_the_score_and_state(app, client):
    author, voter = make_user(), make_user()
    post = make_post(author)
    made = add_comment(app, post, author, "Vote on me")
    login_as(client, voter)
    response = client.submit(f"/comments/{made.id}/vote", {}, page=url_of(post))
    assert response.status_code == 302
    page = client.get(url_of(post)).get_data(as_text=True)
    assert "1 point" in page and 'aria-pressed="true">Upvoted</button>' in page
    # A second "up" (a stale form, a double click) counts nothing.
    client.submit(f"/comments/{made.id}/vote", {"action": "up"}, page=url_of(post))
    page = client.get(url_of(post)).get_data(as_text=True)
    assert "You have already voted for this comment." in page
    assert count(Vote) == 1
    client.submit(f"/comments/{made.id}/vote", {}, page=url_of(post))  # toggles off
    page = client.get(url_of(post)).get_data(as_text=True)
    assert "0 points" in page and 'aria-pressed="false">Upvote</button>' in page
    assert count(Vote) == 0


def test_no_vote_on_own_comment(app, client):
    author = make_user()
    post = make_post(author)
    made = add_comment(app, post, author, "Mine")
    login_as(client, author)
    assert "vote-button" not in client.get(url_of(post)).get_data(as_text=True)
    response = client.submit(f"/comments/{made.id}/vote", {}, page=url_of(post))
    assert response.status_code == 403
    assert count(Vote) == 0


def test_cached_thread_shows_each_member_their_own_vote_state(app, client):
    author, first, second = make_user(), make_user(), make_user()
    post = make_post(author)
    made = add_comment(app, post, author, "Shared thread")
    login_as(client, first)
    client.submit(f"/comments/{made.id}/vote", {}, page=url_of(post))
    assert "Upvoted" in client.get(url_of(post)).get_data(as_text=True)
    login_as(client, second)
    page = client.get(url_of(post)).get_data(as_text=True)
    assert "1 point" in page and ">Upvoted<" not in page and ">Upvote<" in page
    client.submit("/auth/logout", page="/")
    page = client.get(url_of(post)).get_data(as_text=True)
    assert "1 point" in page and "vote-button" not in page and "csrf-" not in page


# Edit, revisions, delete


def test_author_edits_comment_with_mark_and_revisions(app, client, personas):
    author = make_user()
    post = make_post(author)
    made = add_comment(app, post, author, "First take")
    login_as(client, author)
    edit_page = client.get(f"/comments/{made.id}/edit").get_data(as_text=True)
    assert "First take" in edit_page
    response = client.submit(f"/comments/{made.id}/edit", {"body": "  "})
    assert response.status_code == 400
    assert "Write something before posting." in response.get_data(as_text=True)
    response = client.submit(f"/comments/{made.id}/edit", {"body": "Second take"})
    assert response.status_code == 302
    page = client.get(url_of(post)).get_data(as_text=True)
    assert "Second take" in page and "First take" not in page
    assert 'class="comment__edited">edited' in page and "Earlier versions" in page
    revisions = client.get(f"/comments/{made.id}/revisions").get_data(as_text=True)
    assert "First take" in revisions
    login_as(client, personas["moderator"])
    assert "First take" in client.get(f"/comments/{made.id}/revisions").get_data(as_text=True)
    login_as(client, personas["member"])
    assert client.get(f"/comments/{made.id}/revisions").status_code == 403


def test_deleted_comment_with_replies_keeps_its_place(app, client):
    author, replier = make_user(), make_user()
    post = make_post(author)
    parent = add_comment(app, post, author, "Parent words")
    add_comment(app, post, replier, "Reply words", parent)
    lonely = add_comment(app, post, author, "Lonely words")
    login_as(client, author)
    for target in (parent, lonely):
        response = client.submit(f"/comments/{target.id}/delete", {}, page=url_of(post))
        assert response.status_code == 302
    page = client.get(url_of(post)).get_data(as_text=True)
    assert "[deleted]" in page and "Reply words" in page
    assert "Parent words" not in page and "Lonely words" not in page
    assert f'id="c{lonely.id}"' not in page
    assert db.session.get(Comment, parent.id).deleted_at is not None


# Permalink, depth cap, pagination


def test_permalink_shows_ancestors_and_replies(app, client):
    author = make_user()
    post = make_post(author)
    top = add_comment(app, post, author, "Ancestor text")
    middle = add_comment(app, post, make_user(), "Focused text", top)
    add_comment(app, post, author, "Reply text", middle)
    add_comment(app, post, make_user(), "Sibling text", top)
    page = client.get(f"/comments/{middle.id}").get_data(as_text=True)
    assert "Ancestor text" in page and "Focused text" in page and "Reply text" in page
    assert "Sibling text" not in page
    assert "comment--focus" in page
    assert client.get("/comments/424242").status_code == 404


def test_deep_threads_continue_on_the_permalink_page(app, client):
    author = make_user()
    post = make_post(author)
    chain = [add_comment(app, post, author, "level 0")]
    for level in range(1, DEPTH_CAP + 3):
        other = make_user()
        chain.append(add_comment(app, post, other, f"level {level}", chain[-1]))
    page = client.get(url_of(post)).get_data(as_text=True)
    assert f"level {DEPTH_CAP}<" in page and f"level {DEPTH_CAP + 1}<" not in page
    link = f'<a href="/comments/{chain[DEPTH_CAP].id}#c{chain[DEPTH_CAP].id}">Continue this thread'
    assert link in page
    deeper = client.get(f"/comments/{chain[DEPTH_CAP].id}").get_data(as_text=True)
    assert f"level {DEPTH_CAP + 2}<" in deeper
    assert "<details open>" in page  # collapsible without JavaScript


def test_top_level_comments_are_paginated_with_subtrees(app, client):
    app.config["COMMENTS_PER_PAGE"] = 2
    author = make_user()
    post = make_post(author)
    tops = [add_comment(app, post, author, f"top number {n}") for n in range(3)]
    add_comment(app, post, make_user(), "reply to number 0", tops[0])
    first = client.get(f"{url_of(post)}?sort=oldest").get_data(as_text=True)
    second = client.get(f"{url_of(post)}?sort=oldest&page=2").get_data(as_text=True)
    assert "top number 0" in first and "reply to number 0" in first
    assert "top number 2" not in first and "top number 2" in second
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert client.get(f"{url_of(post)}?page=99").status_code == 200


# The guide: experiences, steps, "worked for me too"


def test_guide_asks_what_worked_and_stores_an_experience(app, client, guide):
    member = make_user()
    login_as(client, member)
    page = client.get(url_of(guide)).get_data(as_text=True)
    assert '<label for="body">What steps worked for you?</label>' in page
    response = client.submit(
        f"/posts/{guide.id}/comments",
        {
            "body": "Mentors opened doors.",
            "steps": ["networking", "projects"],
            "from_role": "Teacher",
            "to_role": "Data analyst",
            "months": "9",
            "outcome": "changed_role",
        },
        page=url_of(guide),
    )
    assert response.status_code == 302
    shared = db.session.scalar(select(Comment))
    assert shared.is_experience and shared.step_values == [Step.NETWORKING, Step.PROJECTS]
    assert (shared.months, shared.outcome) == (9, Outcome.CHANGED_ROLE)
    page = client.get(url_of(guide)).get_data(as_text=True)
    assert "Teacher → Data analyst · 9 months" in page
    assert re.search(r"Networking and mentorship</span>\s*<span[^>]*>1 member shared", page)
    filtered = client.get(f"{url_of(guide)}?step=certifications").get_data(as_text=True)
    assert "Mentors opened doors." not in filtered
    assert "No experiences with this step yet." in filtered
    assert "Mentors opened doors." in client.get(f"{url_of(guide)}?step=networking").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"steps": ["astrology"]}, "not a valid choice"),
        ({"steps": ["plan"], "months": "-3"}, "Enter a number of months from 0 to 240."),
        ({"steps": ["plan"], "months": "soon"}, "Not a valid integer value."),
        ({"steps": ["plan"], "from_role": "r" * 101}, "Up to 100 characters."),
        ({"steps": ["plan"], "outcome": "rich"}, "not a valid choice"),
    ],
)
def test_bad_experience_fields_are_refused(app, client, guide, extra, message):
    login_as(client, make_user())
    response = client.submit(
        f"/posts/{guide.id}/comments", {"body": "My story", **extra}, page=url_of(guide)
    )
    assert response.status_code == 400
    assert message.lower() in response.get_data(as_text=True).lower()
    assert count(Comment) == 0


def test_worked_for_me_too_once_per_member_not_on_own(app, client, guide):
    sharer, reader = make_user(), make_user()
    experience = service.Experience(steps=[Step.PLAN])
    shared = add_comment(app, guide, sharer, "A plan helped", experience=experience)
    login_as(client, sharer)
    assert (
        client.submit(f"/comments/{shared.id}/endorse", {}, page=url_of(guide)).status_code == 403
    )
    login_as(client, reader)
    client.submit(f"/comments/{shared.id}/endorse", {}, page=url_of(guide))
    client.submit(f"/comments/{shared.id}/endorse", {"action": "add"}, page=url_of(guide))
    page = client.get(url_of(guide)).get_data(as_text=True)
    assert "You already said this worked for you too." in page
    assert "1 member says this worked for them too" in page
    assert 'aria-pressed="true">Worked for me too ✓' in page
    assert count(ExperienceEndorsement) == 1


# Follow, notifications, flags


def test_follow_and_unfollow_buttons(app, client):
    post = make_post(make_user())
    member = make_user()
    login_as(client, member)
    assert ">Follow</button>" in client.get(url_of(post)).get_data(as_text=True)
    client.submit(f"/posts/{post.id}/follow", {}, page=url_of(post))
    page = client.get(url_of(post)).get_data(as_text=True)
    assert ">Unfollow</button>" in page and "You follow this discussion" in page
    assert queries.is_following(post, member)
    client.submit(f"/posts/{post.id}/unfollow", {}, page=url_of(post))
    assert not queries.is_following(post, member)


def test_reply_notification_leads_to_the_nested_reply(app, client):
    asker, answerer = make_user(), make_user()
    post = make_post(make_user())
    question = add_comment(app, post, asker, "How did you start?")
    login_as(client, answerer)
    client.submit(
        f"/posts/{post.id}/comments",
        {"body": f"With a course, @{asker.username}.", "parent_id": str(question.id)},
        page=f"/comments/{question.id}",
    )
    login_as(client, asker)
    notes = db.session.scalars(select(Notification).where(Notification.user_id == asker.id)).all()
    assert [n.kind for n in notes] == ["reply"]  # the reply beats the mention
    assert 'aria-label="1 unread"' in client.get("/").get_data(as_text=True)
    page = client.get(notes[0].url).get_data(as_text=True)
    assert "How did you start?" in page and "With a course" in page


def test_flag_link_leads_to_the_comment_flag_page_and_stores_the_flag(app, client):
    author = make_user()
    post = make_post(author)
    made = add_comment(app, post, author, "Spammy")
    login_as(client, make_user())
    assert f'href="/comments/{made.id}/flag">Flag</a>' in client.get(url_of(post)).get_data(
        as_text=True
    )
    response = client.submit(f"/comments/{made.id}/flag", {"reason": "spam", "details": "Ads"})
    assert response.status_code == 302
    flag = db.session.scalar(select(Flag))
    assert (flag.target_id, flag.reason.value, flag.details) == (made.id, "spam", "Ads")


def test_user_text_is_sanitised_in_comments(app, client):
    post = make_post(make_user())
    login_as(client, make_user())
    client.submit(
        f"/posts/{post.id}/comments",
        {"body": "<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>"},
        page=url_of(post),
    )
    page = client.get(url_of(post)).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "javascript:" not in page and "<img" not in page


def test_thread_sorts_by_best_newest_and_oldest(app, client):
    author = make_user()
    post = make_post(author)
    older = add_comment(app, post, author, "Older comment")
    newer = add_comment(app, post, make_user(), "Newer comment")
    with app.test_request_context():
        service.vote(older, make_user())
        db.session.commit()

    def order(sort: str) -> list[str]:
        page = client.get(f"{url_of(post)}?sort={sort}").get_data(as_text=True)
        return re.findall(r'<article class="comment[^"]*" id="c(\d+)"', page)

    assert order("oldest") == [str(older.id), str(newer.id)]
    assert order("newest") == [str(newer.id), str(older.id)]
    assert order("best") == [str(older.id), str(newer.id)]
    assert order("bogus") == order("best")


# One unit of work per request


def test_a_refusal_after_rows_were_written_stores_nothing(app, client, monkeypatch):
    """The comment row is flushed and the thread bumped before notifications go out: a
    refusal raised there still leaves no comment, no count and no notification behind."""
    author, follower = make_user(), make_user()
    post = make_post(author)
    posts.follow(post, follower)
    db.session.commit()
    version = post.thread_version

    def refuse(*args, **kwargs):
        raise service.CommentRefused("Notifications are closed today.")

    monkeypatch.setattr(service, "notify", refuse)
    login_as(client, make_user())
    response = client.submit(
        f"/posts/{post.id}/comments", {"body": "Half-done words"}, page=url_of(post)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Notifications are closed today." in page and "Half-done words" in page
    db.session.expire_all()
    assert count(Comment) == 0 and count(Notification) == 0
    stored = db.session.get(Post, post.id)
    assert (stored.comment_count, stored.thread_version) == (0, version)
    assert "Half-done words" not in client.get(url_of(post)).get_data(as_text=True)


def test_a_refused_vote_is_a_message_and_stores_nothing(app, client):
    author, voter = make_user(), make_user()
    post = make_post(author)
    made = add_comment(app, post, author, "Vote once")
    login_as(client, voter)
    client.submit(f"/comments/{made.id}/vote", {"action": "up"}, page=url_of(post))
    response = client.submit(f"/comments/{made.id}/vote", {"action": "up"}, page=url_of(post))
    assert response.status_code == 302
    assert "already voted" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert count(Vote) == 1 and db.session.get(Comment, made.id).score == 1
