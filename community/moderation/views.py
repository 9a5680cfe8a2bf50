"""The moderation queue (``/mod/``): one page listing what waits for a moderator.

Each feature contributes a section; events waiting for review are the first.
"""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required

from community import permissions
from community.events import queries as event_queries
from community.moderation import models  # noqa: F401  (tables)
from community.moderation.blueprint import bp
from community.templating import viewer_timezone


@bp.route("/")
@login_required
def queue():
    if not permissions.can_moderate(current_user):
        abort(403)
    return render_template(
        "moderation/queue.html",
        pending_events=event_queries.pending_events(),
        pending_event_count=event_queries.pending_count(),
        viewer_zone=viewer_timezone(),
    )
