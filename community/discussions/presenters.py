"""Thread HTML for the post page and the permalink page, personalised per viewer.

The post page's thread comes from the cache (``thread_cache``) keyed by the post's
``thread_version``; the permalink page is small and rendered each time through
the same templates and slots, so both show the same controls.
"""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select

from community import permissions
from community.discussions.comment_models import Comment, ExperienceEndorsement, Step, Vote
from community.discussions.forms import CommentForm
from community.discussions.models import Post
from community.discussions.services import is_following
from community.discussions.thread_cache import RenderedThread, SlotComment, cache_for
from community.discussions.threads import (
    CommentSort,
    ThreadNode,
    experience_stats,
    load_comment_context,
    load_thread_page,
)
from community.extensions import db
from community.templating import viewer_timezone


def _slot_comments(nodes: list[ThreadNode], into: dict[int, SlotComment]) -> dict:
    for node in nodes:
        into[node.comment.id] = SlotComment.of(node.comment)
        _slot_comments(node.children, into)
    return into


def _marks_of_viewer(post: Post, comment_ids: list[int] | None = None) -> tuple[set, set]:
    """The viewer's votes and "worked for me too" marks in this thread: two queries."""
    votes = select(Vote.comment_id).join(Comment, Comment.id == Vote.comment_id)
    votes = votes.where(Vote.user_id == current_user.id, Comment.post_id == post.id)
    if comment_ids is not None:
        votes = votes.where(Vote.comment_id.in_(comment_ids))
    voted = set(db.session.scalars(votes))
    endorsed: set[int] = set()
    if post.is_guide:
        marks = select(ExperienceEndorsement.comment_id).join(
            Comment, Comment.id == ExperienceEndorsement.comment_id
        )
        marks = marks.where(
            ExperienceEndorsement.user_id == current_user.id, Comment.post_id == post.id
        )
        endorsed = set(db.session.scalars(marks))
    return voted, endorsed


def personalise(rendered: RenderedThread, post: Post, ids: list[int] | None = None) -> Markup:
    if not current_user.is_authenticated:
        return rendered.for_visitor()
    voted, endorsed = _marks_of_viewer(post, ids)
    viewer = current_user._get_current_object()  # not the proxy: it is asked per comment
    return rendered.for_member(viewer, voted, endorsed, generate_csrf())


def post_thread(post: Post, sort: CommentSort, page: int, step: Step | None):
    """(thread HTML, meta) for one page of ``post``'s comments as the viewer sees them."""
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    key = (
        post.id,
        post.thread_version,
        post.is_locked,
        sort.value,
        page,
        step.value if step else None,
        per_page,
        viewer_timezone(),
    )

    def render() -> RenderedThread:
        thread = load_thread_page(post, sort, page, per_page, step)
        stats = experience_stats(post) if post.is_guide else []
        html = render_template(
            "discussions/_thread.html", post=post, nodes=thread.roots, focus_id=None
        )
        meta = {"page": thread.page, "pages": thread.pages, "shown": thread.shown, "stats": stats}
        return RenderedThread.from_html(html, _slot_comments(thread.roots, {}), meta)

    rendered = cache_for(current_app).get_or_render(key, render)
    return personalise(rendered, post), rendered.meta


def comment_context(comment: Comment) -> Markup:
    """The comment nested inside its ancestors, with its replies below it, as HTML."""
    ancestors, node = load_comment_context(comment, CommentSort.OLDEST)
    for ancestor in reversed(ancestors):
        node = ThreadNode(ancestor, [node])
    html = render_template(
        "discussions/_thread.html", post=comment.post, nodes=[node], focus_id=comment.id
    )
    slots = _slot_comments([node], {})
    rendered = RenderedThread.from_html(html, slots)
    return personalise(rendered, comment.post, list(slots))


def get_post_or_404(post_id: int) -> Post:
    return db.get_or_404(Post, post_id)


def choice(enum_class, value: str | None, default=None):
    """``value`` as a member of ``enum_class``, or ``default`` when it is not one."""
    try:
        return enum_class(value) if value else default
    except ValueError:
        return default


def post_url(post: Post, **args) -> str:
    return url_for("discussions.show", post_id=post.id, slug=post.slug, **args)


GUIDE_PROMPT = "What steps worked for you?"


def comment_form_for(
    post: Post, parent: Comment | None = None, form: CommentForm | None = None
) -> CommentForm | None:
    """The comment box, labelled for where it is: the guide asks what worked.

    None for a viewer who can't comment: building a form would start a session
    (for its CSRF token) on a page that visitors should get without a cookie.
    """
    if not permissions.can_comment(current_user, post):
        return None
    if form is None:
        form = CommentForm(parent_id=str(parent.id) if parent else None)
    if parent is not None:
        form.body.label.text = "Your reply"
    elif post.is_guide:
        form.body.label.text = GUIDE_PROMPT
    else:
        form.body.label.text = "Add a comment"
    return form


def render_post_page(post: Post, form: CommentForm | None = None, status: int = 200):
    sort = choice(CommentSort, request.args.get("sort"), CommentSort.BEST)
    step = choice(Step, request.args.get("step"))
    page = max(request.args.get("page", 1, type=int), 1)
    thread_html, thread = post_thread(post, sort, page, step)
    following = current_user.is_authenticated and is_following(post, current_user)
    return render_template(
        "discussions/show.html",
        post=post,
        form=comment_form_for(post, form=form),
        thread_html=thread_html,
        thread=thread,
        sort=sort,
        sorts=list(CommentSort),
        step=step,
        steps=list(Step),
        following=following,
    ), status
