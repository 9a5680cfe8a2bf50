"""One-click unsubscribe links: signed with the secret key, valid without signing in, and
turning off one topic only (RFC 8058: mail clients POST to the link)."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from community.accounts.models import User
from community.notifications.models import MailTopic

SALT = "unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_path(user: User, topic: MailTopic) -> str:
    token = _serializer().dumps({"user": user.id, "topic": topic.value})
    return f"/unsubscribe/{token}"


def read_token(token: str) -> tuple[int, MailTopic] | None:
    """(user id, topic) the token names, or None for a forged, truncated or stale one."""
    if len(token) > 200:
        return None
    try:
        data = _serializer().loads(token)
        user_id, topic = int(data["user"]), MailTopic(data["topic"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if topic is MailTopic.ACCOUNT:
        return None
    return user_id, topic
