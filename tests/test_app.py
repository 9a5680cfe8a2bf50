"""The application shell: configuration, security headers, error pages, health, rate limits."""

import os
import re
import socket

import pytest
from flask import abort
from sqlalchemy import text

from community import create_app
from community.accounts.models import Role
from community.config import DEFAULT_SECRET_KEY, ConfigurationError
from community.discussions.queries import get_guide
from community.extensions import db
from tests.conftest import (
    DEFAULT_PASSWORD,
    PathwaysClient,
    count_queries,
    login_as,
    make_post,
    make_test_app,
    make_user,
    skip_or_fail,
)


@pytest.mark.parametrize("key", [None, DEFAULT_SECRET_KEY, "too-short"])
def test_production_refuses_a_default_or_short_secret_key(key):
    config = {"PATHWAYS_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    if key is not None:
        config["SECRET_KEY"] = key
    else:
        config["SECRET_KEY"] = DEFAULT_SECRET_KEY
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(config)


def test_production_starts_with_a_real_secret_key():
    app = create_app(
        {
            "PATHWAYS_ENV": "production",
            "SECRET_KEY": "k" * 64,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    assert app.config["SECRET_KEY"] == "k" * 64


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/elsewhere.sqlite3")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/elsewhere.sqlite3"
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "s" * 40


def test_trusted_hosts_refuse_a_forged_host_before_any_redirect(monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", "pathways.example.org, www.pathways.example.org")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["TRUSTED_HOSTS"] == ["pathways.example.org", "www.pathways.example.org"]
    client = app.test_client()
    forged = client.get("/flag/comment/1", headers={"Host": "evil.example"})
    assert forged.status_code == 400 and "Location" not in forged.headers
    assert b"does not answer to that host name" in forged.data
    own = client.get("/flag/comment/1", headers={"Host": "pathways.example.org"})
    assert own.headers["Location"] == "http://pathways.example.org/comments/1/flag"


def test_default_database_is_sqlite_in_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{os.path.join(app.instance_path, 'pathways.sqlite3')}"
    )


def test_sqlite_runs_with_foreign_keys_and_wal(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        db.engine.dispose()


@pytest.mark.parametrize("path", ["/", "/auth/login", "/nowhere", "/healthz"])
def test_security_headers_on_every_response(app, client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", ["/", "/auth/login", "/auth/register", "/guide"])
def test_templates_have_no_inline_script_or_style(app, client, runner, path):
    runner.invoke(args=["seed"])
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    assert "<script>" not in page and "<style" not in page and " style=" not in page
    assert " onclick=" not in page and " onload=" not in page
    assert "http://" not in page.replace('"http://www.w3.org', "")  # nothing from another host


def test_session_cookie_is_httponly_and_lax(app, client):
    make_user("mira")
    response = client.submit("/auth/login", {"username": "mira", "password": DEFAULT_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True}])
def test_session_cookie_secure_when_configured(app, client):
    assert "Secure" in client.get("/auth/login").headers["Set-Cookie"]


@pytest.fixture
def app_with_error_routes(app):
    @app.route("/_test/boom")
    def boom():
        raise RuntimeError("boom")

    @app.route("/_test/<int:code>")
    def fail(code):
        abort(code)

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize(
    ("path", "code", "title"),
    [
        ("/_test/400", 400, "Bad request"),
        ("/_test/403", 403, "Not allowed"),
        ("/nowhere", 404, "Page not found"),
        ("/_test/413", 413, "Too large"),
        ("/_test/429", 429, "Slow down"),
        ("/_test/boom", 500, "Something went wrong"),
    ],
)
def test_error_pages_are_templated(app_with_error_routes, client, path, code, title):
    response = client.get(path)
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page
    assert 'class="site-header"' in page


def test_405_page(app, client):
    response = client.post("/")
    assert response.status_code == 405
    assert "Method not allowed" in response.get_data(as_text=True)


def test_413_for_an_oversized_body(app, client):
    response = client.post("/auth/login", data={"username": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


def test_healthz_reports_database(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_broken_database(tmp_path):
    app = make_test_app("postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def _login_until_limited(client, attempts=11):
    return [
        client.submit("/auth/login", {"username": "mira", "password": "wrong pass"})
        for _ in range(attempts)
    ]


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_login_is_rate_limited(app, client):
    responses = _login_until_limited(client)
    assert [response.status_code for response in responses] == [200] * 10 + [429]
    assert "Too many attempts" in responses[-1].get_data(as_text=True)
    assert client.get("/auth/login").status_code == 200  # reading the form is not limited


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def test_rate_limits_are_shared_through_redis(tmp_path):
    if not _redis_available():
        skip_or_fail("Redis is not running on 127.0.0.1:6379")
    import redis

    storage = "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(storage).flushdb()
    workers = [
        make_test_app(
            f"sqlite:///{tmp_path / 'shared.sqlite3'}",
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI=storage,
        )
        for _ in range(2)
    ]
    with workers[0].app_context():
        db.create_all()
    codes = []
    for number in range(12):
        worker = workers[number % 2]  # alternate "gunicorn workers"
        worker.test_client_class = PathwaysClient
        with worker.app_context():
            codes.append(
                worker.test_client()
                .submit("/auth/login", {"username": "mira", "password": "wrong pass"})
                .status_code
            )
    redis.Redis.from_url(storage).flushdb()
    assert codes[:10] == [200] * 10 and codes[10] == 429


def test_signed_in_member_sees_member_menu(app, client):
    user = make_user("mira")
    login_as(client, user)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/u/mira"' in page and "Settings" in page and "Sign out" in page
    assert "Sign up" not in page


_LINK = re.compile(r'<a [^>]*href="(/[^"#]*)')


def _redirecting_links(client, pages: list[str]) -> list[tuple[str, str, str]]:
    """(page, link, where it redirects) for every link on ``pages`` that answers 3xx."""
    answers: dict[str, object] = {}
    found = []
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        for link in sorted(set(_LINK.findall(response.get_data(as_text=True)))):
            link = link.replace("&amp;", "&")
            if link.startswith("/static/"):
                continue
            if link not in answers:
                answers[link] = client.get(link)
            answer = answers[link]
            if 300 <= answer.status_code < 400:
                found.append((page, link, answer.headers["Location"]))
    return found


def test_internal_links_answer_without_a_redirect(app, client, runner):
    """A link costs one request: each page links the address that answers, not one that
    redirects to it (the guide's own page, not /guide). A visitor following a link to a
    members' page is sent to sign in: that one redirect is the point of the link."""
    from tests.events_support import make_published_event
    from tests.mentorship_support import make_mentor

    runner.invoke(args=["seed"])
    author, member = make_user("rosa"), make_user("mira")
    author.bio_md, author.bio_html = "Teacher", "<p>Teacher</p>"
    moderator = make_user("lee", role=Role.MODERATOR)
    make_mentor(make_user("maya"))
    post = make_post(author, title="From teaching to data", body="A year of evenings.")
    event = make_published_event(author, moderator, title="SQL for career changers")
    guide = get_guide()
    pages = [
        "/",
        "/posts/",
        f"/posts/{guide.id}/{guide.slug}",
        f"/posts/{post.id}/{post.slug}",
        "/mentors/",
        "/mentors/maya",
        "/events/",
        f"/events/{event.id}/{event.slug}",
        "/u/rosa",
        "/search?q=teaching",
        "/mod/log",
    ]
    visitor = [
        (page, link, location)
        for page, link, location in _redirecting_links(client, [*pages, "/auth/login"])
        if not location.startswith("/auth/login?next=")
    ]
    assert visitor == []
    login_as(client, member)
    assert _redirecting_links(client, [*pages, "/settings", "/notifications"]) == []
    login_as(client, moderator)
    assert _redirecting_links(client, ["/mod/", f"/posts/{post.id}/{post.slug}"]) == []


def test_the_footer_links_the_guide_itself_once_it_is_known(app, client, runner):
    """Learning the guide's address costs no query: the footer says /guide until a page has
    loaded the guide, then links its page."""
    with count_queries() as before:
        client.get("/auth/login")
    runner.invoke(args=["seed"])
    guide = get_guide()
    db.session.expire_all()
    client.get("/")  # the home page loads the guide
    page = client.get("/auth/login").get_data(as_text=True)
    assert f'<a href="/posts/{guide.id}/{guide.slug}">Read the guide</a>' in page
    with count_queries() as after:
        client.get("/auth/login")
    assert len(after) == len(before)
    with app.test_request_context():
        from community.main.guide_link import guide_url

        assert guide_url(step="plan") == f"/posts/{guide.id}/{guide.slug}?step=plan"
