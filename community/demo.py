"""Sample content: ``flask demo-data`` for a newcomer to look around, and large sample
threads for load benchmarks and query-count tests.

Demo content goes through the same services as members' own (posts, comments,
experiences, mentor profiles) and is marked "(demo)". Sample threads are inserted
level by level (a few flushes, not one per comment) with the same tree columns the
comment service writes, and their Markdown rendered through the one pipeline, so a
sample thread is indistinguishable from a real one.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from community.accounts.mentions import render_member_markdown
from community.accounts.models import User
from community.accounts.services import register_user
from community.discussions.comment_models import PATH_SEGMENT, Comment, Outcome, Step
from community.discussions.comment_services import Experience, bump_thread, create_comment
from community.discussions.models import Post
from community.discussions.services import create_post, seed_guide
from community.events.demo import DemoEvents, seed_demo_events
from community.extensions import db
from community.mentorship.profiles import save_profile
from community.moderation.demo import seed_demo_flags
from community.plans.demo import TRAVELLER_NAMES, seed_demo_plans, seed_demo_travellers
from community.plans.resources import seed_demo_resources
from community.timeutil import utcnow

#: Sentences members really write about a career change; ``{link}`` becomes a Markdown link.
_SENTENCES = [
    "I spent two evenings a week on the {link} course and finished it in about three months.",
    "What *actually* moved the needle for me was shipping one small project end to end.",
    "My manager let me take on the reporting work nobody wanted, and that became my portfolio.",
    "I was a teacher for nine years, so explaining things was never the hard part.",
    "The hardest part was **admitting I was a beginner again** after a decade in my field.",
    "Informational interviews beat applications: I asked for twenty minutes, not a job.",
    "A mentor from a local meetup reviewed my resume and cut it from three pages to one.",
    "I kept a simple spreadsheet of every course, contact and application; it kept me honest.",
    "Certificates opened a few doors, but every interview asked about a real project.",
    "If I started again I would pick one track and ignore the rest for six months.",
    "I automated a weekly report at work with Python and that became my first case study.",
    "Budget matters: I saved four months of expenses before I dropped to part-time.",
    "Joining an online community gave me people to ask the questions I was embarrassed about.",
    "The recruiter told me my domain knowledge was the reason I got the second interview.",
    "Write down why you want the change; on the bad weeks you will need to read it.",
    "I moved internally first, which was far easier than convincing a new company.",
    "Pairing with a developer for an afternoon taught me more than a week of videos.",
    "My portfolio is three projects, each with a short write-up of the problem and the result.",
    "I set a rule of one new conversation a week with someone already in the role.",
    "Webinars were useful for vocabulary; meetups were where I met the people who hired me.",
    "Do not underestimate how long the job search takes: mine took **seven months**.",
    "I wrote about what I was learning on a small blog, which made networking less awkward.",
    "My transition plan had three milestones and I missed every date, but I kept the order.",
    "Leading a small internal project counted as management experience in interviews.",
    "I found the {link} notes helpful when the lectures went too fast.",
    "Side projects that solve a problem from your old job are the easiest to explain.",
    "Ask your mentor what they would *not* do again; that saved me months.",
    "I volunteered to run our team's automation pilot, and it turned into a new role.",
]
_LINKS = (
    "https://www.coursera.org/learn/ai-for-everyone",
    "https://www.coursera.org/learn/machine-learning",
    "https://www.coursera.org/learn/project-management",
)
_LINK_TEXTS = ("AI for Everyone", "Machine Learning", "Project Management Principles")


def sample_markdown(rng: random.Random, min_chars: int = 300, max_chars: int = 600) -> str:
    """A paragraph or two of realistic Markdown with emphasis, links and sometimes a list."""
    target = rng.randint(min_chars, max_chars)
    sentences: list[str] = []
    length = 0
    for template in rng.sample(_SENTENCES, len(_SENTENCES)):
        if length >= target:
            break
        index = rng.randrange(len(_LINKS))
        sentence = template.format(link=f"[{_LINK_TEXTS[index]}]({_LINKS[index]})")
        sentences.append(sentence)
        length += len(sentence) + 1
    if len(sentences) > 2 and rng.random() < 0.2:
        items = "\n".join(f"- {sentence}" for sentence in sentences[-2:])
        return " ".join(sentences[:-2]) + "\n\nWhat I would repeat:\n\n" + items
    if len(sentences) > 3:
        middle = len(sentences) // 2
        return " ".join(sentences[:middle]) + "\n\n" + " ".join(sentences[middle:])
    return " ".join(sentences)


def seed_thread(
    post: Post,
    authors: Sequence[User],
    total: int,
    top_level: int,
    max_depth: int = 3,
    seed: int = 1,
    min_chars: int = 300,
    max_chars: int = 600,
) -> list[Comment]:
    """Add ``total`` comments to ``post``: ``top_level`` of them top-level, the rest
    replies nested up to ``max_depth`` levels below them. Returns the comments."""
    rng = random.Random(seed)
    made: list[Comment] = []
    made_by_id: dict[int, Comment] = {}
    remaining = total

    def add(parent: Comment | None) -> Comment:
        body = sample_markdown(rng, min_chars, max_chars)
        comment = Comment(
            post_id=post.id,
            author=rng.choice(authors),
            parent_id=parent.id if parent else None,
            depth=parent.depth + 1 if parent else 0,
            body_md=body,
            body_html=render_member_markdown(body, "comment"),
            score=rng.choice((0, 0, 0, 1, 1, 2, 3, 5, 8)),
        )
        db.session.add(comment)
        return comment

    level = [add(None) for _ in range(min(top_level, remaining))]
    remaining -= len(level)
    while level:
        db.session.flush()
        for comment in level:
            parent = made_by_id.get(comment.parent_id) if comment.parent_id else None
            comment.root_id = parent.root_id if parent else comment.id
            segment = str(comment.id).zfill(PATH_SEGMENT)
            comment.path = f"{parent.path}/{segment}" if parent else segment
        made.extend(level)
        made_by_id.update({comment.id: comment for comment in level})
        candidates = [c for c in level if c.depth < max_depth]
        replies = []
        if candidates and remaining > 0:
            per_level = remaining if level[0].depth + 1 >= max_depth else remaining * 6 // 10
            for _ in range(max(1, per_level)):
                if remaining <= 0:
                    break
                replies.append(add(rng.choice(candidates)))
                remaining -= 1
        level = replies
    db.session.flush()
    bump_thread(post.id, activity=True, comments=len(made))
    return made


DEMO_PREFIX = "demo-"
#: (username, display name, where they started, where they went, what they mentor in or None)
_DEMO_MEMBERS = [
    ("demo-ana", "Ana (demo)", "Teacher", "Data analyst", ("data", "education")),
    ("demo-bilal", "Bilal (demo)", "Warehouse supervisor", "Automation technician", None),
    ("demo-chen", "Chen (demo)", "Accountant", "Product manager", ("product-management",)),
    ("demo-dora", "Dora (demo)", "Nurse", "UX researcher", None),
    ("demo-emeka", "Emeka (demo)", "Sales lead", "Solutions engineer", ("sales-customer-success",)),
]
_DEMO_POSTS = [
    ("Did a bootcamp help anyone land a first data job?", ["bootcamps", "data"]),
    ("How I used weekend projects to move into automation", ["automation", "portfolio"]),
    ("Finding a mentor when nobody in your company does the job", ["mentorship"]),
]
_MENTOR_CAPACITY = 3
_DEMO_MEMBERS_JOINED_DAYS_AGO = 90


@dataclass
class DemoData:
    """What ``seed_demo_data`` did, for the command to report."""

    #: The demo members' usernames; they all sign in with ``password``.
    usernames: list[str] = field(default_factory=list)
    password: str = ""
    posts: int = 0
    comments: int = 0
    mentors: int = 0
    events: DemoEvents | None = None
    flags: int = 0
    #: False when the demo members were already there: only their password is new.
    created: bool = True


def _demo_members() -> list[User]:
    names = [row[0] for row in _DEMO_MEMBERS] + list(TRAVELLER_NAMES)
    return list(
        db.session.scalars(
            select(User)
            .where(User.username.in_(names), User.deleted_at.is_(None))
            .order_by(User.id)
        )
    )


def seed_demo_data() -> DemoData:
    """Fill every section: demo members, discussions, guide experiences, mentors with places.

    The demo members sign in with a fresh random password, returned for the command to
    print (never a fixed one: demo data may land on a server others can reach). Safe to
    run again: once the demo members exist nothing is added and only their password
    changes, so a newcomer who lost it can get a new one.
    """
    password = secrets.token_urlsafe(12)
    existing = _demo_members()
    if existing:
        for member in existing:
            member.set_password(password)
        db.session.flush()
        return DemoData([member.username for member in existing], password, created=False)

    rng = random.Random(2026)
    members = []
    for username, name, _, _, _ in _DEMO_MEMBERS:
        member = register_user(username, f"{username}@example.com", password)
        member.display_name = name
        member.bio_md = "A demo account: everything it wrote is sample content."
        member.bio_html = render_member_markdown(member.bio_md)
        # Sample members joined a while ago: the new-member guard would hold their links.
        member.created_at = utcnow() - timedelta(days=_DEMO_MEMBERS_JOINED_DAYS_AGO)
        members.append(member)
    db.session.flush()
    summary = DemoData([member.username for member in members], password)
    summary.comments = _share_guide_experiences(members, rng)
    travellers = seed_demo_travellers(
        seed_guide()[0], password, joined_days_ago=_DEMO_MEMBERS_JOINED_DAYS_AGO
    )
    summary.usernames += [member.username for member in travellers]
    summary.comments += len(travellers)
    for index, (title, tags) in enumerate(_DEMO_POSTS):
        post = create_post(
            members[index], f"{title} (demo)", f"(Demo) {sample_markdown(rng)}", tags
        )
        seed_thread(post, members, total=12, top_level=4, seed=index, min_chars=80, max_chars=300)
        summary.posts += 1
        summary.comments += 12
    for member, (_, _, start, goal, expertise) in zip(members, _DEMO_MEMBERS, strict=True):
        if expertise:
            _offer_mentoring(member, start, goal, expertise)
            summary.mentors += 1
    summary.events = seed_demo_events(members, None, rng)
    summary.flags = seed_demo_flags(members)
    seed_demo_resources(members)
    seed_demo_plans(members, {name: (start, goal) for name, _, start, goal, _ in _DEMO_MEMBERS})
    db.session.flush()
    return summary


def _share_guide_experiences(members: list[User], rng: random.Random) -> int:
    """Each demo member shares an experience under the guide and answers another's."""
    guide, _ = seed_guide()
    outcomes = [Outcome.CHANGED_ROLE, Outcome.IN_PROGRESS, Outcome.EXPLORING]
    comments = 0
    for index, (member, (_, _, start, goal, _)) in enumerate(
        zip(members, _DEMO_MEMBERS, strict=True)
    ):
        experience = Experience(
            steps=rng.sample(list(Step), k=rng.randint(1, 3)),
            from_role=start,
            to_role=goal,
            months=rng.randint(4, 24),
            outcome=outcomes[index % len(outcomes)],
        )
        body = f"(Demo) {sample_markdown(rng, 200, 400)}"
        shared = create_comment(guide, member, body, experience=experience)
        replier = members[(index + 1) % len(members)]
        create_comment(guide, replier, f"(Demo) {sample_markdown(rng, 80, 160)}", shared.id)
        comments += 2
    return comments


def _offer_mentoring(member: User, start: str, goal: str, expertise: Sequence[str]) -> None:
    """A mentor profile with open places, through the mentorship feature's public service."""
    save_profile(
        member,
        headline=f"{start} turned {goal.lower()} (demo)",
        bio=f"(Demo) I moved from {start.lower()} to {goal.lower()}. Ask me about the first year.",
        expertise=list(expertise),
        languages=["English"],
        timezone="Europe/London",
        capacity=_MENTOR_CAPACITY,
        accepting=True,
    )
