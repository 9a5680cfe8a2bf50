"""The events blueprint alone, so each views module can add its routes without a cycle."""

from __future__ import annotations

from flask import Blueprint

#: ``cli_group=None``: its commands are top-level (``flask send-...``), as cron calls them.
bp = Blueprint("events", __name__, cli_group=None)
