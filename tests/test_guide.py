"""The guide: shipped in the package, seeded once, shown on the home page and its post page."""

import html
import re

from sqlalchemy import func, select

from community.accounts.models import User
from community.discussions.models import Post
from community.discussions.services import guide_source
from community.extensions import db
from tests.conftest import make_post, make_user

GUIDE_TITLE = "Preparing for a Career Transition in the AI Era"


def seed(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    return result


def test_guide_ships_unchanged_in_the_package():
    title, body = guide_source()
    assert title == GUIDE_TITLE
    assert body.startswith("As the landscape of technology evolves")
    assert body.rstrip().endswith("Share your thoughts below!")


def test_seed_is_idempotent(app, runner):
    first = seed(runner)
    second = seed(runner)
    assert "created" in first.output
    assert "already present" in second.output
    assert db.session.scalar(select(func.count(Post.id)).where(Post.is_guide)) == 1
    assert db.session.scalar(select(func.count(User.id)).where(User.username == "pathways")) == 1


def test_site_account_cannot_sign_in(app, runner, client):
    seed(runner)
    site = db.session.scalar(select(User).where(User.username == "pathways"))
    assert site.password_hash is None
    response = client.submit("/auth/login", {"username": "pathways", "password": ""})
    assert "Enter your password." in response.get_data(as_text=True)


def test_home_shows_the_guide(app, runner, client):
    seed(runner)
    page = client.get("/").get_data(as_text=True)
    guide = db.session.scalar(select(Post).where(Post.is_guide))
    # A card of its steps with a link to the guide's own page; the body stays there.
    assert GUIDE_TITLE in page
    assert "Networking and mentorship" in page
    assert f'href="/posts/{guide.id}/{guide.slug}"' in page
    assert "Certifications and Courses" not in page


def test_guide_redirects_to_its_post(app, runner, client):
    seed(runner)
    guide = db.session.scalar(select(Post).where(Post.is_guide))
    response = client.get("/guide")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/posts/{guide.id}/{guide.slug}"


def test_guide_page_renders_headings_lists_and_safe_links(app, runner, client):
    seed(runner)
    page = client.get("/guide", follow_redirects=True).get_data(as_text=True)
    assert f'<h1 id="post-title">{GUIDE_TITLE}</h1>' in page
    assert "<h2>2. Networking and Mentorship</h2>" in page
    assert "<li>\n<p><strong>Seek Mentors</strong>" in page
    assert (
        '<a href="https://www.coursera.org/learn/ai-for-everyone" '
        'rel="nofollow ugc noopener">AI for Everyone</a>'
    ) in page
    assert 'by <a class="user" href="/u/pathways">Pathways team</a>' in page


def test_guide_absent_before_seeding(app, client):
    assert client.get("/guide").status_code == 404
    assert "The guide is not published yet" in client.get("/").get_data(as_text=True)


def test_post_url_with_wrong_slug_redirects_to_canonical(app, client):
    post = make_post(make_user(), title="From teacher to data analyst")
    response = client.get(f"/posts/{post.id}/old-title")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/posts/{post.id}/from-teacher-to-data-analyst"
    assert client.get(f"/posts/{post.id}").status_code == 301


def test_missing_post_is_404(app, client):
    response = client.get("/posts/999/nothing")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_post_list_paginates(app, client):
    author = make_user()
    for number in range(25):
        make_post(author, title=f"Story number {number}")
    first = client.get("/posts/").get_data(as_text=True)
    after = re.search(r'rel="next" href="([^"]+)"', first).group(1)
    second = client.get(html.unescape(after)).get_data(as_text=True)
    assert "Story number 24" in first and "Story number 4" not in first
    assert "Story number 4" in second and "Story number 24" not in second
    assert 'rel="prev"' in second
    # Links written before the list had cursors still work.
    assert "Story number 4" in client.get("/posts/?page=2").get_data(as_text=True)
