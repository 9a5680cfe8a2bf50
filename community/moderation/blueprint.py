"""The moderation blueprint alone, so each views module can add its routes without a cycle."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/mod")
