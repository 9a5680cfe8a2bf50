"""Moderating members: a member's page (suspend, lift, history), the suspended member's own
page (why, until when, the appeal), answering appeals, and the roles page for admins."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from community import permissions
from community.accounts.models import USERNAME_PATTERN, Role, User
from community.accounts.names import normalise_username
from community.db import Refused, transactional
from community.extensions import db
from community.limits import write_limit
from community.moderation import members, queries
from community.moderation.blueprint import bp
from community.moderation.forms import AppealForm, ReasonForm, RoleForm, SuspendForm
from community.moderation.models import Suspension
from community.moderation.responses import perform


def _member_or_404(username: str) -> User:
    name = normalise_username(username)
    if not re.fullmatch(USERNAME_PATTERN, name):
        abort(404)
    member = db.session.scalar(select(User).where(User.username == name))
    if member is None or member.is_deleted:
        abort(404)
    return member


def _render_member(member: User, suspend_form=None, lift_form=None, status: int = 200):
    return render_template(
        "moderation/member.html",
        member=member,
        suspension=members.current_suspension(member),
        history=queries.history_of(member),
        suspend_form=suspend_form or SuspendForm(formdata=None),
        lift_form=lift_form or ReasonForm(formdata=None),
    ), status


@bp.route("/members/<username>")
@login_required
def member(username: str):
    if not permissions.can_moderate(current_user):
        abort(403)
    return _render_member(_member_or_404(username))


@bp.route("/members/<username>/suspend", methods=["POST"])
@write_limit("moderation")
@login_required
@transactional
def suspend(username: str):
    if not permissions.can_moderate(current_user):
        abort(403)
    member = _member_or_404(username)
    if not permissions.can_suspend(current_user, member):
        abort(403)
    form = SuspendForm()

    def suspend_member() -> str:
        members.suspend(member, current_user, form.reason.data, form.ends_at)
        return f"{member.name} is suspended and has been told why."

    done = perform(form, suspend_member, url_for("moderation.member", username=member.username))
    return done or _render_member(member, suspend_form=form, status=400)


@bp.route("/members/<username>/unsuspend", methods=["POST"])
@write_limit("moderation")
@login_required
@transactional
def unsuspend(username: str):
    if not permissions.can_moderate(current_user):
        abort(403)
    member = _member_or_404(username)
    if not permissions.can_suspend(current_user, member):
        abort(403)
    form = ReasonForm()

    def lift() -> str:
        members.unsuspend(member, current_user, form.reason.data)
        return f"{member.name} can write again."

    done = perform(form, lift, url_for("moderation.member", username=member.username))
    return done or _render_member(member, lift_form=form, status=400)


@bp.route("/appeal", methods=["GET", "POST"])
@write_limit("moderation")
@login_required
@transactional
def appeal():
    """The suspended member's page: why, until when, and their one appeal."""
    suspension = members.current_suspension(current_user)
    if suspension is None:
        flash("Your account is not suspended.", "info")
        return redirect(url_for("main.home"))
    if suspension.appealed_at is not None and request.method == "POST":
        flash("You have already appealed this suspension: one appeal each.", "info")
        return redirect(url_for("moderation.appeal"))
    form = AppealForm()
    if suspension.appealed_at is None and form.validate_on_submit():
        try:
            members.appeal(current_user, form.appeal.data)
        except Refused as refusal:
            form.appeal.errors.append(refusal.message)
        else:
            flash("Your appeal is sent. A moderator will answer it.", "success")
            return redirect(url_for("moderation.appeal"))
    status = 400 if form.errors else 200
    return render_template("moderation/appeal.html", suspension=suspension, form=form), status


@bp.route("/appeals/<int:suspension_id>/<any(lift,uphold):decision>", methods=["POST"])
@write_limit("moderation")
@login_required
@transactional
def answer_appeal(suspension_id: int, decision: str):
    if not permissions.can_moderate(current_user):
        abort(403)
    suspension = db.get_or_404(Suspension, suspension_id)
    if not permissions.can_suspend(current_user, suspension.user):
        abort(403)
    form = ReasonForm()

    def answer() -> str:
        members.answer_appeal(suspension, current_user, decision == "lift", form.reason.data)
        return "The appeal is answered; the member is told."

    done = perform(form, answer, url_for("moderation.queue"))
    if done:
        return done
    return render_template(
        "moderation/reason.html",
        form=form,
        title="Answer an appeal",
        action=url_for("moderation.answer_appeal", suspension_id=suspension.id, decision=decision),
        target=None,
    ), 400


@bp.route("/roles", methods=["GET", "POST"])
@write_limit("moderation")
@login_required
@transactional
def roles():
    if not permissions.can_grant_roles(current_user):
        abort(403)
    form = RoleForm()

    def grant() -> str:
        member = db.session.scalar(
            select(User).where(User.username == normalise_username(form.username.data))
        )
        if member is None or member.is_deleted:
            raise members.MemberActionRefused("There is no member with that username.", "username")
        members.set_role(member, Role(form.role.data), current_user, form.reason.data)
        return f"{member.name} is now {form.role.data}."

    done = perform(form, grant, url_for("moderation.roles"))
    if done:
        return done
    status = 400 if form.errors else 200
    return render_template("moderation/roles.html", form=form, staff=members.staff()), status
