"""The member's portfolio settings: list and add projects, edit and delete their own.

The profile (``/u/<username>``) shows the projects; these pages change them. Someone
else's project id answers 404, like a missing one. Every POST is one unit of work under
the settings write limit; GETs never write.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from community import permissions
from community.db import Forbidden, Refused, discard, transactional
from community.limits import write_limit
from community.plans import portfolio
from community.plans.blueprint import bp
from community.plans.models import PROJECTS_MAX, PortfolioProject
from community.plans.resource_forms import ProjectForm


def _writer() -> None:
    if not permissions.can_write(current_user):
        abort(403)


def _own_or_404(project_id: int) -> PortfolioProject:
    project = portfolio.own_project(current_user, project_id)
    if project is None:
        abort(404)
    return project


def _fields(form: ProjectForm) -> dict:
    return {
        "title": form.title.data,
        "url": form.url.data or "",
        "description": form.description.data or "",
        "skills": form.skills.data or "",
    }


def _list_page(form: ProjectForm | None = None, status: int = 200):
    projects = portfolio.projects_of(current_user)
    if form is None and permissions.can_write(current_user):
        form = ProjectForm(formdata=None)
    page = render_template(
        "plans/portfolio.html", projects=projects, form=form, projects_max=PROJECTS_MAX
    )
    return page, status


@bp.route("/settings/portfolio")
@login_required
def portfolio_settings():
    return _list_page()


@bp.route("/settings/portfolio", methods=["POST"])
@write_limit("settings")
@login_required
@transactional
def add_project():
    _writer()
    form = ProjectForm()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    try:
        project = portfolio.add_project(current_user, **_fields(form))
    except Forbidden:
        raise
    except Refused as refusal:
        discard()
        form.title.errors = [*form.title.errors, refusal.message]
        return _list_page(form, 400)
    flash(f"“{project.title}” is in your portfolio.", "success")
    return redirect(url_for(".portfolio_settings"))


def _edit_page(form: ProjectForm, project: PortfolioProject, status: int = 200):
    return render_template("plans/portfolio_edit.html", form=form, project=project), status


@bp.route("/settings/portfolio/<int:project_id>/edit")
@login_required
def edit_project(project_id: int):
    project = _own_or_404(project_id)
    _writer()
    form = ProjectForm(
        formdata=None,
        title=project.title,
        url=project.url,
        description=project.description_md,
        skills=project.skills,
    )
    return _edit_page(form, project)


@bp.route("/settings/portfolio/<int:project_id>/edit", methods=["POST"])
@write_limit("settings")
@login_required
@transactional
def save_project(project_id: int):
    project = _own_or_404(project_id)
    _writer()
    form = ProjectForm()
    if not form.validate_on_submit():
        return _edit_page(form, project, 400)
    portfolio.edit_project(current_user, project, **_fields(form))
    flash("Your project is saved.", "success")
    return redirect(url_for(".portfolio_settings"))


@bp.route("/settings/portfolio/<int:project_id>/delete", methods=["POST"])
@write_limit("settings")
@login_required
@transactional
def delete_project(project_id: int):
    project = _own_or_404(project_id)
    _writer()
    title = project.title
    portfolio.delete_project(current_user, project)
    flash(f"“{title}” is out of your portfolio.", "success")
    return redirect(url_for(".portfolio_settings"))
