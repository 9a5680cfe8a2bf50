"""A tour of the main pages for the accessibility and phone tests: the content that fills them
(made once per server through the services, as members would) and who looks at each page.

Every page shows something of each kind it can hold: a thread with a reply, an experience
and tags, a mentor with expertise, an event with a description, a flag in the moderation
queue, an unread notification.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from itertools import count

from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import select

from community.accounts.models import Role
from community.content import render_markdown
from community.discussions import comment_services
from community.discussions.comment_models import Outcome, Step
from community.discussions.queries import get_guide
from community.discussions.services import create_post, delete_post
from community.extensions import db
from community.mentorship import services as mentorship_services
from community.mentorship import testimonials
from community.mentorship.models import RequestState
from community.moderation.models import TargetType
from community.plans import portfolio, resources
from community.plans import services as plan_services
from community.plans.models import Resource, ResourceStatus, Visibility
from community.plans.resources import seed_resources
from tests.conftest import DEFAULT_PASSWORD, make_user
from tests.e2e.conftest import sign_in
from tests.events_support import make_published_event
from tests.mentorship_support import make_mentor, make_request
from tests.moderation_support import flag

PHONE, DESKTOP = 390, 1280
#: Who looks: a visitor, a signed-in member, a moderator, and the member's mentor now.
VISITOR, MEMBER, MODERATOR, MENTOR = "visitor", "member", "moderator", "mentor"
#: A word only the tour's post holds, for the search page.
SEARCH_WORD = "kakapo"

_names = count(1)


@dataclass(frozen=True)
class Tour:
    member: str
    moderator: str
    author: str
    mentor: str
    guide_url: str
    post_url: str
    event_url: str
    mentorship_url: str
    deleted_post_url: str
    resource_url: str
    plan_mentor: str

    def pages(self) -> list[tuple[str, str, str]]:
        """(name, path, who) of every main page."""
        return [
            ("home", "/", VISITOR),
            ("guide", self.guide_url, VISITOR),
            ("guide, signed in", self.guide_url, MEMBER),
            ("posts", "/posts/", VISITOR),
            ("thread", self.post_url, VISITOR),
            ("thread, signed in", self.post_url, MEMBER),
            ("mentors", "/mentors/", VISITOR),
            ("mentor profile", f"/mentors/{self.mentor}", MEMBER),
            ("events", "/events/", VISITOR),
            ("event", self.event_url, MEMBER),
            ("sign in", "/auth/login", VISITOR),
            ("register", "/auth/register", VISITOR),
            ("profile", f"/u/{self.author}", VISITOR),
            ("search", f"/search?q={SEARCH_WORD}", VISITOR),
            ("settings", "/settings", MEMBER),
            ("notifications", "/notifications", MEMBER),
            ("mentorships", "/mentorship/", MEMBER),
            ("completed mentorship, its testimonial", self.mentorship_url, MEMBER),
            ("a thread whose post its author deleted", self.deleted_post_url, VISITOR),
            ("moderation queue", "/mod/", MODERATOR),
            ("the member's plan", "/plan", MEMBER),
            ("a plan shared on a profile", f"/u/{self.author}/plan", VISITOR),
            ("a plan as the member's mentor sees it", f"/u/{self.member}/plan", MENTOR),
            ("learning resources", "/resources/", VISITOR),
            ("a learning resource with a review", self.resource_url, MEMBER),
            ("portfolio settings", "/settings/portfolio", MEMBER),
            ("paths", "/paths", VISITOR),
            ("roles on the paths", "/paths/roles", MODERATOR),
        ]


_tours: dict[int, Tour] = {}


def tour_of(live_app) -> Tour:
    """The tour's content on this server, made on first use."""
    if id(live_app) not in _tours:
        _tours[id(live_app)] = _build(live_app)
    return _tours[id(live_app)]


def _name(prefix: str) -> str:
    return f"{prefix}{os.getpid() % 1000}t{next(_names)}"


