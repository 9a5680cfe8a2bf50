"""Home page, /guide and /healthz."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, url_for
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from community.discussions.models import Post
from community.discussions.services import get_guide
from community.extensions import db
from community.mentorship.profiles import mentors_with_room

bp = Blueprint("main", __name__)

RECENT_POSTS_ON_HOME = 8
MENTORS_ON_HOME = 3


@bp.route("/")
def home():
    guide = get_guide()
    recent = db.session.scalars(
        select(Post)
        .where(Post.is_guide.is_(False))
        .order_by(Post.last_activity_at.desc(), Post.id.desc())
        .limit(RECENT_POSTS_ON_HOME)
    ).all()
    return render_template(
        "main/home.html",
        guide=guide,
        recent_posts=recent,
        mentors=mentors_with_room(MENTORS_ON_HOME),
    )


@bp.route("/guide")
def guide():
    post = get_guide()
    if post is None:
        abort(404)
    return redirect(url_for("discussions.show", post_id=post.id, slug=post.slug))


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        body = {"status": "error", "database": "unreachable", "error": type(error).__name__}
        return jsonify(body), 503
    return jsonify({"status": "ok", "database": "ok"})
