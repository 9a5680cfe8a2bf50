"""Names and addresses: how they are compared, and which ones nobody may take.

Two names are the same when they read the same: Unicode compatibility forms folded
(NFKC), case folded, the common look-alike letters of other scripts mapped to Latin,
and separators ignored. So a full-width "P", "pathways_team", or "Pathways Team" spelled
with a Cyrillic "a" all collide with the site's own "Pathways team".
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

#: Names that would let a member pass for the site or its staff.
RESERVED_NAMES = frozenset(
    {
        "admin",
        "administrator",
        "deleted-member",
        "deleted member",
        "moderator",
        "mod",
        "pathways",
        "pathways-team",
        "staff",
        "support",
        "system",
    }
)

#: Letters of other scripts that look like Latin ones (Cyrillic, Greek, and a few others).
_LOOKALIKES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ɡ": "g", "ɩ": "i", "ı": "i",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "μ": "u",
        "0": "o", "1": "l", "|": "l",
    }
)  # fmt: skip
_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)


def name_key(name: str) -> str:
    """What a name reads as: the form compared for collisions and reservations."""
    folded = unicodedata.normalize("NFKC", name or "").casefold()
    folded = "".join(
        char for char in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(char)
    )
    return _SEPARATORS.sub("", folded.translate(_LOOKALIKES))


_RESERVED_KEYS = frozenset(name_key(name) for name in RESERVED_NAMES)


def is_reserved(name: str) -> bool:
    return name_key(name) in _RESERVED_KEYS


def normalise_email(email: str) -> str:
    """The stored form of an address: NFKC and case folded as a whole, so it is unique."""
    return unicodedata.normalize("NFKC", email or "").strip().casefold()


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def retired_hash(username: str) -> str:
    """The key under which a deleted member's username stays taken."""
    return hashlib.sha256(name_key(username).encode()).hexdigest()
