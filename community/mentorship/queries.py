"""Named reads for the mentorship pages, each with its eager loads.

Every page reads through one of these, so its query count stays constant however many
mentors, requests or messages there are (``tests/test_mentorship_queries.py`` caps them).
Nothing here writes: an overdue request is shown as expired through
``MentorshipRequest.current_state``, and only a POST or ``flask expire-requests`` stores it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from community.accounts.models import User
from community.accounts.profiles import readable_experiences
from community.db import UTCDateTime, paginate
from community.discussions.comment_models import Comment
from community.extensions import db
from community.mentorship.models import (
    MentorExpertise,
    MentorLanguage,
    MentorProfile,
    MentorshipMessage,
    MentorshipRequest,
    MentorshipRetrospective,
    RequestState,
    Testimonial,
    TestimonialState,
    expiry_period,
)
from community.search.matching import SearchText, matches
from community.timeutil import utcnow

#: What a username in a URL may look like; anything else is a 404 without a query.
USERNAME_IN_URL = re.compile(r"[a-z0-9_-]{1,40}")


# --- profiles and the directory ------------------------------------------------------------


def get_profile(user: User) -> MentorProfile | None:
    """The member's own profile, listed or not (they left, or are paused)."""
    return db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user.id))


def _listed():
    """Conditions for a profile to be public: the mentor has not left, the account is usable."""
    return (MentorProfile.left_at.is_(None), User.deleted_at.is_(None), User.not_suspended())


def get_listed_profile(username: str) -> MentorProfile | None:
    """The profile shown at /mentors/<username>: an active mentor whose account is live.

    A name no account can have (wrong characters, too long, a NUL) is answered without
    asking the database.
    """
    username = username.lower()
    if not USERNAME_IN_URL.fullmatch(username):
        return None
    return db.session.scalar(
        select(MentorProfile)
        .join(MentorProfile.user)
        .where(User.username == username, *_listed())
        .options(selectinload(MentorProfile.expertise), selectinload(MentorProfile.languages))
    )


def is_listed_mentor(user: User) -> bool:
    """Whether the member's mentor profile is in the directory (for a badge on their profile)."""
    return db.session.scalar(
        select(
            exists().where(
                MentorProfile.user_id == user.id, MentorProfile.user_id == User.id, *_listed()
            )
        )
    )


def _active_subquery():
    return (
        select(func.count(MentorshipRequest.id))
        .where(
            MentorshipRequest.mentor_id == MentorProfile.user_id,
            MentorshipRequest.state == RequestState.ACCEPTED,
        )
        .correlate(MentorProfile)
        .scalar_subquery()
    )


def _has_room():
    return and_(MentorProfile.is_accepting.is_(True), _active_subquery() < MentorProfile.capacity)


@dataclass(frozen=True)
class DirectoryFilters:
    """The directory's filters, already cleaned of junk (``community.urls.text_arg``)."""

    expertise: str = ""
    language: str = ""
    accepting_only: bool = False
    search: str = ""


def directory_query(filters: DirectoryFilters = DirectoryFilters()) -> Select:
    """The directory's one query: listed mentors, filtered, those taking requests first."""
    query = (
        select(MentorProfile)
        .join(MentorProfile.user)
        .where(*_listed())
        .options(
            # The join the filters use brings the member too (not a second join of users).
            contains_eager(MentorProfile.user),
            selectinload(MentorProfile.expertise),
            selectinload(MentorProfile.languages),
        )
    )
    if filters.expertise:
        query = query.where(
            exists().where(
                MentorExpertise.profile_id == MentorProfile.id,
                MentorExpertise.slug == filters.expertise,
            )
        )
    if filters.language:
        query = query.where(
            exists().where(
                MentorLanguage.profile_id == MentorProfile.id,
                MentorLanguage.language == " ".join(filters.language.split()).lower(),
            )
        )
    if filters.accepting_only:
        query = query.where(_has_room())
    if filters.search:
        # The site's search (names, headline, bio); words it cannot search for match nothing.
        text = SearchText.parse(filters.search)
        query = query.where(matches(MentorProfile, text) if text else false())
    return query.order_by(
        MentorProfile.is_accepting.desc(), MentorProfile.created_at.desc(), MentorProfile.id.desc()
    )


#: Mentors the directory counts at most ("200+ mentors found"): the count walks the
#: directory's order and stops there, whatever the filters leave.
COUNT_CAP = 200


