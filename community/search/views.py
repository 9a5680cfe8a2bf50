"""``/search``: one box for posts, comments, events and mentors."""

from __future__ import annotations

from flask import current_app, render_template, request

from community.search import queries
from community.search.blueprint import bp
from community.search.matching import MAX_QUERY_CHARS, SearchText
from community.search.queries import SearchKind
from community.urls import choice, page_arg, text_arg

#: Results of each kind shown when no type is chosen.
OVERVIEW_PER_KIND = 5


@bp.route("/search")
def index():
    typed = text_arg("q", MAX_QUERY_CHARS)
    text = SearchText.parse(typed)
    kind = choice(SearchKind, request.args.get("type"))
    results, overview = None, []
    if text and kind:
        per_page = current_app.config.get("SEARCH_PER_PAGE", 20)
        results = queries.search_page(kind, text, page_arg(), per_page)
    elif text:
        overview = queries.overview(text, OVERVIEW_PER_KIND)
    return render_template(
        "search/index.html",
        typed=typed,
        text=text,
        kind=kind,
        kinds=list(SearchKind),
        results=results,
        overview=overview,
    )
