"""Writing in threads: Markdown previews (with and without JavaScript), forms shown again at
themselves after a refusal, and comment actions that lead back to the comment."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from community.discussions import comment_services as service
from community.discussions import services as posts
from community.discussions.comment_models import COMMENT_BODY_MAX, Comment, Step
from community.discussions.models import POST_BODY_MAX, Post
from community.extensions import db, limiter
from tests.conftest import count_queries, login_as, make_post, make_user

HOSTILE = "**Bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"


def url_of(post: Post) -> str:
    return f"/posts/{post.id}/{post.slug}"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def add_comment(app, post, author, body, parent=None, experience=None) -> Comment:
    with app.test_request_context():
        made = service.create_comment(post, author, body, parent.id if parent else None, experience)
        db.session.commit()
    return made


def assert_sanitised(html: str) -> None:
    assert "<strong>Bold</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html
    assert "<img" not in html


# The preview endpoint (JavaScript)


@pytest.mark.parametrize("profile", ["comment", "post"])
def test_preview_returns_the_sanitised_fragment(app, client, profile):
    login_as(client, make_user())
    response = client.submit("/preview", {"body": HOSTILE, "profile": profile})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_sanitised(html)
    assert 'class="preview"' in html
    assert "<html" not in html  # a fragment, not a page
    heading = "h2" if profile == "post" else "h3"
    assert f'<{heading} class="preview__heading">Preview</{heading}>' in html
    assert count(Post) == 0 and count(Comment) == 0


def test_preview_uses_the_profile_of_what_is_written(app, client):
    """Posts get tables; comments don't."""
    login_as(client, make_user())
    table = "| a | b |\n|---|---|\n| 1 | 2 |"
    as_post = client.submit("/preview", {"body": table, "profile": "post"})
    as_comment = client.submit("/preview", {"body": table, "profile": "comment"})
    assert "<table>" in as_post.get_data(as_text=True)
    assert "<table>" not in as_comment.get_data(as_text=True)


def test_preview_of_nothing_says_so(app, client):
    login_as(client, make_user())
    response = client.submit("/preview", {"body": "", "profile": "comment"})
    assert response.status_code == 200
    assert "Nothing to preview yet." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("profile", "limit", "message"),
    [
        ("comment", COMMENT_BODY_MAX, "A comment holds up to 10,000 characters."),
        ("post", POST_BODY_MAX, "A post holds up to 40,000 characters."),
    ],
)
def test_preview_past_the_body_limit_is_refused(app, client, profile, limit, message):
    login_as(client, make_user())
    at_limit = client.submit("/preview", {"body": "a" * limit, "profile": profile})
    assert at_limit.status_code == 200
    response = client.submit("/preview", {"body": "a" * (limit + 1), "profile": profile})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("profile", [None, "", "admin", "posts"])
def test_preview_with_an_unknown_profile_is_refused(app, client, profile):
    login_as(client, make_user())
    data = {"body": "Hi"} if profile is None else {"body": "Hi", "profile": profile}
    assert client.submit("/preview", data).status_code == 400


def test_preview_needs_a_member(app, client):
    response = client.submit("/preview", {"body": "Hi", "profile": "comment"})
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_preview_is_refused_to_a_suspended_member(app, client):
    login_as(client, make_user(suspended=True))
    response = client.submit("/preview", {"body": "Hi", "profile": "comment"})
    assert response.status_code == 403


def test_preview_needs_the_csrf_token(app, client):
    login_as(client, make_user())
    response = client.post("/preview", data={"body": "Hi", "profile": "comment"})
    assert response.status_code == 400
    assert "Preview" not in response.get_data(as_text=True)


def test_preview_only_answers_posts(app, client):
    login_as(client, make_user())
    assert client.get("/preview").status_code == 405


# The Preview button without JavaScript


