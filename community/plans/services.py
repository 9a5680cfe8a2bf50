"""A member's transition plan: who may see it, its roles and goals, the guide's suggestions,
mentors' comments, and the figures of its progress.

Only these functions change a plan. Each raises ``PlanError`` (a ``Refused``) with a message
fit to show, naming the form field it belongs to; services flush, the request commits once.

Who sees a plan (``viewer_access``): its member always; everyone when it is on their
profile; a mentor while a mentorship with the member is accepted and the member shares the
plan with their mentors (on the profile counts as shared). Nobody else, staff included, and
they are told "not found" (404), so a private plan's existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from community import permissions
from community.accounts.mentions import render_member_markdown
from community.accounts.models import User
from community.accounts.profiles import member_named
from community.accounts.services import export_section, on_delete
from community.db import Refused, insert_once, lock_row
from community.discussions.comment_models import ROLE_MAX, Step
from community.extensions import db
from community.mentorship.models import MentorshipRequest, RequestState
from community.notifications.services import notify
from community.plans import counters
from community.plans.guide_goals import GUIDE_GOALS
from community.plans.models import (
    GOALS_MAX,
    PLAN_COMMENTS_MAX,
    TARGETS_MAX,
    Goal,
    GoalComment,
    Horizon,
    Plan,
    PlanTarget,
    Visibility,
)
from community.timeutil import to_zone, utcnow


class PlanError(Refused):
    """A plan change refused, with the reason to show."""


@dataclass(frozen=True)
class Access:
    """What a viewer may do with a plan they can see."""

    is_owner: bool
    #: Their mentor, on an accepted mentorship, with the plan shared with mentors.
    is_mentor: bool

    @property
    def may_comment(self) -> bool:
        return self.is_owner or self.is_mentor


def goal_path(goal: Goal) -> str:
    return f"/plan#goal-{goal.id}"


def shared_goal_path(goal: Goal) -> str:
    return f"/u/{goal.plan.user.username}/plan#goal-{goal.id}"


def today_for(user: User) -> date:
    """Today's date where the member lives: due dates are their calendar days."""
    return to_zone(utcnow(), user.timezone or "UTC").date()


# --- reading ---------------------------------------------------------------------------------


def _plan_query():
    return select(Plan).options(
        selectinload(Plan.targets),
        selectinload(Plan.goals).selectinload(Goal.comments).selectinload(GoalComment.author),
    )


def plan_for(user: User) -> Plan | None:
    """The member's plan with its targets, goals and comments, or None before they start."""
    return db.session.scalars(_plan_query().where(Plan.user_id == user.id)).one_or_none()


def get_or_create_plan(user: User) -> Plan:
    """The member's plan, made on their first change; two first changes at once make one."""
    if plan_for(user) is None:
        insert_once(Plan, user_id=user.id)
    return plan_for(user)


def is_mentoring(mentor: User, mentee: User) -> bool:
    """Whether ``mentor`` has an accepted mentorship with ``mentee`` now."""
    return (
        db.session.scalar(
            select(MentorshipRequest.id)
            .where(
                MentorshipRequest.mentor_id == mentor.id,
                MentorshipRequest.mentee_id == mentee.id,
                MentorshipRequest.state == RequestState.ACCEPTED,
            )
            .limit(1)
        )
        is not None
    )


def mentors_of(mentee: User) -> list[User]:
    """The mentors with an accepted mentorship with ``mentee`` now."""
    return list(
        db.session.scalars(
            select(User)
            .join(MentorshipRequest, MentorshipRequest.mentor_id == User.id)
            .where(
                MentorshipRequest.mentee_id == mentee.id,
                MentorshipRequest.state == RequestState.ACCEPTED,
                User.deleted_at.is_(None),
            )
            .order_by(User.id)
            .distinct()
        )
    )


def viewer_access(viewer: User, plan: Plan) -> Access | None:
    """What ``viewer`` (maybe signed out) may do with ``plan``; None: it doesn't exist to them."""
    owner = plan.user
    if owner.is_deleted:
        return None
    signed_in = getattr(viewer, "is_authenticated", False)
    if signed_in and viewer.id == owner.id:
        return Access(is_owner=True, is_mentor=False)
    mentoring = (
        signed_in
        and plan.visibility is not Visibility.PRIVATE
        and permissions.can_write(viewer)
        and is_mentoring(viewer, owner)
    )
    if mentoring:
        return Access(is_owner=False, is_mentor=True)
    if plan.visibility is Visibility.PROFILE:
        return Access(is_owner=False, is_mentor=False)
    return None


