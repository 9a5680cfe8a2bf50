"""/robots.txt: what crawlers should leave alone.

Public reading (discussions, mentors, events, profiles, the moderation log, feeds) is open.
Private or per-member pages are behind a sign-in anyway; listing them saves crawlers the
login redirects. Search results are endless combinations of the same content.
"""

from __future__ import annotations

from flask import Response

from community.main.views import bp

ROBOTS_TXT = """\
User-agent: *
Disallow: /auth/
Disallow: /settings
Disallow: /notifications
Disallow: /unsubscribe/
Disallow: /mentorship/
Disallow: /mentors/me
Disallow: /search
Disallow: /mod/
Allow: /mod/log
Disallow: /flag/
Disallow: /comments/*/edit
Disallow: /comments/*/flag
Disallow: /posts/new
Disallow: /events/new
Disallow: /events/mine
"""

#: A day: the rules change with the URL map, not with content.
ROBOTS_MAX_AGE = 24 * 3600


@bp.route("/robots.txt")
def robots_txt() -> Response:
    response = Response(ROBOTS_TXT, mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = ROBOTS_MAX_AGE
    return response