def test_post_form_preview_keeps_the_text_and_saves_nothing(app, client):
    login_as(client, make_user())
    response = client.submit(
        "/posts/new", {"title": "", "body": HOSTILE, "tags": "careers", "preview": "1"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_sanitised(html.split('id="preview"', 1)[1])
    # The text is in the form again, escaped; a missing title is not an error in a draft.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="careers"' in html
    assert 'aria-invalid="true"' not in html
    assert count(Post) == 0


def test_post_edit_preview_changes_nothing(app, client):
    author = make_user()
    post = make_post(author, body="The old text.")
    login_as(client, author)
    response = client.submit(
        f"/posts/{post.id}/edit",
        {"title": post.title, "body": "The **new** text.", "tags": "", "preview": "1"},
    )
    assert response.status_code == 200
    assert "The <strong>new</strong> text." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Post, post.id).body_md == "The old text."


def test_post_preview_past_the_limit_shows_the_message_next_to_the_body(app, client):
    login_as(client, make_user())
    response = client.submit(
        "/posts/new", {"title": "T", "body": "a" * (POST_BODY_MAX + 1), "preview": "1"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "A post holds up to 40,000 characters." in html
    assert 'class="preview"' not in html
    assert count(Post) == 0


def test_comment_preview_keeps_the_text_and_saves_nothing(app, client):
    post = make_post(make_user())
    login_as(client, make_user())
    response = client.submit(
        f"/posts/{post.id}/comments", {"body": "Try **meetups**.", "preview": "1"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Try <strong>meetups</strong>." in html.split('id="preview"', 1)[1]
    assert "Try **meetups**.</textarea>" in html
    assert count(Comment) == 0


def test_comment_preview_of_an_empty_body_is_no_error(app, client):
    post = make_post(make_user())
    login_as(client, make_user())
    response = client.submit(f"/posts/{post.id}/comments", {"body": "", "preview": "1"})
    assert response.status_code == 200
    assert "Nothing to preview yet." in response.get_data(as_text=True)
    assert count(Comment) == 0


def test_reply_preview_is_shown_on_the_reply_page(app, client):
    post = make_post(make_user())
    parent = add_comment(app, post, make_user(), "Where do I start?")
    login_as(client, make_user())
    response = client.submit(
        f"/posts/{post.id}/comments",
        {"body": "_Here_", "parent_id": str(parent.id), "preview": "1"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "A comment in" in html
    assert f'name="parent_id" value="{parent.id}"' in html
    assert "<em>Here</em>" in html
    assert count(Comment) == 1


def test_comment_preview_with_a_forged_parent_is_shown_with_the_message(app, client):
    post = make_post(make_user())
    login_as(client, make_user())
    response = client.submit(
        f"/posts/{post.id}/comments", {"body": "Hi", "parent_id": "x' OR 1=1", "preview": "1"}
    )
    assert response.status_code == 400
    assert "The comment you replied to is not in this discussion." in response.get_data(
        as_text=True
    )
    assert count(Comment) == 0


def test_comment_preview_is_refused_where_comments_are(app, client):
    post = make_post(make_user())
    login_as(client, make_user(suspended=True))
    response = client.submit(f"/posts/{post.id}/comments", {"body": "Hi", "preview": "1"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "RATELIMIT_ENABLED": True,
            "RATE_LIMIT_POSTS": "1 per minute",
            "RATE_LIMIT_PREVIEWS": "2 per minute",
        }
    ],
)
def test_previews_spend_their_own_budget(app, client):
    """Previewing a draft leaves the post budget for the post; previews have a limit too."""
    limiter.reset()
    login_as(client, make_user())
    draft = {"title": "A draft", "body": "Words"}
    previews = [
        client.submit("/posts/new", {**draft, "preview": "1"}).status_code,
        client.submit("/preview", {"body": "Words", "profile": "post"}).status_code,
        client.submit("/posts/new", {**draft, "preview": "1"}).status_code,
    ]
    assert previews == [200, 200, 429]
    assert client.submit("/posts/new", draft).status_code == 302
    assert count(Post) == 1


# Forms shown again at themselves


def test_a_refused_comment_keeps_the_text_and_opens_at_the_form(app, client):
    guide, _ = posts.seed_guide()
    db.session.commit()
    login_as(client, make_user())
    response = client.submit(
        f"/posts/{guide.id}/comments",
        {"body": "", "from_role": "Teacher", "to_role": "Analyst", "months": "7"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Write something before posting." in html
    assert 'value="Teacher"' in html and 'value="Analyst"' in html and 'value="7"' in html
    form = re.search(
        r'<form method="post" action="([^"]+)" class="form comment-form" id="reply"', html
    )
    assert form and form.group(1) == f"/posts/{guide.id}/comments#reply"
    assert count(Comment) == 0


def test_the_post_form_opens_at_itself(app, client):
    login_as(client, make_user())
    response = client.submit("/posts/new", {"title": "", "body": "Words"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'action="/posts/new#post-form"' in html and 'id="post-form"' in html
    assert 'formaction="/posts/new#preview"' in html


def test_the_reply_box_is_offered_to_members_only(app, client):
    post = make_post(make_user())
    add_comment(app, post, make_user(), "First!")
    page = client.get(url_of(post)).get_data(as_text=True)
    assert 'id="reply-template"' not in page
    assert 'class="comment__reply"' in page  # the link still leads to the reply page
    login_as(client, make_user())
    page = client.get(url_of(post)).get_data(as_text=True)
    assert page.count('id="reply-template"') == 1
    assert "js/thread.js" in page
    template = page.split('id="reply-template"', 1)[1].split("</template>", 1)[0]
    assert 'name="csrf_token"' in template and 'name="body"' in template
    assert "<script" not in template and " on" not in template.replace(" one", "")


# Comment actions lead back to the comment


def test_a_reply_leads_to_itself(app, client):
    post = make_post(make_user())
    parent = add_comment(app, post, make_user(), "Where do I start?")
    login_as(client, make_user())
    response = client.submit(
        f"/posts/{post.id}/comments", {"body": "Here.", "parent_id": str(parent.id)}
    )
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == parent.id))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/comments/{parent.id}#c{reply.id}"


@pytest.mark.parametrize("action", ["vote", "endorse"])
def test_votes_lead_back_to_the_comment_on_the_page_they_came_from(app, client, action):
    guide, _ = posts.seed_guide()
    db.session.commit()
    experience = service.Experience(steps=[Step.NETWORKING])
    comment = add_comment(app, guide, make_user(), "Meetups.", experience=experience)
    login_as(client, make_user())
    page = f"{url_of(guide)}?sort=newest&page=1"
    response = client.submit(
        f"/comments/{comment.id}/{action}", headers={"Referer": f"http://localhost{page}"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{page}#c{comment.id}"


@pytest.mark.parametrize(
    "referrer",
    [None, "http://evil.example/posts/1", "http://localhost//evil.example/x", "not a url"],
)
def test_votes_from_elsewhere_lead_to_the_permalink(app, client, referrer):
    post = make_post(make_user())
    comment = add_comment(app, post, make_user(), "Meetups.")
    login_as(client, make_user())
    headers = {"Referer": referrer} if referrer else {}
    response = client.submit(f"/comments/{comment.id}/vote", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/comments/{comment.id}#c{comment.id}"


def test_a_preview_costs_the_same_statements_however_many_names_it_mentions(app, client):
    """The session, the member and one look-up of every name mentioned, at most."""
    login_as(client, make_user("writer"))
    for number in range(30):
        make_user(f"named{number}")

    def statements(body: str) -> int:
        with count_queries() as sent:
            assert (
                client.submit("/preview", {"body": body, "profile": "comment"}).status_code == 200
            )
        return len(sent)

    one = statements("Thanks @named0, this helped.")
    many = statements(" ".join(f"@named{number} @nobody{number}" for number in range(30)))
    assert many == one
