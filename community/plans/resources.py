"""Learning resources: the catalogue moderators keep, and the resources on members' plans.

The catalogue starts with the courses the guide names (``seed_resources``, run by ``flask
seed``); moderators and admins add and edit the rest. A member puts a resource on their
plan as planned, in progress or completed; a completed one may carry a short review,
which is public on the resource page with the member's name. Leaving "completed" takes
the completion date and the review away, so a review always speaks of a finished course.

Services flush; the request commits once. Refusals are ``Refused`` (``Forbidden`` when
the move is not the actor's), with a message fit to show next to the field it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from community import permissions
from community.accounts.mentions import render_member_markdown
from community.accounts.models import User
from community.accounts.services import export_section, on_delete
from community.content import render_markdown
from community.db import CappedPagination, Forbidden, Refused, insert_once, paginate
from community.extensions import db
from community.forms import has_visible_text
from community.moderation import log
from community.moderation.models import Action, TargetType
from community.plans import counters
from community.plans.models import (
    REVIEW_MAX,
    Plan,
    PlanResource,
    Resource,
    ResourceKind,
    ResourceStatus,
)
from community.plans.services import get_or_create_plan
from community.timeutil import utcnow

RESOURCES_PER_PAGE = 20
REVIEWS_PER_PAGE = 10
#: A resource's page counts this many reviews at most ("200+"), so a popular course's page
#: costs no more than a new one's; the newest come first.
REVIEWS_COUNTED = 200

REVIEW_TOO_LONG = f"A review holds up to {REVIEW_MAX:,} characters."
REVIEW_NOT_COMPLETED = (
    "Reviews are for resources you completed: choose Completed, or leave the review empty."
)

#: The courses the guide names, with its own links; ``guide_key`` finds them again.
GUIDE_RESOURCES: tuple[dict[str, str], ...] = (
    {
        "guide_key": "guide:ai-for-everyone",
        "title": "AI for Everyone",
        "provider": "Coursera",
        "url": "https://www.coursera.org/learn/ai-for-everyone",
        "track": "Automation/AI",
        "description": "What AI can and cannot do, in plain words: a first course for "
        "anyone moving towards automation or AI work, no programming needed.",
    },
    {
        "guide_key": "guide:machine-learning",
        "title": "Introduction to Machine Learning",
        "provider": "Coursera",
        "url": "https://www.coursera.org/learn/machine-learning",
        "track": "Automation/AI",
        "description": "The foundations of machine learning: supervised and unsupervised "
        "learning, and how models are trained and judged.",
    },
    {
        "guide_key": "guide:project-management",
        "title": "Project Management Principles",
        "provider": "Coursera",
        "url": "https://www.coursera.org/learn/project-management",
        "track": "Project management",
        "description": "Planning, scheduling and leading projects: a start for those "
        "moving into project management.",
    },
)

#: Where each status sorts on a plan: what is under way first, what is done last.
_STATUS_ORDER = case(
    {
        ResourceStatus.IN_PROGRESS.value: 0,
        ResourceStatus.PLANNED.value: 1,
        ResourceStatus.COMPLETED.value: 2,
    },
    value=PlanResource.status,
    else_=3,
)


# --- the catalogue -------------------------------------------------------------------------


def seed_resources() -> int:
    """Add the guide's courses that are missing; returns how many were added.

    Safe to run again, and at the same moment from two processes: each row is inserted
    once by its ``guide_key`` (``ON CONFLICT DO NOTHING``). A moderator's later edits of
    a seeded entry are kept.
    """
    added = 0
    now = utcnow()
    for entry in GUIDE_RESOURCES:
        added += insert_once(
            Resource,
            guide_key=entry["guide_key"],
            title=entry["title"],
            provider=entry["provider"],
            url=entry["url"],
            kind=ResourceKind.COURSE,
            track=entry["track"],
            description_md=entry["description"],
            description_html=render_markdown(entry["description"], "comment"),
            created_at=now,
            updated_at=now,
        )
    db.session.flush()
    return added


def get_resource(resource_id: int) -> Resource | None:
    return db.session.get(Resource, resource_id)


def tracks() -> list[str]:
    """The tracks in use, for the catalogue's filter and the editors' suggestions."""
    return list(
        db.session.scalars(
            select(Resource.track).where(Resource.track != "").distinct().order_by(Resource.track)
        )
    )


def catalogue_page(
    page: int,
    kind: ResourceKind | None = None,
    track: str = "",
    per_page: int = RESOURCES_PER_PAGE,
) -> CappedPagination:
    """A page of the catalogue, by track then title (two statements: count and page)."""
    query = select(Resource).order_by(Resource.track, Resource.title, Resource.id)
    if kind is not None:
        query = query.where(Resource.kind == kind)
    if track:
        query = query.where(Resource.track == track)
    return paginate(query, page, per_page)


def statuses_on_plan(user: Any, resource_ids: list[int]) -> dict[int, ResourceStatus]:
    """The viewer's status for each of ``resource_ids`` on their plan (one query)."""
    if not permissions.is_member(user) or not resource_ids:
        return {}
    rows = db.session.execute(
        select(PlanResource.resource_id, PlanResource.status)
        .join(Plan, Plan.id == PlanResource.plan_id)
        .where(Plan.user_id == user.id, PlanResource.resource_id.in_(resource_ids))
    )
    return {resource_id: status for resource_id, status in rows}


