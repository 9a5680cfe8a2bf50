"""Headings in member text start below the page's own heading and never skip a level."""

import re
from itertools import pairwise

import pytest
from sqlalchemy import select

from community.content import render_markdown
from community.discussions.models import Post
from community.discussions.services import guide_source
from community.extensions import db
from tests.conftest import make_post, make_user


def levels(html: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])>", html)]


@pytest.mark.parametrize(
    ("source", "post", "comment"),
    [
        ("# A\n\n## B\n\n### C", [2, 3, 4], [3, 4, 5]),
        ("### A\n\n#### B\n\n#### C\n\n### D", [2, 3, 3, 2], [3, 4, 4, 3]),
        ("# A\n\n### skipped\n\n###### far", [2, 3, 4], [3, 4, 5]),
        ("#### A\n\n# B\n\n## C", [2, 2, 3], [3, 3, 4]),
        ("# 1\n\n## 2\n\n### 3\n\n#### 4\n\n##### 5\n\n###### 6", [2, 3, 4, 5, 6, 6], None),
        ("Title\n=====\n\nPart\n----", [2, 3], [3, 4]),
    ],
)
def test_headings_start_below_the_page_heading_without_gaps(source, post, comment):
    assert levels(render_markdown(source, "post")) == post
    if comment is not None:
        assert levels(render_markdown(source, "comment")) == comment


def test_headings_keep_their_text_and_inline_markup():
    html = render_markdown("### **Bold** and `code`", "post")
    assert html == "<h2><strong>Bold</strong> and <code>code</code></h2>"


def test_headings_inside_quotes_and_lists_follow_the_outline():
    assert levels(render_markdown("## Intro\n\n> #### quoted", "post")) == [2, 3]


def test_raw_html_is_still_escaped_in_comments():
    assert "&lt;h1&gt;" in render_markdown("<h1>loud</h1>", "comment")


def test_the_guide_outline_starts_at_h2_and_has_no_gap():
    _, body = guide_source()
    found = levels(render_markdown(body, "post"))
    assert found[0] == 2 and min(found) == 2
    assert all(after <= before + 1 for before, after in pairwise(found))


def test_rerender_shifts_headings_stored_before(app, runner):
    post = make_post(make_user(), body="### Step one\n\nText")
    post.body_html = "<h3>Step one</h3>\n<p>Text</p>"  # as written before the shift
    db.session.commit()
    assert runner.invoke(args=["rerender"]).exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(select(Post.body_html)).startswith("<h2>Step one</h2>")
