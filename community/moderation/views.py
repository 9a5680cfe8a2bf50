"""The moderation queue (``/mod/``) and the public moderation log (``/mod/log``)."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user, login_required

from community import permissions
from community.events import queries as event_queries
from community.moderation import (
    models,  # noqa: F401  (tables)
    queries,
)
from community.moderation.blueprint import bp
from community.moderation.models import ACTION_LABELS, Action, ReviewCause
from community.templating import moderation_counts, viewer_timezone
from community.urls import choice, date_arg, page_arg, text_arg


@bp.route("/")
@login_required
def queue():
    if not permissions.can_moderate(current_user):
        abort(403)
    pagination, flagged = queries.flagged_page(
        page_arg(), current_app.config["MODERATION_QUEUE_PER_PAGE"]
    )
    return render_template(
        "moderation/queue.html",
        counts=moderation_counts(),
        pagination=pagination,
        flagged=flagged,
        held=queries.waiting(ReviewCause.HELD),
        appeals=queries.waiting(ReviewCause.APPEAL),
        pending_events=event_queries.pending_events(),
        viewer_zone=viewer_timezone(),
    )


@bp.route("/log")
def log():
    """Readable by everyone, like Lobsters': what moderators did and why, never hidden text."""
    filters = queries.LogFilters(
        moderator=text_arg("moderator", 40),
        action=choice(Action, request.args.get("action")),
        from_date=date_arg("from_date"),
        to_date=date_arg("to_date"),
    )
    pagination, found = queries.log_page(
        filters, page_arg(), current_app.config["MODERATION_LOG_PER_PAGE"]
    )
    return render_template(
        "moderation/log.html",
        pagination=pagination,
        targets=found,
        filters=filters,
        actions=ACTION_LABELS,
        moderators=queries.moderators_in_log(),
    )
