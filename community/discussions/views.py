"""Discussion pages: the post list, a post with its thread, writing and following posts.

Comment actions live in ``comment_views`` and are registered on the same blueprint.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
)
from flask_login import current_user, login_required

from community import permissions
from community.discussions import comment_views, services
from community.discussions.forms import PostForm
from community.discussions.presenters import (
    choice,
    get_post_or_404,
    post_url,
    render_post_page,
)
from community.discussions.thread_cache import slot
from community.extensions import db

bp = Blueprint("discussions", __name__)
bp.add_app_template_global(slot, "comment_slot")


@bp.route("/posts/")
def index():
    sort = choice(services.PostSort, request.args.get("sort"), services.PostSort.ACTIVE)
    tag = (request.args.get("tag") or "").strip().lower()[:30] or None
    page = db.paginate(
        services.posts_query(sort, tag),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["POSTS_PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "discussions/index.html", page=page, sort=sort, tag=tag, sorts=list(services.PostSort)
    )


@bp.route("/posts/new", methods=["GET", "POST"])
@login_required
def new_post():
    if not permissions.can_create_post(current_user):
        abort(403)
    form = PostForm()
    if form.validate_on_submit():
        post = services.create_post(current_user, form.title.data, form.body.data, form.tag_names)
        db.session.commit()
        flash("Your post is published.", "success")
        return redirect(post_url(post))
    return render_template("discussions/edit_post.html", form=form, post=None)


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int):
    post = get_post_or_404(post_id)
    if not permissions.can_edit_post(current_user, post):
        abort(403)
    form = PostForm(obj=post, body=post.body_md, tags=", ".join(tag.name for tag in post.tags))
    if form.validate_on_submit():
        services.edit_post(post, form.title.data, form.body.data, form.tag_names)
        db.session.commit()
        flash("Your post is updated.", "success")
        return redirect(post_url(post))
    return render_template("discussions/edit_post.html", form=form, post=post)


@bp.route("/posts/<int:post_id>")
@bp.route("/posts/<int:post_id>/<slug>")
def show(post_id: int, slug: str | None = None):
    post = get_post_or_404(post_id)
    if slug != post.slug:
        return redirect(post_url(post, **request.args), 301)
    return render_post_page(post)


@bp.route("/posts/<int:post_id>/follow", methods=["POST"])
@login_required
def follow(post_id: int):
    post = get_post_or_404(post_id)
    if not permissions.can_follow(current_user):
        abort(403)
    services.follow(post, current_user)
    db.session.commit()
    flash("You follow this discussion: new comments will show in your notifications.", "success")
    return redirect(post_url(post))


@bp.route("/posts/<int:post_id>/unfollow", methods=["POST"])
@login_required
def unfollow(post_id: int):
    post = get_post_or_404(post_id)
    if not permissions.can_follow(current_user):
        abort(403)
    services.unfollow(post, current_user)
    db.session.commit()
    flash("You no longer follow this discussion.", "info")
    return redirect(post_url(post))


for rule, view, methods in comment_views.ROUTES:
    bp.add_url_rule(rule, view_func=view, methods=methods)
