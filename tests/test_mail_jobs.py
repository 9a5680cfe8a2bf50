"""Mail as a job: queued on Redis and sent by ``flask worker``, retried while SMTP fails,
sent once; without Redis, sent by the web process after the response.

A page that mails answers at once whatever SMTP does; the mail is stored in the outbox
with the page's change, and a retry or ``flask send-outbox`` never sends it twice.
"""

from __future__ import annotations

import socket
import time
import uuid

import pytest
from flask import Response, current_app
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry
from sqlalchemy import select

from community.db import transactional, unit_of_work
from community.extensions import db
from community.notifications import mail
from community.notifications.models import MailTopic, OutgoingMail
from tests.conftest import mail_config, make_user, skip_or_fail

REDIS_URL = "redis://127.0.0.1:6379/13"  # a database of the tests' own
#: Seconds before a failed job is tried again (production waits minutes).
RETRY_SECONDS = 1


@pytest.fixture
def app_config(smtp_server):
    return mail_config(smtp_server)


@pytest.fixture
def redis_jobs(app):
    """The app queues jobs on Redis, as with ``JOBS_REDIS_URL`` set, on a queue of this
    test's own (parallel test processes share the database), emptied afterwards."""
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except RedisError as error:
        skip_or_fail(f"Redis at {REDIS_URL} is unreachable: {error}")
    app.config.update(
        JOBS_REDIS_URL=REDIS_URL,
        JOBS_INLINE=False,
        JOBS_QUEUE=f"pathways-test-{uuid.uuid4().hex[:12]}",
        JOBS_RETRY_INTERVALS=[RETRY_SECONDS, RETRY_SECONDS],
    )
    yield connection
    name = app.config["JOBS_QUEUE"]
    queue, *registries = jobs_in(connection, name)
    registries.append(FinishedJobRegistry(name, connection=connection))
    job_ids = [job_id for registry in registries for job_id in registry.get_job_ids()]
    keys = [*connection.scan_iter(f"*{name}*")]
    keys += [f"rq:{kind}:{job_id}" for job_id in job_ids for kind in ("job", "results")]
    connection.delete(*keys)
    queue.delete(delete_jobs=True)
    connection.close()


@pytest.fixture
def mailing_page(app):
    """A page that mails the member ``mira`` with what it changes, as a reply would."""

    @transactional
    def reply():
        member = db.session.scalar(select(mail.User).where(mail.User.username == "mira"))
        mail.compose(
            member,
            MailTopic.REPLIES,
            "Ana replied",
            "notification",
            message="Ana replied to your comment",
            url="/comments/1",
        )
        return Response("Replied.")

    app.add_url_rule("/test/reply", "test_reply", reply, methods=["POST"])
    return "/test/reply"


def outbox() -> list[OutgoingMail]:
    db.session.rollback()  # read what other sessions (the worker, a thread) committed
    return db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()


def work(runner) -> None:
    """Run the queue until it is empty, as ``flask worker --burst`` does."""
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output


