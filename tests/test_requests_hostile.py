"""Requests shaped to break things: spoofed addresses, file parts, JSON bodies, repeats."""

import io

import pytest

from community.extensions import limiter
from tests.conftest import make_post, make_user

WRONG = {"username": "nobody", "password": "wrong password"}


def _fail_logins(client, times: int, forwarded_for: str | None = None) -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return [client.submit("/auth/login", WRONG, headers=headers).status_code for _ in range(times)]


LIMITED = {"RATELIMIT_ENABLED": True, "RATE_LIMIT_AUTH": "3 per minute"}


@pytest.mark.parametrize("app_config", [{**LIMITED, "PROXY_FIX_X_FOR": 1}])
def test_behind_one_trusted_proxy_each_client_has_its_own_limit(app, client):
    limiter.reset()
    assert _fail_logins(client, 4, "203.0.113.7") == [200, 200, 200, 429]
    assert _fail_logins(client, 1, "198.51.100.9") == [200]
    limiter.reset()


@pytest.mark.parametrize("app_config", [LIMITED])
def test_without_trusted_proxies_a_client_cannot_spoof_its_address(app, client):
    limiter.reset()
    statuses = [
        _fail_logins(client, 1, forwarded_for=f"192.0.2.{attempt}")[0] for attempt in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limiter.reset()


def test_a_text_field_sent_as_a_file_is_a_form_error_not_a_500(app, client):
    token = client.csrf_token("/auth/login")
    response = client.post(
        "/auth/login",
        data={
            "csrf_token": token,
            "username": (io.BytesIO(b"mira"), "name.txt"),
            "password": "whatever password",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Enter your username or email." in response.get_data(as_text=True)


def test_a_json_body_is_not_taken_for_a_form(app, client):
    for body in ('["a", "b"]', '"text"', '{"username": {"nested": [1, 2]}}', "{not json"):
        response = client.post("/auth/login", data=body, content_type="application/json")
        assert response.status_code in (200, 400), body


def test_a_repeated_flash_message_shows_once(app, client):
    for _ in range(3):
        assert client.get("/settings").status_code == 302
    page = client.get("/auth/login").get_data(as_text=True)
    assert page.count("Sign in to continue.") == 1


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATE_LIMIT_COMMENTS": "1 per minute"}]
)
def test_a_rate_limited_comment_keeps_the_text_and_says_when(app, client, login):
    limiter.reset()
    author = make_user("mira")
    post = make_post(author)
    login(make_user("omar"))
    page = f"/posts/{post.id}/{post.slug}"
    first = client.submit(f"/posts/{post.id}/comments", {"body": "First thoughts here."}, page=page)
    assert first.status_code == 302
    text = "A long and careful answer\nthat took twenty minutes to write."
    limited = client.submit(
        f"/posts/{post.id}/comments", {"body": text, "parent_id": ""}, page=page
    )
    assert limited.status_code == 429
    html = limited.get_data(as_text=True)
    assert "A long and careful answer\nthat took twenty minutes to write.</textarea>" in html
    assert "try again in" in html
    assert limited.headers["Retry-After"].isdigit()
    assert 'name="password"' not in html
    limiter.reset()


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATE_LIMIT_AUTH": "1 per minute"}]
)
def test_a_rate_limited_sign_in_never_echoes_the_password(app, client):
    limiter.reset()
    client.submit("/auth/login", WRONG)
    limited = client.submit("/auth/login", {**WRONG, "password": "hunter2 secret words"})
    assert limited.status_code == 429
    assert "hunter2" not in limited.get_data(as_text=True)
    limiter.reset()
