"""Overdue goals: the member hears once per due date, in their own zone, as they chose.

Goals are made directly with the models; ``remind_goals`` is given a fixed ``now`` so the
time-zone edges are exact. Mail goes through a real SMTP server.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from community.accounts.models import User
from community.db import unit_of_work
from community.extensions import db
from community.notifications import preferences
from community.notifications.models import Delivery, MailTopic, Notification
from community.plans import reminders
from community.plans.models import Goal, Horizon, Plan
from community.timeutil import utcnow
from tests.concurrency import at_once
from tests.conftest import count_queries, mail_config, make_user

#: 03:00 UTC on a Thursday: still Wednesday in New York, already noon in Tokyo.
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
TODAY = NOW.date()
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
def app_config(smtp_server):
    return mail_config(smtp_server)


def member(username: str, zone: str = "UTC", **kwargs) -> User:
    user = make_user(username, **kwargs)
    user.timezone = zone
    db.session.commit()
    return user


def goal(user: User, title: str, due: date | None, *, done: bool = False) -> Goal:
    """A goal on the member's plan (the plan made the first time)."""
    plan = db.session.scalar(select(Plan).where(Plan.user_id == user.id))
    if plan is None:
        plan = Plan(user_id=user.id)
        db.session.add(plan)
    made = Goal(
        plan=plan,
        title=title,
        horizon=Horizon.SHORT,
        due=due,
        done_at=utcnow() if done else None,
    )
    db.session.add(made)
    db.session.commit()
    return made


def remind(now: datetime = NOW) -> int:
    with unit_of_work():
        return reminders.remind_goals(now)


def notifications_of(user: User) -> list[Notification]:
    db.session.expire_all()
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def choose(user: User, delivery: Delivery) -> None:
    with unit_of_work():
        preferences.set_preferences(user, {MailTopic.PLANS: delivery})


def test_overdue_goals_are_told_once_in_one_notification(app):
    mira = member("mira")
    first = goal(mira, "Finish AI for Everyone", date(2026, 11, 1))
    goal(mira, "Draft a portfolio page", YESTERDAY)

    assert remind() == 1

    [told] = notifications_of(mira)
    assert told.kind == "plan_goal_overdue"
    assert told.actor_id is None
    assert told.message == (
        "2 goals on your plan are past their due date: "
        "Finish AI for Everyone, Draft a portfolio page"
    )
    assert told.url == f"/plan#goal-{first.id}"
    assert all(stored.reminded_at == NOW for stored in db.session.scalars(select(Goal)))

    # A second run, the same day or later, tells nothing again.
    assert remind() == 0
    assert remind(NOW + timedelta(days=3)) == 0
    assert len(notifications_of(mira)) == 1


def test_one_goal_reads_as_one_and_many_are_counted(app):
    ana, bo = member("ana"), member("bo")
    goal(ana, "Finish AI for Everyone", YESTERDAY)
    for number in range(5):
        goal(bo, f"Goal {number}", YESTERDAY)

    assert remind() == 2

    [told] = notifications_of(ana)
    assert told.message == "A goal on your plan is past its due date: Finish AI for Everyone"
    [told] = notifications_of(bo)
    assert told.message == (
        "5 goals on your plan are past their due date: Goal 0, Goal 1, Goal 2 and 2 more"
    )


def test_done_future_and_undated_goals_are_never_reminded(app):
    mira = member("mira")
    done = goal(mira, "Done already", YESTERDAY, done=True)
    goal(mira, "Later", TODAY + timedelta(days=10))
    goal(mira, "Someday", None)

    assert remind() == 0
    assert remind(NOW + timedelta(days=5)) == 0
    assert notifications_of(mira) == []
    assert db.session.get(Goal, done.id).reminded_at is None


def test_a_goal_done_after_falling_overdue_is_not_reminded(app):
    mira = member("mira")
    late = goal(mira, "Late", YESTERDAY)
    late.done_at = utcnow()
    db.session.commit()
    assert remind() == 0


