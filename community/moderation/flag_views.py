"""Flagging: members ask moderators to look at a post, comment, event, profile or private
message, with a reason. Only what the member can see can be flagged; anything else is 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from community import permissions
from community.db import Refused, transactional
from community.limits import write_limit
from community.moderation import queries, services, targets
from community.moderation.forms import FlagForm
from community.moderation.models import FlagReason, TargetType

#: Whether the member can see the object at all (else the flag page is a 404).
CAN_SEE = {
    TargetType.POST: permissions.can_view_post,
    TargetType.COMMENT: lambda user, comment: permissions.can_view_post(user, comment.post),
    TargetType.EVENT: permissions.can_view_event,
    TargetType.MEMBER: lambda user, member: not member.is_deleted,
    TargetType.MESSAGE: lambda user, message: permissions.can_view_mentorship(
        user, message.request
    ),
}


def where_it_lives(target: targets.Target) -> str:
    """The page the flagged object is shown on, to go back to."""
    obj = target.obj
    return {
        TargetType.POST: lambda: url_for("discussions.show", post_id=obj.id, slug=obj.slug),
        TargetType.COMMENT: lambda: url_for("discussions.permalink", comment_id=obj.id),
        TargetType.EVENT: lambda: url_for("events.show", event_id=obj.id, slug=obj.slug),
        TargetType.MEMBER: lambda: url_for("accounts.profile", username=obj.username),
        TargetType.MESSAGE: lambda: url_for(
            "mentorship.show", request_id=obj.request_id, _anchor=f"message-{obj.id}"
        ),
    }[target.type]()


def flag(kind: str, target_id: int):
    target_type = TargetType(kind)
    target = targets.get(target_type, target_id)
    if target.obj is None or not CAN_SEE[target_type](current_user, target.obj):
        abort(404)
    if not permissions.can_flag_object(current_user, target_type, target.obj):
        abort(403)
    back = where_it_lives(target)
    if queries.flags_by(current_user, target_type, target_id) is not None:
        flash(f"You have flagged this {target_type.label}; moderators will look at it.", "info")
        return redirect(back)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            services.flag(target, current_user, FlagReason(form.reason.data), form.details.data)
        except Refused as refusal:
            getattr(form, refusal.field or "reason").errors.append(refusal.message)
        else:
            flash(f"Thank you. Moderators will look at this {target_type.label}.", "success")
            return redirect(back)
    status = 400 if form.errors else 200
    return render_template("moderation/flag.html", form=form, target=target, back=back), status


def register_flag_routes(app) -> None:
    """``/flag/<kind>/<id>`` for everything, and the comment's own ``/comments/<id>/flag``."""
    view = write_limit("flags")(login_required(transactional(flag)))
    kinds = ",".join(permissions.FLAG_PREDICATES)
    app.add_url_rule(
        "/comments/<int:target_id>/flag",
        "moderation.flag",
        view,
        methods=["GET", "POST"],
        defaults={"kind": "comment"},
    )
    app.add_url_rule(
        f"/flag/<any({kinds}):kind>/<int:target_id>",
        "moderation.flag",
        view,
        methods=["GET", "POST"],
    )
