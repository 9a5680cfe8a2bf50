"""The mentorship blueprint alone, so each views module can add its routes without a cycle.

``create_app`` imports ``profile_views`` and ``request_views`` (which register their routes
on it) and then registers it.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mentorship", __name__)
