"""Home page, /guide and /healthz."""

from __future__ import annotations

import re

from flask import Blueprint, abort, jsonify, redirect, render_template, url_for
from markupsafe import Markup
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from community.discussions.comment_models import Step
from community.discussions.models import Post
from community.discussions.queries import (
    experience_stats,
    experiences_that_worked,
    get_guide,
    recent_posts,
)
from community.events.queries import upcoming_for_home
from community.extensions import db
from community.mentorship.queries import mentor_figures, mentors_with_room
from community.templating import viewer_timezone
from community.urls import enum_arg

bp = Blueprint("main", __name__)

RECENT_POSTS_ON_HOME = 8
MENTORS_ON_HOME = 3
EVENTS_ON_HOME = 4
EXPERIENCES_ON_HOME = 4
SUMMARY_CHARACTERS = 320
GUIDE_SUMMARY_FALLBACK = (
    "Four steps members took to move into a new role: courses, people, a plan and a portfolio."
)
_PARAGRAPH = re.compile(r"<p(?:\s[^>]*)?>(.*?)</p>", re.IGNORECASE | re.DOTALL)


def guide_summary(post: Post) -> str:
    """The guide's first paragraph as plain text, so the home page can introduce the guide
    without carrying its whole body (a phone would scroll through all of it)."""
    match = _PARAGRAPH.search(post.body_html or "")
    summary = Markup(match.group(1)).striptags() if match else ""
    if not summary:
        return GUIDE_SUMMARY_FALLBACK
    if len(summary) <= SUMMARY_CHARACTERS:
        return summary
    return summary[:SUMMARY_CHARACTERS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


@bp.route("/")
def home():
    guide = get_guide()
    mentors = mentors_with_room(MENTORS_ON_HOME)
    return render_template(
        "main/home.html",
        guide=guide,
        guide_summary=guide_summary(guide) if guide else None,
        step_stats=experience_stats(guide) if guide else [],
        recent_posts=recent_posts(RECENT_POSTS_ON_HOME),
        experiences=experiences_that_worked(EXPERIENCES_ON_HOME),
        mentors=mentors,
        figures=mentor_figures([profile.user_id for profile, _ in mentors]),
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
