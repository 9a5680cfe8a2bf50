"""``@name`` links only when that member exists: the pure renderer, the lookup, every
feature that stores member text, and ``flask rerender``."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from community.accounts import services as accounts
from community.accounts.mentions import existing_usernames, render_member_markdown
from community.content import MENTION_CANDIDATES_MAX, mention_candidates, render_markdown
from community.discussions import comment_services as comments
from community.discussions import services as posts
from community.discussions.models import Post
from community.extensions import db
from community.rerender import rerender_all
from tests.conftest import count_queries, login_as, make_post, make_user
from tests.test_content_hostile import TIME_BOUND

LINK = '<a class="mention" href="/u/{name}" rel="nofollow ugc noopener">@{shown}</a>'


def link(name: str, shown: str | None = None) -> str:
    return LINK.format(name=name, shown=shown or name)


# --- the renderer: pure, given the known names ---------------------------------------


def test_without_known_names_no_mention_is_linked():
    assert render_markdown("thanks @mira and @noone") == "<p>thanks @mira and @noone</p>"


def test_only_known_names_link_and_case_does_not_matter():
    html = render_markdown("thanks @Mira, @noone and @MIRA!", mentions={"mira"})
    assert html == f"<p>thanks {link('mira', 'Mira')}, @noone and {link('mira', 'MIRA')}!</p>"
    assert render_markdown("hi @mira", mentions={"MIRA"}) == f"<p>hi {link('mira')}</p>"


def test_unknown_names_between_known_ones_stay_text_in_order():
    html = render_markdown("@ann @bob **@cid** @dee tail", mentions={"ann", "cid", "dee"})
    assert html == (f"<p>{link('ann')} @bob <strong>{link('cid')}</strong> {link('dee')} tail</p>")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("`@mira` in code", "<p><code>@mira</code> in code</p>"),
        ("```\n@mira\n```", "<pre><code>@mira\n</code></pre>"),
        ("    @mira indented", "<pre><code>@mira indented\n</code></pre>"),
        (
            "[@mira](https://example.com)",
            '<p><a href="https://example.com" rel="nofollow ugc noopener">@mira</a></p>',
        ),
        ("mail mira@example.com", "<p>mail mira@example.com</p>"),
        ("a/@mira path", "<p>a/@mira path</p>"),
    ],
)
def test_known_names_in_code_links_emails_and_paths_stay_text(source, expected):
    assert render_markdown(source, mentions={"mira"}) == expected


def test_candidates_are_distinct_lower_cased_in_order_and_bounded():
    assert mention_candidates("@Bob and @ann, again @BOB; me@mail.com `@cid`") == [
        "bob",
        "ann",
        "cid",
    ]
    many = " ".join(f"@name{i:03}" for i in range(200))
    assert mention_candidates(many) == [f"name{i:03}" for i in range(MENTION_CANDIDATES_MAX)]
    assert mention_candidates(many, limit=3) == ["name000", "name001", "name002"]
    assert mention_candidates("") == []


@pytest.mark.parametrize(
    ("pattern", "known"),
    [
        ("@abc ", {"abc"}),
        ("@abc @xyz ", {"abc"}),
        ("@abcdef-", {"abcdef-"}),
        ("**@abc** ", {"abc"}),
        ("@xyz ", {"abc"}),
    ],
)
def test_many_mentions_render_in_linear_time(pattern, known):
    """A post body full of mentions, known and not, renders fast (the content module's
    bound): the text between links is joined once, not rebuilt per mention."""
    source = (pattern * (40_000 // len(pattern)))[:40_000]
    started = time.perf_counter()
    html = render_markdown(source, "post", mentions=known)
    assert time.perf_counter() - started < TIME_BOUND
    assert html.startswith("<p>")


# --- the lookup ----------------------------------------------------------------------


def test_existing_usernames_finds_live_members_in_one_query(app):
    make_user("mira")
    make_user("ann_1")
    gone = make_user("gone")
    db.session.commit()
    accounts.delete_account(gone)
    db.session.commit()
    with count_queries() as queries:
        found = existing_usernames(["Mira", "ANN_1", "gone", "noone", "mira"])
    assert found == {"mira", "ann_1"}
    assert len(queries) == 1
    with count_queries() as queries:
        assert existing_usernames([]) == set()
    assert queries == []


def test_existing_usernames_looks_up_a_bounded_number_of_names(app):
    make_user("late")
    db.session.commit()
    early = [f"nobody{i:03}" for i in range(MENTION_CANDIDATES_MAX)]
    assert existing_usernames([*early, "late"]) == set()
    assert existing_usernames([*early, "late"], limit=MENTION_CANDIDATES_MAX + 1) == {"late"}


def test_render_member_markdown_links_members_only(app):
    make_user("mira")
    db.session.commit()
    with count_queries() as queries:
        html = render_member_markdown("thanks @Mira and @noone")
    assert html == f"<p>thanks {link('mira', 'Mira')} and @noone</p>"
    assert len(queries) == 1
    with count_queries() as queries:
        assert render_member_markdown("no names here") == "<p>no names here</p>"
    assert queries == []


def test_a_deleted_members_retired_name_no_longer_links(app):
    """No member is renamed; a deleted one's name is retired and never links again."""
    gone = make_user("gone")
    db.session.commit()
    accounts.delete_account(gone)
    db.session.commit()
    assert render_member_markdown("ask @gone") == "<p>ask @gone</p>"


