"""The member's notifications and mail choices, and the one-click unsubscribe link."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from community.accounts.models import User
from community.db import paginate, transactional
from community.extensions import csrf, db
from community.limits import write_limit
from community.notifications import (
    digests,  # noqa: F401  (flask send-digests)
    preferences,
    services,
)
from community.notifications.blueprint import bp
from community.notifications.forms import PreferencesForm
from community.notifications.models import Delivery, MailTopic, Notification
from community.notifications.unsubscribe import read_token
from community.redirects import safe_next_url
from community.urls import page_arg


@bp.route("/notifications")
@login_required
def index():
    page = paginate(
        services.notifications_query(current_user),
        page_arg(),
        current_app.config["NOTIFICATIONS_PER_PAGE"],
        cap=services.LISTED_AT_MOST,
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


@bp.route("/settings/notifications", methods=["GET", "POST"], endpoint="preferences")
@write_limit("settings")
@login_required
@transactional
def preferences_page():
    user = current_user._get_current_object()
    form = PreferencesForm(data={t.value: d.value for t, d in preferences.deliveries(user).items()})
    if form.validate_on_submit():
        preferences.set_preferences(user, form.choices_made())
        flash("Your mail choices are saved.", "success")
        return redirect(url_for(".preferences"))
    return render_template("notifications/preferences.html", form=form), 400 if form.errors else 200


def _unsubscribing() -> tuple[User, MailTopic]:
    """The member and topic a link names; a forged, truncated or stale link is a 404."""
    found = read_token(request.view_args["token"])
    if found is None:
        abort(404)
    user = db.session.get(User, found[0])
    if user is None or user.is_deleted:
        abort(404)
    return user, found[1]


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
# RFC 8058: a mail client unsubscribes with a bare POST of "List-Unsubscribe=One-Click",
# with no session and so no CSRF token. The signed token in the URL is the proof instead,
# and all it can do is turn one kind of mail off, which a forged request gains nothing from.
@csrf.exempt
@write_limit("notifications")
@transactional
def unsubscribe(token: str):
    user, topic = _unsubscribing()
    if request.method == "POST":
        preferences.set_preferences(user, {topic: Delivery.OFF})
        return render_template("notifications/unsubscribe.html", topic=topic, done=True)
    already_off = preferences.delivery_for(user, topic) is Delivery.OFF
    return render_template(
        "notifications/unsubscribe.html", topic=topic, done=False, already_off=already_off
    )
