"""Highlighted snippets: the reader's text escaped, with only ``<mark>`` added around matches."""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

#: Endings dropped before highlighting, so "moving" also marks "moved" (the index stems).
_ENDINGS = ("ing", "ed", "es", "s", "ly")
SNIPPET_CHARS = 220
_LEAD = 60


def _stem(term: str) -> str:
    for ending in _ENDINGS:
        if len(term) - len(ending) >= 3 and term.endswith(ending):
            return term[: -len(ending)]
    return term


def _pattern(terms: Sequence[str]) -> re.Pattern | None:
    stems = sorted({_stem(term) for term in terms if term}, key=len, reverse=True)
    if not stems:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(s) for s in stems) + r")\w*", re.IGNORECASE)


def highlight(text: str, terms: Sequence[str], length: int | None = SNIPPET_CHARS) -> Markup:
    """``text`` as safe HTML with the words that start like ``terms`` in ``<mark>``.

    With a ``length``, a window of about that many characters around the first match
    (or the start), cut at spaces, with "…" where it was cut.
    """
    text = " ".join(text.split())
    pattern = _pattern(terms)
    first = pattern.search(text) if pattern else None
    start, end, before, after = 0, len(text), "", ""
    if length is not None and len(text) > length:
        start = max(0, (first.start() if first else 0) - _LEAD)
        if start:
            space = text.find(" ", start)
            if 0 <= space < first.start():
                start = space + 1
            before = "…"
        end = min(len(text), start + length)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start else end
            after = "…"
    window = text[start:end]
    if pattern is None:
        return escape(before + window + after)
    pieces = [escape(before)]
    position = 0
    for match in pattern.finditer(window):
        pieces.append(escape(window[position : match.start()]))
        pieces.append(Markup("<mark>{}</mark>").format(match.group()))
        position = match.end()
    pieces.append(escape(window[position:]))
    pieces.append(escape(after))
    return Markup("").join(pieces)
