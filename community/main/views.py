"""Home page, /guide and /healthz."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from community.discussions.comment_models import Step
from community.discussions.queries import experiences_that_worked, get_guide, recent_posts
from community.events.queries import upcoming_for_home
from community.extensions import db
from community.mentorship.queries import mentors_with_room
from community.templating import viewer_timezone
from community.urls import enum_arg

bp = Blueprint("main", __name__)

RECENT_POSTS_ON_HOME = 8
MENTORS_ON_HOME = 3
EVENTS_ON_HOME = 4
EXPERIENCES_ON_HOME = 4


@bp.route("/")
def home():
    return render_template(
        "main/home.html",
        guide=get_guide(),
        recent_posts=recent_posts(RECENT_POSTS_ON_HOME),
        experiences=experiences_that_worked(EXPERIENCES_ON_HOME),
        mentors=mentors_with_room(MENTORS_ON_HOME),
        events=upcoming_for_home(EVENTS_ON_HOME),
        viewer_zone=viewer_timezone(),
    )


@bp.route("/guide")
def guide():
    post = get_guide()
    if post is None:
        abort(404)
    # ``?step=`` carries over: an event page links the experiences of the step it serves.
    step = enum_arg("step", Step)
    args = {"step": step.value} if step else {}
    return redirect(url_for("discussions.show", post_id=post.id, slug=post.slug, **args))


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        body = {"status": "error", "database": "unreachable", "error": type(error).__name__}
        return jsonify(body), 503
    return jsonify({"status": "ok", "database": "ok"})
