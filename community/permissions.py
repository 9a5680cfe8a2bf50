"""Who may do what: the one place, used by views (403) and templates (to hide buttons).

Every predicate takes the acting user first (``current_user``, possibly anonymous).
"""

from __future__ import annotations

from typing import Any

from community.accounts.models import Role


def is_member(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and not user.is_deleted


def can_write(user: Any) -> bool:
    """Members write; suspended members only read."""
    return is_member(user) and not user.is_suspended


def can_moderate(user: Any) -> bool:
    return is_member(user) and user.role in (Role.MODERATOR, Role.ADMIN)


def can_grant_roles(user: Any) -> bool:
    return is_member(user) and user.role == Role.ADMIN


def can_edit_post(user: Any, post: Any) -> bool:
    """Only the author edits their own post, and only while allowed to write."""
    return can_write(user) and post.author_id == user.id


#: Exposed to templates so they ask the same questions as the views.
TEMPLATE_PREDICATES = {
    "can_write": can_write,
    "can_moderate": can_moderate,
    "can_grant_roles": can_grant_roles,
    "can_edit_post": can_edit_post,
}
