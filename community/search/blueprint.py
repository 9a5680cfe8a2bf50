"""The search blueprint, alone, so its views module can register routes without a cycle."""

from flask import Blueprint

bp = Blueprint("search", __name__)
