"""The new-member spam guard: a new member's first posts with links wait for a moderator.

Spam arrives as links from accounts made minutes earlier. Holding their posts until a
moderator lets them through costs real newcomers one short wait, and only when they link.
``NEW_MEMBER_HOLD_DAYS`` sets how long a member counts as new (0 turns the guard off).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from community.accounts.models import Role, User
from community.moderation.models import ReviewCause, TargetType
from community.moderation.reviews import open_review
from community.timeutil import utcnow


def is_new_member(user: User) -> bool:
    days = current_app.config["NEW_MEMBER_HOLD_DAYS"]
    if days <= 0 or user.role is not Role.MEMBER:
        return False
    return user.created_at > utcnow() - timedelta(days=days)


def links_out(html: str) -> bool:
    """Whether rendered member HTML links off the site (mentions link within it)."""
    return 'href="http' in html


def should_hold(author: User, html: str) -> bool:
    return links_out(html) and is_new_member(author)


def hold(post) -> None:
    """Keep ``post`` out of every list until a moderator lets it through (or hides it)."""
    post.held_at = utcnow()
    open_review(TargetType.POST, post.id, ReviewCause.HELD, post.author_id)
