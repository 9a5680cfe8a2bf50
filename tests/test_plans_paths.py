"""Paths: curated roles and moderators' mappings, the map of shared transitions (``/paths``),
its diagram and table, one pair's experiences, and the plan page's suggestion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import select

from community.accounts.models import Role
from community.discussions.comment_models import Comment, ExperienceStep, Outcome, Step
from community.extensions import db
from community.plans import paths as paths_module
from community.plans.models import CareerRole, Plan, PlanTarget, RoleAlias
from community.plans.paths import median, path_map, suggestion_for
from community.plans.roles import CURATED_ROLES, RoleResolver, normalise, seed_roles
from community.timeutil import utcnow
from tests.conftest import count_queries, login_as, make_post, make_user


@pytest.fixture
def guide(app):
    post = make_post(make_user(), title="The guide")
    post.is_guide = True
    seed_roles()
    db.session.commit()
    return post


def share(
    post,
    author,
    from_role="Teacher",
    to_role="Data analyst",
    months=12,
    outcome=Outcome.CHANGED_ROLE,
    steps=(Step.CERTIFICATIONS,),
    age_days=0,
    **extra,
) -> Comment:
    comment = Comment(
        post_id=post.id,
        author_id=author.id,
        body_md="What worked",
        body_html="<p>What worked</p>",
        is_experience=True,
        from_role=from_role,
        to_role=to_role,
        months=months,
        outcome=outcome,
        created_at=utcnow() - timedelta(days=age_days),
        **extra,
    )
    comment.steps = [ExperienceStep(step=step) for step in steps]
    db.session.add(comment)
    db.session.commit()
    return comment


def only_path():
    found = path_map().paths
    assert len(found) == 1, found
    return found[0]


# Normalising and mapping


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  School   Teacher. ", "school teacher"),
        ("“Data analyst”!", "data analyst"),
        ("Finance / accounting", "finance / accounting"),
        ("a\x00b", "a b"),
        ("...", ""),
        (None, ""),
        ("x" * 5000, "x" * 100),
        ("C++ developer", "c++ developer"),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


def test_seeding_roles_twice_adds_them_once(app):
    assert seed_roles() == len(CURATED_ROLES)
    assert seed_roles() == 0
    db.session.commit()
    assert len(db.session.scalars(select(CareerRole)).all()) == len(CURATED_ROLES)
    assert 20 <= len(CURATED_ROLES) <= 30


def test_free_text_counts_as_a_role_by_name_slug_or_alias(guide):
    moderator = make_user(role=Role.MODERATOR)
    resolver = RoleResolver.load()
    assert resolver.curated("  TEACHER.").key == "teacher"
    assert resolver.curated("data-analyst").name == "Data analyst"
    assert resolver.curated("data analyst").key == "data-analyst"
    assert resolver.curated("school teacher") is None
    assert resolver.node("school teacher").curated is False
    from community.plans.roles import map_role

    map_role("School Teacher!", "teacher", moderator)
    db.session.commit()
    assert RoleResolver.load().curated("school   teacher").key == "teacher"
    alias = db.session.scalar(select(RoleAlias))
    assert (alias.text, alias.mapped_by_id) == ("school teacher", moderator.id)


def test_a_moderator_maps_and_unmaps_through_the_page(client, guide):
    for _ in range(2):
        share(guide, make_user(), from_role="School teacher")
    share(guide, make_user(), from_role="Barista")
    moderator = make_user(role=Role.MODERATOR)
    login_as(client, moderator)
    page = client.get("/paths/roles").get_data(as_text=True)
    assert page.index("school teacher") < page.index("barista")
    assert 'value="teacher"' in page

    response = client.submit("/paths/roles", {"text": "School teacher", "role": "teacher"})
    assert response.status_code == 302
    page = client.get("/paths/roles").get_data(as_text=True)
    assert '<th scope="row">school teacher</th>\n        <td>2</td>' not in page
    assert "Teacher" in page
    assert db.session.scalar(select(RoleAlias.role_id)) is not None

    response = client.submit("/paths/roles", {"text": "school teacher", "role": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(RoleAlias.role_id)) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "", "role": "teacher"}, "Say which text to map."),
        ({"text": "barista", "role": "astronaut"}, "Not a valid choice"),
        ({"text": "Teacher", "role": "teacher"}, "curated role&#39;s own name"),
        ({"text": "x" * 101, "role": "teacher"}, "100"),
    ],
)
def test_bad_mappings_say_why_and_store_nothing(client, guide, data, message):
    login_as(client, make_user(role=Role.MODERATOR))
    response = client.submit("/paths/roles", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(RoleAlias)) is None


def test_members_may_not_map_roles(client, guide):
    assert "/auth/login" in client.get("/paths/roles").headers["Location"]
    login_as(client, make_user())
    assert client.get("/paths/roles").status_code == 403
    assert client.submit("/paths/roles", {"text": "barista", "role": "sales"}).status_code == 403
    assert db.session.scalar(select(RoleAlias)) is None


# The map


def test_a_pair_shows_from_three_members_each_counted_once(guide):
    first, second, third = make_user(), make_user(), make_user()
    share(guide, first, months=30, age_days=10)
    share(guide, first, months=6)  # the latest of the first member counts
    share(guide, second, months=12)
    assert path_map().paths == []
    share(guide, third, months=20, outcome=Outcome.IN_PROGRESS)
    path = only_path()
    assert (path.source.name, path.target.name, path.members) == ("Teacher", "Data analyst", 3)
    assert path.median_months == 12
    assert path.changed == 2 and path.changed_percent == 67


def test_spellings_and_aliases_make_one_pair(guide):
    moderator = make_user(role=Role.MODERATOR)
    from community.plans.roles import map_role

    map_role("school teacher", "teacher", moderator)
    db.session.commit()
    share(guide, make_user(), from_role="Teacher.")
    share(guide, make_user(), from_role="  teacher ")
    share(guide, make_user(), from_role="School Teacher", to_role="data-analyst")
    assert only_path().members == 3


def test_free_text_nobody_mapped_draws_its_own_pair(guide):
    for _ in range(2):
        share(guide, make_user(), from_role="barista", to_role="UX researcher")
    share(guide, make_user(), from_role="Barista.", to_role="ux  researcher")
    path = only_path()
    assert (path.source.name, path.target.name) == ("Barista", "UX researcher")
    assert not path.source.curated


def test_hidden_deleted_and_unlisted_experiences_do_not_count(guide):
    for _ in range(2):
        share(guide, make_user())
    share(guide, make_user(), hidden_at=utcnow())
    share(guide, make_user(), deleted_at=utcnow())
    held = make_post(make_user(), title="Held")
    held.held_at = utcnow()
    db.session.commit()
    share(held, make_user())
    plain = share(guide, make_user())
    plain.is_experience = False
    db.session.commit()
    assert path_map().paths == []


def test_steps_that_worked_most_often_come_first(guide):
    share(guide, make_user(), steps=[Step.PROJECTS, Step.NETWORKING])
    share(guide, make_user(), steps=[Step.PROJECTS, Step.CERTIFICATIONS])
    share(guide, make_user(), steps=[Step.PROJECTS, Step.CERTIFICATIONS])
    path = only_path()
    assert path.top_steps == [(Step.PROJECTS, 3), (Step.CERTIFICATIONS, 2), (Step.NETWORKING, 1)]


def test_median_of_a_histogram():
    assert median({}) is None
    assert median({5: 1}) == 5
    assert median({4: 1, 10: 1}) == 7
    assert median({1: 2, 9: 1}) == 1
    assert median({1: 1, 2: 1, 30: 2}) == 16


def test_the_map_costs_the_same_statements_with_more_experiences(guide):
    def statements() -> int:
        with count_queries() as run:
            path_map()
        return len(run)

    for index in range(3):
        share(guide, make_user(), from_role=f"Role {index}")
    few = statements()
    for index in range(30):
        share(guide, make_user(), from_role=f"Role {index % 7}", to_role=f"Goal {index % 5}")
    assert statements() == few <= 8


def test_the_map_is_kept_for_a_while(app, guide):
    app.config["PATHS_CACHE_SECONDS"] = 60
    try:
        assert path_map().paths == []
        for _ in range(3):
            share(guide, make_user())
        assert path_map().paths == []
    finally:
        app.config["PATHS_CACHE_SECONDS"] = 0
    assert len(path_map().paths) == 1


# The pages


def test_the_paths_page_draws_the_diagram_and_the_table(client, guide):
    experiences = [share(guide, make_user(), months=m) for m in (10, 14, 20)]
    for _ in range(2):
        share(guide, make_user(), to_role="Data scientist")  # under three: not shown
    page = client.get("/paths")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby=' in html
    assert '<title id="paths-diagram-title">' in html
    assert "<table" in html and '<th scope="row">Teacher</th>' in html
    assert "Data scientist" not in html
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert f"/comments/{experiences[-1].id}" in html
    assert "from=teacher&amp;to=data-analyst" in html


def test_one_pair_lists_its_experiences_a_page_at_a_time(client, guide, monkeypatch):
    monkeypatch.setattr(paths_module, "EXPERIENCES_PER_PAGE", 2)
    shared = [share(guide, make_user(), age_days=day) for day in range(5)]
    first = client.get("/paths?from=teacher&to=data-analyst").get_data(as_text=True)
    assert "5 members went from Teacher to Data analyst" in first
    assert f"/comments/{shared[0].id}" in first and f"/comments/{shared[2].id}" not in first
    assert "Page 1 of 3" in first
    last = client.get("/paths?from=Teacher&to=Data+analyst&page=3").get_data(as_text=True)
    assert f"/comments/{shared[4].id}" in last


@pytest.mark.parametrize(
    "query",
    [
        "from=" + "x" * 20000 + "&to=" + "y" * 20000,
        "from=%00&to=%00",
        "from=nobody&to=nowhere",
        "from=teacher",
        "to=%F0%9F%98%80&page=99999999999999999999",
        "from[]=a&from=b&to=%FF%FE",
    ],
)
def test_hostile_queries_on_paths_never_fail(client, guide, query):
    for _ in range(3):
        share(guide, make_user())
    response = client.get(f"/paths?{query}")
    assert response.status_code == 200
    assert "<h1>Paths</h1>" in response.get_data(as_text=True)


def test_the_paths_page_with_nothing_to_show(client, guide):
    response = client.get("/paths")
    assert response.status_code == 200
    assert "No path has three members yet" in response.get_data(as_text=True)


# The plan's suggestion


def plan_for(current: str, *targets: str) -> Plan:
    plan = Plan(user_id=make_user().id, current_role=current)
    plan.targets = [PlanTarget(role=role, position=i) for i, role in enumerate(targets)]
    db.session.add(plan)
    db.session.commit()
    return plan


def test_the_suggestion_prefers_the_exact_pair_then_the_target_then_the_source(guide):
    for months in (10, 14, 20):
        share(guide, make_user(), months=months, steps=[Step.CERTIFICATIONS, Step.PROJECTS])
    for _ in range(4):
        share(guide, make_user(), from_role="Sales", to_role="Data analyst")
    for _ in range(3):
        share(guide, make_user(), from_role="Teacher", to_role="Product manager")
    exact = suggestion_for(plan_for("teacher.", "Data scientist", "data analyst"))
    assert (exact.source, exact.target, exact.members) == ("Teacher", "Data analyst", 3)
    to_role = suggestion_for(plan_for("Nurse", "Data analyst"))
    assert (to_role.source, to_role.target) == ("Sales", "Data analyst")
    from_role = suggestion_for(plan_for("Teacher", "Astronaut"))
    assert from_role.source == "Teacher"
    assert suggestion_for(plan_for("Nurse", "Astronaut")) is None
    assert suggestion_for(plan_for("")) is None


def test_the_suggestion_reads_as_a_sentence(app, guide):
    for months in (10, 14, 20):
        share(guide, make_user(), months=months, steps=[Step.CERTIFICATIONS, Step.PROJECTS])
    suggestion = suggestion_for(plan_for("Teacher", "Data analyst"))
    with app.test_request_context():
        html = render_template("plans/_path_suggestion.html", suggestion=suggestion)
        assert render_template("plans/_path_suggestion.html", suggestion=None).strip() == ""
    assert (
        "3 members went from Teacher to Data analyst; median 14 months; "
        "courses and side projects worked most often."
    ) in " ".join(html.split())
    assert 'href="/paths?from=teacher&amp;to=data-analyst"' in html


def test_common_spellings_need_no_moderator_but_one_may_undo_them(guide):
    from community.plans.roles import map_role

    assert RoleResolver.load().curated("Nurse").name == "Nurse / healthcare"
    map_role("nurse", "", make_user(role=Role.MODERATOR))
    db.session.commit()
    assert RoleResolver.load().curated("Nurse") is None
    map_role("nurse", "researcher", make_user(role=Role.MODERATOR))
    db.session.commit()
    assert RoleResolver.load().curated("Nurse").key == "researcher"


def test_the_plan_page_suggests_the_path(client, guide):
    for months in (10, 14, 20):
        share(guide, make_user(), months=months, steps=[Step.PROJECTS])
    plan = plan_for("Teacher", "Data analyst")
    login_as(client, db.session.get(Plan, plan.id).user)
    html = " ".join(client.get("/plan").get_data(as_text=True).split())
    assert "3 members went from Teacher to Data analyst; median 14 months;" in html
    assert "side projects worked most often" in html


def test_unmapped_roles_come_a_page_at_a_time(client, guide, monkeypatch):
    from community.plans import roles as roles_module

    monkeypatch.setattr(roles_module, "UNMAPPED_PER_PAGE", 2)
    for index, uses in enumerate((3, 2, 1)):
        for _ in range(uses):
            share(guide, make_user(), from_role=f"Odd job {index}", to_role="Teacher")
    login_as(client, make_user(role=Role.MODERATOR))
    first = client.get("/paths/roles").get_data(as_text=True)
    assert "odd job 0" in first and "odd job 1" in first and "odd job 2" not in first
    assert "Page 1 of 2" in first
    second = client.get("/paths/roles?page=2").get_data(as_text=True)
    assert "odd job 2" in second and "odd job 0" not in second
    assert client.get("/paths/roles?page=99").status_code == 200
