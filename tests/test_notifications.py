"""Notifications: stored for the recipient, counted in the nav, marked read."""

import re

from sqlalchemy import func, insert, select

from community.accounts.models import User
from community.extensions import db
from community.notifications import services
from community.notifications.models import Notification
from tests.conftest import count_queries, login_as, make_user


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


def test_the_badge_counts_to_99_then_says_so_and_the_list_stops_at_its_cap(
    app, client, monkeypatch
):
    """A member who never reads costs the same as one who does: the badge reads at most
    100 unread rows ("99+"), and the list pages through the newest ``LISTED_AT_MOST``."""
    mira = make_user("mira")
    db.session.execute(
        insert(Notification),
        [
            {"user_id": mira.id, "kind": "reply", "message": f"Reply number {n}", "url": "/"}
            for n in range(130)
        ],
    )
    db.session.commit()
    login_as(client, mira)
    monkeypatch.setattr(services, "LISTED_AT_MOST", 40)

    assert services.unread_count(mira) == services.UNREAD_COUNTED + 1
    first = client.get("/notifications").get_data(as_text=True)
    assert 'aria-label="99+ unread"' in first and ">99+</span>" in first
    assert '<span class="pager__status">Page 1 of 2+</span>' in first
    assert "Older notifications are not listed" not in first

    last = client.get("/notifications?page=9").get_data(as_text=True)
    assert '<span class="pager__status">Page 2 of 2+</span>' in last
    assert "Older notifications are not listed." in last

    client.submit("/notifications/read-all", page="/notifications")
    assert services.unread_count(mira) == 0


def test_notify_adds_rows_that_go_out_with_the_unit(app):
    mira, fred = make_user("mira"), make_user("fred")
    db.session.refresh(mira)
    db.session.refresh(fred)
    with count_queries() as statements:
        for number in range(5):
            services.notify(mira, "reply", f"Reply {number}", "/posts/", actor=fred)
    # Mira's mail choices are read once; the rows themselves go with the unit.
    assert len(statements) == 1 and "mail_preferences" in statements[0]
    db.session.commit()
    assert count() == 5


def test_telling_many_members_reads_their_choices_in_one_query(app):
    from community.notifications import preferences

    author = make_user("ana")
    followers = [make_user() for _ in range(20)]
    for member in [author, *followers]:
        db.session.refresh(member)
    with count_queries() as statements:
        preferences.prefetch(followers)
        for member in followers:
            services.notify(member, "followed_post", "Ana commented", "/posts/", actor=author)
    assert len(statements) == 1
    db.session.commit()
    assert count() == 20


def test_notification_list_queries_do_not_grow(app, client):
    mira = make_user("mira")
    login_as(client, mira)

    def list_queries() -> int:
        db.session.expunge_all()
        with count_queries() as statements:
            assert client.get("/notifications").status_code == 200
        return len(statements)

    def tell(message: str) -> None:
        actor = make_user()
        services.notify(db.session.get(User, mira_id), "reply", message, "/posts/", actor=actor)
        db.session.commit()

    mira_id = mira.id
    tell("First")
    few = list_queries()
    for number in range(10):
        tell(f"Reply {number}")
    assert list_queries() == few
