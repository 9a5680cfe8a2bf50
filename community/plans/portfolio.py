"""Portfolio: a member's side projects, shown on their public profile.

The guide's fourth step is to build a portfolio of real projects; members list theirs
here (title, an http(s) link, a Markdown description, skills) and the profile shows them
to everyone. Each member keeps at most ``PROJECTS_MAX``. Only the member changes their
own projects; someone else's project id reads as missing (404), so ids don't tell whose
project exists. Services flush; the request commits once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from community import permissions
from community.accounts.mentions import render_member_markdown
from community.accounts.models import User
from community.accounts.services import export_section, on_delete
from community.db import Forbidden, Refused, lock_row
from community.extensions import db
from community.plans.models import PROJECTS_MAX, PortfolioProject
from community.timeutil import utcnow

TOO_MANY = f"A portfolio holds up to {PROJECTS_MAX} projects: remove one to add another."


def projects_of(user: User) -> list[PortfolioProject]:
    """The member's projects, newest first (one query, bounded by ``PROJECTS_MAX``).

    Public: the profile page calls it for anyone's profile.
    """
    return list(
        db.session.scalars(
            select(PortfolioProject)
            .where(PortfolioProject.user_id == user.id)
            .order_by(PortfolioProject.created_at.desc(), PortfolioProject.id.desc())
            .limit(PROJECTS_MAX)
        )
    )


def own_project(user: Any, project_id: int) -> PortfolioProject | None:
    """The project if it is ``user``'s; None for anyone else's or a missing one."""
    if not permissions.is_member(user):
        return None
    return db.session.scalar(
        select(PortfolioProject).where(
            PortfolioProject.id == project_id, PortfolioProject.user_id == user.id
        )
    )


def _fill(project: PortfolioProject, title: str, url: str, description: str, skills: str) -> None:
    project.title = title.strip()
    project.url = url.strip()
    project.description_md = description
    project.description_html = render_member_markdown(description, "comment")
    project.skills = skills


def add_project(
    user: Any, *, title: str, url: str = "", description: str = "", skills: str = ""
) -> PortfolioProject:
    """Add a project to the member's portfolio, refusing past ``PROJECTS_MAX``.

    The member's row is locked first, so two adds at once can't pass the limit together.
    """
    if not permissions.can_write(user):
        raise Forbidden("Suspended members can read but not change their portfolio.")
    lock_row(User, user.id)
    count = db.session.scalar(
        select(func.count())
        .select_from(PortfolioProject)
        .where(PortfolioProject.user_id == user.id)
    )
    if count >= PROJECTS_MAX:
        raise Refused(TOO_MANY)
    project = PortfolioProject(user_id=user.id, created_at=utcnow())
    _fill(project, title, url, description, skills)
    db.session.add(project)
    db.session.flush()
    return project


def edit_project(
    user: Any,
    project: PortfolioProject,
    *,
    title: str,
    url: str = "",
    description: str = "",
    skills: str = "",
) -> PortfolioProject:
    """Change one of the member's own projects."""
    if not permissions.can_edit_project(user, project):
        raise Forbidden("Only its member changes a portfolio project.")
    _fill(project, title, url, description, skills)
    db.session.flush()
    return project


def delete_project(user: Any, project: PortfolioProject) -> None:
    """Remove one of the member's own projects."""
    if not permissions.can_edit_project(user, project):
        raise Forbidden("Only its member removes a portfolio project.")
    db.session.delete(project)
    db.session.flush()


@on_delete("portfolio")
def remove_member(user: User) -> int:
    """A deleted member's projects leave their (gone) profile. Returns how many."""
    result = db.session.execute(
        delete(PortfolioProject)
        .where(PortfolioProject.user_id == user.id)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


@export_section("portfolio")
def export_portfolio(user: User) -> list[dict[str, Any]]:
    """The member's projects as they wrote them."""
    return [
        {
            "title": project.title,
            "url": project.url,
            "description": project.description_md,
            "skills": project.skill_list,
            "created_at": project.created_at.isoformat(),
            "updated_at": project.updated_at.isoformat(),
        }
        for project in projects_of(user)
    ]
