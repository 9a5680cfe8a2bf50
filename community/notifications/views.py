"""The member's notification list, and marking notifications read."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from community.db import transactional
from community.extensions import db
from community.limits import write_limit
from community.notifications import services
from community.notifications.blueprint import bp
from community.notifications.models import Notification
from community.redirects import safe_next_url
from community.urls import page_arg


@bp.route("/notifications")
@login_required
def index():
    page = db.paginate(
        services.notifications_query(current_user),
        page=page_arg(),
        per_page=current_app.config["NOTIFICATIONS_PER_PAGE"],
        error_out=False,
    )
    return render_template("notifications/index.html", page=page)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@write_limit("notifications")
@login_required
@transactional
def mark_read(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)  # someone else's is as absent as a missing one: no id probing
    services.mark_read(notification)
    if request.form.get("open"):
        return redirect(safe_next_url(notification.url) or url_for(".index"))
    return redirect(url_for(".index"))


@bp.route("/notifications/read-all", methods=["POST"])
@write_limit("notifications")
@login_required
@transactional
def mark_all_read():
    services.mark_all_read(current_user)
    return redirect(url_for(".index"))
