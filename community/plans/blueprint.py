"""The plans blueprint alone, so each views module can add its routes without a cycle.

``create_app`` imports the views modules (which register their routes on it) and then
registers it.
"""

from __future__ import annotations

from flask import Blueprint

#: ``cli_group=None``: its commands are top-level (``flask remind-goals``), as cron calls them.
bp = Blueprint("plans", __name__, cli_group=None)
