"""Static files under fingerprinted URLs cached for a year, compressed responses, robots.txt."""

import gzip
import re

import pytest

from community.assets import IMMUTABLE_SECONDS, fingerprint

ASSET = re.compile(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]{12})"')


def assets_of(page: str) -> dict[str, str]:
    return dict(ASSET.findall(page))


def fetch(client, url: str, **headers):
    """A static file, read whole (files are streamed; an unread one stays open)."""
    return client.get(url, headers=headers, buffered=True)


def test_pages_link_static_files_by_their_content_hash(app, client):
    found = assets_of(client.get("/auth/login").get_data(as_text=True))
    assert set(found) == {"/static/css/site.css", "/static/js/site.js", "/static/img/favicon.svg"}
    with app.test_request_context():
        assert found["/static/css/site.css"] == fingerprint("css/site.css")
    assert len(set(found.values())) == 3


def test_a_fingerprinted_file_is_cached_for_a_year(app, client):
    url, version = next(iter(assets_of(client.get("/").get_data(as_text=True)).items()))
    response = fetch(client, f"{url}?v={version}")
    assert response.status_code == 200
    cache = response.cache_control
    assert cache.public and cache.immutable and cache.max_age == IMMUTABLE_SECONDS
    assert not cache.no_cache
    assert "cookie" not in response.headers.get("Vary", "").lower()
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("query", ["", "?v=0123456789ab", "?v=", "?v=%00", "?v=../../x"])
def test_other_requests_for_a_file_revalidate(app, client, query):
    response = fetch(client, f"/static/css/site.css{query}")
    assert response.status_code == 200
    assert response.cache_control.no_cache and not response.cache_control.immutable
    assert response.headers.get("ETag")


def test_revalidation_answers_not_modified(app, client):
    etag = fetch(client, "/static/css/site.css").headers["ETag"]
    again = fetch(client, "/static/css/site.css", **{"If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path", ["/static/../community/config.py", "/static/nothing.css", "/static/%2e%2e/wsgi.py"]
)
def test_outside_or_missing_files_are_not_found(app, client, path):
    assert fetch(client, path).status_code == 404


def test_fingerprint_follows_the_file(app, tmp_path):
    (tmp_path / "a.css").write_text("a { color: red }")
    app.static_folder, original = str(tmp_path), app.static_folder
    try:
        with app.test_request_context():
            first = fingerprint("a.css")
            (tmp_path / "a.css").write_text("a { color: blue; }")
            assert fingerprint("a.css") not in (first, None)
            assert fingerprint("../a.css") is None and fingerprint("missing.css") is None
    finally:
        app.static_folder = original


def test_pages_and_stylesheets_are_compressed_when_the_browser_accepts_it(app, client):
    plain = client.get("/auth/login")
    assert "Content-Encoding" not in plain.headers
    packed = client.get("/auth/login", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["Vary"].lower()
    assert gzip.decompress(packed.data) == plain.data
    css = fetch(client, "/static/css/site.css", **{"Accept-Encoding": "br, gzip"})
    assert css.headers["Content-Encoding"] in {"br", "gzip"}
    assert len(css.data) < len(fetch(client, "/static/css/site.css").data) / 2


@pytest.mark.parametrize("app_config", [{"COMPRESS_RESPONSES": False}])
def test_compression_can_be_left_to_the_proxy(app, client):
    response = client.get("/auth/login", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers


def test_robots_txt_keeps_crawlers_out_of_private_pages(app, client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    rules = response.get_data(as_text=True).splitlines()
    assert rules[0] == "User-agent: *"
    for private in ("/auth/", "/settings", "/notifications", "/mentorship/", "/mod/", "/search"):
        assert f"Disallow: {private}" in rules
    assert "Allow: /mod/log" in rules
    assert "Disallow: /posts/" not in rules and "Disallow: /" not in rules
    assert response.cache_control.max_age > 0
