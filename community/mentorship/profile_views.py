"""Mentor pages: the directory, a mentor's profile, and one's own profile (edit, pause, leave).

Thin views over ``queries`` (reads) and ``profiles``/``services`` (writes). Every POST is
one unit of work (``@transactional``) under a write limit; GETs never write.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from community import permissions
from community.db import transactional
from community.forms import choices
from community.limits import write_limit
from community.mentorship import (
    export,  # noqa: F401  (adds the mentorship export section)
    profiles,
    queries,
    services,
)
from community.mentorship.blueprint import bp
from community.mentorship.forms import DirectoryFilterForm, MentorProfileForm, split_list
from community.mentorship.models import CURATED_EXPERTISE, TAG_MAX, MentorProfile
from community.urls import page_arg, text_arg


@bp.route("/mentors/")
def directory():
    filters = queries.DirectoryFilters(
        expertise=text_arg("expertise", TAG_MAX),
        language=text_arg("language", TAG_MAX),
        accepting_only=bool(request.args.get("accepting")),
        search=text_arg("q", 100),
    )
    # the filters as cleaned: what the form shows and the pagination links keep
    kept = {
        "q": filters.search,
        "expertise": filters.expertise,
        "language": filters.language,
        "accepting": "y" if filters.accepting_only else "",
    }
    kept = {name: value for name, value in kept.items() if value}
    form = DirectoryFilterForm(MultiDict(kept), languages=queries.language_choices())
    if filters.expertise and filters.expertise not in CURATED_EXPERTISE:
        form.expertise.choices += choices(
            [(filters.expertise, profiles.expertise_label(filters.expertise))]
        )
    page, open_places, figures = queries.directory_page(
        filters, page_arg(), current_app.config["MENTORS_PER_PAGE"]
    )
    return render_template(
        "mentorship/directory.html",
        page=page,
        form=form,
        open_places=open_places,
        figures=figures,
        filters=kept,
        own_profile=(queries.get_profile(current_user) if current_user.is_authenticated else None),
    )


@bp.route("/mentors/<username>")
def profile(username: str):
    mentor_profile = queries.get_listed_profile(username)
    if mentor_profile is None:
        abort(404)
    figures = queries.mentor_figures([mentor_profile.user_id])[mentor_profile.user_id]
    places = queries.open_places(mentor_profile, figures.active)
    shown = queries.published_testimonials(mentor_profile.user_id) if figures.testimonials else []
    open_request = refusal = None
    if current_user.is_authenticated and current_user.id != mentor_profile.user_id:
        open_request = queries.open_request_between(current_user, mentor_profile.user)
        if open_request is None:
            refusal = services.refusal_to_request(current_user, mentor_profile, places)
    return render_template(
        "mentorship/profile.html",
        profile=mentor_profile,
        open_places=places,
        figures=figures,
        open_request=open_request,
        refusal=refusal,
        testimonials=shown,
    )


def _require_writer() -> None:
    if not permissions.can_write(current_user):
        abort(403)


def _profile_form(existing: MentorProfile | None) -> MentorProfileForm:
    """The form, filled from the saved profile when there is one (a POST overrides it)."""
    if existing is None:
        return MentorProfileForm(timezone=current_user.timezone)
    return MentorProfileForm(
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


@bp.route("/mentors/me")
@login_required
def edit_profile():
    _require_writer()
    existing = queries.get_profile(current_user)
    return render_template(
        "mentorship/edit_profile.html", form=_profile_form(existing), existing=existing
    )


@bp.route("/mentors/me", methods=["POST"])
@write_limit("mentorship_actions")
@login_required
@transactional
def save_profile():
    _require_writer()
    existing = queries.get_profile(current_user)
    form = _profile_form(existing)
    if not form.validate_on_submit():
        page = render_template("mentorship/edit_profile.html", form=form, existing=existing)
        return page, 400
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
    flash("Your mentor profile is saved." if existing else "You are now a mentor.", "success")
    return redirect(url_for(".profile", username=mentor_profile.user.username))


def _own_profile_or_404() -> MentorProfile:
    _require_writer()
    mentor_profile = queries.get_profile(current_user)
    if mentor_profile is None:
        abort(404)
    return mentor_profile


@bp.route("/mentors/me/accepting", methods=["POST"])
@write_limit("mentorship_actions")
@login_required
@transactional
def set_accepting():
    mentor_profile = _own_profile_or_404()
    accepting = request.form.get("accepting") == "1"
    profiles.set_accepting(mentor_profile, accepting)
    flash(
        "You are accepting requests again."
        if accepting
        else "Paused: nobody can send you new requests until you resume.",
        "success",
    )
    return redirect(url_for(".edit_profile"))


@bp.route("/mentors/me/leave", methods=["POST"])
@write_limit("mentorship_actions")
@login_required
@transactional
def leave():
    mentor_profile = _own_profile_or_404()
    declined = services.leave_mentoring(mentor_profile)
    message = "You have left mentoring; your profile is hidden. Save it again to come back."
    if declined:
        message += f" {declined} pending request(s) were declined."
    flash(message, "success")
    return redirect(url_for(".index"))
