"""Which ``@names`` in a member's text are members, so only those become links.

``content.render_markdown`` stays a pure function of its arguments (no database, no
import of the models): the caller looks the names up here and hands them over. Every
feature that renders member text goes through ``render_member_markdown``; ``flask
rerender`` looks up a whole batch of rows at once (``existing_usernames`` with a larger
``limit``).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from sqlalchemy import select

from community.accounts.models import User
from community.content import MENTION_CANDIDATES_MAX, Profile, mention_candidates, render_markdown
from community.extensions import db

#: Names per ``IN`` list: a batch of ``flask rerender`` may hold more than one statement's worth.
LOOKUP_CHUNK = 1000


def existing_usernames(names: Iterable[str], limit: int = MENTION_CANDIDATES_MAX) -> set[str]:
    """The lower-cased usernames of live members among the first ``limit`` distinct
    ``names`` (any case).

    A deleted member's name is retired (``RetiredUsername``) and their row renamed, so old
    mentions of them stay text rather than lead to nobody or to a newcomer. One query per
    ``LOOKUP_CHUNK`` names (one for a single text's ``MENTION_CANDIDATES_MAX``); none
    without names.
    """
    wanted = list(islice(dict.fromkeys(name.lower() for name in names), limit))
    found: set[str] = set()
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        found.update(
            db.session.scalars(
                select(User.username).where(User.username.in_(chunk), User.deleted_at.is_(None))
            )
        )
    return {name.lower() for name in found}


def render_member_markdown(text: str, profile: Profile = "comment") -> str:
    """``render_markdown`` with ``@name`` linked only for existing members (one query
    when the text mentions anyone, none otherwise)."""
    known = existing_usernames(mention_candidates(text))
    return render_markdown(text, profile, mentions=known)
