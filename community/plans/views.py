"""The plan pages: ``/plan`` (the member's own, where they change it) and
``/u/<username>/plan`` (a plan shared on the profile or with the member's mentors)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from community import permissions
from community.db import Refused, transactional
from community.extensions import db
from community.limits import write_limit
from community.plans import paths, resources, services
from community.plans.blueprint import bp
from community.plans.forms import GoalCommentForm, GoalForm, RolesForm, VisibilityForm
from community.plans.models import Goal, GoalComment, Horizon, Plan, Visibility
from community.plans.portfolio import projects_of
from community.plans.timeline import build_timeline


def _writer() -> None:
    if not permissions.can_write(current_user):
        abort(403)


def _page_context(plan: Plan | None, access: services.Access) -> dict:
    """What both plan pages show: goals by horizon, progress, the timeline, resources."""
    goals = plan.goals if plan else []
    grouped = services.goals_by_horizon(plan) if plan else {horizon: [] for horizon in Horizon}
    owner = plan.user if plan else current_user
    today = services.today_for(owner)
    return {
        "plan": plan,
        "owner": owner,
        "access": access,
        "grouped": grouped,
        "overall": services.progress(goals),
        "by_horizon": {horizon: services.progress(grouped[horizon]) for horizon in Horizon},
        "timeline": build_timeline(goals, plan.created_at, today) if plan else None,
        "today": today,
        "plan_resources": resources.plan_resources(plan) if plan else [],
        # The guide's fourth step: the side projects on the member's profile.
        "projects": projects_of(owner),
        "suggestion": paths.suggestion_for(plan) if plan else None,
        "comment_form": GoalCommentForm() if access.may_comment else None,
    }


def _own_page(status: int = 200, **forms):
    plan = services.plan_for(current_user)
    forms.setdefault(
        "roles_form",
        RolesForm(
            current_role=plan.current_role if plan else "",
            targets=", ".join(plan.target_roles) if plan else "",
        ),
    )
    forms.setdefault(
        "visibility_form",
        VisibilityForm(visibility=(plan.visibility if plan else Visibility.PRIVATE).value),
    )
    forms.setdefault("goal_form", GoalForm(formdata=None))
    access = services.Access(is_owner=True, is_mentor=False)
    mentors = services.mentors_of(current_user) if plan else []
    context = {**_page_context(plan, access), **forms}
    page = render_template("plans/plan.html", mentors=mentors, **context)
    return page, status


@bp.route("/plan")
@login_required
def show():
    return _own_page()


@bp.route("/plan", methods=["POST"])
@write_limit("plans")
@login_required
@transactional
def start_from_guide():
    """ "Start from the guide": the guide's suggested goals, each once."""
    _writer()
    plan = services.get_or_create_plan(current_user)
    added = services.start_from_guide(plan)
    if added:
        flash(f"Added {added} goals from the guide. Edit or remove any of them.", "success")
    else:
        flash("Your plan already has the guide's suggestions.", "info")
    return redirect(url_for(".show") + "#goals")


@bp.route("/plan/roles", methods=["POST"])
@write_limit("plans")
@login_required
@transactional
def save_roles():
    _writer()
    form = RolesForm()
    if form.validate_on_submit():
        plan = services.get_or_create_plan(current_user)
        try:
            services.set_roles(
                plan, form.current_role.data or "", services.parse_targets(form.targets.data or "")
            )
        except Refused as refusal:
            form.targets.errors = [refusal.message]
            return _own_page(400, roles_form=form)
        flash("Your roles are saved.", "success")
        return redirect(url_for(".show"))
    return _own_page(400, roles_form=form)


@bp.route("/plan/visibility", methods=["POST"])
@write_limit("plans")
@login_required
@transactional
def save_visibility():
    _writer()
    form = VisibilityForm()
    if form.validate_on_submit():
        visibility = Visibility(form.visibility.data)
        services.set_visibility(services.get_or_create_plan(current_user), visibility)
        flash(f"Who sees your plan: {visibility.label.lower()}.", "success")
        return redirect(url_for(".show") + "#sharing")
    return _own_page(400, visibility_form=form)


def _goal_fields(form: GoalForm) -> dict:
    return {
        "title": form.title.data,
        "horizon": Horizon(form.horizon.data),
        "due": form.due.data,
        "step": form.step_value,
        "note": form.note.data or "",
    }


@bp.route("/plan/goals", methods=["POST"])
@write_limit("plans")
@login_required
@transactional
def add_goal():
    _writer()
    form = GoalForm()
    if form.validate_on_submit():
        plan = services.get_or_create_plan(current_user)
        try:
            goal = services.add_goal(plan, **_goal_fields(form))
        except Refused as refusal:
            getattr(form, refusal.field or "title").errors = [refusal.message]
            return _own_page(400, goal_form=form)
        flash("Goal added.", "success")
        return redirect(url_for(".show") + f"#goal-{goal.id}")
    return _own_page(400, goal_form=form)


