"""``/feed.atom``, ``/posts/<id>/<slug>/feed.atom`` and ``/events/feed.atom``.

Feed readers fetch without anyone's session, so each feed is the same for everyone: what
a visitor sees. A post that is hidden or held has no feed (404), whoever asks. Responses
may be kept by any cache for a few minutes and carry an ETag (the bytes depend on stored
rows alone), so a polling reader gets ``304 Not Modified`` until something changes.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request, url_for

from community.feeds import atom, queries

bp = Blueprint("feeds", __name__)

#: How long a reader or a shared cache may keep a feed before asking again.
FEED_MAX_AGE = 300


@bp.route("/feed.atom")
def posts():
    return _atom_response(atom.posts_feed(queries.latest_posts()))


@bp.route("/posts/<int:post_id>/<slug>/feed.atom")
def post_comments(post_id: int, slug: str):
    post = queries.public_post(post_id)
    if post is None:
        abort(404)
    if slug != post.slug:
        return redirect(url_for(".post_comments", post_id=post.id, slug=post.slug), 301)
    return _atom_response(atom.comments_feed(post, queries.latest_comments(post)))


@bp.route("/events/feed.atom")
def events():
    return _atom_response(atom.events_feed(queries.latest_events()))


def _atom_response(body: bytes) -> Response:
    response = Response(body, content_type=f"{atom.ATOM_TYPE}; charset=utf-8")
    response.cache_control.public = True
    response.cache_control.max_age = FEED_MAX_AGE
    response.add_etag()
    return response.make_conditional(request)
