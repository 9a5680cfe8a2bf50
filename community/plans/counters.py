"""How many members have each resource planned, in progress and completed.

The counts live on the resource's row and change when a member's plan does (write time),
so the catalogue, a resource's page and the guide's figures read them instead of counting
``plan_resources``, whose size grows with the community. Each change is one
``UPDATE … SET n = n + 1``, atomic on both engines, so members changing their plans at the
same moment never lose a count.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from community.extensions import db
from community.plans.models import PlanResource, Resource, ResourceStatus

COLUMNS = {
    ResourceStatus.PLANNED: "planned_count",
    ResourceStatus.IN_PROGRESS: "in_progress_count",
    ResourceStatus.COMPLETED: "completed_count",
}


def count(resource_id: int, status: ResourceStatus, change: int) -> None:
    """Add ``change`` (1 or -1, or more) to the resource's count of ``status``."""
    column = getattr(Resource, COLUMNS[status])
    db.session.execute(
        update(Resource)
        .where(Resource.id == resource_id)
        .values({column: column + change})
        .execution_options(synchronize_session=False)
    )
    loaded = db.session.identity_map.get(db.session.identity_key(Resource, resource_id))
    if loaded is not None:
        db.session.expire(loaded, [COLUMNS[status]])


def moved(resource_id: int, before: ResourceStatus, after: ResourceStatus) -> None:
    if before != after:
        count(resource_id, before, -1)
        count(resource_id, after, 1)


def forget_plans(plan_ids) -> None:
    """Take out of the counts every resource on these plans (a select of ids), before the
    rows go (a removed member, a deleted plan)."""
    rows = db.session.execute(
        select(PlanResource.resource_id, PlanResource.status, func.count())
        .where(PlanResource.plan_id.in_(plan_ids))
        .group_by(PlanResource.resource_id, PlanResource.status)
    ).all()
    for resource_id, status, how_many in rows:
        count(resource_id, ResourceStatus(status), -how_many)
