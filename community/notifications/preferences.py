"""Which notifications reach a member by mail, and when.

Each notification kind belongs to one ``MailTopic``; for each topic a member chooses off,
immediately or a daily digest. Without a ``MailPreference`` row the topic's default
applies: what someone waits on (mentorship answers, moderators' decisions) comes at once,
the rest in the daily digest.

Reading choices is cheap by design: ``deliveries`` reads all of a member's rows in one
query and keeps them for the rest of the unit of work, so ``notify`` costs at most one
query per recipient per unit; ``prefetch`` reads many members' rows in one query before a
loop that notifies them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from community.accounts.models import User
from community.extensions import db
from community.notifications.models import Delivery, MailPreference, MailTopic

#: Topics a member chooses for; account mail (password resets, address checks) always goes.
CHOOSABLE: tuple[MailTopic, ...] = tuple(
    topic for topic in MailTopic if topic is not MailTopic.ACCOUNT
)

DEFAULTS: dict[MailTopic, Delivery] = {
    MailTopic.REPLIES: Delivery.DAILY,
    MailTopic.MENTIONS: Delivery.DAILY,
    MailTopic.FOLLOWED_POSTS: Delivery.DAILY,
    MailTopic.MENTORSHIP: Delivery.IMMEDIATELY,
    MailTopic.EVENTS: Delivery.DAILY,
    MailTopic.MODERATION: Delivery.IMMEDIATELY,
    MailTopic.PLANS: Delivery.DAILY,
}

_KIND_TOPICS = {
    "reply": MailTopic.REPLIES,
    "mention": MailTopic.MENTIONS,
    "followed_post": MailTopic.FOLLOWED_POSTS,
    "moderation": MailTopic.MODERATION,
}
#: Families of kinds: "mentorship_request", "event_changed", "event_reminder", ...
_PREFIX_TOPICS = {
    "mentorship_": MailTopic.MENTORSHIP,
    "event_": MailTopic.EVENTS,
    "plan_": MailTopic.PLANS,
}

_CACHE_KEY = "mail_deliveries"


def topic_for(kind: str) -> MailTopic | None:
    """The topic a notification kind belongs to; None for a kind never mailed."""
    if kind in _KIND_TOPICS:
        return _KIND_TOPICS[kind]
    for prefix, topic in _PREFIX_TOPICS.items():
        if kind.startswith(prefix):
            return topic
    return None


def _cache() -> dict[int, dict[MailTopic, Delivery]]:
    """Choices read in this unit of work, by member id; a new transaction starts afresh, so a
    choice changed elsewhere is seen by the next unit."""
    transaction = db.session().get_transaction()
    held = db.session.info.get(_CACHE_KEY)
    if transaction is None or held is None or held[0] is not transaction:
        held = (transaction, {})
        if transaction is not None:
            db.session.info[_CACHE_KEY] = held
    return held[1]


def deliveries_by_user(user_ids: Iterable[int]) -> dict[int, dict[MailTopic, Delivery]]:
    """Every choosable topic's delivery for each member, in one query."""
    ids = list(dict.fromkeys(user_ids))
    chosen: dict[int, dict[MailTopic, Delivery]] = {user_id: dict(DEFAULTS) for user_id in ids}
    if not ids:
        return chosen
    with db.session.no_autoflush:  # pending notifications go out with the unit, not now
        rows = db.session.execute(
            select(MailPreference.user_id, MailPreference.topic, MailPreference.delivery).where(
                MailPreference.user_id.in_(ids)
            )
        )
        for user_id, topic, delivery in rows:
            if topic in DEFAULTS:
                chosen[user_id][topic] = delivery
    return chosen


def prefetch(users: Iterable[User]) -> None:
    """Read the choices of many members in one query, before a loop that notifies them."""
    cache = _cache()
    missing = [user.id for user in users if user.id not in cache]
    if missing:
        found = deliveries_by_user(missing)
        _cache().update(found)


def deliveries(user: User) -> dict[MailTopic, Delivery]:
    """The member's delivery for every choosable topic (one query, then kept for the unit)."""
    cache = _cache()
    if user.id not in cache:
        found = deliveries_by_user([user.id])
        # The query may have begun the transaction the cache belongs to: store it there.
        _cache().update(found)
        return found[user.id]
    return cache[user.id]


def delivery_for(user: User, topic: MailTopic) -> Delivery:
    """How ``user`` gets mail about ``topic``; account mail always goes at once."""
    if topic is MailTopic.ACCOUNT:
        return Delivery.IMMEDIATELY
    return deliveries(user)[topic]


def set_preferences(user: User, choices: Mapping[MailTopic, Delivery]) -> None:
    """Store the member's choices for the topics given; the others keep theirs.

    A choice equal to the default is stored too: a later change of defaults must not
    switch on mail a member chose. One upsert, so two saves at once (a double click, an
    unsubscribe while the page is saved) both succeed and the later one stays.
    """
    rows = [
        {"user_id": user.id, "topic": MailTopic(topic), "delivery": Delivery(delivery)}
        for topic, delivery in choices.items()
    ]
    if any(row["topic"] is MailTopic.ACCOUNT for row in rows):
        raise ValueError("account mail can't be turned off")
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(MailPreference.__table__).values(rows)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "topic"], set_={"delivery": statement.excluded.delivery}
        )
    )
    _cache().pop(user.id, None)
