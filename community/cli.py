"""Command-line tasks (``flask --app wsgi <command>``); they call the same services as views."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from community.accounts import services as accounts
from community.accounts.forms import RegisterForm
from community.accounts.models import Role, User
from community.db import unit_of_work
from community.demo import seed_demo_data
from community.discussions import services as discussions
from community.extensions import db
from community.mentorship import services as mentorship
from community.plans.resources import seed_resources
from community.plans.roles import seed_roles
from community.rerender import rerender_all


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed)
    app.cli.add_command(create_user)
    app.cli.add_command(rerender)
    app.cli.add_command(expire_requests)
    app.cli.add_command(demo_data)
    app.cli.add_command(worker)
    app.cli.add_command(send_outbox)


@click.command("seed")
def seed() -> None:
    """Publish the career-transition guide as the first post and its courses in the
    learning resources (safe to run again)."""
    with unit_of_work():
        guide, created = discussions.seed_guide()
        resources_added = seed_resources()
        roles_added = seed_roles()
    state = "created" if created else "already present"
    click.echo(f"Guide {state}: /posts/{guide.id}/{guide.slug}")
    click.echo(f"Learning resources from the guide added: {resources_added}.")
    click.echo(f"Curated roles for paths added: {roles_added}.")


@click.command("create-user")
@click.argument("username")
@click.option("--email", help="Required for a new account.")
@click.option("--password", help="Required for a new account.")
@click.option("--role", type=click.Choice([role.value for role in Role]), default=None)
def create_user(username: str, email: str | None, password: str | None, role: str | None) -> None:
    """Create a member, or change an existing member's role when given only --role.

    A new account passes the same checks as the sign-up form.
    """
    existing = db.session.scalar(select(User).where(User.username == username.lower()))
    if existing is not None:
        if role is None or email or password:
            raise click.UsageError(f"{username} exists; to change the role, pass only --role.")
        with unit_of_work():
            accounts.set_role(existing, Role(role))
        click.echo(f"{existing.username} is now {role}.")
        return
    if not email or not password:
        raise click.UsageError("A new account needs --email and --password.")
    form = RegisterForm(
        formdata=MultiDict(
            {"username": username, "email": email, "password": password, "confirm": password}
        ),
        meta={"csrf": False},
    )
    form.allow_reserved_names = role in (Role.MODERATOR, Role.ADMIN)
    if not form.validate():
        problems = [f"{name}: {error}" for name, errors in form.errors.items() for error in errors]
        raise click.UsageError("; ".join(problems))
    with unit_of_work():
        user = accounts.register_user(
            form.username.data, form.email.data, form.password.data, Role(role or Role.MEMBER)
        )
    click.echo(f"Created {user.username} ({user.role.value}).")


@click.command("rerender")
def rerender() -> None:
    """Rebuild every stored HTML column from its Markdown (after a policy change)."""
    with unit_of_work():
        counts = rerender_all()
    click.echo("Re-rendered:")
    for name, count in counts.items():
        click.echo(f"  {name}: {count}")


@click.command("expire-requests")
def expire_requests() -> None:
    """Expire mentorship requests left pending too long (run daily from cron)."""
    with unit_of_work():
        expired = mentorship.expire_overdue()
    click.echo(f"Expired {expired} mentorship request(s).")


@click.command("demo-data")
def demo_data() -> None:
    """Fill every section with sample content marked "(demo)"; demo members can sign in."""
    with unit_of_work():
        demo = seed_demo_data()
    if demo.created:
        click.echo(
            f"Added {len(demo.usernames)} demo members, {demo.posts} discussions, "
            f"{demo.comments} comments and {demo.mentors} mentors with open places."
        )
        if demo.events:
            events = demo.events
            click.echo(
                f"Added {events.upcoming} upcoming and {events.past} past events "
                f"({events.cancelled} cancelled, {events.rsvps} RSVPs) and "
                f"{events.pending} waiting for review at /mod/."
            )
        if demo.flags:
            click.echo(f"A comment flagged by {demo.flags} demo members waits at /mod/.")
    else:
        click.echo("Demo data already present; the demo members have a new password.")
    click.echo(f"Sign in as {', '.join(demo.usernames)} with the password: {demo.password}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker(burst: bool) -> None:
    """Run jobs (mail) from the RQ queue on JOBS_REDIS_URL, retrying failures with backoff."""
    from flask import current_app
    from rq import SimpleWorker

    from community.jobs import queue

    if not current_app.config["JOBS_REDIS_URL"]:
        raise click.UsageError("Set JOBS_REDIS_URL: without it jobs run in the web process.")
    jobs = queue(current_app)
    SimpleWorker([jobs], connection=jobs.connection).work(burst=burst, with_scheduler=True)


@click.command("send-outbox")
def send_outbox() -> None:
    """Send mail left unsent (after SMTP was down); safe to run from cron."""
    from community.notifications.mail import send_unsent

    click.echo(f"Sent {send_unsent()} mail(s).")
