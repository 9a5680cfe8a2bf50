"""``flask rerender`` rebuilds every stored rendering, and nothing rendered is left off its list."""

from sqlalchemy import select

from community.content import render_markdown
from community.extensions import db
from community.rerender import RENDERED_FIELDS
from tests.conftest import make_post, make_user


def test_every_html_column_in_the_schema_is_on_the_list(app):
    listed = {(field.model.__tablename__, field.html) for field in RENDERED_FIELDS}
    in_schema = {
        (table.name, column.name)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if column.name.endswith("_html")
    }
    assert in_schema == listed
    for field in RENDERED_FIELDS:
        assert field.source.removesuffix("_md") == field.html.removesuffix("_html")


def test_rerender_rebuilds_stale_html(app, runner):
    author = make_user("mira")
    author.bio_md = "I *teach*"
    author.bio_html = "<p>stale</p>"
    post = make_post(author, body="Some **bold** words")
    post.body_html = "<p>stale</p>"
    version = post.thread_version
    db.session.commit()
    result = runner.invoke(args=["rerender"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert author.bio_html == render_markdown("I *teach*")
    assert db.session.scalar(select(type(post).body_html)) == render_markdown(
        "Some **bold** words", "post"
    )
    assert post.thread_version == version + 1
    assert "users.bio_html" in result.output
