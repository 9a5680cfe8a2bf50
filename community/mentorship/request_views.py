"""Request pages: sending a request, my requests, one request with its moves and conversation.

A request exists only for its two sides: anyone else gets a 404, as for a missing id.
Every POST is one unit of work (``@transactional``) under a write limit. A form with errors,
or a request the workflow refuses, comes back with the reason next to the field (a 400, which
rolls back). A step on a request first stores its expiry if it is overdue (and goes no
further); a move the workflow refuses is rolled back and said in a flash; a move that is not
the viewer's to make is a 403. GETs never write: an overdue request is shown as expired.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from community import permissions
from community.db import attempt, transactional
from community.limits import write_limit
from community.mentorship import conversation, queries, services, testimonials
from community.mentorship.blueprint import bp
from community.mentorship.forms import (
    CancelForm,
    CompleteForm,
    DeclineForm,
    MessageForm,
    RequestForm,
    RetrospectiveForm,
    TestimonialForm,
)
from community.mentorship.models import MentorProfile, MentorshipRequest, RequestState
from community.mentorship.wording import EXPIRED_REFUSAL, waiting_words
from community.plans import services as plan_services
from community.urls import page_arg

# --- sending a request ---------------------------------------------------------------------


def _listed_profile_for_writer(username: str) -> MentorProfile:
    if not permissions.can_write(current_user):
        abort(403)
    mentor_profile = queries.get_listed_profile(username)
    if mentor_profile is None:
        abort(404)
    return mentor_profile


def _request_page(
    form: RequestForm, mentor_profile: MentorProfile, refusal: str | None, status: int = 200
):
    page = render_template(
        "mentorship/request.html", form=form, profile=mentor_profile, refusal=refusal
    )
    return page, status


@bp.route("/mentors/<username>/request")
@login_required
def request_form(username: str):
    mentor_profile = _listed_profile_for_writer(username)
    refusal = services.refusal_to_request(current_user, mentor_profile)
    return _request_page(RequestForm(), mentor_profile, refusal)


@bp.route("/mentors/<username>/request", methods=["POST"])
@write_limit("mentorship_requests")
@login_required
@transactional
def send_request(username: str):
    mentor_profile = _listed_profile_for_writer(username)
    form = RequestForm()
    if not form.validate_on_submit():
        return _request_page(form, mentor_profile, None, 400)
    try:
        sent = services.create_request(current_user, mentor_profile, form.message.data)
    except services.MentorshipError as refusal:
        return _request_page(form, mentor_profile, str(refusal), 400)
    flash(f"Your request is on its way to {mentor_profile.user.name}.", "success")
    return redirect(url_for(".show", request_id=sent.id))


# --- my requests and one request -----------------------------------------------------------


@bp.route("/mentorship/")
@login_required
def index():
    past_page = page_arg("past_page")
    received, sent = queries.requests_of(current_user, past_page)
    return render_template(
        "mentorship/index.html",
        received=received,
        sent=sent,
        past_page=past_page,
        past_more=received.past_more or sent.past_more,
        mentor_profile=queries.get_profile(current_user),
        waiting_words=waiting_words,
    )


def _load(request_id: int) -> MentorshipRequest:
    """The request if the viewer takes part in it; a 404 otherwise, as for a missing one."""
    mentorship = queries.request_with_sides(request_id)
    if mentorship is None or not permissions.can_view_mentorship(current_user, mentorship):
        abort(404)
    return mentorship


def _show(mentorship: MentorshipRequest, status: int = 200, **forms):
    """The request page; ``forms`` carries a sent form back with its errors (a 400)."""
    state = mentorship.current_state
    is_mentee = current_user.id == mentorship.mentee_id
    suggestions = []
    if is_mentee and state in (RequestState.DECLINED, RequestState.EXPIRED):
        suggestions = queries.suggest_mentors(mentorship)
    retrospective = queries.retrospective_of(mentorship, current_user)
    forms.setdefault("decline_form", DeclineForm(prefix="decline"))
    forms.setdefault("complete_form", CompleteForm(prefix="complete"))
    forms.setdefault("cancel_form", CancelForm(prefix="cancel"))
    forms.setdefault("message_form", MessageForm())
    forms.setdefault(
        "retrospective_form",
        RetrospectiveForm(body=retrospective.body_md if retrospective else None),
    )
    testimonial = mentorship.testimonial
    forms.setdefault(
        "testimonial_form",
        TestimonialForm(
            mentor_name=mentorship.mentor.name,
            body=testimonial.body_md if testimonial else None,
        ),
    )
    page = render_template(
        "mentorship/show.html",
        mentorship=mentorship,
        state=state,
        messages=queries.messages_of(mentorship),
        is_mentee=is_mentee,
        waiting=waiting_words(as_mentor=not is_mentee),
        other=mentorship.other_side(current_user),
        suggestions=suggestions,
        suggestion_places=queries.places_of(suggestions),
        retrospective=retrospective,
        testimonial=testimonial,
        # While it is accepted, the mentor is pointed to a shared plan, the mentee to sharing.
        plan_shared=state is RequestState.ACCEPTED
        and plan_services.shares_with_mentors(mentorship.mentee),
        **forms,
    )
    return page, status


@bp.route("/mentorship/<int:request_id>")
@login_required
def show(request_id: int):
    return _show(_load(request_id))


def _perform(mentorship: MentorshipRequest, action: Callable[[], object], success: str = ""):
    """Run one step of the request and go back to its page.

    An overdue request is stored as expired instead, once, and the step goes no further.
    A refusal by the workflow stores nothing and is flashed; ``NotAllowed`` escapes to
    ``@transactional``, which answers 403 (``db.attempt``).
    """
    if services.expire_if_overdue(mentorship):
        flash(EXPIRED_REFUSAL, "error")
    else:
        attempt(action, success)
    return redirect(url_for(".show", request_id=mentorship.id))


@bp.route("/mentorship/<int:request_id>/accept", methods=["POST"])
@write_limit("mentorship_actions")
@login_required
@transactional
def accept(request_id: int):
    mentorship = _load(request_id)
    return _perform(
        mentorship,
        lambda: services.accept(mentorship, current_user),
        f"You are now mentoring {mentorship.mentee.name}.",
    )


@bp.route("/mentorship/<int:request_id>/withdraw", methods=["POST"])
@write_limit("mentorship_actions")
@login_required
@transactional
def withdraw(request_id: int):
    mentorship = _load(request_id)
    return _perform(
        mentorship,
        lambda: services.withdraw(mentorship, current_user),
        "You withdrew your request.",
    )


@bp.route("/mentorship/<int:request_id>/decline", methods=["POST"])
@write_limit("mentorship_actions")
@login_required
@transactional
def decline(request_id: int):
    mentorship = _load(request_id)
    form = DeclineForm(prefix="decline")
    if form.validate_on_submit():
        return _perform(
            mentorship,
            lambda: services.decline(mentorship, current_user, form.reason_text()),
            "You declined the request; the mentee has been told why.",
        )
    if permissions.can_decline(current_user, mentorship):
        return _show(mentorship, 400, decline_form=form)
    return _perform(mentorship, lambda: services.check_move(mentorship, "decline", current_user))


def _end(request_id: int, move: str, success: str):
    mentorship = _load(request_id)
    form = (CompleteForm if move == "complete" else CancelForm)(prefix=move)
    if form.validate_on_submit():
        service = services.complete if move == "complete" else services.cancel
        return _perform(
            mentorship, lambda: service(mentorship, current_user, form.note.data or ""), success
        )
    if permissions.MENTORSHIP_MOVES[move](current_user, mentorship):
        return _show(mentorship, 400, **{f"{move}_form": form})
    return _perform(mentorship, lambda: services.check_move(mentorship, move, current_user))


@bp.route("/mentorship/<int:request_id>/complete", methods=["POST"])
@write_limit("mentorship_actions")
@login_required
@transactional
def complete(request_id: int):
    return _end(request_id, "complete", "The mentorship is completed. Well done!")


@bp.route("/mentorship/<int:request_id>/cancel", methods=["POST"])
@write_limit("mentorship_actions")
@login_required
@transactional
def cancel(request_id: int):
    return _end(request_id, "cancel", "The mentorship is cancelled.")


@bp.route("/mentorship/<int:request_id>/messages", methods=["POST"])
@write_limit("messages")
@login_required
@transactional
def post_message(request_id: int):
    mentorship = _load(request_id)
    form = MessageForm()
    if form.validate_on_submit():
        return _perform(
            mentorship,
            lambda: conversation.post_message(mentorship, current_user, form.body.data),
            "Message sent.",
        )
    if permissions.can_message_mentorship(current_user, mentorship):
        return _show(mentorship, 400, message_form=form)
    return _perform(mentorship, lambda: conversation.check_can_message(mentorship, current_user))


@bp.route("/mentorship/<int:request_id>/retrospective", methods=["POST"])
@write_limit("mentorship_actions")
@login_required
@transactional
def save_retrospective(request_id: int):
    mentorship = _load(request_id)
    form = RetrospectiveForm()
    if form.validate_on_submit():
        return _perform(
            mentorship,
            lambda: conversation.save_retrospective(mentorship, current_user, form.body.data),
            "Your retrospective is saved. Only you can read it.",
        )
    if permissions.can_write_retrospective(current_user, mentorship):
        return _show(mentorship, 400, retrospective_form=form)
    return _perform(
        mentorship, lambda: conversation.check_can_write_retrospective(mentorship, current_user)
    )


# --- the testimonial -----------------------------------------------------------------------


@bp.route("/mentorship/<int:request_id>/testimonial", methods=["POST"])
@write_limit("mentorship_actions")
@login_required
@transactional
def save_testimonial(request_id: int):
    mentorship = _load(request_id)
    form = TestimonialForm(mentor_name=mentorship.mentor.name)
    if form.validate_on_submit():
        return _perform(
            mentorship,
            lambda: testimonials.save(mentorship, current_user, form.body.data, form.consent.data),
            f"Thank you! Your testimonial shows once {mentorship.mentor.name} approves it.",
        )
    if permissions.can_write_testimonial(current_user, mentorship):
        return _show(mentorship, 400, testimonial_form=form)
    return _perform(mentorship, lambda: testimonials.check_can_write(mentorship, current_user))


@bp.route("/mentorship/<int:request_id>/testimonial/withdraw", methods=["POST"])
@write_limit("mentorship_actions")
@login_required
@transactional
def withdraw_testimonial(request_id: int):
    mentorship = _load(request_id)
    return _perform(
        mentorship,
        lambda: testimonials.withdraw(mentorship, current_user),
        "Your testimonial is withdrawn; it no longer shows anywhere.",
    )


_TESTIMONIAL_SUCCESS = {
    "approve": "The testimonial now shows on your mentor profile.",
    "decline": "You declined the testimonial; it won't show on your profile.",
    "hide": "The testimonial no longer shows on your mentor profile.",
}


def _answer_testimonial(request_id: int, move: str):
    mentorship = _load(request_id)
    action = getattr(testimonials, move)
    return _perform(
        mentorship, lambda: action(mentorship, current_user), _TESTIMONIAL_SUCCESS[move]
    )


@bp.route("/mentorship/<int:request_id>/testimonial/approve", methods=["POST"])
@write_limit("mentorship_actions")
@login_required
@transactional
def approve_testimonial(request_id: int):
    return _answer_testimonial(request_id, "approve")


@bp.route("/mentorship/<int:request_id>/testimonial/decline", methods=["POST"])
@write_limit("mentorship_actions")
@login_required
@transactional
def decline_testimonial(request_id: int):
    return _answer_testimonial(request_id, "decline")


@bp.route("/mentorship/<int:request_id>/testimonial/hide", methods=["POST"])
@write_limit("mentorship_actions")
@login_required
@transactional
def hide_testimonial(request_id: int):
    return _answer_testimonial(request_id, "hide")