def shared_plan(viewer: User, username: str) -> tuple[Plan, Access] | None:
    """The plan of the member named ``username`` if ``viewer`` may see it."""
    owner = member_named(username)
    plan = (
        db.session.scalars(_plan_query().where(Plan.user_id == owner.id)).one_or_none()
        if owner is not None
        else None
    )
    if plan is None:
        return None
    access = viewer_access(viewer, plan)
    return (plan, access) if access is not None else None


def is_on_profile(user: User) -> bool:
    """Whether the member shows their plan on their profile (for the profile's link)."""
    visibility = db.session.scalar(select(Plan.visibility).where(Plan.user_id == user.id))
    return visibility is Visibility.PROFILE


def shares_with_mentors(mentee: User) -> bool:
    """Whether the member's mentors see their plan (for the page of an accepted mentorship,
    whose mentor then sees it): one query."""
    visibility = db.session.scalar(select(Plan.visibility).where(Plan.user_id == mentee.id))
    return visibility in (Visibility.MENTORS, Visibility.PROFILE)


# --- roles and sharing -----------------------------------------------------------------------


def _tidy_role(role: str) -> str:
    return " ".join(role.split())


def parse_targets(text: str) -> list[str]:
    """Target roles typed as a comma-separated list, tidied, each once (ignoring case)."""
    seen: dict[str, str] = {}
    for part in text.replace("\n", ",").split(","):
        role = _tidy_role(part)
        if role and role.lower() not in seen:
            seen[role.lower()] = role
    return list(seen.values())


def set_roles(plan: Plan, current_role: str, targets: list[str]) -> None:
    """Where the member is and where they are going."""
    if len(targets) > TARGETS_MAX:
        raise PlanError(f"Choose up to {TARGETS_MAX} target roles.", field="targets")
    if any(len(role) > ROLE_MAX for role in [current_role, *targets]):
        raise PlanError(f"A role holds up to {ROLE_MAX} characters.", field="targets")
    plan.current_role = _tidy_role(current_role)
    plan.targets[:] = [PlanTarget(role=role, position=index) for index, role in enumerate(targets)]
    plan.updated_at = utcnow()
    db.session.flush()


def set_visibility(plan: Plan, visibility: Visibility) -> None:
    """Who sees the plan; the member's mentors hear when it opens to them."""
    opened = plan.visibility is Visibility.PRIVATE and visibility is not Visibility.PRIVATE
    plan.visibility = visibility
    plan.updated_at = utcnow()
    db.session.flush()
    if opened:
        owner = plan.user
        for mentor in mentors_of(owner):
            notify(
                mentor,
                "plan_shared",
                f"{owner.name} shared their transition plan with you",
                f"/u/{owner.username}/plan",
                actor=owner,
            )


# --- goals -----------------------------------------------------------------------------------


def _check_due(due: date | None, today: date, was: date | None = None) -> None:
    """A new due date can't be in the past; an unchanged one may have passed since."""
    if due is not None and due != was and due < today:
        raise PlanError("Choose a due date from today on.", field="due")


def _note_html(note: str) -> str:
    return render_member_markdown(note) if note.strip() else ""


def add_goal(
    plan: Plan,
    title: str,
    horizon: Horizon,
    due: date | None = None,
    step: Step | None = None,
    note: str = "",
) -> Goal:
    """A goal of the member's own on ``horizon``."""
    _check_due(due, today_for(plan.user))
    # The plan's row is the lock: two adds at once can't pass the limit together.
    locked = lock_row(Plan, plan.id)
    count = db.session.scalar(select(func.count(Goal.id)).where(Goal.plan_id == locked.id))
    if count >= GOALS_MAX:
        raise PlanError(f"A plan holds up to {GOALS_MAX} goals; remove one first.", field="title")
    goal = Goal(
        plan_id=plan.id,
        title=title,
        horizon=horizon,
        due=due,
        step=step,
        note_md=note,
        note_html=_note_html(note),
    )
    db.session.add(goal)
    db.session.flush()
    return goal


def update_goal(
    goal: Goal,
    title: str,
    horizon: Horizon,
    due: date | None,
    step: Step | None,
    note: str,
) -> None:
    _check_due(due, today_for(goal.plan.user), was=goal.due)
    if due != goal.due:
        goal.reminded_at = None  # a new date is reminded of anew
    goal.title, goal.horizon, goal.due, goal.step = title, horizon, due, step
    if note != goal.note_md:
        goal.note_md, goal.note_html = note, _note_html(note)
    db.session.flush()


def set_done(goal: Goal, done: bool) -> None:
    """Tick or untick a goal; ticking it again keeps the first date it was done."""
    if done and goal.done_at is None:
        goal.done_at = utcnow()
    elif not done:
        goal.done_at = None
    db.session.flush()


def delete_goal(goal: Goal) -> None:
    db.session.delete(goal)
    db.session.flush()


