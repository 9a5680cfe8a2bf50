"""How every moderation form is answered, so each view says only what it does."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from community.db import Forbidden, Refused, discard
from community.moderation.reviews import AlreadyHandled


def perform(form: FlaskForm, action: Callable[[], str], back: str) -> Response | None:
    """Validate ``form`` and run ``action``, which returns the message to show on success.

    Success: the message is flashed and the moderator goes ``back``. Another moderator was
    first: that is said in a flash and nothing is stored. A refusal the moderator can fix:
    its message goes next to its field (``reason`` unless it names another) and None is
    returned, for the view to show the form again with a 400. ``Forbidden`` escapes (403).
    """
    if not form.validate_on_submit():
        return None
    try:
        message = action()
    except Forbidden:
        raise
    except AlreadyHandled as refusal:
        discard()
        flash(refusal.message, "info")
        return redirect(back)
    except Refused as refusal:
        field = getattr(form, refusal.field or "reason", None) or form.reason
        field.errors.append(refusal.message)
        return None
    flash(message, "success")
    return redirect(back)