@dataclass(frozen=True)
class ResourceFigures:
    """How many members have a resource on their plan, by status."""

    planned: int = 0
    in_progress: int = 0
    completed: int = 0


def resource_figures(resource: Resource) -> ResourceFigures:
    """The counts by status for one resource, as kept on its row."""
    return ResourceFigures(
        planned=resource.planned_count,
        in_progress=resource.in_progress_count,
        completed=resource.completed_count,
    )


def reviews_page(resource: Resource, page: int, per_page: int = REVIEWS_PER_PAGE):
    """The completed members' reviews of ``resource``, newest first, each with its
    member loaded (two statements: the count, capped, and the page)."""
    query = (
        select(PlanResource)
        .join(Plan, Plan.id == PlanResource.plan_id)
        .join(User, User.id == Plan.user_id)
        .where(
            PlanResource.resource_id == resource.id,
            PlanResource.status == ResourceStatus.COMPLETED,
            PlanResource.review_md != "",
            User.deleted_at.is_(None),
        )
        .options(joinedload(PlanResource.plan).joinedload(Plan.user))
        .order_by(PlanResource.completed_at.desc(), PlanResource.id.desc())
    )
    return paginate(query, page, per_page, cap=REVIEWS_COUNTED)


#: The public log's reason when the moderator gave none.
CATALOGUE_REASON = "Keeping the learning resources up to date"


def save_resource(
    actor: Any,
    resource: Resource | None,
    *,
    title: str,
    provider: str,
    url: str,
    kind: ResourceKind,
    track: str,
    description: str,
    reason: str = "",
) -> Resource:
    """Add a catalogue entry (``resource`` None) or change one: moderators and admins only,
    in the moderation log."""
    if not permissions.can_edit_resources(actor):
        raise Forbidden("Only moderators and admins edit the learning resources.")
    action = Action.EDIT_RESOURCE
    if resource is None:
        action = Action.ADD_RESOURCE
        resource = Resource(created_by_id=actor.id)
        db.session.add(resource)
    resource.title = title.strip()
    resource.provider = provider.strip()
    resource.url = url.strip()
    resource.kind = kind
    resource.track = " ".join(track.split())
    resource.description_md = description
    resource.description_html = render_member_markdown(description, "comment")
    db.session.flush()
    log.record(actor, action, TargetType.RESOURCE, resource.id, reason or CATALOGUE_REASON)
    return resource


# --- a member's plan -----------------------------------------------------------------------


def plan_resources(plan: Plan) -> list[PlanResource]:
    """The resources on ``plan``, with each resource loaded: in progress first, then
    planned, then completed; by title within each (one query)."""
    return list(
        db.session.scalars(
            select(PlanResource)
            .join(Resource, Resource.id == PlanResource.resource_id)
            .where(PlanResource.plan_id == plan.id)
            .options(joinedload(PlanResource.resource))
            .order_by(_STATUS_ORDER, Resource.title, PlanResource.id)
        )
    )


def _plan_of(user: User) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.user_id == user.id))


def entry_for(user: Any, resource: Resource) -> PlanResource | None:
    """The resource on the member's plan, or None (also for visitors)."""
    if not permissions.is_member(user):
        return None
    return db.session.scalar(
        select(PlanResource)
        .join(Plan, Plan.id == PlanResource.plan_id)
        .where(Plan.user_id == user.id, PlanResource.resource_id == resource.id)
    )


def _check_writer(user: Any) -> None:
    if not permissions.can_write(user):
        raise Forbidden("Suspended members can read but not change their plan.")


def _apply(entry: PlanResource, status: ResourceStatus, review: str | None) -> None:
    """Set the status and, when given, the review; a review lives only on a completed one."""
    if review is not None and len(review) > REVIEW_MAX:
        raise Refused(REVIEW_TOO_LONG, field="review")
    if review is not None and has_visible_text(review) and status != ResourceStatus.COMPLETED:
        raise Refused(REVIEW_NOT_COMPLETED, field="review")
    if status == ResourceStatus.COMPLETED:
        if entry.status != ResourceStatus.COMPLETED or entry.completed_at is None:
            entry.completed_at = utcnow()
        if review is not None:
            text = review if has_visible_text(review) else ""
            entry.review_md = text
            entry.review_html = render_member_markdown(text, "comment") if text else ""
    else:
        entry.completed_at = None
        entry.review_md = entry.review_html = ""
    entry.status = status


