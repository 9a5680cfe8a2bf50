"""Portfolio: a member's side projects, kept in their settings and shown on their profile."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from community.accounts import services as accounts
from community.extensions import db
from community.plans import portfolio
from community.plans.models import PROJECTS_MAX, PortfolioProject
from community.plans.resource_forms import tidy_skills
from tests.conftest import count_queries, login_as, make_user

PROJECT = {
    "title": "Churn dashboard",
    "url": "https://github.com/mira/churn",
    "description": "Built with **pandas** from my old job's questions.",
    "skills": " Python ,SQL,, python , data   viz ",
}


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(PortfolioProject))


def add(user, title: str = "Sales dashboard", **fields) -> PortfolioProject:
    project = portfolio.add_project(user, title=title, **fields)
    db.session.commit()
    return project


def error_of(page: str, field: str) -> str:
    match = re.search(rf'id="{field}-error"><li>([^<]*)', page)
    return match.group(1) if match else ""


def test_a_member_adds_a_project_and_it_shows_on_the_profile(app, client):
    mira = make_user("mira")
    login_as(client, mira)
    assert client.get("/settings/portfolio").status_code == 200
    response = client.submit("/settings/portfolio", PROJECT)
    assert response.status_code == 302
    project = db.session.scalar(select(PortfolioProject))
    assert project.user_id == mira.id and project.url == PROJECT["url"]
    assert project.skills == "Python, SQL, data viz"
    assert project.description_html == (
        "<p>Built with <strong>pandas</strong> from my old job's questions.</p>"
    )
    client.submit("/auth/logout")
    page = client.get("/u/mira").get_data(as_text=True)
    assert 'id="portfolio-heading">Portfolio</h2>' in page
    assert (
        '<a href="https://github.com/mira/churn" rel="nofollow ugc noopener">Churn dashboard</a>'
        in page
    )
    assert '<li class="tag">SQL</li>' in page and "<strong>pandas</strong>" in page


def test_a_profile_without_projects_has_no_portfolio_section_for_others(app, client):
    mira = make_user("mira")
    assert "portfolio-heading" not in client.get("/u/mira").get_data(as_text=True)
    login_as(client, mira)
    own = client.get("/u/mira").get_data(as_text=True)
    assert "portfolio-heading" in own and 'href="/settings/portfolio"' in own


def test_the_profile_loads_the_projects_in_one_query(app, client):
    few, many = make_user("few"), make_user("many")
    add(few)
    for number in range(PROJECTS_MAX):
        add(many, f"Project {number}", description="Some *words*.", skills="SQL")

    def queries(url: str) -> int:
        db.session.expunge_all()
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    assert queries("/u/few") == queries("/u/many")
    page = client.get("/u/many").get_data(as_text=True)
    assert page.count('class="portfolio-project"') == PROJECTS_MAX


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,hi", "//evil.example"]
)
def test_a_link_that_is_not_http_is_refused_with_the_text_kept(app, client, url):
    login_as(client, make_user("mira"))
    response = client.submit("/settings/portfolio", {**PROJECT, "url": url})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_of(page, "url") == "Links must start with http:// or https://."
    assert "Churn dashboard" in page and "Built with **pandas**" in page
    assert count() == 0


def test_a_10000_character_title_is_refused(app, client):
    login_as(client, make_user("mira"))
    response = client.submit("/settings/portfolio", {**PROJECT, "title": "T" * 10_000})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_of(page, "title") == "A title holds up to 200 characters."
    assert "T" * 10_000 in page  # kept, so the member can shorten it
    assert count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", " \u200b ", "Give the project a title."),
        ("description", "d" * 2_001, "A description holds up to 2,000 characters."),
        ("skills", ",".join(f"s{n}" for n in range(16)), "Up to 15 skills, please."),
        ("skills", "x" * 41, "is too long: 40 characters at most."),
        ("url", "https://" + "x" * 500, "Links are up to 500 characters."),
    ],
)
def test_bad_project_input_is_refused_next_to_the_field(app, client, field, value, message):
    login_as(client, make_user("mira"))
    response = client.submit("/settings/portfolio", {**PROJECT, field: value})
    assert response.status_code == 400
    assert message in error_of(response.get_data(as_text=True), field)
    assert count() == 0


def test_the_description_is_sanitised(app, client):
    mira = make_user("mira")
    login_as(client, mira)
    hostile = "Hi <script>alert(1)</script> [x](javascript:alert(1)) <iframe src=//e>"
    client.submit("/settings/portfolio", {**PROJECT, "description": hostile})
    project = db.session.scalar(select(PortfolioProject))
    assert project.description_md == hostile
    for bad in ("<script", "javascript:", "<iframe"):
        assert bad not in project.description_html
    assert "<script>alert" not in client.get("/u/mira").get_data(as_text=True)


def test_a_portfolio_holds_at_most_projects_max(app, client):
    mira = make_user("mira")
    for number in range(PROJECTS_MAX):
        add(mira, f"Project {number}")
    login_as(client, mira)
    response = client.submit("/settings/portfolio", PROJECT)
    assert response.status_code == 400
    assert "up to 30 projects" in error_of(response.get_data(as_text=True), "title")
    assert count() == PROJECTS_MAX


def test_a_member_edits_and_deletes_their_project(app, client):
    mira = make_user("mira")
    project = add(mira, url="https://example.com/a")
    login_as(client, mira)
    edit = f"/settings/portfolio/{project.id}/edit"
    assert "Sales dashboard" in client.get(edit).get_data(as_text=True)
    response = client.submit(edit, {**PROJECT, "title": "Sales forecast", "url": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert project.title == "Sales forecast" and project.url == ""
    bad = client.submit(edit, {**PROJECT, "url": "javascript:alert(1)"})
    assert bad.status_code == 400 and "Links must start" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert project.url == ""
    assert client.submit(f"/settings/portfolio/{project.id}/delete").status_code == 302
    assert count() == 0


def test_someone_elses_project_is_not_found(app, client):
    mira, fred = make_user("mira"), make_user("fred")
    project = add(mira)
    login_as(client, fred)
    edit = f"/settings/portfolio/{project.id}/edit"
    assert client.get(edit).status_code == 404
    assert client.submit(edit, PROJECT).status_code == 404
    assert client.submit(f"/settings/portfolio/{project.id}/delete").status_code == 404
    assert client.get("/settings/portfolio/99999/edit").status_code == 404
    db.session.expire_all()
    assert count() == 1 and project.title == "Sales dashboard"
    with pytest.raises(portfolio.Forbidden):
        portfolio.edit_project(fred, project, title="Mine now")
    with pytest.raises(portfolio.Forbidden):
        portfolio.delete_project(fred, project)


def test_suspended_members_see_but_do_not_change_their_portfolio(app, client):
    sam = make_user("sam")
    project = add(sam)
    sam.suspended_at = sam.created_at
    db.session.commit()
    login_as(client, sam)
    page = client.get("/settings/portfolio").get_data(as_text=True)
    assert "Sales dashboard" in page and "Add to my portfolio" not in page
    assert client.submit("/settings/portfolio", PROJECT).status_code == 403
    assert client.get(f"/settings/portfolio/{project.id}/edit").status_code == 403
    assert client.submit(f"/settings/portfolio/{project.id}/delete").status_code == 403
    assert count() == 1


def test_visitors_are_sent_to_sign_in(app, client):
    response = client.get("/settings/portfolio")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.submit("/settings/portfolio", PROJECT).status_code == 302
    assert count() == 0


def test_account_deletion_takes_the_projects(app, client):
    mira, ben = make_user("mira"), make_user("ben")
    add(mira)
    add(ben, "Ben's bot")
    accounts.delete_account(mira)
    db.session.commit()
    assert db.session.scalars(select(PortfolioProject.title)).all() == ["Ben's bot"]


def test_the_export_holds_the_projects(app, client):
    mira = make_user("mira")
    add(mira, url="https://example.com/a", description="*Mine*", skills="SQL, Python")
    login_as(client, mira)
    exported = client.get("/settings/export").get_json()
    [project] = exported["portfolio"]
    assert project["title"] == "Sales dashboard" and project["url"] == "https://example.com/a"
    assert project["description"] == "*Mine*" and project["skills"] == ["SQL", "Python"]


def test_skills_are_tidied():
    assert tidy_skills(" Python ,SQL,, python , data   viz ") == "Python, SQL, data viz"
    assert tidy_skills("") == "" and tidy_skills(None) == ""


def test_settings_link_the_portfolio_and_say_deletion_takes_it(app, client):
    login_as(client, make_user("mira"))
    page = client.get("/settings").get_data(as_text=True)
    assert 'href="/settings/portfolio"' in page
    removed = page[page.index('id="deletion-removed"') : page.index('id="deletion-kept"')]
    assert "portfolio projects" in removed and "reviews" in removed
