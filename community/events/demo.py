"""Sample events for ``flask demo-data``: every kind, format and several time zones.

Events are made through ``services`` as members would make them (submitted, approved by a
moderator, answered), so every rule the services keep holds for them too: seats never
pass the capacity, the waitlist is in order, counters match the RSVP rows. Titles end
with "(demo)" and descriptions start with "(Demo)", like the rest of the demo content.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from community.accounts.models import User
from community.discussions.comment_models import Step
from community.discussions.services import site_account
from community.events import services
from community.events.models import Event, EventFormat, EventKind
from community.extensions import db
from community.timeutil import local_to_utc, utcnow

_JOIN_URL = "https://meet.example.com/pathways-demo"


@dataclass(frozen=True)
class _Sample:
    """One demo event; ``days`` from today (negative: it took place), at ``at`` local time."""

    title: str
    kind: EventKind
    format: EventFormat
    timezone: str
    days: int
    at: time
    hours: float
    #: Index into the demo members of its organiser; None: the reviewing moderator's own.
    organiser: int | None
    description: str
    location: str = ""
    price: str = ""
    guide_step: Step | None = None
    capacity: int | None = None
    tags: tuple[str, ...] = ()
    #: Demo members (by index) answering, in order: "going" or "interested".
    answers: tuple[tuple[int, str], ...] = ()
    #: "published" (the default), "pending" (left in the queue) or "cancelled".
    outcome: str = "published"


_SAMPLES = (
    _Sample(
        "Breaking into data analysis: live Q&A",
        EventKind.WEBINAR,
        EventFormat.ONLINE,
        "America/New_York",
        days=5,
        at=time(12, 0),
        hours=1,
        organiser=0,
        description="Three former teachers and a nurse on their first year as data analysts. "
        "Bring your questions about courses, portfolios and the first interview.",
        guide_step=Step.CERTIFICATIONS,
        tags=("data", "career-change"),
        answers=((1, "going"), (2, "going"), (3, "interested"), (4, "interested")),
    ),
    _Sample(
        "Career changers' evening in Berlin",
        EventKind.MEETUP,
        EventFormat.IN_PERSON,
        "Europe/Berlin",
        days=9,
        at=time(18, 30),
        hours=2.5,
        organiser=3,
        description="A small table, so sign up early: when it is full, join the waitlist and "
        "you are seated in order as places free up.",
        location="Kulturbrauerei, Schönhauser Allee 36, Berlin",
        guide_step=Step.NETWORKING,
        capacity=3,
        tags=("networking", "berlin"),
        # Three seats: the first three are going, the last two wait in this order.
        answers=((3, "going"), (0, "going"), (4, "going"), (1, "going"), (2, "going")),
    ),
    _Sample(
        "Product management for career changers",
        EventKind.CONFERENCE,
        EventFormat.HYBRID,
        "Asia/Kolkata",
        days=30,
        at=time(9, 30),
        hours=8,
        organiser=2,
        description="A day of talks from people who moved into product from finance, "
        "engineering and support, with a mentoring corner at lunch. Talks are streamed.",
        location="Bangalore International Centre, Bengaluru",
        price="₹1,500, students free",
        tags=("product-management", "conference"),
        answers=((2, "going"), (0, "interested"), (4, "going")),
    ),
    _Sample(
        "Portfolio review workshop",
        EventKind.WORKSHOP,
        EventFormat.ONLINE,
        "UTC",
        days=14,
        at=time(16, 0),
        hours=2,
        organiser=None,
        description="Share one project and get written feedback from two reviewers who "
        "hire for the role you want. Come with a link to the project.",
        price="$25",
        guide_step=Step.PROJECTS,
        capacity=20,
        tags=("portfolio",),
        answers=((0, "going"), (1, "going"), (3, "going")),
    ),
    _Sample(
        "From warehouse floor to automation",
        EventKind.WORKSHOP,
        EventFormat.IN_PERSON,
        "Africa/Lagos",
        days=21,
        at=time(10, 0),
        hours=4,
        organiser=1,
        description="Hands-on: wire up a conveyor sensor and write the script that counts "
        "parcels. No experience needed; laptops provided.",
        location="Co-Creation Hub, Yaba, Lagos",
        tags=("automation", "hands-on"),
        answers=((1, "going"), (4, "interested")),
    ),
    _Sample(
        "Writing a transition plan that survives a busy month",
        EventKind.WEBINAR,
        EventFormat.HYBRID,
        "Europe/London",
        days=40,
        at=time(19, 0),
        hours=1.5,
        organiser=4,
        description="Milestones, buffers, and what to do when you miss a date. Join in the "
        "room or online.",
        location="The Trampery, Old Street, London",
        guide_step=Step.PLAN,
        tags=("planning",),
        answers=((4, "going"), (3, "interested")),
    ),
    _Sample(
        "Sales to solutions engineering: round table",
        EventKind.MEETUP,
        EventFormat.ONLINE,
        "America/Sao_Paulo",
        days=12,
        at=time(20, 0),
        hours=1.5,
        organiser=4,
        description="An hour with solutions engineers who started in sales.",
        tags=("sales-customer-success",),
        answers=((2, "going"),),
        outcome="cancelled",
    ),
    _Sample(
        "Mentoring circle kick-off",
        EventKind.MEETUP,
        EventFormat.ONLINE,
        "Australia/Sydney",
        days=18,
        at=time(18, 0),
        hours=1,
        organiser=0,
        description="Meet the mentors and form circles of four mentees each.",
        tags=("mentorship",),
        outcome="pending",
    ),
    _Sample(
        "Career Change Summit",
        EventKind.CONFERENCE,
        EventFormat.IN_PERSON,
        "Europe/Berlin",
        days=-20,
        at=time(9, 0),
        hours=9,
        organiser=3,
        description="Talks and workshops on changing careers after ten years in one field.",
        location="Urania, An der Urania 17, Berlin",
        price="€40, students €10",
        tags=("conference", "berlin"),
        answers=((3, "going"), (0, "going"), (1, "going")),
    ),
    _Sample(
        "Certifications that hiring managers read",
        EventKind.WEBINAR,
        EventFormat.ONLINE,
        "UTC",
        days=-6,
        at=time(15, 0),
        hours=1,
        organiser=2,
        description="Which certificates opened doors, which did not, and why projects mattered "
        "more in the end.",
        guide_step=Step.CERTIFICATIONS,
        tags=("certifications",),
        answers=((2, "going"), (4, "going"), (0, "interested")),
    ),
    _Sample(
        "Python for analysts: a first script",
        EventKind.WORKSHOP,
        EventFormat.HYBRID,
        "Asia/Kolkata",
        days=-45,
        at=time(14, 0),
        hours=3,
        organiser=0,
        description="Automate one spreadsheet report from your current job, step by step.",
        location="91springboard, Koramangala, Bengaluru",
        guide_step=Step.PROJECTS,
        tags=("data", "python"),
        answers=((0, "going"), (1, "going"), (3, "going")),
    ),
)


@dataclass
class DemoEvents:
    """What ``seed_demo_events`` added, for the command to report."""

    upcoming: int = 0
    past: int = 0
    pending: int = 0
    cancelled: int = 0
    rsvps: int = 0
    events: list[Event] = field(default_factory=list)


def _instant(day: date, at: time, zone: str) -> datetime:
    """``at`` on ``day`` in ``zone`` as UTC (an hour later when clocks skip it)."""
    local = datetime.combine(day, at)
    return local_to_utc(local, zone) or local_to_utc(local + timedelta(hours=1), zone)


def _details(sample: _Sample, day: date) -> services.EventDetails:
    starts_at = _instant(day, sample.at, sample.timezone)
    return services.EventDetails(
        title=f"{sample.title} (demo)",
        kind=sample.kind,
        format=sample.format,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=sample.hours),
        timezone=sample.timezone,
        location=sample.location,
        url=_JOIN_URL if sample.format.has_link else "",
        is_link_attendees_only=sample.format is EventFormat.HYBRID,
        is_free=not sample.price,
        price=sample.price,
        description=f"(Demo) {sample.description}",
        guide_step=sample.guide_step,
        capacity=sample.capacity,
        tags=list(sample.tags),
    )


def seed_demo_events(
    members: Sequence[User], moderator: User | None, rng: random.Random
) -> DemoEvents:
    """Add the demo events, organised and answered by ``members`` (the five demo members).

    ``moderator`` approves the members' events and organises one of its own; without one,
    the site account (an admin nobody signs in as) does. Safe to run again: when the
    members already organise events, nothing is added.
    """
    summary = DemoEvents()
    already = db.session.scalar(
        select(Event.id).where(Event.organiser_id.in_([member.id for member in members])).limit(1)
    )
    if already is not None:
        return summary
    reviewer = moderator or site_account()
    today = utcnow().date()
    for sample in _SAMPLES:
        # Services refuse new events that start in the past, so an event that took place is
        # made as a future one, answered while it was to come, then moved back in time on
        # its row below: the only step here that is not a service call.
        days = sample.days if sample.days > 0 else 7
        organiser = reviewer if sample.organiser is None else members[sample.organiser]
        event = services.submit_event(organiser, _details(sample, today + timedelta(days=days)))
        if sample.outcome == "pending":
            summary.pending += 1
            summary.events.append(event)
            continue
        if not event.is_listed:
            event = services.approve_event(event, reviewer, "Fits the event guidelines.")
        for index, choice in sample.answers:
            services.rsvp(event, members[index], choice)
            summary.rsvps += 1
        if sample.outcome == "cancelled":
            services.cancel_event(
                event, event.organiser, "The speakers can't make it; see you next month."
            )
            summary.cancelled += 1
        if sample.days < 0:
            _move_to_past(event, today + timedelta(days=sample.days), sample)
            summary.past += 1
        else:
            summary.upcoming += 1
        summary.events.append(event)
    # Two upcoming events, picked by ``rng``, get one more member interested.
    extra = [
        e for e in summary.events if e.is_listed and not e.is_cancelled and e.ends_at > utcnow()
    ]
    for event in rng.sample(extra, k=min(2, len(extra))):
        for member in members:
            if services.rsvp_of(member, event) is None:
                services.rsvp(event, member, "interested")
                summary.rsvps += 1
                break
    db.session.flush()
    return summary


def _move_to_past(event: Event, day: date, sample: _Sample) -> None:
    """Put an answered event on ``day``, in the past, keeping its local time and length."""
    event.starts_at = _instant(day, sample.at, sample.timezone)
    event.ends_at = event.starts_at + timedelta(hours=sample.hours)
    db.session.flush()
