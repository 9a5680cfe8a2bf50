"""An author deletes their own post: the thread stays, marked, closed to new comments.

The service and the permission, then the post page as each viewer sees it, and every
list that reads posts: the post list, home, feeds, search, profiles, the data export.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from community import permissions
from community.accounts.models import Role
from community.accounts.services import export_account
from community.db import Refused
from community.discussions import comment_services as comments
from community.discussions import services as posts
from community.discussions.comment_models import Comment, Vote
from community.discussions.models import DELETED_SLUG, DELETED_TEXT, Post
from community.extensions import db
from tests.conftest import count_queries, login_as, make_post, make_user

TITLE = "Regrets about bootcamps"
BODY = "Secret words of the deleted body"


def url_of(post: Post) -> str:
    return f"/posts/{post.id}/{post.slug}"


def add_comment(app, post: Post, author, body: str, parent: Comment | None = None) -> Comment:
    with app.test_request_context():
        made = comments.create_comment(post, author, body, parent.id if parent else None)
        db.session.commit()
    return made


def delete(post: Post) -> None:
    assert posts.delete_post(post)
    db.session.commit()


@pytest.fixture
def people(app):
    return {
        "author": make_user("poster"),
        "member": make_user("reader"),
        "moderator": make_user("mod", role=Role.MODERATOR),
    }


@pytest.fixture
def deleted(app, people):
    """A deleted post with one comment and a reply: the thread that stays."""
    post = make_post(people["author"], TITLE, BODY)
    comment = add_comment(app, post, people["member"], "A comment that stays readable")
    reply = add_comment(app, post, people["author"], "A reply that stays too", parent=comment)
    delete(post)
    return post, comment, reply


# --- the service -------------------------------------------------------------------------


def test_deleting_marks_the_post_keeps_its_words_and_thread(app, people):
    post = make_post(people["author"], TITLE, BODY)
    comment = add_comment(app, post, people["member"], "Still here")
    version = post.thread_version
    assert posts.delete_post(post)
    db.session.commit()
    db.session.expire_all()
    assert post.is_deleted and post.deleted_at is not None
    assert (post.title, post.body_md) == (TITLE, BODY)  # kept for moderators
    assert post.thread_version == version + 1  # cached threads lose their reply links
    assert post.comment_count == 1
    assert db.session.get(Comment, comment.id).deleted_at is None
    assert post.shown_title == DELETED_TEXT


def test_deleting_twice_changes_nothing_the_second_time(app, people):
    post = make_post(people["author"])
    delete(post)
    first = db.session.get(Post, post.id).deleted_at
    assert not posts.delete_post(post)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Post, post.id).deleted_at == first


def test_the_guide_cannot_be_deleted(app, people):
    guide, created = posts.seed_guide()
    db.session.commit()
    assert created
    with pytest.raises(Refused):
        posts.delete_post(guide)
    assert not permissions.can_delete_post(guide.author, guide)
    db.session.rollback()
    assert db.session.get(Post, guide.id).deleted_at is None


def test_a_deleted_post_cannot_be_edited_or_commented(app, people, deleted):
    post, comment, _ = deleted
    with pytest.raises(Refused):
        posts.edit_post(post, "New title", "New words")
    assert (post.title, post.body_md) == (TITLE, BODY)  # refused before touching it
    db.session.rollback()
    with app.test_request_context(), pytest.raises(comments.CommentRefused):
        comments.create_comment(post, people["member"], "One more")
    with app.test_request_context(), pytest.raises(comments.CommentRefused):
        comments.create_comment(post, people["member"], "A reply", comment.id)
    db.session.rollback()
    assert db.session.get(Post, post.id).comment_count == 2


def test_comments_on_a_deleted_post_can_still_be_voted(app, people, deleted):
    _, comment, _ = deleted
    moderator = people["moderator"]
    assert permissions.can_vote(moderator, comment)
    comments.vote(comment, moderator)
    db.session.commit()
    assert db.session.scalar(select(Vote).where(Vote.comment_id == comment.id)) is not None


def test_the_data_export_marks_a_deleted_post(app, people):
    kept = make_post(people["author"], "Kept", "Kept words")
    gone = make_post(people["author"], TITLE, BODY)
    delete(gone)
    exported = {item["id"]: item for item in export_account(people["author"])["posts"]}
    assert exported[kept.id]["deleted_at"] is None
    assert exported[gone.id]["deleted_at"] == gone.deleted_at.isoformat()
    assert exported[gone.id]["body"] == BODY  # the author's own words, for the author


# --- who may delete ----------------------------------------------------------------------


def test_only_the_author_may_delete_while_allowed_to_write(app, people):
    post = make_post(people["author"])
    assert permissions.can_delete_post(people["author"], post)
    assert not permissions.can_delete_post(people["member"], post)
    assert not permissions.can_delete_post(people["moderator"], post)  # they hide instead
    suspended = make_user("sam", suspended=True)
    own = make_post(suspended)
    assert not permissions.can_delete_post(suspended, own)
    delete(post)
    assert not permissions.can_delete_post(people["author"], post)
    assert not permissions.can_edit_post(people["author"], post)
    assert not permissions.can_comment(people["member"], post)
    assert not permissions.can_flag_post(people["member"], post)


def test_the_route_deletes_for_the_author_only(app, client, people):
    post = make_post(people["author"], TITLE, BODY)
    login_as(client, people["member"])
    assert client.submit(f"/posts/{post.id}/delete").status_code == 403
    login_as(client, people["moderator"])
    assert client.submit(f"/posts/{post.id}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(Post, post.id).deleted_at is None
    login_as(client, people["author"])
    page = client.get(url_of(post)).get_data(as_text=True)
    assert f'action="/posts/{post.id}/delete"' in page
    assert "data-confirm=" in page
    response = client.submit(f"/posts/{post.id}/delete")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url_of(post))
    db.session.expire_all()
    assert db.session.get(Post, post.id).deleted_at is not None
    page = client.get(url_of(post)).get_data(as_text=True)
    assert f'action="/posts/{post.id}/delete"' not in page
    assert f"/posts/{post.id}/edit" not in page
    assert client.get(f"/posts/{post.id}/edit").status_code == 403


def test_a_visitor_is_sent_to_sign_in(app, client, people):
    post = make_post(people["author"])
    response = client.submit(f"/posts/{post.id}/delete")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.submit("/posts/999999/delete").status_code in (302, 404)


# --- the post page -----------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["visitor", "member", "author"])
def test_members_see_the_thread_under_the_deleted_mark(app, client, people, deleted, viewer):
    post, _, _ = deleted
    if viewer != "visitor":
        login_as(client, people[viewer])
    response = client.get(url_of(post))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count(DELETED_TEXT) >= 2  # title and body
    assert TITLE not in page and BODY not in page
    assert "A comment that stays readable" in page and "A reply that stays too" in page
    assert f'action="/posts/{post.id}/comments"' not in page
    assert '#reply">Reply</a>' not in page
    assert "feed.atom" not in page


def test_moderators_read_the_original_words(app, client, people, deleted):
    post, _, _ = deleted
    login_as(client, people["moderator"])
    page = client.get(url_of(post)).get_data(as_text=True)
    assert DELETED_TEXT in page
    assert BODY in page and TITLE in page


def test_the_permalink_page_names_the_post_deleted(app, client, people, deleted):
    _, comment, _ = deleted
    page = client.get(f"/comments/{comment.id}").get_data(as_text=True)
    assert "A comment that stays readable" in page
    assert TITLE not in page and DELETED_TEXT in page
    assert '#reply">Reply</a>' not in page


def test_a_new_comment_on_a_deleted_post_is_refused(app, client, people, deleted):
    post, comment, _ = deleted
    login_as(client, people["member"])
    response = client.submit(f"/posts/{post.id}/comments", {"body": "Hello?"})
    assert response.status_code == 403
    assert "deleted" in response.get_data(as_text=True)
    reply = client.submit(
        f"/posts/{post.id}/comments", {"body": "Hello?", "parent_id": str(comment.id)}
    )
    assert reply.status_code == 403
    db.session.expire_all()
    assert db.session.get(Post, post.id).comment_count == 2


def test_voting_on_a_deleted_posts_comment_still_works(app, client, people, deleted):
    _, comment, _ = deleted
    login_as(client, people["moderator"])
    assert client.submit(f"/comments/{comment.id}/vote").status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).score == 1


# --- lists -------------------------------------------------------------------------------


def test_the_post_list_keeps_a_deleted_post_with_comments_only(app, client, people, deleted):
    post, _, _ = deleted
    lonely = make_post(people["author"], "Nobody answered this", "Lonely words")
    delete(lonely)
    live = make_post(people["member"], "A live discussion", "Live words")
    page = client.get("/posts/").get_data(as_text=True)
    assert "A live discussion" in page
    assert url_of(post) in page and DELETED_TEXT in page
    assert TITLE not in page and BODY not in page
    assert f"/posts/{lonely.id}/" not in page and "Nobody answered" not in page
    assert "2 discussions" in page
    assert url_of(live) in page


def test_home_feeds_and_search_leave_a_deleted_post_out(app, client, people, deleted):
    post, _, _ = deleted
    home = client.get("/").get_data(as_text=True)
    assert url_of(post) not in home and TITLE not in home
    feed = client.get("/feed.atom").get_data(as_text=True)
    assert TITLE not in feed and f"/posts/{post.id}/" not in feed
    assert client.get(f"{url_of(post)}/feed.atom").status_code == 404
    found = client.get("/search?q=bootcamps&type=posts").get_data(as_text=True)
    assert TITLE not in found
    found = client.get("/search?q=secret+deleted+body&type=posts").get_data(as_text=True)
    assert BODY not in found and f"/posts/{post.id}/" not in found


def test_comments_on_a_deleted_post_are_found_under_the_mark(app, client, people, deleted):
    found = client.get("/search?q=readable&type=comments").get_data(as_text=True)
    assert "stays readable" in found.replace("<mark>", "").replace("</mark>", "")
    assert f"Comment on “{DELETED_TEXT}”" in found
    assert TITLE not in found


def test_profiles_drop_the_post_and_mark_it_under_comments(app, client, people, deleted):
    author_page = client.get("/u/poster").get_data(as_text=True)
    assert BODY not in author_page
    commenter_page = client.get("/u/reader").get_data(as_text=True)
    assert "A comment that stays readable" in commenter_page
    assert TITLE not in commenter_page and DELETED_TEXT in commenter_page


def test_a_deleted_posts_address_loses_its_title(app, client):
    author = make_user()
    post = make_post(author, title="Why I left my employer")
    old = f"/posts/{post.id}/{post.slug}"
    login_as(client, author)
    assert client.submit(f"/posts/{post.id}/delete").status_code == 302
    response = client.get(old)
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/posts/{post.id}/deleted")
    client.submit("/auth/logout")
    page = client.get(f"/posts/{post.id}/deleted").get_data(as_text=True)
    assert DELETED_TEXT in page and "Why I left my employer" not in page
    assert db.session.get(Post, post.id).title == "Why I left my employer"


def test_a_deleted_threads_page_costs_the_same_statements_with_more_comments(app, client, people):
    login_as(client, people["member"])

    def statements(answers: int) -> int:
        post = make_post(people["author"], TITLE, BODY)
        question = add_comment(app, post, people["member"], "What did it cost?")
        for number in range(answers):
            add_comment(app, post, make_user(), f"Answer {number}", parent=question)
        delete(post)
        with count_queries() as sent:
            assert client.get(f"/posts/{post.id}/{DELETED_SLUG}").status_code == 200
        return len(sent)

    assert statements(1) == statements(15)
