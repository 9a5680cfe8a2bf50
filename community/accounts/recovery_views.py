"""Links by mail: asking for and using a password reset, checking an address."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user

from community.accounts import recovery, sessions
from community.accounts.blueprint import bp
from community.accounts.forms import ResetPasswordForm, ResetRequestForm
from community.accounts.models import User
from community.accounts.names import normalise_email
from community.accounts.tokens import (
    TokenCheck,
    TokenProblem,
    check_reset_token,
    check_verification_token,
)
from community.db import lock_row, transactional
from community.extensions import limiter
from community.forms import BaseForm
from community.limits import client_limit, write_limit
from community.redirects import safe_next_url

RESET_SENT = (
    "If an account uses that address, a link to choose a new password is on its way. "
    "It works for {minutes} minutes, once. Check your spam folder if nothing arrives."
)


def _reset_address_key() -> str:
    """Requests for one address share a budget, whichever clients send them."""
    return f"reset:{normalise_email((request.form.get('email') or '')[:254])}"


@bp.route("/auth/reset", methods=["GET", "POST"])
@client_limit("password_reset")
@limiter.limit(
    lambda: current_app.config["RATE_LIMIT_PASSWORD_RESET"],
    key_func=_reset_address_key,
    methods=["POST"],
    scope="password-reset-address",
)
@transactional
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        recovery.request_password_reset(form.email.data)
        minutes = current_app.config["PASSWORD_RESET_SECONDS"] // 60
        flash(RESET_SENT.format(minutes=minutes), "info")
        return redirect(url_for("accounts.request_reset"))
    status = 400 if form.errors else 200
    return render_template("accounts/reset_request.html", form=form), status


def _link_refused(check: TokenCheck, kind: str):
    """A page saying why the link no longer works, and what to do instead."""
    return render_template(
        "accounts/link_refused.html", kind=kind, expired=check.problem is TokenProblem.EXPIRED
    ), 400


@bp.route("/auth/reset/<token>", methods=["GET", "POST"])
@client_limit("auth")
@transactional
def reset_password(token: str):
    check = check_reset_token(token)
    if check.user is None:
        return _link_refused(check, "reset")
    form = ResetPasswordForm()
    if form.validate_on_submit():
        # Two submissions of one link at once: the second sees the first's new password.
        lock_row(User, check.user.id)
        check = check_reset_token(token)
        if check.user is None:
            return _link_refused(check, "reset")
        recovery.reset_password(check.user, form.password.data)
        if current_user.is_authenticated:
            logout_user()
        sessions.rotate_csrf_token()
        flash(
            "Your password is changed and every device is signed out. Sign in with it.", "success"
        )
        return redirect(url_for("accounts.login"))
    status = 400 if form.errors else 200
    return render_template("accounts/reset_password.html", form=form, user=check.user), status


@bp.route("/auth/verify", methods=["POST"])
@write_limit("verification")
@login_required
@transactional
def resend_verification():
    form = BaseForm(prefix="verify")
    back = safe_next_url(request.form.get("next")) or url_for("accounts.settings")
    if not form.validate_on_submit():
        flash("Your form expired. Reload the page and try again.", "error")
        return redirect(back)
    if current_user.is_verified:
        flash("Your address is already confirmed.", "info")
    else:
        recovery.send_verification(current_user)
        flash(f"We sent a new link to {current_user.email}.", "success")
    return redirect(back)


@bp.route("/auth/verify/<token>", methods=["GET", "POST"])
@transactional
def verify_email(token: str):
    """The link shows a button: a mail scanner that opens links confirms nothing."""
    check = check_verification_token(token)
    if check.user is None:
        return _link_refused(check, "verify")
    form = BaseForm(prefix="confirm")
    if form.validate_on_submit():
        changed = recovery.confirm_email(check.user)
        flash(
            f"Thanks: {check.user.email} is confirmed."
            if changed
            else "Your address was already confirmed.",
            "success",
        )
        if current_user.is_authenticated:
            return redirect(url_for("accounts.settings"))
        return redirect(url_for("accounts.login"))
    status = 400 if form.errors else 200
    return render_template("accounts/verify_email.html", form=form, user=check.user), status
