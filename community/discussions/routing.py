"""What the discussion views share about URLs: finding the post or comment a URL names,
building links to them, and reading the post page's own query parameters.

Only the parameters read here (``sort``, ``page``, ``step``) ever reach ``url_for``
from a request: anything else in a query string is dropped, so ``?_external=1`` or
``?post_id=2`` can't redirect elsewhere or break a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import abort, request, url_for
from flask_login import current_user

from community import permissions
from community.discussions.comment_models import Comment, Step
from community.discussions.models import Post
from community.discussions.queries import CommentSort
from community.extensions import db
from community.redirects import safe_next_url
from community.urls import choice, page_arg


def get_post_or_404(post_id: int) -> Post:
    """The post, if the viewer may know it exists: a held post is 404 but to its author
    and moderators."""
    post = db.get_or_404(Post, post_id)
    if not permissions.can_view_post(current_user, post):
        abort(404)
    return post


def get_comment_or_404(comment_id: int) -> Comment:
    """The comment, if the viewer may see its post (see ``get_post_or_404``)."""
    comment = db.get_or_404(Comment, comment_id)
    if not permissions.can_view_post(current_user, comment.post):
        abort(404)
    return comment


def post_url(post: Post, **args) -> str:
    return url_for("discussions.show", post_id=post.id, slug=post.slug, **args)


def permalink_url(comment: Comment) -> str:
    return url_for("discussions.permalink", comment_id=comment.id, _anchor=f"c{comment.id}")


@dataclass(frozen=True)
class ThreadView:
    """How the viewer asked to see a post's thread: sort, page and guide step."""

    sort: CommentSort = CommentSort.BEST
    page: int = 1
    step: Step | None = None

    @classmethod
    def from_request(cls) -> ThreadView:
        """Parsed from ``request.args``: unknown values fall back to the defaults."""
        return cls(
            sort=choice(CommentSort, request.args.get("sort"), CommentSort.BEST),
            page=page_arg(),
            step=choice(Step, request.args.get("step")),
        )

    def query_args(self) -> dict[str, str | int]:
        """The non-default parameters, fit to pass to ``url_for``."""
        args: dict[str, str | int] = {}
        if self.sort is not CommentSort.BEST:
            args["sort"] = self.sort.value
        if self.page > 1:
            args["page"] = self.page
        if self.step is not None:
            args["step"] = self.step.value
        return args


def back_to(comment: Comment) -> str:
    """The page the member acted from (same site only), at the comment; else its permalink."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host:
        target = safe_next_url(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
        if target:
            return f"{target}#c{comment.id}"
    return permalink_url(comment)
