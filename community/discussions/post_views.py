"""Post pages: the post list, a post with its thread, writing, editing and following posts.

The post page is also where a refused comment is shown again, with its text and the
message next to the field (``render_post_page``).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request
from flask_login import current_user, login_required

from community import permissions
from community.db import Refused, transactional
from community.discussions import queries, services
from community.discussions.blueprint import bp
from community.discussions.comment_models import Comment, Step
from community.discussions.forms import CommentForm, PostForm
from community.discussions.models import TAG_MAX, Post, normalise_tag
from community.discussions.preview_views import is_not_preview, is_preview, preview_of
from community.discussions.queries import CommentSort, PostSort
from community.discussions.routing import ThreadView, get_post_or_404, post_url
from community.discussions.thread_rendering import hidden_slot, post_thread, slot
from community.limits import write_limit
from community.urls import choice, text_arg

bp.add_app_template_global(slot, "comment_slot")
bp.add_app_template_global(hidden_slot, "hidden_slot")

GUIDE_PROMPT = "What steps worked for you?"
HELD_NOTICE = (
    "Your post is saved and waits for a moderator: posts with links from new members are "
    "reviewed before they are listed. You'll be notified."
)


@bp.route("/posts/")
def index():
    """The discussion list, a page at a time from a cursor in the link (``?after=``,
    ``?before=``, ``?page=last``), with a total counted up to a cap.

    DESIGN.md has lists paginate with ``?page=N``; this list no longer does, because a
    page number makes the database count and skip every post before the page, which
    grows with the community, while a cursor seeks straight to it through an index.
    Old ``?page=N`` links still work up to ``queries.POSTS_OLD_PAGES`` (skipping fewer
    posts than the count reads anyway); a larger number shows the last page. A cursor
    that does not read as one shows the first page.
    """
    sort = choice(PostSort, request.args.get("sort"), PostSort.ACTIVE)
    tag = normalise_tag(text_arg("tag", TAG_MAX)) or None
    page = queries.posts_page(
        sort, tag, queries.posts_seek(sort, request.args), current_app.config["POSTS_PER_PAGE"]
    )
    return render_template(
        "discussions/index.html", page=page, sort=sort, tag=tag, sorts=list(PostSort)
    )


@bp.route("/posts/new", methods=["GET", "POST"])
@write_limit("posts", exempt_when=is_preview)
@write_limit("previews", exempt_when=is_not_preview)
@login_required
@transactional
def new_post():
    """``preview`` (the Preview button) shows the form again with its body rendered."""
    if not permissions.can_create_post(current_user):
        abort(403)
    form = PostForm()
    preview = None
    if is_preview():
        preview = preview_of(form, "post")
    elif form.validate_on_submit():
        try:
            post = services.create_post(
                current_user, form.title.data, form.body.data, form.tag_names
            )
        except Refused as refusal:
            getattr(form, refusal.field or "body").errors.append(refusal.message)
        else:
            if post.is_held:
                flash(HELD_NOTICE, "info")
            else:
                flash("Your post is published.", "success")
            return redirect(post_url(post))
    status = 400 if form.errors else 200
    return render_template(
        "discussions/edit_post.html", form=form, post=None, preview=preview
    ), status


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@write_limit("edits", exempt_when=is_preview)
@write_limit("previews", exempt_when=is_not_preview)
@login_required
@transactional
def edit_post(post_id: int):
    post = get_post_or_404(post_id)
    if not permissions.can_edit_post(current_user, post):
        abort(403)
    # Not ``obj=post``: WTForms would take ``post.tags`` (rows) over the ``tags`` text.
    form = PostForm(
        title=post.title, body=post.body_md, tags=", ".join(tag.name for tag in post.tags)
    )
    preview = None
    if is_preview():
        preview = preview_of(form, "post")
    elif form.validate_on_submit():
        try:
            services.edit_post(post, form.title.data, form.body.data, form.tag_names)
        except Refused as refusal:
            getattr(form, refusal.field or "body").errors.append(refusal.message)
        else:
            flash("Your post is updated.", "success")
            return redirect(post_url(post))
    status = 400 if form.errors else 200
    return render_template(
        "discussions/edit_post.html", form=form, post=post, preview=preview
    ), status


@bp.route("/posts/<int:post_id>/delete", methods=["POST"])
@write_limit("edits")
@login_required
@transactional
def delete_post(post_id: int):
    """The author deletes their post (confirmed in the browser by ``data-confirm``); its
    thread stays where it was, closed to new comments."""
    post = get_post_or_404(post_id)
    if not permissions.can_delete_post(current_user, post):
        abort(403)
    services.delete_post(post)
    flash("Your post is deleted. Its comments stay, and it takes no new ones.", "info")
    return redirect(post_url(post))


@bp.route("/posts/<int:post_id>")
@bp.route("/posts/<int:post_id>/<slug>")
def show(post_id: int, slug: str | None = None):
    post = get_post_or_404(post_id)
    if not permissions.can_read_post(current_user, post):
        # No redirect to the slug: it would spell out the removed title.
        return render_template("discussions/show.html", post=post, readable=False)
    view = ThreadView.from_request()
    if slug != post.slug:
        return redirect(post_url(post, **view.query_args()), 301)
    return render_post_page(post, view)


@bp.route("/posts/<int:post_id>/follow", methods=["POST"])
@write_limit("follows")
@login_required
@transactional
def follow(post_id: int):
    post = get_post_or_404(post_id)
    if not permissions.can_follow(current_user):
        abort(403)
    services.follow(post, current_user)
    flash("You follow this discussion: new comments will show in your notifications.", "success")
    return redirect(post_url(post))


@bp.route("/posts/<int:post_id>/unfollow", methods=["POST"])
@write_limit("follows")
@login_required
@transactional
def unfollow(post_id: int):
    post = get_post_or_404(post_id)
    if not permissions.can_follow(current_user):
        abort(403)
    services.unfollow(post, current_user)
    flash("You no longer follow this discussion.", "info")
    return redirect(post_url(post))


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


def render_post_page(
    post: Post,
    view: ThreadView | None = None,
    form: CommentForm | None = None,
    status: int = 200,
    preview: str | None = None,
):
    """The post with one page of its thread and the comment box (``form`` when refused
    or previewed, ``preview`` the rendered body), for a viewer who may read it
    (``can_read_post``)."""
    view = view or ThreadView.from_request()
    thread_html, thread = post_thread(post, view.sort, view.page, view.step, cached=status < 400)
    following = current_user.is_authenticated and queries.is_following(post, current_user)
    return render_template(
        "discussions/show.html",
        post=post,
        readable=True,
        form=comment_form_for(post, form=form),
        thread_html=thread_html,
        thread=thread,
        sort=view.sort,
        sorts=list(CommentSort),
        step=view.step,
        steps=list(Step),
        following=following,
        preview_html=preview,
    ), status