def test_a_goal_due_today_in_the_members_zone_is_not_overdue_yet(app):
    # 03:00 UTC: Wednesday 22:00 in New York, Thursday 12:00 in Tokyo.
    new_york = member("nyc", "America/New_York")
    tokyo = member("tokyo", "Asia/Tokyo")
    goal(new_york, "Due on Wednesday", YESTERDAY)
    goal(tokyo, "Due on Wednesday", YESTERDAY)

    assert remind() == 1
    assert notifications_of(new_york) == []
    assert len(notifications_of(tokyo)) == 1

    # Midnight in New York: now it is overdue there too.
    assert remind(datetime(2026, 11, 26, 5, 0, tzinfo=UTC)) == 1
    assert len(notifications_of(new_york)) == 1


def test_a_zone_a_day_ahead_of_utc_counts_its_own_today(app):
    # 11:00 UTC on Thursday is 01:00 on Friday at UTC+14: Thursday's goal is overdue there.
    ahead = member("kiri", "Pacific/Kiritimati")
    utc = member("utc", "UTC")
    goal(ahead, "Due on Thursday", TODAY)
    goal(utc, "Due on Thursday", TODAY)

    assert remind(datetime(2026, 11, 26, 11, 0, tzinfo=UTC)) == 1
    assert len(notifications_of(ahead)) == 1
    assert notifications_of(utc) == []


def test_an_unknown_zone_is_read_as_utc(app):
    odd = member("odd", "Mars/Olympus_Mons")
    goal(odd, "Due on Wednesday", YESTERDAY)
    assert remind() == 1


def test_a_due_date_moved_later_reminds_again_once_overdue_again(app):
    mira = member("mira")
    moved = goal(mira, "Finish AI for Everyone", YESTERDAY)
    assert remind() == 1

    # Moved a week later (the edit bumps ``updated_at``): not overdue yet, nothing said.
    moved = db.session.get(Goal, moved.id)
    moved.due = TODAY + timedelta(days=7)
    db.session.commit()
    assert remind(NOW + timedelta(days=1)) == 0
    assert remind(NOW + timedelta(days=7)) == 0  # due that day: not overdue yet

    assert remind(NOW + timedelta(days=8)) == 1
    assert len(notifications_of(mira)) == 2
    assert remind(NOW + timedelta(days=9)) == 0


def test_editing_an_overdue_goal_without_moving_it_later_reminds_nothing(app):
    mira = member("mira")
    edited = goal(mira, "Finish AI for Everyone", date(2026, 11, 20))
    assert remind() == 1

    edited = db.session.get(Goal, edited.id)
    edited.title = "Finish AI for Everyone (week 3)"
    edited.due = date(2026, 11, 10)  # earlier: the reminder already given stands
    db.session.commit()
    assert remind(NOW + timedelta(days=1)) == 0
    assert len(notifications_of(mira)) == 1


def test_deleted_members_are_skipped(app):
    gone = member("gone")
    goal(gone, "Finish AI for Everyone", YESTERDAY)
    gone.deleted_at = utcnow()
    db.session.commit()

    assert remind() == 0
    assert notifications_of(gone) == []
    assert db.session.scalar(select(Goal.reminded_at)) is None


def test_mail_goes_at_once_only_to_members_who_chose_immediately(app, mailbox):
    now_mail = member("now")
    daily = member("daily")
    off = member("off")
    unchecked = member("unchecked", verified=False)
    choose(now_mail, Delivery.IMMEDIATELY)
    choose(off, Delivery.OFF)
    choose(unchecked, Delivery.IMMEDIATELY)
    for user in (now_mail, daily, off, unchecked):
        goal(user, "Finish AI for Everyone", YESTERDAY)

    assert remind() == 4

    # Everyone gets the notification on the site; only "immediately" with a checked
    # address gets mail now. "Daily" waits for the digest; "off" gets none.
    assert [message["To"] for message in mailbox.messages] == ["now@example.com"]
    [message] = mailbox.messages
    assert message["Subject"] == (
        "A goal on your plan is past its due date: Finish AI for Everyone"
    )
    body = message.get_body(("plain",)).get_content()
    goal_id = db.session.scalar(select(Goal.id).join(Plan).where(Plan.user_id == now_mail.id))
    assert f"http://localhost/plan#goal-{goal_id}" in body
    for user in (now_mail, daily, off, unchecked):
        [told] = notifications_of(user)
        assert (told.mailed_at is not None) is (user is now_mail)

    assert remind() == 0
    assert len(mailbox.messages) == 1


