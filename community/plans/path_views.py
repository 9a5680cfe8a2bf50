"""Paths pages: ``/paths`` (the map of shared transitions, and one pair's experiences with
``?from=&to=``) and ``/paths/roles`` (moderators map free-text roles onto curated ones).

The guide page's community figures are drawn by the ``guide_figures()`` template global
registered here (``figures.guide_figures_html``).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from community import permissions
from community.db import Refused, transactional
from community.discussions.comment_models import ROLE_MAX
from community.limits import write_limit
from community.plans.blueprint import bp
from community.plans.figures import guide_figures_html
from community.plans.path_diagram import layout
from community.plans.path_forms import RoleMappingForm
from community.plans.paths import path_experiences, path_map
from community.plans.roles import curated_roles, map_role, recent_mappings, unmapped_roles
from community.urls import page_arg, text_arg

bp.add_app_template_global(guide_figures_html, "guide_figures")


@bp.route("/paths")
def paths():
    """The map; with ``from`` and ``to`` (role slugs or free text), that pair's experiences
    a page at a time. A pair that is not shown (unknown, or under three members) says so."""
    found = path_map()
    source, target = text_arg("from", ROLE_MAX), text_arg("to", ROLE_MAX)
    asked = bool(source or target)
    selected = found.find(source, target) if asked else None
    experiences = path_experiences(selected, page_arg()) if selected is not None else None
    return render_template(
        "plans/paths.html",
        paths=found.paths,
        diagram=layout(found.paths),
        asked=asked,
        selected=selected,
        experiences=experiences,
    )


@bp.route("/paths/roles", methods=["GET", "POST"])
@write_limit("moderation")
@login_required
@transactional
def roles():
    """Free-text roles nobody mapped yet, most used first, each with a select of the
    curated roles; POST ``text`` and ``role`` (a slug, or empty to unmap)."""
    if not permissions.can_moderate(current_user):
        abort(403)
    curated = curated_roles()
    form = RoleMappingForm()
    form.set_roles([(role.slug, role.name) for role in curated])
    if form.validate_on_submit():
        try:
            alias = map_role(form.text.data, form.role.data, current_user, form.reason.data or "")
        except Refused as refusal:
            getattr(form, refusal.field or "text").errors.append(refusal.message)
        else:
            if alias.role is not None:
                flash(f"“{alias.text}” now counts as {alias.role.name}.", "success")
            else:
                flash(f"“{alias.text}” is no longer mapped to a role.", "info")
            return redirect(url_for("plans.roles"))
    return render_template(
        "plans/roles.html",
        form=form,
        curated=curated,
        unmapped=unmapped_roles(page_arg()),
        mappings=recent_mappings(),
    ), (400 if form.errors else 200)
