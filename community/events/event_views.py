"""Event pages: the upcoming and past lists, one event, submitting and editing.

Thin views over ``queries`` (reads) and ``services`` (writes). Every POST is one unit of
work (``@transactional``) under a write limit; GETs never write.
"""

from __future__ import annotations

from functools import lru_cache

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from community import permissions
from community.db import transactional
from community.errors import render_error
from community.events import (
    export,  # noqa: F401  (adds the events export section)
    queries,
    services,
)
from community.events.blueprint import bp
from community.events.forms import CancelForm, EventFilterForm, EventForm, RejectForm
from community.events.models import Event, EventFormat, EventKind, EventState
from community.events.queries import EventFilters
from community.limits import write_limit
from community.search.matching import MAX_QUERY_CHARS
from community.templating import viewer_timezone
from community.timeutil import to_zone
from community.urls import date_arg, enum_arg, page_arg, text_arg


def event_url(event: Event, **args) -> str:
    return url_for("events.show", event_id=event.id, slug=event.slug, **args)


def get_visible_event_or_404(event_id: int) -> Event:
    """The event, if this viewer may see it: a pending or rejected one is 404 to others."""
    event = queries.get_event(event_id)
    if event is None or not permissions.can_view_event(current_user, event):
        abort(404)
    return event


def _filters() -> EventFilters:
    return EventFilters(
        kind=enum_arg("kind", EventKind),
        format=enum_arg("format", EventFormat),
        tag=text_arg("tag", 30).lower().lstrip("#"),
        starts_from=date_arg("from_date"),
        starts_until=date_arg("to_date"),
        free_only=bool(text_arg("free", 5)),
        timezone=viewer_timezone(),
        search=text_arg("q", MAX_QUERY_CHARS),
    )


@lru_cache(maxsize=256)
def filter_form(endpoint: str, kept: tuple[tuple[str, str], ...]) -> Markup:
    """The list's filter form for one set of cleaned filters, rendered once per process.

    It depends on nothing else (no CSRF on a GET form), and rendering its widgets costs
    as much as the rest of the list; ``kept`` is bounded, so the cache is too.
    """
    form = EventFilterForm(MultiDict(kept))
    return Markup(
        render_template("events/_filters.html", form=form, endpoint=endpoint, filters=dict(kept))
    )


def _list_page(template_args: dict, past: bool):
    filters = _filters()
    endpoint = "events.past" if past else "events.index"
    query = queries.past_query(filters) if past else queries.upcoming_query(filters)
    page = queries.events_page(query, page_arg(), current_app.config["EVENTS_PER_PAGE"])
    kept = filters.as_args()
    what = f"{filters.kind.value}s" if filters.kind else "events"
    return render_template(
        "events/index.html",
        heading=f"{'Past' if past else 'Upcoming'} {what}",
        page=page,
        filter_form=filter_form(endpoint, tuple(sorted(kept.items()))),
        filters=kept,
        past=past,
        endpoint=endpoint,
        viewer_zone=filters.timezone,
        **template_args,
    )


@bp.route("/events/")
def index():
    return _list_page({"tags_in_use": queries.tag_names_in_use()}, past=False)


@bp.route("/events/past")
def past():
    return _list_page({"tags_in_use": []}, past=True)


@bp.route("/events/<int:event_id>")
@bp.route("/events/<int:event_id>/<slug>")
def show(event_id: int, slug: str | None = None):
    event = get_visible_event_or_404(event_id)
    if slug != event.slug:
        return redirect(event_url(event), 301)
    answer = services.rsvp_of(current_user, event)
    refusal = (
        services.refusal_to_rsvp(current_user, event) if current_user.is_authenticated else None
    )
    return render_template(
        "events/show.html",
        event=event,
        rsvp=answer,
        waitlist_position=queries.waitlist_position(event, answer),
        attendees=queries.attendees(event),
        rsvp_refusal=refusal,
        reject_form=RejectForm(),
        cancel_form=CancelForm(),
        viewer_zone=viewer_timezone(),
    )


