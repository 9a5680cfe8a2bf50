"""Moderators' curation of the plans feature lands in the public moderation log: mapping a
role for the paths map, adding and editing a learning resource."""

from __future__ import annotations

from sqlalchemy import select

from community.accounts.models import Role
from community.extensions import db
from community.moderation.models import Action, LogEntry, TargetType
from community.plans.models import Resource, RoleAlias
from community.plans.roles import MAPPING_REASON, seed_roles
from tests.conftest import login_as, make_user

RESOURCE = {
    "title": "Google Data Analytics",
    "provider": "Coursera",
    "url": "https://www.coursera.org/professional-certificates/google-data-analytics",
    "kind": "certification",
    "track": "Data",
    "description": "Eight courses, **spreadsheets** to R.",
}


def entries() -> list[LogEntry]:
    return list(db.session.scalars(select(LogEntry).order_by(LogEntry.id)))


def test_mapping_a_role_is_logged_with_the_reason_given_or_a_plain_one(app, client):
    seed_roles()
    db.session.commit()
    login_as(client, make_user("mod", role=Role.MODERATOR))
    client.submit(
        "/paths/roles",
        {"text": "School teacher", "role": "teacher", "reason": "Same job, other words"},
    )
    client.submit("/paths/roles", {"text": "school teacher", "role": ""})
    alias = db.session.scalar(select(RoleAlias))
    logged = [(e.action, e.target_type, e.target_id, e.reason) for e in entries()]
    assert logged == [
        (Action.MAP_ROLE, TargetType.ROLE, alias.id, "Same job, other words"),
        (Action.MAP_ROLE, TargetType.ROLE, alias.id, MAPPING_REASON),
    ]
    page = client.get("/mod/log").get_data(as_text=True)
    assert "the role “school teacher” to no curated role" in page
    assert "Same job, other words" in page


def test_adding_and_editing_a_resource_is_logged(app, client):
    login_as(client, make_user("ada", role=Role.ADMIN))
    assert client.submit("/resources/new", RESOURCE).status_code == 302
    resource = db.session.scalar(select(Resource))
    edited = {**RESOURCE, "title": "Google Data Analytics Certificate", "reason": "Its real name"}
    assert client.submit(f"/resources/{resource.id}/edit", edited).status_code == 302
    logged = [(e.action, e.target_type, e.target_id) for e in entries()]
    assert logged == [
        (Action.ADD_RESOURCE, TargetType.RESOURCE, resource.id),
        (Action.EDIT_RESOURCE, TargetType.RESOURCE, resource.id),
    ]
    page = client.get("/mod/log").get_data(as_text=True)
    assert "“Google Data Analytics Certificate”" in page and "Its real name" in page
    assert f'href="/resources/{resource.id}"' in page


def test_a_reason_too_long_is_refused_next_to_its_field(app, client):
    login_as(client, make_user("ada", role=Role.ADMIN))
    response = client.submit("/resources/new", {**RESOURCE, "reason": "x" * 1_000})
    assert response.status_code == 400
    assert 'id="reason-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Resource)) is None and entries() == []
