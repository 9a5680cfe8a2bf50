"""Home page, /guide and /healthz."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from community.discussions.comment_models import Step
from community.discussions.queries import get_guide
from community.extensions import db
from community.main.home import Viewer, home_sections
from community.permissions import can_submit_event
from community.templating import viewer_timezone
from community.urls import enum_arg

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    viewer = Viewer(
        time_zone=viewer_timezone(),
        signed_in=current_user.is_authenticated,
        may_submit_event=can_submit_event(current_user),
    )
    return render_template("main/home.html", sections=home_sections(viewer))


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
