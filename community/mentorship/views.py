"""Mentorship pages: thin views over ``mentorship.profiles`` and ``mentorship.services``.

Refusals by the rules of the workflow (a full mentor, a request already answered) come back
as a message next to the form or as a flash; acting on a request that isn't yours is a 403.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from community import permissions
from community.extensions import db
from community.forms import choices
from community.mentorship import export, profiles, services, thread  # noqa: F401  (export registers)
from community.mentorship.forms import (
    CancelForm,
    CompleteForm,
    DeclineForm,
    DirectoryFilterForm,
    MentorProfileForm,
    MessageForm,
    RequestForm,
    RetrospectiveForm,
    split_list,
)
from community.mentorship.models import (
    CURATED_EXPERTISE,
    OPEN_STATES,
    MentorshipMessage,
    MentorshipRequest,
    RequestState,
)

bp = Blueprint("mentorship", __name__)


# --- the directory and profiles ------------------------------------------------------------


def _arg(name: str, limit: int = 40) -> str:
    """A query-string filter, trimmed, bounded and without NUL characters."""
    return request.args.get(name, "").replace("\x00", "").strip()[:limit]


@bp.route("/mentors/")
def directory():
    form = DirectoryFilterForm(request.args, languages=profiles.language_choices())
    expertise = _arg("expertise")
    if expertise and expertise not in CURATED_EXPERTISE:
        form.expertise.choices += choices([(expertise, profiles.expertise_label(expertise))])
    query = profiles.directory_query(
        expertise=expertise or None,
        language=_arg("language") or None,
        accepting_only=bool(request.args.get("accepting")),
        search=_arg("q", 100) or None,
    )
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["MENTORS_PER_PAGE"],
        error_out=False,
    )
    active = profiles.active_counts(profile.user_id for profile in page.items)
    open_places = {
        profile.user_id: profiles.open_places(profile, active[profile.user_id])
        for profile in page.items
    }
    filters = {
        name: value
        for name, value in request.args.items()
        if name in ("q", "expertise", "language", "accepting") and value
    }
    return render_template(
        "mentorship/directory.html",
        page=page,
        form=form,
        open_places=open_places,
        filters=filters,
        own_profile=(profiles.get_profile(current_user) if current_user.is_authenticated else None),
    )


@bp.route("/mentors/<username>")
def profile(username: str):
    mentor_profile = profiles.get_listed_profile(username)
    if mentor_profile is None:
        abort(404)
    open_request = refusal = None
    if current_user.is_authenticated and current_user.id != mentor_profile.user_id:
        open_request = services.open_request_between(current_user, mentor_profile.user)
        if open_request is None:
            refusal = _refusal(mentor_profile)
    return render_template(
        "mentorship/profile.html",
        profile=mentor_profile,
        open_places=profiles.open_places(mentor_profile),
        completed=profiles.completed_count(mentor_profile.user_id),
        open_request=open_request,
        refusal=refusal,
    )


def _refusal(mentor_profile) -> str | None:
    try:
        services.check_can_request(current_user, mentor_profile)
    except services.MentorshipError as error:
        return str(error)
    return None


def _require_writer() -> None:
    if not permissions.can_write(current_user):
        abort(403)


@bp.route("/mentors/me", methods=["GET", "POST"])
@login_required
def edit_profile():
    _require_writer()
    existing = profiles.get_profile(current_user)
    if existing is not None:
        form = MentorProfileForm(
            headline=existing.headline,
            bio=existing.bio_md,
            years_experience=existing.years_experience,
            timezone=existing.timezone,
            capacity=existing.capacity,
            expertise=[slug for slug in existing.expertise_slugs if slug in CURATED_EXPERTISE],
            other_expertise=", ".join(
                tag.label for tag in existing.expertise if tag.slug not in CURATED_EXPERTISE
            ),
            languages=", ".join(row.language.capitalize() for row in existing.languages),
            accepting=existing.is_accepting,
        )
    else:
        form = MentorProfileForm(timezone=current_user.timezone)
    if form.validate_on_submit():
        mentor_profile = profiles.save_profile(
            current_user,
            headline=form.headline.data,
            bio=form.bio.data or "",
            expertise=form.expertise.data,
            other_expertise=split_list(form.other_expertise.data),
            years_experience=form.years_experience.data,
            languages=split_list(form.languages.data),
            timezone=form.timezone.data,
            capacity=form.capacity.data,
            accepting=form.accepting.data,
        )
        db.session.commit()
        flash("Your mentor profile is saved." if existing else "You are now a mentor.", "success")
        return redirect(url_for(".profile", username=mentor_profile.user.username))
    return render_template("mentorship/edit_profile.html", form=form, existing=existing)


def _own_profile_or_404():
    _require_writer()
    mentor_profile = profiles.get_profile(current_user)
    if mentor_profile is None:
        abort(404)
    return mentor_profile


@bp.route("/mentors/me/accepting", methods=["POST"])
@login_required
def set_accepting():
    mentor_profile = _own_profile_or_404()
    accepting = request.form.get("accepting") == "1"
    profiles.set_accepting(mentor_profile, accepting)
    db.session.commit()
    flash(
        "You are accepting requests again."
        if accepting
        else "Paused: nobody can send you new requests until you resume.",
        "success",
    )
    return redirect(url_for(".edit_profile"))


@bp.route("/mentors/me/leave", methods=["POST"])
@login_required
def leave():
    mentor_profile = _own_profile_or_404()
    declined = services.leave_mentoring(mentor_profile)
    db.session.commit()
    message = "You have left mentoring; your profile is hidden. Save it again to come back."
    if declined:
        message += f" {declined} pending request(s) were declined."
    flash(message, "success")
    return redirect(url_for(".index"))


# --- sending a request ---------------------------------------------------------------------


@bp.route("/mentors/<username>/request", methods=["GET", "POST"])
@login_required
def send_request(username: str):
    _require_writer()
    mentor_profile = profiles.get_listed_profile(username)
    if mentor_profile is None:
        abort(404)
    form = RequestForm()
    refusal = None
    if form.validate_on_submit():
        try:
            sent = services.create_request(current_user, mentor_profile, form.message.data)
            db.session.commit()
        except services.MentorshipError as error:
            db.session.rollback()
            refusal = str(error)
        else:
            flash(f"Your request is on its way to {mentor_profile.user.name}.", "success")
            return redirect(url_for(".show", request_id=sent.id))
    elif request.method == "GET":
        refusal = _refusal(mentor_profile)
    return render_template(
        "mentorship/request.html", form=form, profile=mentor_profile, refusal=refusal
    )


# --- my requests ---------------------------------------------------------------------------


@bp.route("/mentorship/")
@login_required
def index():
    if services.expire_overdue(user=current_user):
        db.session.commit()
    requests = db.session.scalars(
        select(MentorshipRequest)
        .where(
            or_(
                MentorshipRequest.mentee_id == current_user.id,
                MentorshipRequest.mentor_id == current_user.id,
            )
        )
        .options(joinedload(MentorshipRequest.mentee), joinedload(MentorshipRequest.mentor))
        .order_by(MentorshipRequest.updated_at.desc(), MentorshipRequest.id.desc())
    ).all()
    return render_template(
        "mentorship/index.html",
        received=services.group_by_stage(
            [item for item in requests if item.mentor_id == current_user.id]
        ),
        sent=services.group_by_stage(
            [item for item in requests if item.mentee_id == current_user.id]
        ),
        mentor_profile=profiles.get_profile(current_user),
    )


def _load(request_id: int) -> MentorshipRequest:
    """The request if the viewer takes part in it (else 403), expired first if overdue."""
    mentorship = db.session.scalar(
        select(MentorshipRequest)
        .where(MentorshipRequest.id == request_id)
        .options(joinedload(MentorshipRequest.mentee), joinedload(MentorshipRequest.mentor))
    )
    if mentorship is None:
        abort(404)
    if not permissions.can_view_mentorship(current_user, mentorship):
        abort(403)
    if services.expire_if_overdue(mentorship):
        db.session.commit()
    return mentorship


def _show(mentorship: MentorshipRequest, **forms):
    messages = db.session.scalars(
        select(MentorshipMessage)
        .where(MentorshipMessage.request_id == mentorship.id)
        .options(joinedload(MentorshipMessage.author))
        .order_by(MentorshipMessage.created_at, MentorshipMessage.id)
    ).all()
    is_mentee = current_user.id == mentorship.mentee_id
    suggestions = []
    if is_mentee and mentorship.state in (RequestState.DECLINED, RequestState.EXPIRED):
        suggestions = profiles.suggest_mentors(mentorship)
    active = profiles.active_counts(profile.user_id for profile in suggestions)
    actions = services.available_actions(mentorship, current_user)
    retrospective = thread.retrospective_of(mentorship, current_user)
    forms.setdefault("decline_form", DeclineForm(prefix="decline"))
    forms.setdefault("complete_form", CompleteForm(prefix="complete"))
    forms.setdefault("cancel_form", CancelForm(prefix="cancel"))
    forms.setdefault("message_form", MessageForm())
    forms.setdefault(
        "retrospective_form",
        RetrospectiveForm(body=retrospective.body_md if retrospective else None),
    )
    return render_template(
        "mentorship/show.html",
        mentorship=mentorship,
        messages=messages,
        actions=actions,
        moves=actions & services.TRANSITIONS.keys(),
        is_mentee=is_mentee,
        other=mentorship.other_side(current_user),
        suggestions=suggestions,
        suggestion_places={
            profile.user_id: profiles.open_places(profile, active[profile.user_id])
            for profile in suggestions
        },
        retrospective=retrospective,
        expires_at=services.expires_at(mentorship),
        open_states=OPEN_STATES,
        **forms,
    )


@bp.route("/mentorship/<int:request_id>")
@login_required
def show(request_id: int):
    return _show(_load(request_id))


def _perform(mentorship: MentorshipRequest, action: Callable[[], None], success: str):
    """Run one workflow step as one unit of work; a refusal stores nothing."""
    try:
        action()
        db.session.commit()
    except services.NotAllowed:
        db.session.rollback()
        abort(403)
    except services.MentorshipError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(success, "success")
    return redirect(url_for(".show", request_id=mentorship.id))


@bp.route("/mentorship/<int:request_id>/accept", methods=["POST"])
@login_required
def accept(request_id: int):
    mentorship = _load(request_id)
    return _perform(
        mentorship,
        lambda: services.accept(mentorship, current_user),
        f"You are now mentoring {mentorship.mentee.name}.",
    )


@bp.route("/mentorship/<int:request_id>/withdraw", methods=["POST"])
@login_required
def withdraw(request_id: int):
    mentorship = _load(request_id)
    return _perform(
        mentorship,
        lambda: services.withdraw(mentorship, current_user),
        "You withdrew your request.",
    )


@bp.route("/mentorship/<int:request_id>/decline", methods=["POST"])
@login_required
def decline(request_id: int):
    mentorship = _load(request_id)
    if not permissions.can_act_on_mentorship(current_user, mentorship) or (
        current_user.id != mentorship.mentor_id
    ):
        abort(403)
    form = DeclineForm(prefix="decline")
    if not form.validate_on_submit():
        return _show(mentorship, decline_form=form)
    return _perform(
        mentorship,
        lambda: services.decline(mentorship, current_user, form.reason_text()),
        "You declined the request; the mentee has been told why.",
    )


def _end(request_id: int, action: str):
    mentorship = _load(request_id)
    if not permissions.can_act_on_mentorship(current_user, mentorship):
        abort(403)
    form = (CompleteForm if action == "complete" else CancelForm)(prefix=action)
    if not form.validate_on_submit():
        return _show(mentorship, **{f"{action}_form": form})
    service = services.complete if action == "complete" else services.cancel
    success = (
        "The mentorship is completed. Well done!"
        if action == "complete"
        else "The mentorship is cancelled."
    )
    return _perform(
        mentorship, lambda: service(mentorship, current_user, form.note.data or ""), success
    )


@bp.route("/mentorship/<int:request_id>/complete", methods=["POST"])
@login_required
def complete(request_id: int):
    return _end(request_id, "complete")


@bp.route("/mentorship/<int:request_id>/cancel", methods=["POST"])
@login_required
def cancel(request_id: int):
    return _end(request_id, "cancel")


@bp.route("/mentorship/<int:request_id>/messages", methods=["POST"])
@login_required
def post_message(request_id: int):
    mentorship = _load(request_id)
    if not permissions.can_act_on_mentorship(current_user, mentorship):
        abort(403)
    form = MessageForm()
    if not form.validate_on_submit():
        return _show(mentorship, message_form=form)
    return _perform(
        mentorship,
        lambda: thread.post_message(mentorship, current_user, form.body.data),
        "Message sent.",
    )


@bp.route("/mentorship/<int:request_id>/retrospective", methods=["POST"])
@login_required
def save_retrospective(request_id: int):
    mentorship = _load(request_id)
    if not permissions.can_act_on_mentorship(current_user, mentorship):
        abort(403)
    form = RetrospectiveForm()
    if not form.validate_on_submit():
        return _show(mentorship, retrospective_form=form)
    return _perform(
        mentorship,
        lambda: thread.save_retrospective(mentorship, current_user, form.body.data),
        "Your retrospective is saved. Only you can read it.",
    )
