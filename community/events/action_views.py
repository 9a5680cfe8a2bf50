"""What members and moderators do to an event: RSVP, approve, reject, cancel.

Each is a POST, one unit of work, answered by a redirect to the event (or the moderation
queue) with a message; a refusal that is the member's to fix is a flash, one that is not
theirs to make a 403.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_login import current_user, login_required

from community import permissions
from community.db import attempt, discard, transactional
from community.events import services
from community.events.blueprint import bp
from community.events.event_views import event_url, get_visible_event_or_404
from community.events.forms import CancelForm, RejectForm, RsvpForm
from community.events.models import RsvpStatus
from community.limits import write_limit
from community.templating import viewer_timezone

RSVP_NOTICES = {
    RsvpStatus.GOING: "You're going. Add it to your calendar below.",
    RsvpStatus.INTERESTED: "Marked as interested.",
    RsvpStatus.WAITLISTED: "Every seat is taken: you're on the waitlist, and we'll tell you "
    "if one opens up.",
    None: "Your answer is withdrawn.",
}


@bp.route("/events/<int:event_id>/rsvp", methods=["POST"])
@write_limit("rsvps")
@login_required
@transactional
def rsvp(event_id: int):
    event = get_visible_event_or_404(event_id)
    if not permissions.can_write(current_user):
        abort(403)
    form = RsvpForm()
    if not form.validate_on_submit():
        discard()
        flash("Choose going, interested or cancel.", "error")
        return redirect(event_url(event))
    try:
        status = services.rsvp(event, current_user, form.status.data)
    except services.NotAllowed:
        raise
    except services.EventRefused as refusal:
        discard()
        flash(refusal.message, "error")
        return redirect(event_url(event))
    flash(RSVP_NOTICES[status], "success")
    return redirect(event_url(event, _anchor="rsvp"))


def _back(event) -> str:
    """Moderators act from the queue or the event page; go back where they came from."""
    if request.form.get("next") == "queue":
        return "/mod/"
    return event_url(event)


@bp.route("/events/<int:event_id>/approve", methods=["POST"])
@write_limit("moderation")
@login_required
@transactional
def approve(event_id: int):
    event = get_visible_event_or_404(event_id)
    if not permissions.may_make_event_move("approve", current_user, event):
        abort(403)
    attempt(
        lambda: services.approve_event(event, current_user, request.form.get("reason", "")),
        f"{event.title} is approved and listed.",
    )
    return redirect(_back(event))


@bp.route("/events/<int:event_id>/reject", methods=["POST"])
@write_limit("moderation")
@login_required
@transactional
def reject(event_id: int):
    event = get_visible_event_or_404(event_id)
    if not permissions.may_make_event_move("reject", current_user, event):
        abort(403)
    form = RejectForm()
    refusal_message = None
    if form.validate_on_submit():
        try:
            services.reject_event(event, current_user, form.reason.data)
        except services.NotAllowed:
            raise
        except services.EventRefused as refusal:
            refusal_message = refusal.message
        else:
            flash(f"{event.title} is rejected; its organiser is told why.", "success")
            return redirect(_back(event))
    page = render_template(
        "events/reject.html",
        event=event,
        form=form,
        refusal=refusal_message,
        viewer_zone=viewer_timezone(),
    )
    return page, 400


@bp.route("/events/<int:event_id>/cancel", methods=["POST"])
@write_limit("edits")
@login_required
@transactional
def cancel(event_id: int):
    event = get_visible_event_or_404(event_id)
    if not permissions.may_make_event_move("cancel", current_user, event):
        abort(403)
    form = CancelForm()
    if not form.validate_on_submit():
        discard()
        flash(form.reason.errors[0] if form.reason.errors else "Try again.", "error")
        return redirect(event_url(event))
    attempt(
        lambda: services.cancel_event(event, current_user, form.reason.data or ""),
        f"{event.title} is cancelled. It stays listed, marked cancelled.",
    )
    return redirect(event_url(event))
