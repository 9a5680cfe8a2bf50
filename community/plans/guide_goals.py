"""The goals the guide suggests, by horizon and step, for "Start from the guide".

Their wording follows ``community/data/guide.md``; each has a stable ``key``, so a plan
holds each suggestion once however often the member starts from the guide.
"""

from __future__ import annotations

from dataclasses import dataclass

from community.discussions.comment_models import Step
from community.plans.models import Horizon


@dataclass(frozen=True)
class GuideGoal:
    key: str
    horizon: Horizon
    step: Step
    title: str
    note: str


GUIDE_GOALS: tuple[GuideGoal, ...] = (
    GuideGoal(
        "short-courses",
        Horizon.SHORT,
        Step.CERTIFICATIONS,
        "Complete relevant courses and certifications",
        "Pick courses for the role you are aiming at: the guide names AI for Everyone and "
        "Introduction to Machine Learning for AI roles, Project Management Principles for "
        "project management.",
    ),
    GuideGoal(
        "short-portfolio",
        Horizon.SHORT,
        Step.PROJECTS,
        "Start building a portfolio of your work",
        "Focus on the technical or leadership skills your target role needs.",
    ),
    GuideGoal(
        "short-communities",
        Horizon.SHORT,
        Step.NETWORKING,
        "Join an industry community in your field of interest",
        "Online forums, LinkedIn groups or professional communities: take part, don't just read.",
    ),
    GuideGoal(
        "short-network",
        Horizon.SHORT,
        Step.NETWORKING,
        "Expand your network and reach out to people in your field of interest",
        "Ask people in the role you want how they got there.",
    ),
    GuideGoal(
        "short-mentor",
        Horizon.SHORT,
        Step.NETWORKING,
        "Find a mentor who has the kind of role you aspire to",
        "Ask how they navigated their own transition; the mentors directory is a start.",
    ),
    GuideGoal(
        "short-events",
        Horizon.SHORT,
        Step.NETWORKING,
        "Attend a conference or webinar in your new field",
        "Events keep you informed on trends and put you in front of people who can advise you.",
    ),
    GuideGoal(
        "mid-side-project",
        Horizon.MID,
        Step.PROJECTS,
        "Finish a side project or case study for the role you want",
        "For AI and automation roles, a Python project on GitHub; for product or leadership "
        "roles, a collaborative project or a volunteer lead role.",
    ),
    GuideGoal(
        "mid-responsibilities",
        Horizon.MID,
        Step.PLAN,
        "Take on responsibilities in your current role that match your future goals",
        "Manage a project, lead a small team, or learn the automation systems around you.",
    ),
    GuideGoal(
        "mid-resume",
        Horizon.MID,
        Step.PLAN,
        "Update your resume and LinkedIn profile",
        "Show your new skills and the direction you are moving in.",
    ),
    GuideGoal(
        "mid-apply",
        Horizon.MID,
        Step.PLAN,
        "Apply for roles that align with your new skills and interests",
        "",
    ),
    GuideGoal(
        "long-transition",
        Horizon.LONG,
        Step.PLAN,
        "Transition fully into your new role",
        "Within your current company, or by moving to one that better fits where you are going.",
    ),
)