def jobs_in(connection, name: str | None = None):
    """The app's queue, its scheduled retries and its failed jobs."""
    queue = Queue(name or current_app.config["JOBS_QUEUE"], connection=connection)
    return queue, ScheduledJobRegistry(queue=queue), FailedJobRegistry(queue=queue)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, seconds: float = 5.0):
    """Poll ``condition`` until it holds (a thread's or a retry's work), at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_a_page_that_mails_answers_at_once_and_the_worker_sends_the_mail(
    app, client, mailbox, redis_jobs, mailing_page, runner
):
    make_user("mira")
    response = client.submit(mailing_page)

    assert response.status_code == 200
    [stored] = outbox()
    assert stored.sent_at is None and stored.attempts == 0
    queue, _, _ = jobs_in(redis_jobs)
    assert queue.count == 1
    assert mailbox.messages == []

    work(runner)

    [message] = mailbox.to("mira@example.com")
    assert message["Subject"] == "Ana replied"
    [stored] = outbox()
    assert stored.sent_at is not None and stored.attempts == 1
    assert queue.count == 0


@pytest.mark.parametrize("failure", ["refused", "down"])
def test_a_failed_send_is_retried_later_and_sent_once(
    app, client, mailbox, redis_jobs, mailing_page, runner, monkeypatch, failure
):
    make_user("mira")
    if failure == "refused":
        mailbox.refuse = True  # 451 to DATA
    else:
        monkeypatch.setattr(app.extensions["mail"], "port", closed_port())

    response = client.submit(mailing_page)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "Replied."
    [stored] = outbox()
    job_id = jobs_in(redis_jobs)[0].job_ids[0]

    work(runner)

    _, scheduled, failed = jobs_in(redis_jobs)
    job = Job.fetch(job_id, connection=redis_jobs)
    assert job.get_status() == "scheduled"
    assert job.retries_left == 1
    assert scheduled.get_job_ids() == [job_id]
    assert failed.get_job_ids() == []
    [stored] = outbox()
    assert stored.sent_at is None and stored.attempts == 1
    expected = "SMTPDataError" if failure == "refused" else "ConnectionRefusedError"
    assert stored.last_error.startswith(expected)
    assert mailbox.messages == []

    # SMTP is back: the retry, once due, sends the mail.
    mailbox.refuse = False
    monkeypatch.undo()

    def retried() -> bool:
        work(runner)
        return bool(mailbox.messages)

    assert wait_for(retried, seconds=RETRY_SECONDS + 4)
    [stored] = outbox()
    assert stored.sent_at is not None and stored.attempts == 2
    assert Job.fetch(job_id, connection=redis_jobs).get_status() == "finished"
    # Delivered again (a late retry, send-outbox): nothing more goes out.
    assert mail.deliver(stored.id) is False
    assert runner.invoke(args=["send-outbox"]).output == "Sent 0 mail(s).\n"
    work(runner)
    assert len(mailbox.to("mira@example.com")) == 1


def test_a_send_failing_every_time_ends_in_the_failed_jobs_and_stays_in_the_outbox(
    app, client, mailbox, redis_jobs, mailing_page, runner
):
    app.config["JOBS_RETRY_INTERVALS"] = [0]  # one retry, at once
    make_user("mira")
    mailbox.refuse = True
    client.submit(mailing_page)
    work(runner)

    _, scheduled, failed = jobs_in(redis_jobs)
    assert scheduled.get_job_ids() == [] and len(failed.get_job_ids()) == 1
    [stored] = outbox()
    assert stored.sent_at is None and stored.attempts == 2

    mailbox.refuse = False
    assert runner.invoke(args=["send-outbox"]).output == "Sent 1 mail(s).\n"
    assert len(mailbox.to("mira@example.com")) == 1


def test_without_redis_the_page_answers_and_the_mail_follows_from_a_thread(
    app, client, mailbox, mailing_page
):
    app.config.update(JOBS_REDIS_URL=None, JOBS_INLINE=False)
    make_user("mira")
    response = client.submit(mailing_page)
    assert response.status_code == 200
    response.close()  # the server closes the response once the page is sent

    assert wait_for(lambda: mailbox.to("mira@example.com"))
    assert wait_for(lambda: outbox()[0].sent_at is not None)
    assert len(mailbox.messages) == 1


def test_when_redis_is_away_the_page_still_answers_and_the_mail_still_goes(
    app, client, mailbox, mailing_page
):
    app.config.update(JOBS_REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0", JOBS_INLINE=False)
    make_user("mira")
    response = client.submit(mailing_page)
    assert response.status_code == 200
    response.close()
    assert wait_for(lambda: mailbox.to("mira@example.com"))


def test_a_command_without_redis_sends_before_it_ends(app, mailbox):
    """No page waits on a command, and a thread would die with its process."""
    app.config.update(JOBS_REDIS_URL=None, JOBS_INLINE=False)
    member = make_user("mira")
    with unit_of_work():
        mail.compose(member, MailTopic.EVENTS, "Tomorrow", "notification", message="x", url="/")
    assert len(mailbox.to("mira@example.com")) == 1
    assert outbox()[0].sent_at is not None


def test_send_outbox_sends_what_smtp_refused_earlier(app, mailbox, runner):
    member = make_user("mira")
    mailbox.refuse = True
    with unit_of_work():
        for number in range(3):
            mail.compose(
                member, MailTopic.REPLIES, f"Reply {number}", "notification", message="x", url="/"
            )
    assert mailbox.messages == []
    assert [stored.attempts for stored in outbox()] == [1, 1, 1]

    mailbox.refuse = False
    assert runner.invoke(args=["send-outbox"]).output == "Sent 3 mail(s).\n"
    assert runner.invoke(args=["send-outbox"]).output == "Sent 0 mail(s).\n"
    assert sorted(message["Subject"] for message in mailbox.messages) == [
        "Reply 0",
        "Reply 1",
        "Reply 2",
    ]
