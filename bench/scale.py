"""Scale benchmark: every list page for today's community and one a hundred times larger.

Builds two communities, each in its own database, on PostgreSQL and on SQLite: a "small"
one the size of today's demo (1,000 members, 100 posts, 10,000 comments, 50 mentors,
200 events, 10,000 notifications) and a "big" one ``100 x --scale`` times larger. Ids are
assigned here, so the comment tree columns (``root_id``, ``depth``, ``path``) are computed
as the comment service writes them, without a flush per level; Markdown is rendered once
per sample body; every member shares one password hash. Rows go in through
``bench/bulk_load.py`` (``executemany`` on SQLite, ``COPY`` on PostgreSQL, one transaction)
with the per-row index upkeep put off and done once at the end: the FTS5 tables rebuilt and
their triggers created again on SQLite, secondary indexes built in one sort on both; the
schema is checked to be as migrated. SQLite builds without a journal or fsync; both engines
get ``ANALYZE``. The full hundredfold build takes minutes, and a few GB of disk per engine.

Then it measures, in-process with the Flask test client (no network, no server: what
is timed is the app and its queries), ``--requests`` requests per page for each
community in turn (small and big alternate, so a burst of other work on the machine
hits both alike): the home page, the posts list (first and last page: the last one is
where the first page's ``rel="last"`` link leads, or ``?page=N``), a post page, a member's
notifications (first and last page), the mentors directory and the events list with
filters, the moderation queue as a moderator, and search for a common and a rare word
(when ``/search`` exists). Prints p50 and p99 per page and the big/small p50 ratio,
against the targets (ratio <= 1.5, search p50 < 50 ms on the big community).

Usage: ``make bench-scale`` or ``.venv/bin/python bench/scale.py --scale 0.1`` (the big
community 10x instead of 100x) ``--engines sqlite``; ``--build-only`` builds and prints the
build times per phase. PostgreSQL is the server at ``SCALE_DATABASE_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); databases are created and dropped
here, SQLite files go under ``--workdir`` (default: the temporary directory).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
# The project first, and not this folder: bench/markdown.py would shadow the Markdown package.
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

from bench.bulk_load import Loader  # noqa: E402  (the project's folder goes first on the path)

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "scale benchmark password"
MEMBER, MODERATOR = "scale-member", "scale-moderator"
#: The measured member's share of all notifications: a busy member, busier in a big community.
MEMBER_NOTIFICATION_SHARE = 0.01
COMMON_WORD, RARE_WORD = "portfolio", "quokka"
TARGET_RATIO = 1.5
#: One member in this many has a transition plan; the catalogue has this many courses.
PLAN_SHARE = 1 / 4
RESOURCES = 40
TARGET_SEARCH_MS = 50
#: Pages reached by a link rather than a known address, when the page the link is on has
#: it: label -> (the page with the link, its ``rel``). Keyset pagers have no page numbers.
FOLLOWED = {"posts list, last page": ("/posts/", "last")}


@dataclass(frozen=True)
class Sizes:
    members: int = 1_000
    posts: int = 100
    comments: int = 10_000
    mentors: int = 50
    events: int = 200
    notifications: int = 10_000

    def times(self, factor: float) -> Sizes:
        return Sizes(**{name: max(1, round(value * factor)) for name, value in vars(self).items()})

    def describe(self) -> str:
        return ", ".join(f"{value:,} {name}" for name, value in vars(self).items())


@dataclass
class Built:
    """What a build made: the pages to measure and how long it took."""

    url: str
    sizes: Sizes
    seconds: float = 0.0
    pages: dict[str, str] = field(default_factory=dict)
    #: seconds per phase: migrate, rows, search index (SQLite), indexes (PostgreSQL), analyze
    phases: dict[str, float] = field(default_factory=dict)
    #: bytes on disk
    size: int = 0

    def describe(self) -> str:
        parts = ", ".join(f"{name} {seconds:.1f}" for name, seconds in self.phases.items())
        return f"{self.seconds:.1f} s ({parts}), {self.size / 2**20:,.0f} MB"


# --- building ------------------------------------------------------------------------------


def next_id(model) -> int:
    from sqlalchemy import func, select

    from community.extensions import db

    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


class Builder:
    """Fills one fresh database (migrated, with the guide) with a community of ``sizes``."""

    def __init__(self, sizes: Sizes, seed: int = 12, defer_indexes: bool = True):
        from community.content import render_markdown
        from community.demo import sample_markdown
        from community.timeutil import utcnow

        self.sizes = sizes
        self.defer_indexes = defer_indexes
        #: seconds per phase of the last build: rows, search index, indexes
        self.seconds: dict[str, float] = {}
        self.rng = random.Random(seed)
        self.now = utcnow().replace(microsecond=0)
        bodies = [sample_markdown(self.rng, 200, 500) for _ in range(40)]
        self.bodies = [(body, render_markdown(body, "comment")) for body in bodies]
        self.post_bodies = [(body, render_markdown(body, "post")) for body in bodies[:10]]

    def ago(self, days: float) -> object:
        return self.now - timedelta(days=days)

    def build(self) -> dict[str, str]:
        from community.discussions.services import seed_guide
        from community.extensions import db

        self.guide, _ = seed_guide()
        db.session.flush()
        self.loader = Loader.for_session(db.session, self.defer_indexes)
        with self.loader.deferred():
            self.users()
            self.tags()
            self.posts()
            self.comments()
            self.mentors()
            self.events()
            self.notifications()
            self.moderation()
            self.plans()
        db.session.commit()
        self.seconds = dict(self.loader.seconds)
        return self.pages

    def load(self, table, rows: Iterable[dict]) -> int:
        return self.loader.insert(table, rows)

    # members ---------------------------------------------------------------------------

    def users(self) -> None:
        from werkzeug.security import generate_password_hash

        from community.accounts.models import Role, User

        password_hash = generate_password_hash(PASSWORD)
        first = next_id(User)
        count = self.sizes.members
        self.user_ids = list(range(first, first + count))
        self.member_id, self.moderator_id = self.user_ids[0], self.user_ids[1]

        def rows() -> Iterator[dict]:
            for index, user_id in enumerate(self.user_ids):
                name = {0: MEMBER, 1: MODERATOR}.get(index, f"member{user_id:07d}")
                joined = self.ago(730 * (1 - index / count) + 30)
                yield {
                    "id": user_id,
                    "username": name,
                    "email": f"{name}@example.com",
                    "password_hash": password_hash,
                    "display_name": f"Member {user_id}",
                    "bio_md": "",
                    "bio_html": "",
                    "timezone": "UTC",
                    "role": Role.MODERATOR if index == 1 else Role.MEMBER,
                    "created_at": joined,
                    "email_verified_at": joined,
                }

        self.load(User, rows())

    def author(self) -> int:
        return self.user_ids[self.rng.randrange(2, len(self.user_ids))]

    # discussions -----------------------------------------------------------------------

    def tags(self) -> None:
        from community.discussions.models import Tag

        names = [f"topic-{n}" for n in range(30)] + ["data", "career-change", "portfolio"]
        first = next_id(Tag)
        self.load(Tag, ({"id": first + n, "name": name} for n, name in enumerate(names)))
        self.tag_ids = list(range(first, first + len(names)))

    def posts(self) -> None:
        from community.discussions.models import Post, post_tags, slug_for

        count = self.sizes.posts
        first = next_id(Post)
        self.post_ids = list(range(first, first + count))
        self.post_created = {}
        per_post = self.sizes.comments // count
        # 1% of posts wait for review, and at least the queue's section of them (20), so
        # the small community's queue draws as many items as the big one's.
        held_every = max(2, min(100, count // 20))

        def rows() -> Iterator[dict]:
            for index, post_id in enumerate(self.post_ids):
                created = self.ago(720 * (1 - index / count) + 1)
                self.post_created[post_id] = created
                title = f"Moving from role {index % 97} to a new career, part {index}"
                if index == count // 2:
                    title += f" (a {RARE_WORD} story)"
                body_md, body_html = self.post_bodies[index % len(self.post_bodies)]
                yield {
                    "id": post_id,
                    "author_id": self.author(),
                    "title": title,
                    "slug": slug_for(title),
                    "body_md": body_md,
                    "body_html": body_html,
                    "is_guide": False,
                    "is_pinned": False,
                    "is_locked": False,
                    "created_at": created,
                    "last_activity_at": created + timedelta(hours=6),
                    "comment_count": per_post,
                    "thread_version": 1,
                    "hidden_reason": "",
                    "held_at": created if index % held_every == held_every - 1 else None,
                    "featured_at": created if index >= count - 5 else None,
                }

        self.load(Post, rows())
        self.held_post_ids = [
            post_id
            for index, post_id in enumerate(self.post_ids)
            if index % held_every == held_every - 1
        ]
        self.load(
            post_tags,
            (
                {"post_id": post_id, "tag_id": tag_id}
                for post_id in self.post_ids
                for tag_id in self.rng.sample(self.tag_ids, 2)
            ),
        )
        middle = self.post_ids[count // 2]
        self.pages_post = middle

    def comments(self) -> None:
        """``comments`` comments spread evenly over the posts (about 100 each), 30% top-level,
        the rest replies up to three levels deep; 0.2% of them experiences under the guide."""
        from community.discussions.comment_models import (
            PATH_SEGMENT,
            Comment,
            ExperienceStep,
            Outcome,
            Step,
        )

        rng = self.rng
        experiences = max(1, self.sizes.comments // 500)
        per_post = (self.sizes.comments - experiences) // len(self.post_ids)
        first = next_id(Comment)
        next_comment = [first]
        self.comment_ids_sample: list[int] = []
        rare_at = first + self.sizes.comments // 3

        def comment(post_id: int, parent: dict | None, created, **extra) -> dict:
            comment_id = next_comment[0]
            next_comment[0] += 1
            body_md, body_html = self.bodies[rng.randrange(len(self.bodies))]
            if comment_id == rare_at:
                body_md = f"{body_md} A {RARE_WORD} turned up in my notes."
                body_html = body_html.replace("</p>", f" A {RARE_WORD} turned up.</p>", 1)
            segment = str(comment_id).zfill(PATH_SEGMENT)
            row = {
                "id": comment_id,
                "post_id": post_id,
                "author_id": self.author(),
                "parent_id": parent["id"] if parent else None,
                "root_id": parent["root_id"] if parent else comment_id,
                "depth": parent["depth"] + 1 if parent else 0,
                "path": f"{parent['path']}/{segment}" if parent else segment,
                "body_md": body_md,
                "body_html": body_html,
                "score": rng.choice((0, 0, 0, 1, 1, 2, 3, 5, 8)),
                "created_at": created,
                "hidden_reason": "",
                "featured_at": None,
                "is_experience": False,
                "from_role": None,
                "to_role": None,
                "months": None,
                "outcome": None,
                "endorsement_count": 0,
            }
            row.update(extra)
            return row

        def rows() -> Iterator[dict]:
            for post_id in self.post_ids:
                created = self.post_created[post_id]
                top_level = max(1, per_post * 3 // 10)
                thread: list[dict] = []
                for index in range(per_post):
                    when = created + timedelta(minutes=index + 1)
                    candidates = [row for row in thread[-60:] if row["depth"] < 3]
                    parent = rng.choice(candidates) if index >= top_level and candidates else None
                    row = comment(post_id, parent, when)
                    thread.append(row)
                    if len(self.comment_ids_sample) < 20_000 and index % 5 == 0:
                        self.comment_ids_sample.append(row["id"])
                    yield row
            outcomes = list(Outcome)
            for index in range(experiences):
                yield comment(
                    self.guide.id,
                    None,
                    self.ago(365 * (1 - index / experiences)),
                    is_experience=True,
                    from_role="Teacher",
                    to_role="Data analyst",
                    months=6 + index % 18,
                    outcome=outcomes[index % len(outcomes)],
                    endorsement_count=index % 7,
                    featured_at=self.now if index >= experiences - 3 else None,
                )

        self.load(Comment, rows())
        self.experience_ids = list(range(next_comment[0] - experiences, next_comment[0]))
        steps = list(Step)
        self.load(
            ExperienceStep,
            (
                {"comment_id": comment_id, "step": steps[comment_id % len(steps)]}
                for comment_id in self.experience_ids
            ),
        )

    # mentors ---------------------------------------------------------------------------

    def mentors(self) -> None:
        from community.mentorship.models import (
            CURATED_EXPERTISE,
            MentorExpertise,
            MentorLanguage,
            MentorProfile,
            MentorshipRequest,
            RequestState,
        )

        count = min(self.sizes.mentors, len(self.user_ids) - 2)
        mentor_users = self.user_ids[2 : 2 + count]
        first = next_id(MentorProfile)
        slugs = list(CURATED_EXPERTISE)
        profiles = []
        for index, user_id in enumerate(mentor_users):
            created = self.ago(700 * (1 - index / count) + 1)
            profiles.append(
                {
                    "id": first + index,
                    "user_id": user_id,
                    "headline": f"From role {index % 50} to data analysis, {index}",
                    "bio_md": "I moved into data after years in teaching.",
                    "bio_html": "<p>I moved into data after years in teaching.</p>",
                    "years_experience": 3 + index % 20,
                    "timezone": "Europe/Berlin",
                    "capacity": 3,
                    "is_accepting": index % 5 != 0,
                    "created_at": created,
                    "updated_at": created,
                    "left_at": None,
                }
            )
        self.load(MentorProfile, profiles)
        self.load(
            MentorExpertise,
            (
                {
                    "profile_id": profile["id"],
                    "slug": slug,
                    "label": CURATED_EXPERTISE[slug],
                    "position": position,
                }
                for index, profile in enumerate(profiles)
                for position, slug in enumerate(
                    (slugs[index % len(slugs)], slugs[(index * 7 + 3) % len(slugs)])
                    if slugs[index % len(slugs)] != slugs[(index * 7 + 3) % len(slugs)]
                    else (slugs[index % len(slugs)],)
                )
            ),
        )
        self.load(
            MentorLanguage,
            (
                {"profile_id": profile["id"], "language": language, "position": position}
                for index, profile in enumerate(profiles)
                for position, language in enumerate(
                    ("english", ("german", "spanish", "french")[index % 3])
                )
            ),
        )
        mentees = self.user_ids[2 + count :] or self.user_ids[2:]
        self.load(
            MentorshipRequest,
            (
                {
                    "mentee_id": mentees[index % len(mentees)],
                    "mentor_id": profile["user_id"],
                    "state": RequestState.ACCEPTED,
                    "message_md": "I would like to move into data.",
                    "message_html": "<p>I would like to move into data.</p>",
                    "created_at": profile["created_at"],
                    "updated_at": profile["created_at"],
                    "responded_at": profile["created_at"],
                }
                for index, profile in enumerate(profiles)
                if index % 2 == 0
            ),
        )

    # events ----------------------------------------------------------------------------

    def events(self) -> None:
        from community.discussions.models import slug_for
        from community.events.models import Event, EventFormat, EventKind, EventState, event_tags

        count = self.sizes.events
        first = next_id(Event)
        kinds, formats = list(EventKind), list(EventFormat)
        states = [EventState.PUBLISHED] * 18 + [EventState.CANCELLED, EventState.PENDING]

        def rows() -> Iterator[dict]:
            for index in range(count):
                # two years back to one year ahead: a third of them still to come
                starts = self.ago(730 - 1095 * index / count).replace(minute=0, second=0)
                kind, format = kinds[index % 4], formats[index // 4 % 3]
                state = states[index % len(states)]
                title = f"{kind.label} for career changers, part {index}"
                yield {
                    "id": first + index,
                    "organiser_id": self.author(),
                    "title": title,
                    "slug": slug_for(title),
                    "kind": kind,
                    "format": format,
                    "state": state,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "timezone": "Europe/Berlin",
                    "location": "Kulturbrauerei, Berlin" if format.has_place else "",
                    "url": "https://meet.example.com/scale" if format.has_link else "",
                    "is_link_attendees_only": False,
                    "registration_url": "",
                    "website_url": "",
                    "is_free": index % 3 != 0,
                    "price": "" if index % 3 != 0 else "€20",
                    "description_md": "What worked, what didn't, and questions from the room.",
                    "description_html": "<p>What worked, what didn't, and questions.</p>",
                    "guide_step": None,
                    "capacity": None,
                    "going_count": 0,
                    "interested_count": 0,
                    "waitlist_count": 0,
                    "sequence": 0,
                    "created_at": starts - timedelta(days=30),
                    "updated_at": starts - timedelta(days=30),
                    "published_at": None
                    if state == EventState.PENDING
                    else starts - timedelta(days=29),
                    "rejection_reason": "",
                    "cancellation_reason": "",
                }

        self.load(Event, rows())
        self.load(
            event_tags,
            (
                {"event_id": first + index, "tag_id": self.tag_ids[index % len(self.tag_ids)]}
                for index in range(count)
            ),
        )

    # notifications ---------------------------------------------------------------------

    def notifications(self) -> None:
        from community.notifications.models import Notification

        count = self.sizes.notifications
        mine = max(1, round(count * MEMBER_NOTIFICATION_SHARE))
        rng = self.rng
        post_id = self.post_ids[0]

        def rows() -> Iterator[dict]:
            for index in range(count):
                created = self.ago(365 * (1 - index / count))
                yield {
                    "user_id": self.member_id if index % (count // mine) == 0 else self.author(),
                    "actor_id": self.author(),
                    "kind": "reply",
                    "message": "Someone replied to your comment.",
                    "url": f"/posts/{post_id}#c{index}",
                    "created_at": created,
                    "read_at": created if rng.random() < 0.7 else None,
                    "mailed_at": None,
                }

        self.load(Notification, rows())

    # moderation ------------------------------------------------------------------------

    def moderation(self) -> None:
        """One open flag review per 500 comments (one to three flags each), ten closed ones
        per open one with their log lines (a queue is worked through; its history stays),
        and a held-post review per held post."""
        from community.moderation.models import (
            Action,
            Flag,
            FlagReason,
            LogEntry,
            Review,
            ReviewCause,
            TargetType,
        )

        rng = self.rng
        targets = self.comment_ids_sample
        open_count = max(1, self.sizes.comments // 500)
        closed_count = open_count * 10
        chosen = rng.sample(targets, min(len(targets), open_count + closed_count))
        first = next_id(Review)
        reviews, flags, log = [], [], []
        reasons = list(FlagReason)
        for index, comment_id in enumerate(chosen):
            review_id = first + index
            opened = self.ago(300 * (1 - index / len(chosen)) + 1)
            closed = index >= open_count
            flag_count = 1 + index % 3
            reviews.append(
                {
                    "id": review_id,
                    "target_type": TargetType.COMMENT,
                    "target_id": comment_id,
                    "cause": ReviewCause.FLAGS,
                    "subject_id": self.author(),
                    "opened_at": opened,
                    "flag_count": flag_count,
                    "closed_at": opened + timedelta(hours=3) if closed else None,
                    "closed_by_id": self.moderator_id if closed else None,
                    "outcome": Action.HIDE.value if closed else None,
                }
            )
            for reporter in rng.sample(self.user_ids[2:], flag_count):
                flags.append(
                    {
                        "target_type": TargetType.COMMENT,
                        "target_id": comment_id,
                        "reporter_id": reporter,
                        "reason": reasons[reporter % len(reasons)],
                        "details": "",
                        "created_at": opened,
                        "review_id": review_id,
                    }
                )
            if closed:
                log.append(
                    {
                        "moderator_id": self.moderator_id,
                        "action": Action.HIDE,
                        "target_type": TargetType.COMMENT,
                        "target_id": comment_id,
                        "subject_id": reviews[-1]["subject_id"],
                        "reason": "Spam.",
                        "detail": "",
                        "created_at": opened + timedelta(hours=3),
                    }
                )
        for index, post_id in enumerate(self.held_post_ids):
            reviews.append(
                {
                    "id": first + len(chosen) + index,
                    "target_type": TargetType.POST,
                    "target_id": post_id,
                    "cause": ReviewCause.HELD,
                    "subject_id": None,
                    "opened_at": self.post_created[post_id],
                    "flag_count": 0,
                    "closed_at": None,
                    "closed_by_id": None,
                    "outcome": None,
                }
            )
        self.load(Review, reviews)
        self.load(Flag, flags)
        self.load(LogEntry, log)
        self.open_flag_reviews = open_count

    # plans ----------------------------------------------------------------------------

    def plans(self) -> None:
        """A plan for one member in ``PLAN_SHARE`` (the guide's 11 goals, some done), a
        catalogue of ``RESOURCES`` courses, and each plan's resources: the most popular
        course is on every plan, completed with a review on a third of them."""
        from sqlalchemy import func, select, update

        from community.extensions import db
        from community.plans.counters import COLUMNS as COUNT_COLUMNS
        from community.plans.guide_goals import GUIDE_GOALS
        from community.plans.models import (
            Goal,
            Plan,
            PlanResource,
            Resource,
            ResourceStatus,
            Visibility,
        )
        from community.plans.resources import seed_resources

        seed_resources()
        first_resource = next_id(Resource)
        self.load(
            Resource,
            (
                {
                    "id": first_resource + index,
                    "title": f"Course {index}",
                    "provider": "Coursera",
                    "url": f"https://example.org/course/{index}",
                    "track": ("Automation/AI", "Project management", "Data")[index % 3],
                    "created_at": self.now,
                    "updated_at": self.now,
                }
                for index in range(RESOURCES)
            ),
        )
        owners = self.user_ids[2 :: round(1 / PLAN_SHARE)]
        first_plan = next_id(Plan)
        self.load(
            Plan,
            (
                {
                    "id": first_plan + index,
                    "user_id": user_id,
                    "current_role": "Teacher",
                    "visibility": Visibility.PROFILE if index == 0 else Visibility.PRIVATE,
                    "started_from_guide_at": self.ago(200),
                    "created_at": self.ago(200),
                    "updated_at": self.ago(1),
                }
                for index, user_id in enumerate(owners)
            ),
        )
        self.shared_plan_owner_name = f"member{owners[0]:07d}"
        self.load(
            Goal,
            (
                {
                    "plan_id": first_plan + index,
                    "title": goal.title,
                    "horizon": goal.horizon,
                    "step": goal.step,
                    "guide_key": goal.key,
                    "note_md": goal.note,
                    "note_html": f"<p>{goal.note}</p>" if goal.note else "",
                    "done_at": self.ago(200 - 15 * number) if number < index % 6 else None,
                    "created_at": self.ago(200),
                    "updated_at": self.ago(1),
                }
                for index in range(len(owners))
                for number, goal in enumerate(GUIDE_GOALS)
            ),
        )
        self.popular_resource = first_resource
        review, review_html = self.bodies[0][0][:300], self.bodies[0][1]
        self.load(
            PlanResource,
            (
                {
                    "plan_id": first_plan + index,
                    "resource_id": resource_id,
                    "status": ResourceStatus.COMPLETED if completed else ResourceStatus.PLANNED,
                    "review_md": review if completed else "",
                    "review_html": review_html if completed else "",
                    "completed_at": self.ago(index % 300 + 1) if completed else None,
                    "created_at": self.ago(250),
                    "updated_at": self.ago(1),
                }
                for index in range(len(owners))
                for position, resource_id in enumerate(
                    (first_resource, first_resource + 1 + index % (RESOURCES - 1))
                )
                for completed in [position == 0 and index % 3 == 0]
            ),
        )
        # The counts members' moves keep on each resource, set once for the loaded rows.
        for status, column in COUNT_COLUMNS.items():
            counted = (
                select(func.count())
                .where(PlanResource.resource_id == Resource.id, PlanResource.status == status)
                .scalar_subquery()
            )
            db.session.execute(update(Resource).values({column: counted}))

    # the pages -------------------------------------------------------------------------

    @property
    def pages(self) -> dict[str, str]:
        from flask import current_app
        from sqlalchemy import select

        from community.discussions.models import Post
        from community.extensions import db

        config = current_app.config
        public_posts = len(self.post_ids) - len(self.held_post_ids) + 1  # and the guide
        last_posts = math.ceil(public_posts / config["POSTS_PER_PAGE"])
        mine = max(1, round(self.sizes.notifications * MEMBER_NOTIFICATION_SHARE))
        last_notes = math.ceil(mine / config["NOTIFICATIONS_PER_PAGE"])
        last_queue = math.ceil(self.open_flag_reviews / config["MODERATION_QUEUE_PER_PAGE"])
        post = db.session.get(Post, self.pages_post) or db.session.scalar(select(Post))
        return {
            "home": "/",
            "posts list, first page": "/posts/",
            "posts list, last page": f"/posts/?page={last_posts}",
            "post page (100 comments)": f"/posts/{post.id}/{post.slug}",
            "notifications, first page": "member:/notifications",
            "notifications, last page": f"member:/notifications?page={last_notes}",
            # Filters that fill a page in the small community too: a filter matching fewer
            # than a page there would compare how many cards are drawn, not the cost of
            # a bigger community.
            "mentors ?language&accepting": "/mentors/?language=english&accepting=y",
            "events ?free=y": "/events/?free=y",
            "moderation queue": "moderator:/mod/",
            "moderation queue, last page": f"moderator:/mod/?page={last_queue}",
            f"search {COMMON_WORD!r} (common)": f"/search?q={COMMON_WORD}",
            f"search {RARE_WORD!r} (rare)": f"/search?q={RARE_WORD}",
            "paths": "/paths",
            "paths, one pair's experiences": "/paths?from=Teacher&to=Data+analyst",
            "guide page (community figures)": f"/posts/{self.guide.id}/{self.guide.slug}",
            "learning resources": "/resources/",
            "a resource, its reviews": f"/resources/{self.popular_resource}",
            "a plan on a profile": f"/u/{self.shared_plan_owner_name}/plan",
        }


#: The build connection's settings on SQLite: no rollback journal, no fsync, a big page
#: cache (the whole load is one transaction; a crash just means building again).
SQLITE_BUILD_PRAGMAS = (
    "PRAGMA journal_mode = OFF",
    "PRAGMA synchronous = OFF",
    "PRAGMA cache_size = -524288",
    "PRAGMA temp_store = MEMORY",
)


def build(url: str, sizes: Sizes, defer_indexes: bool = True) -> Built:
    """Migrate a fresh database at ``url``, fill it and ``ANALYZE`` it."""
    from flask_migrate import upgrade

    from community.extensions import db

    app = make_app(url)
    built = Built(url, sizes)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        built.phases["migrate"] = time.perf_counter() - started
        sqlite = db.engine.dialect.name == "sqlite"
        if sqlite:
            raw = db.session.connection().connection.dbapi_connection
            for pragma in SQLITE_BUILD_PRAGMAS:
                raw.execute(pragma)
        builder = Builder(sizes, defer_indexes=defer_indexes)
        builder.build()
        built.phases.update(builder.seconds)
        built.pages = builder.pages
        db.session.commit()
        analysed = time.perf_counter()
        connection = db.session.connection()
        connection.exec_driver_sql("ANALYZE")
        db.session.commit()
        built.phases["analyze"] = time.perf_counter() - analysed
        size = (
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
            if sqlite
            else "SELECT pg_database_size(current_database())"
        )
        built.size = db.session.connection().exec_driver_sql(size).scalar()
        if sqlite:  # as the app runs it (the app sets it on every connection anyway)
            db.session.connection().connection.dbapi_connection.execute("PRAGMA journal_mode = WAL")
        db.session.remove()
        db.engine.dispose()
    built.seconds = time.perf_counter() - started
    return built


# --- measuring -----------------------------------------------------------------------------


def make_app(url: str):
    from community import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secrets.token_hex(32),
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "WTF_CSRF_ENABLED": False,
            "SITE_URL": "http://localhost",
            # The home page's queries are what grows with the community: build it each time.
            "HOME_CACHE_SECONDS": 0,
            "PATHS_CACHE_SECONDS": 0,
        }
    )


class Visitor:
    """Test clients for one community: a visitor, the member, and the moderator."""

    def __init__(self, url: str):
        self.app = make_app(url)
        self.clients = {"": self.app.test_client()}
        for role, username in (("member", MEMBER), ("moderator", MODERATOR)):
            client = self.app.test_client()
            response = client.post("/auth/login", data={"username": username, "password": PASSWORD})
            if response.status_code != 302:
                raise SystemExit(f"scale: {username} could not sign in ({response.status_code})")
            self.clients[role] = client

    def has_search(self) -> bool:
        return any(rule.rule.startswith("/search") for rule in self.app.url_map.iter_rules())

    @staticmethod
    def _split(target: str) -> tuple[str, str]:
        """``"member:/notifications"`` -> ``("member", "/notifications")``."""
        if target.startswith(("member:", "moderator:")):
            role, _, path = target.partition(":")
            return role, path
        return "", target

    def get(self, target: str) -> float:
        role, path = self._split(target)
        client = self.clients[role]
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        return elapsed

    def resolve(self, label: str, target: str) -> str:
        """The page to time for ``label``: where its link leads when the page it starts
        from has one (``FOLLOWED``), else ``target``."""
        if label not in FOLLOWED:
            return target
        start, rel = FOLLOWED[label]
        role, path = self._split(start)
        response = self.clients[role].get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        href = link_with_rel(response.get_data(as_text=True), rel)
        if href is None:
            return target
        parts = urlsplit(href)
        followed = parts.path + (f"?{parts.query}" if parts.query else "")
        return f"{role}:{followed}" if role else followed

    def close(self) -> None:
        from community.extensions import db

        with self.app.app_context():
            db.engine.dispose()


class _RelLinks(HTMLParser):
    """The ``href`` of the first ``<a>`` or ``<link>`` whose ``rel`` holds a given word."""

    def __init__(self, rel: str):
        super().__init__()
        self.rel, self.href = rel, None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if (
            self.href is None
            and tag in ("a", "link")
            and self.rel in (found.get("rel") or "").split()
            and found.get("href")
        ):
            self.href = found["href"]


def link_with_rel(html: str, rel: str) -> str | None:
    parser = _RelLinks(rel)
    parser.feed(html)
    parser.close()
    return parser.href


def measure(small: Visitor, big: Visitor, target_small: str, target_big: str, requests: int):
    """(small, big) latencies in seconds, requests alternating between the two."""
    for _ in range(3):  # warm caches, connections and compiled statements
        small.get(target_small)
        big.get(target_big)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(requests):
        times[0].append(small.get(target_small))
        times[1].append(big.get(target_big))
    return times


def percentiles(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, math.ceil(len(ordered) * 0.99) - 1)]
    return statistics.median(ordered) * 1000, p99 * 1000


# --- databases -----------------------------------------------------------------------------


class Databases:
    """Fresh databases for one engine: SQLite files in a temporary folder, or PostgreSQL
    databases on the server (created and dropped here, as the test suite does)."""

    def __init__(self, engine: str, workdir: Path, keep: bool):
        self.engine, self.workdir, self.keep = engine, workdir, keep
        self.created: list[str] = []

    def new(self, name: str) -> str:
        if self.engine == "sqlite":
            return f"sqlite:///{self.workdir / f'{name}.sqlite3'}"
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        base = os.environ.get("SCALE_DATABASE_URL", POSTGRES_URL)
        database = f"pathways_scale_{name}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
            # a benchmark database need not survive a crash
            connection.execute(text(f'ALTER DATABASE "{database}" SET synchronous_commit = off'))
        admin.dispose()
        self.created.append(database)
        return make_url(base).set(database=database).render_as_string(hide_password=False)

    def drop(self) -> None:
        if self.keep or not self.created:
            return
        from sqlalchemy import create_engine, text

        admin = create_engine(
            os.environ.get("SCALE_DATABASE_URL", POSTGRES_URL), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            for database in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def versions() -> dict[str, str]:
    import sqlite3

    from sqlalchemy import create_engine, text

    found = {"sqlite": sqlite3.sqlite_version, "cpus": str(os.cpu_count())}
    try:
        engine = create_engine(os.environ.get("SCALE_DATABASE_URL", POSTGRES_URL))
        with engine.connect() as connection:
            found["postgresql"] = connection.execute(text("SHOW server_version")).scalar()
        engine.dispose()
    except Exception as error:
        found["postgresql"] = f"unreachable ({type(error).__name__})"
    return found


def run_engine(engine: str, small_sizes: Sizes, big_sizes: Sizes, options, workdir: Path):
    databases = Databases(engine, workdir, options.keep)
    try:
        small = build(databases.new("small"), small_sizes, not options.keep_indexes)
        print(f"[{engine}] small community built in {small.describe()}", flush=True)
        big = build(databases.new("big"), big_sizes, not options.keep_indexes)
        print(f"[{engine}] big community built in {big.describe()}", flush=True)
        if options.build_only:
            if options.keep:
                print(f"[{engine}] kept: {small.url} and {big.url}")
            return small, big, []
        small_app, big_app = Visitor(small.url), Visitor(big.url)
        rows = []
        for label, target in small.pages.items():
            if label.startswith("search") and not small_app.has_search():
                rows.append((label, None, None))
                continue
            target_small = small_app.resolve(label, target)
            target_big = big_app.resolve(label, big.pages[label])
            if label in FOLLOWED:
                print(f"[{engine}] {label}: {target_small} and {target_big}", flush=True)
            small_times, big_times = measure(
                small_app, big_app, target_small, target_big, options.requests
            )
            rows.append((label, percentiles(small_times), percentiles(big_times)))
            print(f"[{engine}] measured {label}", flush=True)
        small_app.close()
        big_app.close()
        return small, big, rows
    finally:
        databases.drop()


def report(engine: str, small: Built, big: Built, rows, options) -> list[bool]:
    print(
        f"\n{engine}: p50/p99 in ms over {options.requests} requests per page "
        f"(Flask test client, in-process); big = {big.sizes.comments / small.sizes.comments:g}x"
    )
    header = f"{'page':40} {'small p50':>9} {'p99':>7} {'big p50':>9} {'p99':>7} {'big/small':>9}"
    print(header)
    print("-" * len(header))
    verdicts = []
    for label, small_ms, big_ms in rows:
        if small_ms is None:
            print(f"{label:40} {'(no /search yet)':>45}")
            continue
        ratio = big_ms[0] / small_ms[0]
        ok = ratio <= TARGET_RATIO
        if label.startswith("search"):
            ok = ok and big_ms[0] < TARGET_SEARCH_MS
        verdicts.append(ok)
        print(
            f"{label:40} {small_ms[0]:>9.1f} {small_ms[1]:>7.1f} {big_ms[0]:>9.1f} "
            f"{big_ms[1]:>7.1f} {ratio:>8.2f}x {'' if ok else ' MISSED'}"
        )
    return verdicts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="the big community is 100 x SCALE times the small one (0.1: ten times)",
    )
    parser.add_argument(
        "--small", type=float, default=1.0, help="the small community's size, times the demo's"
    )
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument(
        "--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument(
        "--build-only", action="store_true", help="build the communities, print build times, stop"
    )
    parser.add_argument(
        "--keep-indexes",
        action="store_true",
        help="keep secondary indexes while loading instead of building them once afterwards",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the SQLite files go (default: a new folder under the temporary directory;"
        " the 100x community takes a few GB)",
    )
    options = parser.parse_args()

    small_sizes = Sizes().times(options.small)
    big_sizes = small_sizes.times(100 * options.scale)
    found = versions()
    print(
        f"CPUs: {found['cpus']}, PostgreSQL {found['postgresql']}, SQLite {found['sqlite']}\n"
        f"small: {small_sizes.describe()}\nbig:   {big_sizes.describe()}",
        flush=True,
    )
    if options.workdir:
        options.workdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="pathways-scale-", dir=options.workdir))
    verdicts = []
    try:
        results = []
        for engine in options.engines.split(","):
            results.append(
                (
                    engine.strip(),
                    *run_engine(engine.strip(), small_sizes, big_sizes, options, workdir),
                )
            )
        for engine, small, big, rows in results:
            print(f"\n{engine}: built small in {small.describe()}\n  big in {big.describe()}")
            if not options.build_only:
                verdicts += report(engine, small, big, rows, options)
    finally:
        if not options.keep:
            for path in sorted(workdir.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            workdir.rmdir()
    if options.build_only:
        return 0
    print(
        f"\ntarget: big p50 <= {TARGET_RATIO}x small p50 on every page, search p50 < "
        f"{TARGET_SEARCH_MS} ms on big: {sum(verdicts)} of {len(verdicts)} met"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
