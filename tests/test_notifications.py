"""Notifications: stored for the recipient, counted in the nav, marked read."""

import re

from sqlalchemy import func, select

from community.extensions import db
from community.notifications import services
from community.notifications.models import Notification
from tests.conftest import login_as, make_user


def count() -> int:
    return db.session.scalar(select(func.count(Notification.id)))


def test_nobody_is_told_about_their_own_action(app):
    mira = make_user("mira")
    services.notify(mira, "reply", "You replied to yourself", "/posts/", actor=mira)
    assert count() == 0


def test_deleted_members_are_not_notified(app):
    from community.accounts.services import delete_account

    gone = make_user("gone")
    delete_account(gone)
    services.notify(gone, "reply", "Hello?", "/posts/")
    assert count() == 0


def test_long_messages_are_shortened_not_refused(app):
    mira = make_user("mira")
    services.notify(mira, "mention", "x" * 500, "/posts/")
    stored = db.session.scalar(select(Notification))
    assert len(stored.message) == 300 and stored.message.endswith("…")


def test_list_unread_count_and_mark_read(app, client):
    mira, fred = make_user("mira"), make_user("fred")
    services.notify(mira, "reply", "Fred replied to your comment", "/posts/", actor=fred)
    services.notify(mira, "mention", "Fred mentioned you", "/guide", actor=fred)
    services.notify(fred, "reply", "Not for Mira", "/posts/")
    db.session.commit()
    login_as(client, mira)

    page = client.get("/notifications").get_data(as_text=True)
    assert page.index("Fred mentioned you") < page.index("Fred replied to your comment")
    assert "Not for Mira" not in page
    assert 'aria-label="2 unread"' in page

    first = db.session.scalar(select(Notification).where(Notification.kind == "mention"))
    response = client.submit(
        f"/notifications/{first.id}/read", {"open": "1"}, page="/notifications"
    )
    assert response.headers["Location"] == "/guide"
    assert 'aria-label="1 unread"' in client.get("/").get_data(as_text=True)

    client.submit("/notifications/read-all", page="/notifications")
    assert "unread" not in client.get("/").get_data(as_text=True)
    assert services.unread_count(fred) == 1


def test_notifications_paginate(app, client):
    mira = make_user("mira")
    for number in range(35):
        services.notify(mira, "reply", f"Reply number {number}", "/posts/")
    db.session.commit()
    login_as(client, mira)
    first = client.get("/notifications").get_data(as_text=True)
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert re.search(r"Reply number 34\b", first) and not re.search(r"Reply number 4\b", first)
    assert re.search(r"Reply number 4\b", second)