# --- the features that store member text ---------------------------------------------


def test_posts_comments_and_bios_link_members_only(app):
    author = make_user("ana")
    make_user("mira")
    post = make_post(author, "Hello", "Thanks @mira and @nobody")
    assert link("mira") in post.body_html and "@nobody" in post.body_html
    assert 'href="/u/nobody"' not in post.body_html
    posts.edit_post(post, "Hello", "Now @MIRA and @ghost")
    db.session.commit()
    assert link("mira", "MIRA") in post.body_html and 'href="/u/ghost"' not in post.body_html
    with app.test_request_context():
        made = comments.create_comment(post, author, "cc @mira, @ghost")
        db.session.commit()
    assert link("mira") in made.body_html and 'href="/u/ghost"' not in made.body_html
    accounts.update_profile(author, "Ana", "Friends with @mira and @ghost", "UTC")
    db.session.commit()
    assert link("mira") in author.bio_html and 'href="/u/ghost"' not in author.bio_html


def test_a_mention_of_a_non_member_notifies_nobody_and_stays_text(app):
    author = make_user("ana")
    post = make_post(author, "Hello", "Body")
    with app.test_request_context():
        made = comments.create_comment(post, author, "Paging @ghost")
        db.session.commit()
    assert made.body_html == "<p>Paging @ghost</p>"


# --- flask rerender ------------------------------------------------------------------


def _lookups(statements: list[str]) -> int:
    return sum("users.username IN" in statement for statement in statements)


def test_rerender_links_members_with_one_lookup_per_batch(app, runner):
    author = make_user("ana")
    make_user("mira")
    for number in range(6):
        post = make_post(author, f"Post {number}", f"Hi @mira and @ghost{number}")
        post.body_html = "<p>stale</p>"
    db.session.commit()
    # Six posts mention someone, in batches of two: three lookups (no other row mentions
    # anyone, so no other field looks anything up).
    with count_queries() as statements:
        rerender_all(batch=2)
    db.session.commit()
    assert _lookups(statements) == 3
    # In id order: PostgreSQL returns updated rows in whatever order its heap now holds.
    bodies = db.session.scalars(select(Post.body_html).order_by(Post.id)).all()
    assert len(bodies) == 6
    assert all(link("mira") in body and 'href="/u/ghost' not in body for body in bodies)
    with count_queries() as statements:
        rerender_all(batch=500)
    db.session.commit()
    assert _lookups(statements) == 1
    result = runner.invoke(args=["rerender"])
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(Post.body_html).order_by(Post.id)).all() == bodies


def test_a_preview_links_the_same_names_as_the_published_text(app, client):
    member = make_user("ana")
    make_user("mira")
    db.session.commit()
    login_as(client, member)
    response = client.submit("/preview", {"body": "cc @Mira and @ghost", "profile": "comment"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert link("mira", "Mira") in html
    assert 'href="/u/ghost"' not in html and "@ghost" in html
