"""The accounts blueprint alone, so each views module can add routes without a cycle."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accounts", __name__)
