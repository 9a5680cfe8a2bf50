"""The search indexes hang off the content tables; importing this attaches them.

There is no model of our own: see ``community.search.schema`` for what is built and why.
"""

from __future__ import annotations

from community.discussions.comment_models import Comment
from community.discussions.models import Post
from community.events.models import Event
from community.extensions import db
from community.mentorship.models import MentorProfile
from community.search import schema

INDEXED_MODELS = (Post, Comment, Event, MentorProfile)

schema.listen_for_create_all(db.metadata.tables)
