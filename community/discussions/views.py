"""Discussion pages."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from community.discussions.models import Post
from community.extensions import db

bp = Blueprint("discussions", __name__)


def get_post_or_404(post_id: int) -> Post:
    return db.get_or_404(Post, post_id)


@bp.route("/posts/")
def index():
    query = select(Post).order_by(
        Post.is_pinned.desc(), Post.last_activity_at.desc(), Post.id.desc()
    )
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["POSTS_PER_PAGE"],
        error_out=False,
    )
    return render_template("discussions/index.html", page=page)


@bp.route("/posts/<int:post_id>")
@bp.route("/posts/<int:post_id>/<slug>")
def show(post_id: int, slug: str | None = None):
    post = get_post_or_404(post_id)
    if slug != post.slug:
        return redirect(url_for("discussions.show", post_id=post.id, slug=post.slug), 301)
    return render_template("discussions/show.html", post=post)
