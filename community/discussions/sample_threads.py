"""Large sample threads for load benchmarks, query-count tests and demo data.

Comments are inserted level by level (a few flushes, not one per comment) with the
same tree columns the comment service writes, and their Markdown rendered through
the one pipeline, so a sample thread is indistinguishable from a real one.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from community.accounts.models import User
from community.content import render_markdown
from community.discussions.comment_models import PATH_SEGMENT, Comment
from community.discussions.models import Post
from community.discussions.services import bump_thread
from community.extensions import db

_WORDS = [
    "career",
    "transition",
    "mentor",
    "course",
    "certificate",
    "portfolio",
    "project",
    "python",
    "data",
    "analyst",
    "network",
    "interview",
    "recruiter",
    "manager",
    "team",
    "automation",
    "product",
    "roadmap",
    "learning",
    "weekend",
    "evening",
    "habit",
    "budget",
    "savings",
    "confidence",
    "feedback",
    "meetup",
    "webinar",
    "community",
    "resume",
    "skills",
]
_LINKS = (
    "https://www.coursera.org/learn/ai-for-everyone",
    "https://www.coursera.org/learn/machine-learning",
    "https://github.com/",
    "https://www.linkedin.com/",
)


def sample_markdown(rng: random.Random, min_chars: int = 300, max_chars: int = 600) -> str:
    """A paragraph or two of Markdown with emphasis, a link and sometimes a list."""
    target = rng.randint(min_chars, max_chars)
    parts: list[str] = []
    length = 0
    while length < target:
        words = rng.choices(_WORDS, k=rng.randint(6, 14))
        roll = rng.random()
        if roll < 0.15:
            words[0] = f"**{words[0]}**"
        elif roll < 0.3:
            words[-1] = f"_{words[-1]}_"
        elif roll < 0.4:
            words[1] = f"[{words[1]}]({rng.choice(_LINKS)})"
        sentence = " ".join(words).capitalize() + "."
        parts.append(sentence)
        length += len(sentence) + 1
    text = " ".join(parts)
    if rng.random() < 0.2:
        text += "\n\n- " + "\n- ".join(rng.sample(_WORDS, 3))
    return text[: max_chars + 80]


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
            body_html=render_markdown(body, "comment"),
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
_DEMO_MEMBERS = [
    ("demo-ana", "Ana (demo)", "Teacher", "Data analyst"),
    ("demo-bilal", "Bilal (demo)", "Warehouse supervisor", "Automation technician"),
    ("demo-chen", "Chen (demo)", "Accountant", "Product manager"),
    ("demo-dora", "Dora (demo)", "Nurse", "UX researcher"),
    ("demo-emeka", "Emeka (demo)", "Sales lead", "Solutions engineer"),
]
_DEMO_POSTS = [
    ("Did a bootcamp help anyone land a first data job?", ["bootcamps", "data"]),
    ("How I used weekend projects to move into automation", ["automation", "portfolio"]),
    ("Finding a mentor when nobody in your company does the job", ["mentorship"]),
]


def seed_demo_discussions() -> tuple[int, int]:
    """Demo members (no password, marked "(demo)"), posts and guide experiences.

    Safe to run again: nothing is added once the demo members exist. Returns
    (posts, comments) created.
    """
    from sqlalchemy import select

    from community.discussions.comment_models import Outcome, Step
    from community.discussions.comments import Experience, create_comment
    from community.discussions.services import create_post, seed_guide

    if db.session.scalar(select(User.id).where(User.username == _DEMO_MEMBERS[0][0])):
        return 0, 0
    rng = random.Random(2026)
    members = []
    for username, name, _, _ in _DEMO_MEMBERS:
        member = User(username=username, display_name=name, bio_md="A demo account.")
        member.bio_html = render_markdown(member.bio_md)
        db.session.add(member)
        members.append(member)
    db.session.flush()
    guide, _ = seed_guide()
    outcomes = [Outcome.CHANGED_ROLE, Outcome.IN_PROGRESS, Outcome.EXPLORING]
    comments = 0
    for index, (member, (_, _, start, goal)) in enumerate(zip(members, _DEMO_MEMBERS, strict=True)):
        steps = rng.sample(list(Step), k=rng.randint(1, 3))
        experience = Experience(
            steps=steps,
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
    for index, (title, tags) in enumerate(_DEMO_POSTS):
        author = members[index]
        post = create_post(author, f"{title} (demo)", f"(Demo) {sample_markdown(rng)}", tags)
        seed_thread(post, members, total=12, top_level=4, seed=index, min_chars=80, max_chars=300)
        comments += 12
    db.session.flush()
    return len(_DEMO_POSTS), comments
