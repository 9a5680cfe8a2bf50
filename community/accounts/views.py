"""Account pages: thin views over ``accounts.services``."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from community.accounts import services
from community.accounts.forms import (
    DeleteAccountForm,
    LoginForm,
    PasswordChangeForm,
    RegisterForm,
    SettingsForm,
)
from community.accounts.models import User
from community.extensions import db, limiter
from community.permissions import can_write
from community.redirects import safe_next_url
from community.timeutil import utcnow

bp = Blueprint("accounts", __name__)

AUTH_RATE_LIMIT = "10 per minute; 50 per hour"


@bp.route("/auth/register", methods=["GET", "POST"])
@limiter.limit(AUTH_RATE_LIMIT, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(form.username.data, form.email.data, form.password.data)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.username.errors.append("That username or email was just taken. Try another.")
        else:
            login_user(user)
            flash(f"Welcome to Pathways, {user.username}!", "success")
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
    return render_template("accounts/register.html", form=form)


@bp.route("/auth/login", methods=["GET", "POST"])
@limiter.limit(AUTH_RATE_LIMIT, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            form.password.errors.append("That username/email and password do not match.")
        else:
            login_user(user, remember=form.remember.data)
            flash("You are signed in.", "success")
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
    return render_template("accounts/login.html", form=form)


@bp.route("/auth/logout", methods=["POST"])
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("main.home"))


@bp.route("/u/<username>")
def profile(username: str):
    user = db.session.scalar(
        select(User).where(User.username == username.lower(), User.deleted_at.is_(None))
    )
    if user is None:
        abort(404)
    return render_template("accounts/profile.html", user=user)


def _settings_form() -> SettingsForm:
    return SettingsForm(obj=current_user, bio=current_user.bio_md)


def _settings_page(**forms):
    forms.setdefault("settings_form", _settings_form())
    forms.setdefault("password_form", PasswordChangeForm(prefix="pw"))
    forms.setdefault("delete_form", DeleteAccountForm(prefix="del"))
    return render_template("accounts/settings.html", **forms)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = _settings_form()
    if request.method == "POST" and not can_write(current_user):
        abort(403)
    if form.validate_on_submit():
        services.update_profile(
            current_user, form.display_name.data or "", form.bio.data or "", form.timezone.data
        )
        db.session.commit()
        flash("Your settings are saved.", "success")
        return redirect(url_for("accounts.settings"))
    return _settings_page(settings_form=form)


@bp.route("/settings/password", methods=["POST"])
@login_required
@limiter.limit(AUTH_RATE_LIMIT)
def change_password():
    form = PasswordChangeForm(prefix="pw")
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("That is not your current password.")
        else:
            services.change_password(current_user, form.new_password.data)
            db.session.commit()
            flash("Your password is changed.", "success")
            return redirect(url_for("accounts.settings"))
    return _settings_page(password_form=form)


@bp.route("/settings/delete", methods=["POST"])
@login_required
@limiter.limit(AUTH_RATE_LIMIT)
def delete_account():
    form = DeleteAccountForm(prefix="del")
    if form.validate_on_submit():
        if not current_user.check_password(form.password.data):
            form.password.errors.append("That is not your password.")
        else:
            services.delete_account(current_user)
            db.session.commit()
            logout_user()
            flash(
                "Your account is deleted. What you wrote stays, shown as by a deleted member.",
                "info",
            )
            return redirect(url_for("main.home"))
    return _settings_page(delete_form=form)


@bp.route("/settings/export")
@login_required
def export_data():
    payload = services.export_account(current_user)
    payload["exported_at"] = utcnow().isoformat()
    body = json.dumps(payload, indent=2, ensure_ascii=False)
    filename = f"pathways-{current_user.username}-export.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