def _build(live_app) -> Tour:
    with live_app.test_request_context():
        moderator = make_user(_name("tourmod"), role=Role.MODERATOR)
        member, author = make_user(_name("tourmember")), make_user(_name("tourauthor"))
        author.display_name = "Rosa Alvarez"
        author.bio_md = "## About me\n\nTeacher for ten years, data analyst since last spring."
        author.bio_html = render_markdown(author.bio_md)
        mentor_profile = make_mentor(make_user(_name("tourmentor")), expertise=("data", "sql"))
        mentor = mentor_profile.user
        post = create_post(
            author,
            "From the classroom to data analysis in a year",
            f"### What I did\n\nEvenings on SQL, a {SEARCH_WORD} of a project and a "
            "course.\n\n#### What I would skip\n\n"
            "- Certificates nobody asked for\n- Tutorials without a project",
            ["data", "teaching"],
        )
        db.session.commit()
        question = comment_services.create_comment(
            post, member, "How did you pick the project? I have no data at work."
        )
        comment_services.create_comment(
            post,
            author,
            "Open council data: **bus punctuality**, from "
            "[the open data portal](https://example.com/data).",
            parent_id=question.id,
        )
        comment_services.create_comment(
            get_guide(),
            author,
            "A plan with three dates kept me going.",
            experience=comment_services.Experience(
                steps=[Step.PLAN, Step.PROJECTS],
                from_role="Teacher",
                to_role="Data analyst",
                months=12,
                outcome=Outcome.CHANGED_ROLE,
            ),
        )
        event = make_published_event(
            author,
            moderator,
            title="SQL for career changers",
            description="## Who it is for\n\nAnyone who has never written a query.",
            tags=["sql"],
            guide_step=Step.PLAN,
        )
        db.session.commit()
        flag(TargetType.POST, post.id, member)
        # The member's finished mentorship, with a testimonial on the mentor's profile.
        done = make_request(member, mentor_profile, RequestState.COMPLETED)
        testimonials.save(done, member, "Two calls turned a list of courses into a plan.", True)
        testimonials.approve(done, mentor)
        # A question its author took back: the answers under it stay.
        withdrawn = create_post(member, "Is a bootcamp worth it at 45?", "Asking for myself.")
        db.session.commit()
        comment_services.create_comment(withdrawn, author, "Mine was, with a project to show.")
        delete_post(withdrawn)
        db.session.commit()
        # Plans: the member's, started from the guide and shared with their mentor (who
        # commented), with a course reviewed and a side project; the author's on their
        # profile; two more members took the author's path, so /paths draws it.
        accepted = make_request(member, make_mentor(make_user(_name("tourguide"))))
        mentorship_services.accept(accepted, accepted.mentor)
        plan = plan_services.get_or_create_plan(member)
        plan_services.start_from_guide(plan)
        db.session.refresh(plan)
        plan_services.set_roles(plan, "Teacher", ["Data analyst"])
        plan_services.set_visibility(plan, Visibility.MENTORS)
        for goal in plan.goals[:2]:
            plan_services.set_done(goal, True)
        plan_services.comment_on_goal(
            plan.goals[0], accepted.mentor, plan_services.Access(False, True), "Well done!"
        )
        seed_resources()
        resource = db.session.scalar(select(Resource).order_by(Resource.id))
        resources.add_to_plan(member, resource, ResourceStatus.COMPLETED, "Clear and short.")
        portfolio.add_project(
            member,
            title="Bus punctuality dashboard",
            url="https://example.com/bus",
            description="Open council data, SQL and a map.",
            skills="SQL, Python",
        )
        shown = plan_services.get_or_create_plan(author)
        plan_services.start_from_guide(shown)
        plan_services.set_visibility(shown, Visibility.PROFILE)
        for traveller in (member, mentor):
            comment_services.create_comment(
                get_guide(),
                traveller,
                "Courses first, then a project.",
                experience=comment_services.Experience(
                    steps=[Step.CERTIFICATIONS, Step.PROJECTS],
                    from_role="Teacher",
                    to_role="Data analyst",
                    months=14,
                    outcome=Outcome.CHANGED_ROLE,
                ),
            )
        db.session.commit()
        guide = get_guide()
        return Tour(
            member=member.username,
            moderator=moderator.username,
            author=author.username,
            mentor=mentor.username,
            guide_url=f"/posts/{guide.id}/{guide.slug}",
            post_url=f"/posts/{post.id}/{post.slug}",
            event_url=f"/events/{event.id}/{event.slug}",
            mentorship_url=f"/mentorship/{done.id}",
            deleted_post_url=f"/posts/{withdrawn.id}/{withdrawn.slug}",
            resource_url=f"/resources/{resource.id}",
            plan_mentor=accepted.mentor.username,
        )


def visitor_page(browser: Browser, base_url: str, width: int, **options) -> Page:
    context: BrowserContext = browser.new_context(
        base_url=base_url, viewport={"width": width, "height": 844}, **options
    )
    return context.new_page()


def pages_by_viewer(browser: Browser, base_url: str, tour: Tour, width: int) -> dict[str, Page]:
    """One browser of its own per viewer, signed in as needed."""
    viewers = {MEMBER: tour.member, MODERATOR: tour.moderator, MENTOR: tour.plan_mentor}
    pages = {who: visitor_page(browser, base_url, width) for who in (VISITOR, *viewers)}
    for who, username in viewers.items():
        sign_in(pages[who], username, DEFAULT_PASSWORD)
    for who in viewers:
        pages[who].wait_for_url(lambda url: "/auth/login" not in url)
    return pages
