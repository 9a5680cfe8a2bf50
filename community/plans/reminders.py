"""Overdue goals: a member whose goals passed their due date hears of it, once per due date.

``flask remind-goals`` runs daily (or hourly) from cron, or the ``remind_overdue_goals`` job
on a schedule. What is promised:

- A goal is overdue when it is not done, has a due date, and that date is before today in
  the member's own zone (``User.timezone``): a goal due today is not overdue anywhere yet.
  Members whose account is deleted are skipped.
- One notification per member per run, whatever the number of goals ("2 goals on your plan
  are past their due date: ..."), linking to the first of them on ``/plan``. It is an
  ordinary notification of kind ``plan_goal_overdue`` (topic "plans"), so the member's mail
  choice applies as ``notify`` applies it: immediately, in the daily digest, or not at all.
- Once per due date: ``Goal.reminded_at`` records the reminder. A goal whose due date is
  moved past the day it was reminded on is reminded again once overdue again; moved
  earlier, the reminder already given stands; a done goal is never reminded.
- Reads are bounded: per batch, one query locks the members' plans (with the members), one
  loads their overdue goals and one the members' mail choices, whatever the number of
  goals; one update records the reminders. On PostgreSQL the plans are locked with
  ``SKIP LOCKED``, so two runs at once never tell a member twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import click
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import contains_eager

from community.accounts.models import User
from community.db import unit_of_work
from community.extensions import db
from community.jobs import job
from community.notifications import preferences
from community.notifications.services import notify
from community.plans.blueprint import bp
from community.plans.models import Goal, Plan
from community.timeutil import to_zone, utcnow

#: Plans locked and reminded per batch (each has at most ``GOALS_MAX`` goals).
BATCH_SIZE = 100
KIND = "plan_goal_overdue"
#: Titles named in the notification; the rest are counted ("and 3 more").
TITLES_NAMED = 3


def remind_goals(now: datetime | None = None) -> int:
    """Tell every member with goals newly overdue at ``now``; the number of members told.

    Flushes, never commits: the caller's unit of work commits the notifications and sends
    any mail after its commit. Safe to run again at any time, and on PostgreSQL at the
    same time (plans another run holds are skipped).
    """
    now = now or utcnow()
    reminded = 0
    last_id = 0
    while True:
        plans = db.session.scalars(_plans_due(now, last_id)).all()
        if not plans:
            return reminded
        last_id = plans[-1].id
        members = {plan.id: plan.user for plan in plans}
        goals = db.session.scalars(_open_goals(now, list(members))).all()
        preferences.prefetch(members.values())
        by_plan: dict[int, list[Goal]] = {}
        for goal in goals:
            if _is_due(goal, members[goal.plan_id], now):
                by_plan.setdefault(goal.plan_id, []).append(goal)
        for plan_id, overdue in by_plan.items():
            notify(members[plan_id], KIND, overdue_message(overdue), f"/plan#goal-{overdue[0].id}")
            reminded += 1
        told = [goal.id for overdue in by_plan.values() for goal in overdue]
        if told:
            # ``updated_at`` kept as it was: a reminder is no edit of the goal.
            db.session.execute(
                update(Goal)
                .where(Goal.id.in_(told))
                .values(reminded_at=now, updated_at=Goal.updated_at)
                .execution_options(synchronize_session=False)
            )
        db.session.flush()


def _candidates(now: datetime):
    """Open goals that may be overdue somewhere on Earth at ``now`` and were not reminded
    since they last changed (``_is_due`` decides with the member's zone)."""
    # No zone is more than a day ahead of UTC: a goal due after UTC's today is overdue nowhere.
    return and_(
        Goal.done_at.is_(None),
        Goal.due.is_not(None),
        Goal.due <= now.date(),
        or_(Goal.reminded_at.is_(None), Goal.reminded_at < Goal.updated_at),
    )


def _plans_due(now: datetime, after_id: int):
    """Plans, by id from ``after_id``, of members not deleted with goals that may be due;
    locked so a concurrent run skips them."""
    return (
        select(Plan)
        .join(Plan.user)
        .where(
            Plan.id > after_id,
            User.deleted_at.is_(None),
            exists().where(Goal.plan_id == Plan.id, _candidates(now)),
        )
        .options(contains_eager(Plan.user))
        .order_by(Plan.id)
        .limit(BATCH_SIZE)
        .with_for_update(of=Plan, skip_locked=True, key_share=True)
    )


def _open_goals(now: datetime, plan_ids: Sequence[int]):
    """The goals of ``plan_ids`` that may be due, most overdue first within each plan."""
    return (
        select(Goal)
        .where(Goal.plan_id.in_(plan_ids), _candidates(now))
        .order_by(Goal.plan_id, Goal.due, Goal.id)
    )


def _local_date(moment: datetime, member: User) -> date:
    """The date in the member's zone (UTC when it is unset or unknown)."""
    return to_zone(moment, member.timezone or "UTC").date()


def _is_due(goal: Goal, member: User, now: datetime) -> bool:
    """Overdue in the member's zone, and not reminded since its due date was set: a reminder
    given on or before the (new) due date was about an earlier one."""
    if goal.due is None or goal.done_at is not None or goal.due >= _local_date(now, member):
        return False
    return goal.reminded_at is None or _local_date(goal.reminded_at, member) <= goal.due


def overdue_message(goals: Sequence[Goal]) -> str:
    """The notification: "2 goals on your plan are past their due date: A, B" (a few titles,
    then a count)."""
    named = ", ".join(goal.title for goal in goals[:TITLES_NAMED])
    more = len(goals) - TITLES_NAMED
    if more > 0:
        named += f" and {more} more"
    if len(goals) == 1:
        return f"A goal on your plan is past its due date: {named}"
    return f"{len(goals)} goals on your plan are past their due date: {named}"


@job("remind_overdue_goals")
def remind_goals_job() -> int:
    """For a scheduler (RQ cron) instead of the command: one unit of work."""
    with unit_of_work():
        return remind_goals()


@bp.cli.command("remind-goals")
def remind_goals_command() -> None:
    """Tell members about goals past their due date, once per due date (run daily)."""
    with unit_of_work():
        count = remind_goals()
    click.echo(f"Reminded {count} member(s) of overdue goals.")
