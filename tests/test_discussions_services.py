"""Discussion rules at the service level, without HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community.discussions import comment_services as service
from community.discussions import queries
from community.discussions import services as posts
from community.discussions.comment_models import (
    Comment,
    CommentRevision,
    Outcome,
    Step,
    Vote,
)
from community.discussions.models import Post, PostFollow, Tag
from community.discussions.queries import (
    CommentSort,
    build_tree,
    experience_stats,
    load_comment_context,
    load_thread_page,
)
from community.extensions import db
from community.notifications.models import Notification
from tests.conftest import make_post, make_user


@pytest.fixture
def ctx(app):
    """Services build notification links with url_for: they run inside a request."""
    with app.test_request_context():
        yield


def comment(post, author, body, parent=None, experience=None):
    made = service.create_comment(post, author, body, parent.id if parent else None, experience)
    db.session.commit()
    return made


def notes_for(user):
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def test_replies_record_depth_root_and_path(ctx):
    author, other = make_user(), make_user()
    post = make_post(author)
    top = comment(post, author, "Top level")
    reply = comment(post, other, "A reply", top)
    deeper = comment(post, author, "Deeper", reply)
    assert (top.depth, reply.depth, deeper.depth) == (0, 1, 2)
    assert top.root_id == reply.root_id == deeper.root_id == top.id
    assert deeper.path == f"{top.id:010d}/{reply.id:010d}/{deeper.id:010d}"
    db.session.refresh(post)
    assert post.comment_count == 3
    assert post.thread_version == 4  # created at 1, bumped by each comment


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write something before posting."),
        ("   \n\t ", "Write something before posting."),
        ("x" * 10_001, "A comment holds up to 10,000 characters."),
    ],
)
def test_bad_bodies_are_refused_and_nothing_is_stored(ctx, body, message):
    post = make_post(make_user())
    with pytest.raises(service.CommentRefused, match=message):
        service.create_comment(post, make_user(), body)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_body_at_the_limit_is_accepted(ctx):
    made = comment(make_post(make_user()), make_user(), "y" * 10_000)
    assert len(made.body_md) == 10_000


def test_parent_from_another_post_or_missing_is_refused(ctx):
    author = make_user()
    first, second = make_post(author, title="One"), make_post(author, title="Two")
    elsewhere = comment(first, author, "On the first post")
    for parent_id in (elsewhere.id, 999_999):
        with pytest.raises(service.CommentRefused, match="not in this discussion") as refusal:
            service.create_comment(second, author, "Reply", parent_id)
        assert refusal.value.field == "parent_id"
    db.session.rollback()
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_reply_to_a_deleted_comment_is_refused(ctx):
    author = make_user()
    post = make_post(author)
    gone = comment(post, author, "Soon gone")
    service.delete_comment(gone)
    db.session.commit()
    with pytest.raises(service.CommentRefused, match="has been deleted"):
        service.create_comment(post, make_user(), "Reply", gone.id)


def test_locked_post_accepts_no_comment(ctx):
    post = make_post(make_user())
    post.is_locked = True
    db.session.commit()
    with pytest.raises(service.CommentRefused, match="locked"):
        service.create_comment(post, make_user(), "Hello")


def test_same_body_twice_in_a_row_is_a_duplicate(ctx):
    member = make_user()
    post = make_post(make_user())
    comment(post, member, "Networking worked for me.")
    with pytest.raises(service.CommentRefused, match="You just posted exactly this"):
        service.create_comment(post, member, "  Networking worked for me.  ")
    db.session.rollback()
    comment(post, member, "Something else")
    comment(post, member, "Networking worked for me.")  # not twice in a row any more
    assert db.session.scalar(select(func.count(Comment.id))) == 3


def test_one_vote_per_member_never_on_own(ctx):
    author, voter = make_user(), make_user()
    made = comment(make_post(author), author, "Vote for me")
    with pytest.raises(service.CommentRefused, match="your own comment"):
        service.vote(made, author)
    service.vote(made, voter)
    db.session.commit()
    with pytest.raises(service.CommentRefused, match="already voted"):
        service.vote(made, voter)
    db.session.rollback()
    db.session.refresh(made)
    assert made.score == 1
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 1
    service.unvote(made, voter)
    db.session.commit()
    db.session.refresh(made)
    assert made.score == 0
    with pytest.raises(service.CommentRefused, match="not voted"):
        service.unvote(made, voter)


def test_endorsement_only_on_others_experiences(ctx):
    guide, _ = posts.seed_guide()
    db.session.commit()
    sharer, reader = make_user(), make_user()
    experience = service.Experience(steps=[Step.NETWORKING], outcome=Outcome.CHANGED_ROLE)
    shared = comment(guide, sharer, "Meetups got me my job", experience=experience)
    plain = comment(guide, sharer, "Just a remark")
    with pytest.raises(service.CommentRefused, match="your own"):
        service.endorse(shared, sharer)
    with pytest.raises(service.CommentRefused, match="Only shared experiences"):
        service.endorse(plain, reader)
    service.endorse(shared, reader)
    db.session.commit()
    with pytest.raises(service.CommentRefused, match="already said"):
        service.endorse(shared, reader)
    db.session.rollback()
    db.session.refresh(shared)
    assert shared.endorsement_count == 1


def test_experience_is_kept_only_top_level_under_the_guide(ctx):
    guide, _ = posts.seed_guide()
    other_post = make_post(make_user())
    member = make_user()
    experience = service.Experience(
        steps=[Step.PLAN, Step.PROJECTS, Step.PLAN], from_role="Teacher", to_role="Analyst"
    )
    shared = comment(guide, member, "My plan", experience=experience)
    reply = comment(guide, make_user(), "Reply", shared, experience=experience)
    elsewhere = comment(other_post, member, "Elsewhere", experience=experience)
    assert shared.is_experience and shared.step_values == [Step.PLAN, Step.PROJECTS]
    assert (shared.from_role, shared.to_role) == ("Teacher", "Analyst")
    assert not reply.is_experience and not elsewhere.is_experience


def test_experience_stats_count_members_per_step_and_role_changes(ctx):
    guide, _ = posts.seed_guide()
    ann, bob, cat = make_user(), make_user(), make_user()
    changed = service.Experience(steps=[Step.NETWORKING, Step.CERTIFICATIONS])
    changed.outcome = Outcome.CHANGED_ROLE
    comment(guide, ann, "Networking and a certificate", experience=changed)
    comment(guide, ann, "Also networking again", experience=service.Experience([Step.NETWORKING]))
    comment(
        guide,
        bob,
        "Networking, still looking",
        experience=service.Experience([Step.NETWORKING], outcome=Outcome.IN_PROGRESS),
    )
    gone = comment(guide, cat, "Deleted one", experience=changed)
    service.delete_comment(gone)
    db.session.commit()
    stats = {row.step: (row.members, row.changed_role) for row in experience_stats(guide)}
    assert stats == {
        Step.CERTIFICATIONS: (1, 1),
        Step.NETWORKING: (2, 1),
        Step.PLAN: (0, 0),
        Step.PROJECTS: (0, 0),
    }


def test_edit_keeps_the_earlier_version(ctx):
    author = make_user()
    made = comment(make_post(author), author, "First *version*")
    assert service.edit_comment(made, "Second version") is True
    db.session.commit()
    assert service.edit_comment(made, "Second version") is False
    revisions = queries.revisions_of(made)
    assert [r.body_md for r in revisions] == ["First *version*"]
    assert revisions[0].body_html == "<p>First <em>version</em></p>"
    assert made.edited_at is not None and made.body_html == "<p>Second version</p>"
    with pytest.raises(service.CommentRefused):
        service.edit_comment(made, "   ")
    assert db.session.scalar(select(func.count()).select_from(CommentRevision)) == 1


def test_tree_keeps_deleted_parents_with_replies_and_drops_deleted_leaves(ctx):
    author, other = make_user(), make_user()
    post = make_post(author)
    parent = comment(post, author, "Parent")
    child = comment(post, other, "Child")
    child_reply = comment(post, author, "Reply to parent", parent)
    leaf = comment(post, other, "Leaf", child)
    for gone in (parent, leaf):
        service.delete_comment(gone)
    db.session.commit()
    page = load_thread_page(post, CommentSort.OLDEST)
    assert [node.comment.id for node in page.roots] == [parent.id, child.id]
    assert [node.comment.id for node in page.roots[0].children] == [child_reply.id]
    assert page.roots[1].children == []
    db.session.refresh(post)
    assert post.comment_count == 2


def test_sorts_order_top_level_and_siblings(ctx):
    author = make_user()
    post = make_post(author)
    first = comment(post, author, "first")
    second = comment(post, make_user(), "second")
    third = comment(post, make_user(), "third")
    for voter in (make_user(), make_user()):
        service.vote(second, voter)
    service.vote(third, make_user())
    db.session.commit()

    def order(sort):
        return [node.comment.id for node in load_thread_page(post, sort).roots]

    assert order(CommentSort.OLDEST) == [first.id, second.id, third.id]
    assert order(CommentSort.NEWEST) == [third.id, second.id, first.id]
    assert order(CommentSort.BEST) == [second.id, third.id, first.id]
    roots = build_tree([first, second, third], CommentSort.BEST)
    assert [node.comment.id for node in roots] == [second.id, third.id, first.id]


def test_top_level_pages_carry_whole_subtrees(ctx):
    author = make_user()
    post = make_post(author)
    tops = [comment(post, author, f"top {n}") for n in range(5)]
    reply = comment(post, make_user(), "reply under the first", tops[0])
    page_one = load_thread_page(post, CommentSort.OLDEST, page=1, per_page=2)
    page_three = load_thread_page(post, CommentSort.OLDEST, page=3, per_page=2)
    assert page_one.pages == 3 and page_one.shown == 3
    assert page_one.roots[0].children[0].comment.id == reply.id
    assert [node.comment.id for node in page_three.roots] == [tops[4].id]


def test_step_filter_keeps_matching_experiences(ctx):
    guide, _ = posts.seed_guide()
    networking = comment(
        guide, make_user(), "Mentors", experience=service.Experience([Step.NETWORKING])
    )
    comment(guide, make_user(), "Courses", experience=service.Experience([Step.CERTIFICATIONS]))
    comment(guide, make_user(), "Not an experience")
    page = load_thread_page(guide, CommentSort.OLDEST, step=Step.NETWORKING)
    assert [node.comment.id for node in page.roots] == [networking.id]


def test_context_holds_ancestors_and_replies(ctx):
    author = make_user()
    post = make_post(author)
    top = comment(post, author, "top")
    middle = comment(post, make_user(), "middle", top)
    bottom = comment(post, author, "bottom", middle)
    sibling = comment(post, make_user(), "sibling of middle", top)
    ancestors, node = load_comment_context(middle)
    assert [a.id for a in ancestors] == [top.id]
    assert node.comment.id == middle.id
    assert [child.comment.id for child in node.children] == [bottom.id]
    assert sibling.id not in {child.comment.id for child in node.children}


def test_reply_mention_and_follow_notify_each_member_once(ctx):
    author, replier, mentioned, follower = make_user(), make_user(), make_user(), make_user()
    post = make_post(author, title="Into data")
    posts.follow(post, follower)
    posts.follow(post, mentioned)
    db.session.commit()
    top = comment(post, follower, "Question for the thread")
    comment(post, replier, f"Answer, cc @{mentioned.username} and @{replier.username}", top)
    kinds = {
        user.username: [n.kind for n in notes_for(user)]
        for user in (author, follower, mentioned, replier)
    }
    assert kinds[author.username] == ["reply", "followed_post"]
    assert kinds[follower.username] == ["reply"]
    assert kinds[mentioned.username] == ["followed_post", "mention"]
    assert kinds[replier.username] == []
    reply_note = notes_for(follower)[0]
    assert reply_note.message == f"{replier.name} replied to your comment on “Into data”"
    assert reply_note.url.startswith("/comments/")


def test_authors_follow_their_posts_and_can_unfollow(ctx):
    author = make_user()
    post = make_post(author)
    assert queries.is_following(post, author)
    assert posts.follow(post, author) is False
    assert posts.unfollow(post, author) is True
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(PostFollow)) == 0


def test_tags_and_post_sorts(ctx):
    author = make_user()
    quiet = posts.create_post(author, "Quiet", "Body", ["data", "bootcamps"])
    busy = posts.create_post(author, "Busy", "Body", ["Data"])
    pinned = posts.create_post(author, "Rules", "Body")
    pinned.is_pinned = True
    db.session.commit()
    for n in range(2):
        comment(busy, make_user(), f"comment {n}")
    assert db.session.scalar(select(func.count(Tag.id))) == 2

    def titles(sort, tag=None):
        return [p.title for p in db.session.scalars(queries.posts_query(sort, tag))]

    assert titles(queries.PostSort.TOP) == ["Rules", "Busy", "Quiet"]
    assert titles(queries.PostSort.NEW) == ["Rules", "Busy", "Quiet"]
    assert titles(queries.PostSort.ACTIVE) == ["Rules", "Busy", "Quiet"]
    assert titles(queries.PostSort.ACTIVE, "bootcamps") == ["Quiet"]
    comment(quiet, make_user(), "wakes it up")
    assert titles(queries.PostSort.ACTIVE)[:2] == ["Rules", "Quiet"]
    assert [t.name for t in db.session.get(Post, quiet.id).tags] == ["bootcamps", "data"]


def test_mentions_are_parsed_from_markdown():
    text = "Thanks @Ann_1 and @bob-2! mail me@example.com, see @ann_1 again @x"
    assert service.mentioned_usernames(text) == ["ann_1", "bob-2"]


def test_export_includes_comments_and_experiences(ctx):
    from community.accounts.services import export_account

    guide, _ = posts.seed_guide()
    member = make_user()
    comment(guide, member, "My path", experience=service.Experience([Step.PLAN], months=6))
    exported = export_account(member)["comments"]
    assert exported[0]["body"] == "My path"
    assert exported[0]["experience"]["steps"] == ["plan"]
    assert exported[0]["experience"]["months"] == 6


def test_rerender_rebuilds_comment_html(ctx, runner):
    author = make_user()
    made = comment(make_post(author), author, "*again*")
    made.body_html = "<p>stale</p>"
    db.session.commit()
    result = runner.invoke(args=["rerender"])
    assert result.exit_code == 0, result.output
    assert "comments.body_html: 1" in result.output
    db.session.refresh(made)
    assert made.body_html == "<p><em>again</em></p>"
