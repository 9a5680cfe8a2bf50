"""The discussions blueprint, alone: ``post_views`` and ``comment_views`` add their routes
to it with decorators, and ``create_app`` registers it after importing them."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("discussions", __name__)
