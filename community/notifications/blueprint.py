"""The notifications blueprint alone; ``views`` adds its routes to it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notifications", __name__)