def _own_goal(goal_id: int) -> Goal:
    """One of the member's own goals; anyone else's is not found."""
    goal = db.session.get(Goal, goal_id)
    if goal is None or goal.plan.user_id != current_user.id:
        abort(404)
    return goal


@bp.route("/plan/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@write_limit("plans")
@login_required
@transactional
def edit_goal(goal_id: int):
    goal = _own_goal(goal_id)
    _writer()
    form = GoalForm(
        obj=None,
        data={
            "title": goal.title,
            "horizon": goal.horizon.value,
            "due": goal.due,
            "step": goal.step.value if goal.step else "",
            "note": goal.note_md,
        },
    )
    if form.validate_on_submit():
        try:
            services.update_goal(goal, **_goal_fields(form))
        except Refused as refusal:
            getattr(form, refusal.field or "title").errors = [refusal.message]
            return render_template("plans/edit_goal.html", goal=goal, form=form), 400
        flash("Goal saved.", "success")
        return redirect(url_for(".show") + f"#goal-{goal.id}")
    status = 400 if request.method == "POST" else 200
    return render_template("plans/edit_goal.html", goal=goal, form=form), status


@bp.route("/plan/goals/<int:goal_id>/done", methods=["POST"])
@write_limit("plans")
@login_required
@transactional
def mark_done(goal_id: int):
    goal = _own_goal(goal_id)
    _writer()
    done = request.form.get("done", "1") != "0"
    services.set_done(goal, done)
    flash(f"“{goal.title}” is {'done' if done else 'open again'}.", "success")
    return redirect(url_for(".show") + f"#goal-{goal.id}")


@bp.route("/plan/goals/<int:goal_id>/delete", methods=["POST"])
@write_limit("plans")
@login_required
@transactional
def delete_goal(goal_id: int):
    goal = _own_goal(goal_id)
    _writer()
    title = goal.title
    services.delete_goal(goal)
    flash(f"Removed “{title}” from your plan.", "success")
    return redirect(url_for(".show") + "#goals")


# --- comments on goals: the member and their mentors -----------------------------------------


def _visible_goal(goal_id: int) -> tuple[Goal, services.Access]:
    """A goal of a plan the member may comment on; otherwise not found."""
    goal = db.session.get(Goal, goal_id)
    access = services.viewer_access(current_user, goal.plan) if goal is not None else None
    if goal is None or access is None or not access.may_comment:
        abort(404)
    return goal, access


def _goal_page(goal: Goal, access: services.Access) -> str:
    if access.is_owner:
        return url_for(".show") + f"#goal-{goal.id}"
    return url_for(".shared", username=goal.plan.user.username) + f"#goal-{goal.id}"


@bp.route("/plan/goals/<int:goal_id>/comments", methods=["POST"])
@write_limit("comments")
@login_required
@transactional
def comment(goal_id: int):
    goal, access = _visible_goal(goal_id)
    _writer()
    form = GoalCommentForm()
    if form.validate_on_submit():
        try:
            services.comment_on_goal(goal, current_user, access, form.body.data)
        except Refused as refusal:
            form.body.errors = [refusal.message]
        else:
            flash("Comment saved; only the member and their mentors see it.", "success")
            return redirect(_goal_page(goal, access))
    if access.is_owner:
        return _own_page(400, comment_form=form, comment_goal_id=goal.id)
    return _shared_page(goal.plan, access, 400, comment_form=form, comment_goal_id=goal.id)


@bp.route("/plan/comments/<int:comment_id>/delete", methods=["POST"])
@write_limit("comments")
@login_required
@transactional
def delete_comment(comment_id: int):
    goal_comment = db.session.get(GoalComment, comment_id)
    if goal_comment is None:
        abort(404)
    goal, access = _visible_goal(goal_comment.goal_id)
    if goal_comment.author_id != current_user.id:
        abort(403)
    services.delete_comment(goal_comment, current_user)
    flash("Comment deleted.", "success")
    return redirect(_goal_page(goal, access))


# --- a shared plan ---------------------------------------------------------------------------


def _shared_page(plan: Plan, access: services.Access, status: int = 200, **extra):
    context = _page_context(plan, access)
    context.update(extra)
    return render_template("plans/shared.html", **context), status


@bp.route("/u/<username>/plan")
def shared(username: str):
    """The member's plan as they share it; 404 for anyone it isn't shared with."""
    found = services.shared_plan(current_user, username)
    if found is None:
        abort(404)
    plan, access = found
    if access.is_owner:
        return redirect(url_for(".show"))
    return _shared_page(plan, access)
