"""The footer's "Read the guide" link, straight to the guide's page without a query.

``/guide`` answers with a redirect to the guide's post; a link on every page should not
cost a round trip. Looking the guide up would cost every page a query, so the address is
learnt instead whenever the guide is loaded for its own sake (the home page, the posts
list, the guide's page) and kept per app; until then, and for a moment after a renamed
guide's slug changes (the old slug redirects), the link is ``/guide``.
"""

from __future__ import annotations

from flask import Flask, current_app, has_app_context, url_for
from sqlalchemy import event, inspect

from community.discussions.models import Post

_KEY = "guide_address"


def _remember(post: Post, *_args) -> None:
    """Keep the guide's id and slug, from what was loaded (never loading anything more)."""
    loaded = inspect(post).dict
    if loaded.get("is_guide") and "id" in loaded and "slug" in loaded and has_app_context():
        current_app.extensions[_KEY] = (loaded["id"], loaded["slug"])


event.listen(Post, "load", _remember)
event.listen(Post, "refresh", _remember)


def guide_url(**args: str) -> str:
    """The guide's own page once known, else ``/guide``; ``args`` become the query string
    (``step=`` shows the experiences of one step)."""
    known = current_app.extensions.get(_KEY)
    if known is None:
        return url_for("main.guide", **args)
    post_id, slug = known
    return url_for("discussions.show", post_id=post_id, slug=slug, **args)


def register_guide_link(app: Flask) -> None:
    app.jinja_env.globals["guide_url"] = guide_url
