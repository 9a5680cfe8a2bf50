"""Account pages: thin views over ``accounts.services`` and ``accounts.sessions``."""

from __future__ import annotations

import hashlib
import json

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from community.accounts import avatars, profiles, recovery, recovery_views, services, sessions
from community.accounts.blueprint import bp
from community.accounts.forms import (
    DeleteAccountForm,
    EmailChangeForm,
    LoginForm,
    PasswordChangeForm,
    RegisterForm,
    SettingsForm,
)
from community.accounts.models import User
from community.accounts.names import normalise_email, normalise_username
from community.db import Refused, transactional
from community.extensions import limiter
from community.forms import BaseForm
from community.limits import client_limit, write_limit
from community.mentorship.queries import is_listed_mentor
from community.permissions import can_write
from community.plans import services as plan_services
from community.plans.portfolio import projects_of
from community.redirects import safe_next_url
from community.templating import viewer_timezone
from community.timeutil import utcnow
from community.urls import page_arg

__all__ = ["bp", "recovery_views"]  # recovery_views: its routes join the blueprint


def _remembered() -> bool:
    """Whether this browser holds a remember-me cookie (kept across a password change)."""
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


def _sign_in(user: User, remember: bool) -> None:
    sessions.start_session(user, remember=remember, user_agent=request.user_agent.string)
    login_user(user, remember=remember)


@bp.route("/auth/register", methods=["GET", "POST"])
@client_limit("auth")
@transactional
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = recovery.sign_up(form.username.data, form.email.data, form.password.data)
        except Refused as refusal:
            form.username.errors.append(refusal.message)
        else:
            _sign_in(user, remember=False)
            flash(
                f"Welcome to Pathways, {user.username}! We sent a link to {user.email}: "
                "follow it to confirm your address.",
                "success",
            )
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
    return render_template("accounts/register.html", form=form)


def _login_failed(response: Response) -> bool:
    """Only failed sign-ins spend the per-account budget (a success answers 302)."""
    return response.status_code != 302


def _login_account_key() -> str:
    """The account a sign-in is aimed at, however its name or address is spelled."""
    login = (request.form.get("username") or "")[:254]
    return f"login:{normalise_email(login) if '@' in login else normalise_username(login)}"


@bp.route("/auth/login", methods=["GET", "POST"])
@client_limit("auth")
@limiter.limit(
    lambda: current_app.config["RATE_LIMIT_LOGIN_FAILURES"],
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account",
)
@transactional
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            form.password.errors.append("That username/email and password do not match.")
        else:
            _sign_in(user, remember=form.remember.data)
            flash("You are signed in.", "success")
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
    return render_template("accounts/login.html", form=form)


@bp.route("/auth/logout", methods=["POST"])
@transactional
def logout():
    if current_user.is_authenticated:
        sessions.end_session(current_user)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("main.home"))


@bp.route("/u/<username>")
def profile(username: str):
    user = profiles.member_named(username)
    if user is None:
        abort(404)
    return render_template(
        "accounts/profile.html",
        user=user,
        profile=profiles.profile_page(user, page_arg(), viewer_timezone()),
        is_mentor=is_listed_mentor(user),
        local_day=profiles.local_day,
        projects=projects_of(user),
        plan_on_profile=plan_services.is_on_profile(user),
    )


#: Avatars change only with the display name; browsers check back after this long.
AVATAR_MAX_AGE = 3600


@bp.route("/u/<username>/avatar.svg")
def avatar(username: str):
    """The member's generated avatar as an SVG file, cacheable and revalidated by ETag."""
    user = profiles.member_named(username)
    if user is None:
        abort(404)
    body = avatars.avatar_document(user)
    response = Response(body, mimetype="image/svg+xml")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = AVATAR_MAX_AGE
    # An SVG opened on its own is a document: it may run nothing and load nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response.make_conditional(request)


bp.add_app_template_global(avatars.avatar_svg, "avatar")


def _settings_form() -> SettingsForm:
    return SettingsForm(obj=current_user, bio=current_user.bio_md, user=current_user)


def _settings_page(status: int = 200, **forms):
    forms.setdefault("settings_form", _settings_form())
    forms.setdefault("email_form", EmailChangeForm(user=current_user))
    forms.setdefault("verify_form", BaseForm(prefix="verify"))
    forms.setdefault("password_form", PasswordChangeForm(prefix="pw"))
    forms.setdefault("delete_form", DeleteAccountForm(prefix="del"))
    forms.setdefault("sessions_form", BaseForm(prefix="sessions"))
    return render_template(
        "accounts/settings.html",
        other_sessions=sessions.other_session_count(current_user),
        **forms,
    ), status


@bp.route("/settings", methods=["GET", "POST"])
@write_limit("settings")
@login_required
@transactional
def settings():
    form = _settings_form()
    if request.method == "POST" and not can_write(current_user):
        abort(403)
    if form.validate_on_submit():
        services.update_profile(
            current_user, form.display_name.data or "", form.bio.data or "", form.timezone.data
        )
        flash("Your settings are saved.", "success")
        return redirect(url_for("accounts.settings"))
    return _settings_page(400 if form.errors else 200, settings_form=form)


@bp.route("/settings/password", methods=["POST"])
@client_limit("auth")
@login_required
@transactional
def change_password():
    form = PasswordChangeForm(prefix="pw")
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("That is not your current password.")
        else:
            user = current_user._get_current_object()
            services.change_password(user, form.new_password.data)
            _sign_in(user, remember=_remembered())
            flash("Your password is changed. Every other device is signed out.", "success")
            return redirect(url_for("accounts.settings"))
    return _settings_page(400, password_form=form)


@bp.route("/settings/email", methods=["POST"])
@client_limit("auth")
@login_required
@transactional
def change_email():
    user = current_user._get_current_object()
    form = EmailChangeForm(user=user)
    if form.validate_on_submit():
        if not user.check_password(form.password.data):
            form.password.errors.append("That is not your password.")
        else:
            try:
                recovery.change_email(user, form.email.data)
            except Refused as refusal:
                form.email.errors.append(refusal.message)
            else:
                flash(
                    f"Your address is now {user.email}. We sent it a link to confirm it, "
                    "and told your old address.",
                    "success",
                )
                return redirect(url_for("accounts.settings"))
    return _settings_page(400, email_form=form)


@bp.route("/settings/sessions", methods=["POST"])
@write_limit("settings")
@login_required
@transactional
def end_other_sessions():
    form = BaseForm(prefix="sessions")
    if not form.validate_on_submit():
        abort(400)
    ended = sessions.end_other_sessions(current_user)
    flash(f"Signed out of {ended} other session(s)." if ended else "No other sessions.", "info")
    return redirect(url_for("accounts.settings"))


@bp.route("/settings/delete", methods=["POST"])
@client_limit("auth")
@login_required
@transactional
def delete_account():
    form = DeleteAccountForm(prefix="del")
    if form.validate_on_submit():
        if not current_user.check_password(form.password.data):
            form.password.errors.append("That is not your password.")
        else:
            services.delete_account(current_user)
            logout_user()
            sessions.rotate_csrf_token()
            flash(
                "Your account is deleted. What you wrote stays, shown as by a deleted member.",
                "info",
            )
            return redirect(url_for("main.home"))
    return _settings_page(400, delete_form=form)


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
