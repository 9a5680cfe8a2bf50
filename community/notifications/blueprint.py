"""The notifications blueprint alone; ``views`` adds its routes to it."""

from __future__ import annotations

from flask import Blueprint

#: ``cli_group=None``: its commands are top-level (``flask send-...``), as cron calls them.
bp = Blueprint("notifications", __name__, cli_group=None)
