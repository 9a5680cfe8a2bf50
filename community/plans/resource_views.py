"""The learning resources pages: the catalogue, one resource with its reviews, the
moderators' editing, and a member's moves of a resource on their plan.

Thin views over ``resources``. Every POST is one unit of work (``@transactional``) under a
write limit; GETs never write.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from community import permissions
from community.db import Forbidden, Refused, discard, transactional
from community.limits import write_limit
from community.plans import resources
from community.plans.blueprint import bp
from community.plans.models import Resource, ResourceKind, ResourceStatus
from community.plans.resource_forms import CatalogueFilterForm, PlanEntryForm, ResourceForm
from community.urls import choice, page_arg, text_arg


@bp.route("/resources/")
def resources_index():
    tracks = resources.tracks()
    kind = choice(ResourceKind, text_arg("kind", 20))
    track = text_arg("track", 100)
    track = track if track in tracks else ""
    kept = {
        name: value for name, value in (("kind", kind and kind.value), ("track", track)) if value
    }
    page = resources.catalogue_page(page_arg(), kind=kind, track=track)
    ids = [resource.id for resource in page.items]
    return render_template(
        "plans/resources.html",
        page=page,
        filters=kept,
        filter_form=CatalogueFilterForm(MultiDict(kept), tracks=tracks),
        completed={resource.id: resource.completed_count for resource in page.items},
        mine=resources.statuses_on_plan(current_user, ids),
    )


def _resource_or_404(resource_id: int) -> Resource:
    resource = resources.get_resource(resource_id)
    if resource is None:
        abort(404)
    return resource


def _resource_page(resource: Resource, status: int = 200, entry_form: PlanEntryForm | None = None):
    entry = resources.entry_for(current_user, resource)
    if entry_form is None and permissions.can_write(current_user):
        entry_form = PlanEntryForm(
            formdata=None,
            status=(entry.status if entry else ResourceStatus.PLANNED).value,
            review=entry.review_md if entry else "",
        )
    page = render_template(
        "plans/resource.html",
        resource=resource,
        figures=resources.resource_figures(resource),
        reviews=resources.reviews_page(resource, page_arg()),
        entry=entry,
        entry_form=entry_form,
    )
    return page, status


@bp.route("/resources/<int:resource_id>")
def resource(resource_id: int):
    return _resource_page(_resource_or_404(resource_id))


# --- moderators keep the catalogue ---------------------------------------------------------


def _editor() -> None:
    if not permissions.can_edit_resources(current_user):
        abort(403)


def _editing_page(form: ResourceForm, resource: Resource | None, status: int = 200):
    page = render_template(
        "plans/resource_form.html", form=form, resource=resource, tracks=resources.tracks()
    )
    return page, status


@bp.route("/resources/new")
@login_required
def new_resource():
    _editor()
    return _editing_page(ResourceForm(formdata=None), None)


@bp.route("/resources/new", methods=["POST"])
@write_limit("moderation")
@login_required
@transactional
def create_resource():
    _editor()
    form = ResourceForm()
    if not form.validate_on_submit():
        return _editing_page(form, None, 400)
    created = resources.save_resource(current_user, None, **_resource_fields(form))
    flash(f"“{created.title}” is in the catalogue.", "success")
    return redirect(url_for(".resource", resource_id=created.id))


def _resource_fields(form: ResourceForm) -> dict:
    return {
        "title": form.title.data,
        "provider": form.provider.data or "",
        "url": form.url.data,
        "kind": form.kind_value,
        "track": form.track.data or "",
        "description": form.description.data or "",
        "reason": form.reason.data or "",
    }


@bp.route("/resources/<int:resource_id>/edit")
@login_required
def edit_resource(resource_id: int):
    _editor()
    resource = _resource_or_404(resource_id)
    form = ResourceForm(
        formdata=None,
        title=resource.title,
        provider=resource.provider,
        url=resource.url,
        kind=resource.kind.value,
        track=resource.track,
        description=resource.description_md,
    )
    return _editing_page(form, resource)


@bp.route("/resources/<int:resource_id>/edit", methods=["POST"])
@write_limit("moderation")
@login_required
@transactional
def save_resource(resource_id: int):
    _editor()
    resource = _resource_or_404(resource_id)
    form = ResourceForm()
    if not form.validate_on_submit():
        return _editing_page(form, resource, 400)
    resources.save_resource(current_user, resource, **_resource_fields(form))
    flash("The resource is saved.", "success")
    return redirect(url_for(".resource", resource_id=resource.id))


# --- a member's plan -----------------------------------------------------------------------


def _writer() -> None:
    if not permissions.can_write(current_user):
        abort(403)


def _back(resource: Resource):
    """Back to the plan page when the form came from there, else to the resource."""
    if request.form.get("back") == "plan":
        return redirect(url_for(".show") + "#resources")
    return redirect(url_for(".resource", resource_id=resource.id) + "#your-plan")


def _entry_move(resource_id: int, move, success: str):
    """Validate the entry form and make ``move`` (a ``resources`` service taking the
    member, the resource, the status and the review); the form again, with why, when
    refused."""
    _writer()
    resource = _resource_or_404(resource_id)
    form = PlanEntryForm()
    if not form.validate_on_submit():
        return _resource_page(resource, 400, form)
    try:
        move(current_user, resource, form.status_value, form.review_value)
    except Forbidden:
        raise
    except Refused as refusal:
        if refusal.field not in form:
            discard()
            flash(refusal.message, "error")
            return _back(resource)
        form[refusal.field].errors = [*form[refusal.field].errors, refusal.message]
        return _resource_page(resource, 400, form)
    flash(success.format(title=resource.title), "success")
    return _back(resource)


@bp.route("/resources/<int:resource_id>/plan", methods=["POST"])
@write_limit("edits")
@login_required
@transactional
def add_to_plan(resource_id: int):
    return _entry_move(resource_id, resources.add_to_plan, "“{title}” is on your plan.")


@bp.route("/resources/<int:resource_id>/plan/edit", methods=["POST"])
@write_limit("edits")
@login_required
@transactional
def update_on_plan(resource_id: int):
    return _entry_move(resource_id, resources.update_on_plan, "“{title}” is updated on your plan.")


@bp.route("/resources/<int:resource_id>/plan/remove", methods=["POST"])
@write_limit("edits")
@login_required
@transactional
def remove_from_plan(resource_id: int):
    _writer()
    resource = _resource_or_404(resource_id)
    if resources.remove_from_plan(current_user, resource):
        flash(f"“{resource.title}” is off your plan.", "success")
    else:
        flash(f"“{resource.title}” was not on your plan.", "info")
    return _back(resource)
