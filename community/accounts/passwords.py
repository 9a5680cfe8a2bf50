"""What makes a password acceptable: long enough, not blank, not one everybody tries first.

The list of common passwords ships with the package (``data/common-passwords.txt.gz``):
the 8,000-odd entries of at least 8 characters from the widely used list of the 20,000
most common passwords (Royce Williams, as shipped by Django).
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

PASSWORD_MIN, PASSWORD_MAX = 8, 128
PASSWORD_HINT = f"{PASSWORD_MIN} to {PASSWORD_MAX} characters; a few unrelated words work well."


@cache
def common_passwords() -> frozenset[str]:
    data = resources.files("community").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").splitlines())


def password_problem(password: str) -> str | None:
    """Why ``password`` is refused, in words for the member; None when it is fine."""
    if not password or not password.strip():
        return "Choose a password that is not only spaces."
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return f"Use {PASSWORD_MIN} to {PASSWORD_MAX} characters."
    if password.strip().lower() in common_passwords():
        return (
            "That password is one of the most common and is tried first by attackers. "
            "Choose another: a few unrelated words work well."
        )
    return None
