"""Python-Markdown's inline processors with every search bounded.

Upstream, each ``[`` scans the rest of its paragraph for the matching ``]``
(Python-Markdown issue 798: 40,000 ``[`` take minutes), each ``(`` after a link
text scans to the end for its ``)``, each unmatched run of backticks scans to
the end for a closing run, an ambiguous ``**`` scans every unclosed ``*``
before it, and every element found rebuilds the paragraph's text. Here:

- a link or image text may hold brackets nested ``LINK_TEXT_NESTING`` deep,
  matched by one regular expression that never backtracks; deeper, the bracket
  is text;
- a link's destination and title end before the next ``](``, so no two links
  scan the same characters;
- code spans are paired through an index of the backtick runs, built once per
  text (the pairing rules are upstream's);
- emphasis keeps a count of its unclosed runs instead of rescanning them
  (``bounded_emphasis``);
- one text (paragraph, heading, list item) holds at most ``INLINE_ELEMENTS``
  elements; the rest of it stays as written.

Ordinary Markdown renders exactly as upstream renders it.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from markdown import inlinepatterns
from markdown.treeprocessors import InlineProcessor
from markdown.util import AtomicString

from community.bounded_emphasis import Emphasis

#: How deep brackets may nest inside a link's text: ``[a [b [c]]](url)`` is 2.
LINK_TEXT_NESTING = 8
#: How many inline elements (links, emphasis, code, escapes...) one paragraph,
#: heading or list item may hold; past that, the rest of its text stays text.
INLINE_ELEMENTS = 1000


def _nested_brackets(depth: int) -> str:
    """A pattern for text whose brackets pair up, nested at most ``depth`` deep.

    Possessive quantifiers only: the engine never backtracks, so a failed match
    costs the characters it read, and an opening bracket reads at most
    ``depth + 1`` levels of what follows.
    """
    inner = r"[^\[\]]*+"
    for _ in range(depth):
        inner = rf"(?:[^\[\]]++|\[{inner}\])*+"
    return inner


_LINK_TEXT = _nested_brackets(LINK_TEXT_NESTING)
_LINK_TEXT_END = re.compile(_LINK_TEXT + r"\]")
#: Where a link or an image may start: an opening bracket whose text closes.
LINK_START = inlinepatterns.NOIMG + r"\[(?=" + _LINK_TEXT + r"\])"
IMAGE_START = r"\!\[(?=" + _LINK_TEXT + r"\])"


class _BoundedText:
    """The text of ``[text]``, found by one bounded match instead of a scan to the end."""

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        match = _LINK_TEXT_END.match(data, index)
        if match is None:
            return "", index, False
        return data[index : match.end() - 1], match.end(), True


class _BoundedDestination(_BoundedText):
    """The ``(destination "title")`` of a link, read no further than the next ``](``."""

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
        if not data.startswith("(", index):
            return "", None, index, False
        stop = data.find("](", index)
        window = data[index:] if stop == -1 else data[index:stop]
        href, title, end, handled = super().getLink(window, 0)
        if end < 0:  # upstream's unclosed-title fallback counts from the end
            end += len(window)
        return href, title, index + end, handled


class _Link(_BoundedDestination, inlinepatterns.LinkInlineProcessor):
    pass


class _Image(_BoundedDestination, inlinepatterns.ImageInlineProcessor):
    pass


class _Reference(_BoundedText, inlinepatterns.ReferenceInlineProcessor):
    pass


class _ShortReference(_BoundedText, inlinepatterns.ShortReferenceInlineProcessor):
    pass


class _ImageReference(_BoundedText, inlinepatterns.ImageReferenceInlineProcessor):
    pass


class _ShortImageReference(_BoundedText, inlinepatterns.ShortImageReferenceInlineProcessor):
    pass


_TICKS = re.compile(r"`+")


class _CodeSpans(inlinepatterns.BacktickInlineProcessor):
    """Code spans paired as upstream pairs them, through an index of backtick runs.

    Upstream, an opening run of n backticks scans the rest of the text for a
    closing run of exactly n, else pairs with the longest shorter run after it:
    a scan to the end per opening run. The index answers both questions in
    logarithmic time. It is built on the first run of each text and kept while
    the inline processor works through that text; replacing a match by a
    placeholder only changes the text before the current position, so positions
    are kept as distances from the end.
    """

    _indexed: str | None = None

    def handleMatch(self, m: re.Match[str], data: str):
        if m.pos == 0 or self._indexed is None:
            self._index(data)
        return super().handleMatch(m, data)

    def _index(self, data: str) -> None:
        self._indexed = data
        ends = len(data)
        runs = [(ends - run.start(), run.end() - run.start()) for run in _TICKS.finditer(data)]
        # Keys are negated distances from the end, so that lists ascend left to right.
        self._starts = [-distance for distance, _ in runs]
        self._by_length: dict[int, list[int]] = {}
        for distance, length in runs:
            self._by_length.setdefault(length, []).append(-distance)
        # For the runs from i to the last: the longest, and the earliest of equals.
        self._longest: list[tuple[int, int]] = [(0, 0)] * (len(runs) + 1)
        best = (0, 0)
        for i in range(len(runs) - 1, -1, -1):
            if runs[i][1] >= best[0]:
                best = runs[i][1], runs[i][0]
            self._longest[i] = best

    def find_code_spans(self, start: int, text: str) -> tuple[int, int | None]:
        after = _TICKS.match(text, start).end()
        found = self._pair(text, after, after - start)
        if found is None:  # the index is not this text's: rebuild it once
            self._index(text)
            found = self._pair(text, after, after - start)
        return found

    def _pair(self, text: str, after: int, ticks: int) -> tuple[int, int | None] | None:
        """Upstream's pairing for an opening run of ``ticks`` ending at ``after``.

        None when the index disagrees with ``text``.
        """
        ends = len(text)
        key = after - ends  # runs starting at ``after`` or later have keys >= this
        same = self._by_length.get(ticks, ())
        i = bisect_left(same, key)
        if i < len(same):
            close = ends + same[i]
            return (after, close) if self._is_run(text, close, ticks) else None
        longest, distance = self._longest[bisect_left(self._starts, key)]
        if 0 < longest < ticks:
            close = ends - distance
            if not self._is_run(text, close, longest):
                return None
            return after - (ticks - longest), close
        return after + ticks, None

    @staticmethod
    def _is_run(text: str, start: int, length: int) -> bool:
        run = _TICKS.match(text, start)
        return run is not None and run.end() - start == length and text[start - 1 : start] != "`"


#: For each inline pattern, strings of which its text must contain one to match.
_NEEDS = {
    "backtick": ("`",),
    "escape": ("\\",),
    "reference": ("[",),
    "link": ("[",),
    "image_link": ("![",),
    "image_reference": ("![",),
    "short_reference": ("[",),
    "short_image_ref": ("![",),
    "autolink": ("<",),
    "automail": ("<",),
    "linebreak": ("  \n",),
    "html": ("<",),
    "entity": ("&",),
    "em_strong": ("*", "_"),
}


class InlineText(InlineProcessor):
    """Python-Markdown's inline pass with two shortcuts and a bound.

    A pattern whose characters are absent from a text is not tried (the result
    is the same, at a fraction of the cost for the plain text of most list items
    and paragraphs). Every element found rebuilds the text, so a text holding k
    elements costs k times its length: after ``INLINE_ELEMENTS`` the rest of
    the text stays as written.
    """

    def run(self, tree, ancestors=None):
        patterns = self.inlinePatterns
        self._patterns = [
            (patterns[name], _NEEDS.get(name))
            for name in (item.name for item in patterns._priority)
        ]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, AtomicString):
            return data
        apply = self._InlineProcessor__applyPattern
        patterns, budget, start = self._patterns, INLINE_ELEMENTS, 0
        while patternIndex < len(patterns) and budget:
            pattern, needs = patterns[patternIndex]
            if needs is not None and not any(need in data for need in needs):
                patternIndex, start = patternIndex + 1, 0
                continue
            found, matched, start = apply(pattern, data, patternIndex, start)
            if found is not data:
                budget -= 1
            data = found
            if not matched:
                patternIndex += 1
        return data


def register(md) -> None:
    """Replace the inline processors of ``md`` by their bounded forms."""
    patterns = md.inlinePatterns
    patterns.register(_CodeSpans(inlinepatterns.BACKTICK_RE), "backtick", 190)
    patterns.register(_Reference(LINK_START, md), "reference", 170)
    patterns.register(_Link(LINK_START, md), "link", 160)
    patterns.register(_Image(IMAGE_START, md), "image_link", 150)
    patterns.register(_ImageReference(IMAGE_START, md), "image_reference", 140)
    patterns.register(_ShortReference(LINK_START, md), "short_reference", 130)
    patterns.register(_ShortImageReference(IMAGE_START, md), "short_image_ref", 125)
    if sorted(md.delimiters.tokens) == ["*", "_"]:
        emphasis = Emphasis("*", "strong,em", md)
        emphasis.add("_", "strong,em", smart=True)
        patterns.register(emphasis, "em_strong", 60)
    md.treeprocessors.register(InlineText(md), "inline", 20)