def directory_page(filters: DirectoryFilters, page: int, per_page: int):
    """One page of the directory with each card's open places and figures (by user id), in
    a constant number of queries."""
    mentors = paginate(directory_query(filters), page, per_page, cap=COUNT_CAP)
    figures = mentor_figures(profile.user_id for profile in mentors.items)
    places = {
        profile.user_id: open_places(profile, figures[profile.user_id].active)
        for profile in mentors.items
    }
    return mentors, places, figures


def language_choices() -> list[str]:
    """Languages mentors offer, for the directory filter."""
    return list(
        db.session.scalars(
            select(MentorLanguage.language).distinct().order_by(MentorLanguage.language)
        )
    )


def mentors_with_room(limit: int) -> list[tuple[MentorProfile, int]]:
    """Newest listed mentors who take requests now, with their open places (for the home page)."""
    mentors = list(
        db.session.scalars(directory_query(DirectoryFilters(accepting_only=True)).limit(limit))
    )
    places = places_of(mentors)
    return [(profile, places[profile.user_id]) for profile in mentors]


def suggest_mentors(request: MentorshipRequest, limit: int = 5) -> list[MentorProfile]:
    """Other mentors with room who share an expertise with the one who said no (or never did)."""
    slugs = (
        select(MentorExpertise.slug)
        .join(MentorProfile, MentorProfile.id == MentorExpertise.profile_id)
        .where(MentorProfile.user_id == request.mentor_id)
    )
    query = (
        select(MentorProfile)
        .join(MentorProfile.user)
        .where(
            *_listed(),
            _has_room(),
            MentorProfile.user_id.not_in([request.mentor_id, request.mentee_id]),
            exists().where(
                MentorExpertise.profile_id == MentorProfile.id, MentorExpertise.slug.in_(slugs)
            ),
        )
        .options(selectinload(MentorProfile.expertise), selectinload(MentorProfile.languages))
        .order_by(MentorProfile.created_at.desc(), MentorProfile.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


# --- places and counts ---------------------------------------------------------------------


def active_count(mentor_id: int) -> int:
    """Accepted mentorships of one mentor (what capacity is measured against)."""
    return db.session.scalar(
        select(func.count(MentorshipRequest.id)).where(
            MentorshipRequest.mentor_id == mentor_id,
            MentorshipRequest.state == RequestState.ACCEPTED,
        )
    )


def active_counts(mentor_ids: Iterable[int]) -> dict[int, int]:
    """Accepted mentorships per mentor, in one query, for a page of cards."""
    ids = list(mentor_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(MentorshipRequest.mentor_id, func.count(MentorshipRequest.id))
        .where(
            MentorshipRequest.mentor_id.in_(ids),
            MentorshipRequest.state == RequestState.ACCEPTED,
        )
        .group_by(MentorshipRequest.mentor_id)
    ).all()
    counts = dict.fromkeys(ids, 0)
    counts.update({mentor_id: count for mentor_id, count in rows})
    return counts


def open_places(profile: MentorProfile, active: int | None = None) -> int:
    """Places left: capacity minus active mentorships (never below zero)."""
    if active is None:
        active = active_count(profile.user_id)
    return max(0, profile.capacity - active)


def places_of(profiles: Iterable[MentorProfile]) -> dict[int, int]:
    """Open places per mentor (by user id) for a list of cards, in one query."""
    profiles = list(profiles)
    active = active_counts(profile.user_id for profile in profiles)
    return {profile.user_id: open_places(profile, active[profile.user_id]) for profile in profiles}


def completed_count(mentor_id: int) -> int:
    return mentor_record(mentor_id)[1]


def mentor_record(mentor_id: int) -> tuple[int, int]:
    """(active, completed) mentorships of one mentor, in one query, for the profile page."""
    is_state = MentorshipRequest.state

    def count(state: RequestState):
        return func.coalesce(func.sum(case((is_state == state, 1), else_=0)), 0)

    active, completed = db.session.execute(
        select(count(RequestState.ACCEPTED), count(RequestState.COMPLETED)).where(
            MentorshipRequest.mentor_id == mentor_id,
            is_state.in_([RequestState.ACCEPTED, RequestState.COMPLETED]),
        )
    ).one()
    return int(active), int(completed)


# --- what a card tells about the mentor ----------------------------------------------------

#: How soon a mentor usually answers is read from their latest answers only: it says
#: how they answer now, and a mentor with thousands of requests costs no more.
ANSWERS_READ = 50
#: Fewer answers than this say nothing about a habit: the line is left out.
ANSWERS_NEEDED = 3
#: (at most this long, the words for it), shortest first.
RESPONSE_WORDS: tuple[tuple[timedelta, str], ...] = (
    (timedelta(hours=1), "within an hour"),
    (timedelta(days=1), "within a day"),
    (timedelta(days=3), "within 3 days"),
    (timedelta(days=7), "within a week"),
    (timedelta(days=14), "within two weeks"),
)


@dataclass(frozen=True)
class CareerMove:
    """The move a mentor shared as an experience: what they left, what they do now."""

    comment_id: int
    from_role: str | None
    to_role: str | None
    months: int | None


@dataclass(frozen=True)
class MentorFigures:
    """What a mentor's card and profile say about their record."""

    #: Accepted mentorships going on now (what capacity is measured against).
    active: int = 0
    completed: int = 0
    #: The median time from a request to their answer; None below ``ANSWERS_NEEDED`` answers.
    response_time: timedelta | None = None
    #: Their latest readable experience that names a role.
    move: CareerMove | None = None
    #: Published testimonials on their profile.
    testimonials: int = 0

    @property
    def answers_within(self) -> str | None:
        """ "within a day", "within 3 days"...; None when there is too little to say."""
        if self.response_time is None:
            return None
        for limit, words in RESPONSE_WORDS:
            if self.response_time <= limit:
                return words
        return "in more than two weeks"


def median(values: list[timedelta]) -> timedelta | None:
    """The middle value (the mean of the two middle ones for an even count)."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _figures_statement(ids: list[int]):
    """One statement for every mentor in ``ids``: three kinds of row in one UNION ALL.

    - ``answer``: a request the mentor answered (accepted or declined), with when it was
      sent (``asked_at``) and answered (``answered_at``); their latest ``ANSWERS_READ``.
    - ``counts``: their accepted (``first``) and completed (``second``) mentorships.
    - ``move``: their latest readable experience that names a role: ``from_role``,
      ``to_role``, the months in ``first`` and the comment's id in ``second``.
    - ``testimonials``: how many testimonials their profile shows, in ``first``.

    Columns a kind doesn't use are NULL.
    """
    request = MentorshipRequest
    answers = (
        select(
            request.mentor_id.label("mentor_id"),
            request.created_at.label("asked_at"),
            request.responded_at.label("answered_at"),
            func.row_number()
            .over(
                partition_by=request.mentor_id,
                order_by=(request.responded_at.desc(), request.id.desc()),
            )
            .label("position"),
        )
        .where(
            request.mentor_id.in_(ids),
            request.responded_by_id == request.mentor_id,
            request.responded_at.is_not(None),
        )
        .subquery()
    )
    moves = (
        readable_experiences(ids)
        .where(or_(Comment.from_role.is_not(None), Comment.to_role.is_not(None)))
        .with_only_columns(
            Comment.author_id.label("mentor_id"),
            Comment.id.label("comment_id"),
            Comment.from_role,
            Comment.to_role,
            Comment.months,
            func.row_number()
            .over(
                partition_by=Comment.author_id,
                order_by=(Comment.created_at.desc(), Comment.id.desc()),
            )
            .label("position"),
        )
        .subquery()
    )

    def count(state: RequestState):
        return func.coalesce(func.sum(case((request.state == state, 1), else_=0)), 0)

    # Typed NULLs, so that both engines agree on each column's type across the branches.
    no_time = cast(null(), UTCDateTime)
    no_text = cast(null(), String)
    no_number = cast(null(), Integer)
    return union_all(
        select(
            answers.c.mentor_id,
            literal_column("'answer'").label("kind"),
            answers.c.asked_at,
            answers.c.answered_at,
            no_text.label("from_role"),
            no_text.label("to_role"),
            no_number.label("first"),
            no_number.label("second"),
        ).where(answers.c.position <= ANSWERS_READ),
        select(
            request.mentor_id,
            literal_column("'counts'"),
            no_time,
            no_time,
            no_text,
            no_text,
            count(RequestState.ACCEPTED),
            count(RequestState.COMPLETED),
        )
        .where(
            request.mentor_id.in_(ids),
            request.state.in_([RequestState.ACCEPTED, RequestState.COMPLETED]),
        )
        .group_by(request.mentor_id),
        select(
            moves.c.mentor_id,
            literal_column("'move'"),
            no_time,
            no_time,
            moves.c.from_role,
            moves.c.to_role,
            moves.c.months,
            moves.c.comment_id,
        ).where(moves.c.position == 1),
        select(
            Testimonial.mentor_id,
            literal_column("'testimonials'"),
            no_time,
            no_time,
            no_text,
            no_text,
            func.count(Testimonial.id),
            no_number,
        )
        .where(*_shown_testimonials(ids))
        .group_by(Testimonial.mentor_id),
    )


def mentor_figures(mentor_ids: Iterable[int]) -> dict[int, MentorFigures]:
    """Active and completed mentorships, usual response time, own career move and
    testimonials shown per mentor (by user id), for a page of cards or one profile, in one
    query."""
    ids = list(dict.fromkeys(mentor_ids))
    if not ids:
        return {}
    counts: dict[int, tuple[int, int]] = {}
    waits: dict[int, list[timedelta]] = {}
    moves: dict[int, CareerMove] = {}
    testimonials: dict[int, int] = {}
    for row in db.session.execute(_figures_statement(ids)):
        if row.kind == "answer":
            waits.setdefault(row.mentor_id, []).append(_elapsed(row.asked_at, row.answered_at))
        elif row.kind == "counts":
            counts[row.mentor_id] = (int(row.first), int(row.second))
        elif row.kind == "testimonials":
            testimonials[row.mentor_id] = int(row.first)
        else:
            moves[row.mentor_id] = CareerMove(row.second, row.from_role, row.to_role, row.first)
    figures = {}
    for mentor_id in ids:
        active, completed = counts.get(mentor_id, (0, 0))
        answered = waits.get(mentor_id, [])
        figures[mentor_id] = MentorFigures(
            active=active,
            completed=completed,
            response_time=median(answered) if len(answered) >= ANSWERS_NEEDED else None,
            move=moves.get(mentor_id),
            testimonials=testimonials.get(mentor_id, 0),
        )
    return figures


def _elapsed(asked_at: datetime, answered_at: datetime) -> timedelta:
    return max(answered_at - asked_at, timedelta(0))


# --- requests ------------------------------------------------------------------------------


def _not_overdue():
    """Open in fact: accepted, or pending and still within its expiry period."""
    cutoff = utcnow() - expiry_period()
    return or_(
        MentorshipRequest.state == RequestState.ACCEPTED,
        and_(
            MentorshipRequest.state == RequestState.PENDING,
            MentorshipRequest.created_at > cutoff,
        ),
    )


def open_request_between(mentee: User, mentor: User) -> MentorshipRequest | None:
    """The pair's pending or active request; one that is overdue no longer counts."""
    return db.session.scalar(
        select(MentorshipRequest).where(
            MentorshipRequest.mentee_id == mentee.id,
            MentorshipRequest.mentor_id == mentor.id,
            _not_overdue(),
        )
    )


def pending_count(mentee: User) -> int:
    """Requests the mentee is still waiting on (overdue ones have stopped waiting)."""
    return db.session.scalar(
        select(func.count(MentorshipRequest.id)).where(
            MentorshipRequest.mentee_id == mentee.id,
            MentorshipRequest.state == RequestState.PENDING,
            _not_overdue(),
        )
    )


def request_with_sides(request_id: int) -> MentorshipRequest | None:
    """One request with its mentee, mentor, whoever ended it and its testimonial, in one query.

    Views answer 404 both when it is missing and when ``permissions.can_view_mentorship``
    says no, so nobody can probe which ids exist.
    """
    return db.session.scalar(
        select(MentorshipRequest)
        .where(MentorshipRequest.id == request_id)
        .options(
            joinedload(MentorshipRequest.mentee),
            joinedload(MentorshipRequest.mentor),
            joinedload(MentorshipRequest.ended_by),
            joinedload(MentorshipRequest.testimonial),
        )
    )


#: Past requests listed per page of ``/mentorship/``, on each side (``?past_page=N``).
PAST_PER_PAGE = 20


@dataclass
class Stages:
    """A member's requests on one side, as the list page groups them: every open one, and
    one page of past ones (``past_more`` when an older page follows)."""

    pending: list[MentorshipRequest]
    active: list[MentorshipRequest]
    past: list[MentorshipRequest]
    past_more: bool = False


def group_by_stage(
    requests: Iterable[MentorshipRequest], past_limit: int = PAST_PER_PAGE
) -> Stages:
    """Split requests into pending, active and past ones (overdue ones as past), keeping
    the first ``past_limit`` past ones and noting whether there were more."""
    stages = Stages([], [], [])
    for item in requests:
        state = item.current_state
        if state == RequestState.PENDING:
            stages.pending.append(item)
        elif state == RequestState.ACCEPTED:
            stages.active.append(item)
        elif len(stages.past) < past_limit:
            stages.past.append(item)
        else:
            stages.past_more = True
    return stages


#: Newest change first, the order of every list on ``/mentorship/``.
_LATEST_FIRST = (MentorshipRequest.updated_at.desc(), MentorshipRequest.id.desc())


def _past_ids(side, user: User, past_page: int, per_page: int) -> Select:
    """The ids of one page of the member's past requests on one side, plus one to tell
    whether another page follows (wrapped: SQLite keeps a ``LIMIT`` inside a ``UNION``
    only in a subquery)."""
    page = (
        select(MentorshipRequest.id)
        .where(side == user.id, ~_not_overdue())
        .order_by(*_LATEST_FIRST)
        .offset((max(past_page, 1) - 1) * per_page)
        .limit(per_page + 1)
    )
    return select(page.subquery().c[0])


def requests_of(
    user: User, past_page: int = 1, per_page: int = PAST_PER_PAGE
) -> tuple[Stages, Stages]:
    """(received, sent): the member's open requests, and page ``past_page`` of their past
    ones on each side, latest change first.

    One statement whatever the history: the open ones (bounded by the pending and
    capacity limits) and one page of past ones per side, with both members joined; a
    long history adds pages, not rows to a page.
    """
    open_ids = select(MentorshipRequest.id).where(
        or_(MentorshipRequest.mentee_id == user.id, MentorshipRequest.mentor_id == user.id),
        _not_overdue(),
    )
    sides = (MentorshipRequest.mentor_id, MentorshipRequest.mentee_id)
    wanted = union_all(open_ids, *(_past_ids(side, user, past_page, per_page) for side in sides))
    requests = db.session.scalars(
        select(MentorshipRequest)
        .where(MentorshipRequest.id.in_(wanted))
        .options(joinedload(MentorshipRequest.mentee), joinedload(MentorshipRequest.mentor))
        .order_by(*_LATEST_FIRST)
    ).all()
    received, sent = (
        group_by_stage((item for item in requests if getattr(item, side.key) == user.id), per_page)
        for side in sides
    )
    return received, sent


def messages_of(request: MentorshipRequest) -> list[MentorshipMessage]:
    """The request's conversation, oldest first, with each author."""
    return list(
        db.session.scalars(
            select(MentorshipMessage)
            .where(MentorshipMessage.request_id == request.id)
            .options(joinedload(MentorshipMessage.author))
            .order_by(MentorshipMessage.created_at, MentorshipMessage.id)
        )
    )


def retrospective_of(request: MentorshipRequest, author: User) -> MentorshipRetrospective | None:
    """The author's own retrospective; only completed mentorships have one."""
    if request.state != RequestState.COMPLETED:
        return None
    return db.session.scalar(
        select(MentorshipRetrospective).where(
            MentorshipRetrospective.request_id == request.id,
            MentorshipRetrospective.author_id == author.id,
        )
    )


#: The mentor's profile shows this many testimonials, newest first, with how many in all.
TESTIMONIALS_SHOWN = 10


def _shown_testimonials(mentor_ids) -> tuple:
    """What makes a testimonial show on a profile: the mentor published it. (A deleted
    member's testimonials are deleted with the account: ``testimonials.remove_member``.)"""
    return (
        Testimonial.mentor_id.in_(mentor_ids),
        Testimonial.state == TestimonialState.PUBLISHED,
    )


def published_testimonials(mentor_id: int, limit: int = TESTIMONIALS_SHOWN) -> list[Testimonial]:
    """The mentor's latest published testimonials with their authors, in one query."""
    return list(
        db.session.scalars(
            select(Testimonial)
            .where(*_shown_testimonials([mentor_id]))
            .options(joinedload(Testimonial.mentee))
            .order_by(Testimonial.published_at.desc(), Testimonial.id.desc())
            .limit(limit)
        )
    )