def test_the_command_says_how_many_members_were_reminded(app, runner):
    for username in ("ana", "bo"):
        goal(member(username), "Finish AI for Everyone", date(2020, 1, 1))

    result = runner.invoke(args=["remind-goals"])

    assert result.exit_code == 0, result.output
    assert "Reminded 2 member(s) of overdue goals." in result.output
    assert runner.invoke(args=["remind-goals"]).output.startswith("Reminded 0 ")


def test_the_job_runs_one_unit_of_work(app):
    goal(member("ana"), "Finish AI for Everyone", date(2020, 1, 1))
    assert reminders.remind_goals_job() == 1
    assert reminders.remind_goals_job() == 0


def test_reminders_read_in_batches_whatever_the_number_of_members(app, monkeypatch):
    # The real clock: a reminder given "now" is later than the goals' last edit.
    overdue = utcnow().date() - timedelta(days=2)

    def reads(members: int) -> int:
        for _ in range(members):
            user = member(f"m{db.session.scalar(select(db.func.count(User.id)))}")
            goal(user, "One", overdue)
            goal(user, "Two", overdue)
        with unit_of_work(), count_queries() as statements:
            assert reminders.remind_goals() == members
        return sum(statement.lstrip().upper().startswith("SELECT") for statement in statements)

    monkeypatch.setattr(reminders, "BATCH_SIZE", 50)
    assert reads(2) == reads(12)
    monkeypatch.setattr(reminders, "BATCH_SIZE", 5)
    # 12 plans in batches of 5: three batches (plans, goals, mail choices), then the empty
    # read that ends the run.
    assert reads(12) == 3 * 3 + 1


def test_a_member_with_more_goals_than_a_batch_is_told_once(app, monkeypatch):
    monkeypatch.setattr(reminders, "BATCH_SIZE", 2)
    mira = member("mira")
    for number in range(7):
        goal(mira, f"Goal {number}", YESTERDAY)
    goal(member("bo"), "Bo's goal", YESTERDAY)
    assert remind() == 2
    [told] = notifications_of(mira)
    assert told.message.startswith("7 goals on your plan")


on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@on_postgresql
def test_a_plan_another_run_holds_is_skipped(app):
    held, free = member("held"), member("free")
    goal(held, "Held", YESTERDAY)
    goal(free, "Free", YESTERDAY)
    held_plan = db.session.scalar(select(Plan.id).where(Plan.user_id == held.id))
    held_id, free_id = held.id, free.id
    db.session.remove()

    with db.engine.connect() as other:
        other.execute(text("SELECT id FROM plans WHERE id = :id FOR UPDATE"), {"id": held_plan})
        assert remind() == 1  # does not wait for the held plan
        other.rollback()

    assert remind() == 1
    told = db.session.scalars(select(Notification.user_id).order_by(Notification.id)).all()
    assert told == [free_id, held_id]


@on_postgresql
def test_runs_at_the_same_time_tell_each_member_once(app):
    users = [member(f"m{number}") for number in range(20)]
    for user in users:
        goal(user, "One", YESTERDAY)
        goal(user, "Two", YESTERDAY)
    user_ids = sorted(user.id for user in users)
    db.session.remove()
    counts = at_once(app, remind, runs=4)

    assert sum(counts) == len(user_ids)
    told = db.session.scalars(select(Notification.user_id)).all()
    assert sorted(told) == user_ids
