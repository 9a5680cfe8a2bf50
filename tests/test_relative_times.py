"""Relative times ("3 hours ago"): the wording at each boundary, the date past a week, and the
``<time>`` element carrying the instant and the absolute time in the viewer's zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from community.extensions import db
from community.notifications import services as notifications
from community.notifications.models import Notification
from community.templating import relative_time, relative_words
from community.timeutil import utcnow
from tests.conftest import login_as, make_post, make_user

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "words"),
    [
        (timedelta(0), "just now"),
        (timedelta(seconds=59), "just now"),
        (-timedelta(seconds=30), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=5, seconds=59), "5 minutes ago"),
        (timedelta(minutes=59, seconds=59), "59 minutes ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(hours=3, minutes=59), "3 hours ago"),
        (timedelta(hours=23, minutes=59), "23 hours ago"),
        (timedelta(days=1), "yesterday"),
        (timedelta(days=1, hours=23, minutes=59), "yesterday"),
        (timedelta(days=2), "2 days ago"),
        (timedelta(days=3), "3 days ago"),
        (timedelta(days=6, hours=23, minutes=59), "6 days ago"),
        (timedelta(days=7), "13 Nov 2026"),
        (timedelta(days=400), "16 Oct 2025"),
        (-timedelta(hours=2), "20 Nov 2026"),
    ],
)
def test_the_wording_at_each_boundary(age, words):
    assert relative_words(NOW - age, NOW) == words


def test_old_dates_are_in_the_viewers_zone():
    late = datetime(2026, 11, 1, 23, 30, tzinfo=UTC)
    assert relative_words(late, NOW, "UTC") == "01 Nov 2026"
    assert relative_words(late, NOW, "Asia/Tokyo") == "02 Nov 2026"
    assert relative_words(late, NOW, "Not/AZone") == "01 Nov 2026"


def test_the_time_element_carries_the_instant_and_the_absolute_time(app):
    moment = NOW - timedelta(hours=3)
    with app.test_request_context():
        element = str(relative_time(moment, NOW))
        assert str(relative_time(None)) == ""
    assert element == (
        '<time datetime="2026-11-20T09:00:00+00:00" title="20 Nov 2026, 09:00 UTC">'
        "3 hours ago</time>"
    )


def test_the_title_is_in_the_signed_in_members_zone(app, client):
    mira = make_user("mira")
    mira.timezone = "Asia/Tokyo"
    db.session.commit()
    notifications.notify(mira, "reply", "Someone replied", "/posts/")
    db.session.execute(update(Notification).values(created_at=utcnow() - timedelta(hours=5)))
    db.session.commit()
    login_as(client, mira)
    page = client.get("/notifications").get_data(as_text=True)
    element = re.search(r'<time datetime="([^"]+)" title="([^"]+)">([^<]+)</time>', page)
    assert element, page
    instant = datetime.fromisoformat(element.group(1))
    assert element.group(2).endswith("JST")
    assert element.group(3) == "5 hours ago"
    assert abs(utcnow() - timedelta(hours=5) - instant) < timedelta(minutes=1)


def test_the_discussion_list_shows_the_last_activity_relatively(app, client):
    make_post(make_user("ines"), "Switching careers at forty")
    page = client.get("/posts/").get_data(as_text=True)
    assert re.search(r'active <time datetime="[^"]+" title="[^"]+ UTC">just now</time>', page)