def add_to_plan(
    user: Any, resource: Resource, status: ResourceStatus, review: str | None = None
) -> PlanResource:
    """Put ``resource`` on the member's plan (their plan is made if they have none).

    A resource is on a plan once: a second add, also one racing the first, is refused
    with a message and stores nothing.
    """
    _check_writer(user)
    if entry_for(user, resource) is not None:
        raise Refused(f"“{resource.title}” is already on your plan; change its status instead.")
    plan = get_or_create_plan(user)
    entry = PlanResource(plan_id=plan.id, resource_id=resource.id)
    entry.status = ResourceStatus.PLANNED
    _apply(entry, status, review)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError as error:  # the same resource, added a moment ago
        raise Refused(
            f"“{resource.title}” is already on your plan; change its status instead."
        ) from error
    counters.count(resource.id, entry.status, 1)
    return entry


def update_on_plan(
    user: Any, resource: Resource, status: ResourceStatus, review: str | None = None
) -> PlanResource:
    """Change the status (and the review, when ``review`` is not None) of a resource on
    the member's plan. Leaving "completed" clears the completion date and the review."""
    _check_writer(user)
    entry = entry_for(user, resource)
    if entry is None:
        raise Refused(f"“{resource.title}” is not on your plan; add it first.")
    before = entry.status
    _apply(entry, status, review)
    db.session.flush()
    counters.moved(resource.id, before, entry.status)
    return entry


def remove_from_plan(user: Any, resource: Resource) -> bool:
    """Take the resource (and its review) off the member's plan; False if it wasn't there."""
    _check_writer(user)
    entry = entry_for(user, resource)
    if entry is None:
        return False
    db.session.delete(entry)
    db.session.flush()
    counters.count(resource.id, entry.status, -1)
    return True


# --- demo data ----------------------------------------------------------------------------

#: (member index, guide key, status, review) for ``flask demo-data``.
_DEMO_ENTRIES = (
    (
        0,
        "guide:ai-for-everyone",
        ResourceStatus.COMPLETED,
        "Plain words, no maths: a good first step.",
    ),
    (0, "guide:machine-learning", ResourceStatus.IN_PROGRESS, None),
    (1, "guide:ai-for-everyone", ResourceStatus.COMPLETED, "Helped me talk to engineers at work."),
    (1, "guide:machine-learning", ResourceStatus.PLANNED, None),
    (
        2,
        "guide:project-management",
        ResourceStatus.COMPLETED,
        "The scheduling weeks were the best.",
    ),
    (3, "guide:ai-for-everyone", ResourceStatus.IN_PROGRESS, None),
    (4, "guide:project-management", ResourceStatus.PLANNED, None),
)


def seed_demo_resources(members: list[User]) -> int:
    """The guide's courses, on some demo members' plans with "(Demo)" reviews; returns how
    many plan entries were added. Called by ``flask demo-data`` through the same services
    a member's own page uses."""
    seed_resources()
    by_key = {
        resource.guide_key: resource
        for resource in db.session.scalars(select(Resource).where(Resource.guide_key.is_not(None)))
    }
    added = 0
    for index, key, status, review in _DEMO_ENTRIES:
        resource = by_key.get(key)
        if resource is None or index >= len(members) or entry_for(members[index], resource):
            continue
        add_to_plan(members[index], resource, status, f"(Demo) {review}" if review else None)
        added += 1
    return added


# --- leaving and export --------------------------------------------------------------------


@on_delete("plan_resources")
def remove_member(user: User) -> int:
    """A deleted member's resources and reviews go with them (their plan row may stay
    until the plan itself is removed). Returns how many."""
    plan_ids = select(Plan.id).where(Plan.user_id == user.id).scalar_subquery()
    counters.forget_plans(plan_ids)
    result = db.session.execute(
        delete(PlanResource)
        .where(PlanResource.plan_id.in_(plan_ids))
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


@export_section("learning_resources")
def export_resources(user: User) -> list[dict[str, Any]]:
    """The resources on the member's plan with their statuses and reviews."""
    plan = _plan_of(user)
    if plan is None:
        return []
    return [
        {
            "title": entry.resource.title,
            "provider": entry.resource.provider,
            "url": entry.resource.url,
            "status": entry.status.value,
            "review": entry.review_md,
            "completed_at": _iso(entry.completed_at),
            "added_at": _iso(entry.created_at),
        }
        for entry in plan_resources(plan)
    ]