@bp.route("/events/mine")
@login_required
def mine():
    return render_template(
        "events/mine.html",
        organised=queries.organised_by(current_user),
        answered=queries.answered_by(current_user),
    )


def _form_page(form: EventForm, event: Event | None, status: int = 200):
    return render_template("events/form.html", form=form, event=event), status


def _refused_field(form: EventForm, refusal: services.EventRefused) -> None:
    """Show a service's refusal next to the field it names (the form's own names)."""
    name = {"website_url": "website", "guide_step": "step"}.get(refusal.field, refusal.field)
    target = getattr(form, name or "", None) or form.title
    target.errors = [*target.errors, refusal.message]


@bp.route("/events/new")
@login_required
def new():
    if not permissions.can_submit_event(current_user):
        return _refuse_submission()
    return _form_page(EventForm(timezone=viewer_timezone(), free=True), None)


def _refuse_submission():
    """A 403 that says why, when the reason is one the member can fix."""
    if permissions.can_write(current_user) and not permissions.is_verified_enough(current_user):
        return render_error(
            403,
            "Confirm your email address to submit events: follow the link we mailed you "
            "(Settings can send it again).",
        )
    abort(403)


@bp.route("/events/new", methods=["POST"])
@write_limit("events")
@login_required
@transactional
def create():
    if not permissions.can_submit_event(current_user):
        return _refuse_submission()
    form = EventForm()
    if not form.validate_on_submit():
        return _form_page(form, None, 400)
    try:
        event = services.submit_event(current_user, form.details())
    except services.NotAllowed:
        raise
    except services.EventRefused as refusal:
        _refused_field(form, refusal)
        return _form_page(form, None, 400)
    if event.is_listed:
        flash("Your event is published.", "success")
    else:
        flash("Thanks! A moderator will review your event before it is listed.", "success")
    return redirect(event_url(event))


def _form_for(event: Event) -> EventForm:
    return EventForm(
        title=event.title,
        kind=event.kind.value,
        format=event.format.value,
        starts_at=to_zone(event.starts_at, event.timezone).replace(tzinfo=None),
        ends_at=to_zone(event.ends_at, event.timezone).replace(tzinfo=None),
        timezone=event.timezone,
        location=event.location,
        url=event.url,
        link_attendees_only=event.is_link_attendees_only,
        registration_url=event.registration_url,
        website=event.website_url,
        free=event.is_free,
        price=event.price,
        capacity=event.capacity,
        tags=", ".join(tag.name for tag in event.tags),
        step=event.guide_step.value if event.guide_step else "",
        description=event.description_md,
    )


def _editable_event_or_403(event_id: int) -> Event:
    event = get_visible_event_or_404(event_id)
    if not permissions.can_edit_event(current_user, event):
        abort(403)
    return event


@bp.route("/events/<int:event_id>/edit")
@login_required
def edit(event_id: int):
    event = _editable_event_or_403(event_id)
    return _form_page(_form_for(event), event)


@bp.route("/events/<int:event_id>/edit", methods=["POST"])
@write_limit("edits")
@login_required
@transactional
def update(event_id: int):
    event = _editable_event_or_403(event_id)
    form = EventForm()
    if not form.validate_on_submit():
        return _form_page(form, event, 400)
    try:
        material = services.edit_event(event, current_user, form.details())
    except services.NotAllowed:
        raise
    except services.EventRefused as refusal:
        _refused_field(form, refusal)
        return _form_page(form, event, 400)
    if material and event.is_listed:
        flash("Saved. Everyone who answered is told of the new time or place.", "success")
    elif event.state == EventState.PENDING:
        flash("Saved. A moderator will review your event before it is listed.", "success")
    else:
        flash("Your event is saved.", "success")
    return redirect(event_url(event))