def start_from_guide(plan: Plan) -> int:
    """Add the guide's suggested goals the plan never had; the number added.

    Each suggestion is added once per plan (``guide_key``), so a second run adds nothing,
    and a suggestion the member removed stays removed.
    """
    locked = lock_row(Plan, plan.id)
    present = db.session.scalar(select(func.count(Goal.id)).where(Goal.plan_id == plan.id))
    room = GOALS_MAX - present
    added = 0
    if locked.started_from_guide_at is None:
        for suggestion in GUIDE_GOALS:
            if added >= room:
                break
            added += insert_once(
                Goal,
                plan_id=plan.id,
                title=suggestion.title,
                horizon=suggestion.horizon,
                step=suggestion.step,
                note_md=suggestion.note,
                note_html=_note_html(suggestion.note),
                guide_key=suggestion.key,
            )
        locked.started_from_guide_at = utcnow()
    db.session.flush()
    db.session.expire(plan, ["goals"])
    return added


# --- comments --------------------------------------------------------------------------------


def comment_on_goal(goal: Goal, author: User, access: Access, body: str) -> GoalComment:
    """A private word on a goal between the member and their mentors; the others hear of it."""
    if not access.may_comment or not permissions.can_write(author):
        raise PlanError("Only the member and their mentors comment on a plan.")
    lock_row(Plan, goal.plan_id)
    if _comment_count(goal.plan_id) >= PLAN_COMMENTS_MAX:
        raise PlanError(
            f"This plan holds {PLAN_COMMENTS_MAX} comments, its most: delete old ones first, "
            "or write in the mentorship's messages.",
            field="body",
        )
    comment = GoalComment(
        goal_id=goal.id,
        author_id=author.id,
        body_md=body,
        body_html=render_member_markdown(body),
    )
    db.session.add(comment)
    db.session.flush()
    owner = goal.plan.user
    if access.is_owner:
        for mentor in mentors_of(owner) if goal.plan.visibility is not Visibility.PRIVATE else []:
            notify(
                mentor,
                "plan_comment",
                f"{author.name} answered on their plan: “{goal.title}”",
                shared_goal_path(goal),
                actor=author,
            )
    else:
        notify(
            owner,
            "plan_comment",
            f"{author.name} commented on your goal “{goal.title}”",
            goal_path(goal),
            actor=author,
        )
    return comment


def _comment_count(plan_id: int) -> int:
    return db.session.scalar(
        select(func.count(GoalComment.id))
        .join(Goal, Goal.id == GoalComment.goal_id)
        .where(Goal.plan_id == plan_id)
    )


def delete_comment(comment: GoalComment, user: User) -> None:
    """Authors take back their own comments."""
    if comment.author_id != user.id:
        raise PlanError("You can delete only your own comments.")
    db.session.delete(comment)
    db.session.flush()


# --- progress --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress(goals: list[Goal]) -> Progress:
    return Progress(done=sum(goal.is_done for goal in goals), total=len(goals))


def goals_by_horizon(plan: Plan) -> dict[Horizon, list[Goal]]:
    """Each horizon's goals: open ones by due date first, then done ones."""
    grouped: dict[Horizon, list[Goal]] = {horizon: [] for horizon in Horizon}
    for goal in plan.goals:
        grouped[goal.horizon].append(goal)
    for goals in grouped.values():
        goals.sort(key=lambda goal: (goal.is_done, goal.due or date.max, goal.id))
    return grouped


# --- the member's data -----------------------------------------------------------------------


@export_section("plan")
def export_plan(user: User) -> dict | None:
    plan = plan_for(user)
    if plan is None:
        return None
    return {
        "current_role": plan.current_role,
        "target_roles": plan.target_roles,
        "visibility": plan.visibility.value,
        "goals": [
            {
                "title": goal.title,
                "horizon": goal.horizon.value,
                "due": goal.due.isoformat() if goal.due else None,
                "step": goal.step.value if goal.step else None,
                "note": goal.note_md,
                "done_at": _iso(goal.done_at),
                "comments": [
                    {"by": comment.author.username, "body": comment.body_md}
                    for comment in goal.comments
                ],
            }
            for goal in plan.goals
        ],
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@on_delete("plan")
def delete_plan(user: User) -> None:
    """A deleted account takes its plan (the database cascades to its goals, comments,
    targets and resources) and the comments it wrote on others' plans."""
    db.session.execute(delete(GoalComment).where(GoalComment.author_id == user.id))
    plan_ids = select(Plan.id).where(Plan.user_id == user.id).scalar_subquery()
    counters.forget_plans(plan_ids)
    db.session.execute(delete(Plan).where(Plan.user_id == user.id))
