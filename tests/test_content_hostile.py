"""Hostile Markdown: no text up to a field's limit may stall a worker or crash rendering.

Each entry of ``HOSTILE`` builds a text of a given length from a pattern that
makes a naive Markdown or HTML parser quadratic (or recursive). Every pattern is
rendered once at the maximum length of every field that holds Markdown, with
that field's profile, and must come back quickly, without an exception,
sanitised. Before the bounded parsers (``community/bounded_*.py``), 10,000 ``[``
took 34 s and ``"+ " * 496`` raised ``RecursionError``; the generous time bound
catches a return to quadratic time without being flaky on a busy machine.
``bench/markdown.py`` renders the same corpus and reports the worst cases.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from community.bounded_html import HTML_ELEMENTS
from community.bounded_markdown import BLOCK_NESTING, ELEMENTS
from community.content import ALLOWED_PROTOCOLS, ALLOWED_TAGS, render_markdown

#: Field -> (maximum length, rendering profile), as the forms allow.
FIELDS = {
    "post body": (40_000, "post"),
    "comment": (10_000, "comment"),
    "bio": (5_000, "comment"),
    "mentorship message": (5_000, "comment"),
    "testimonial": (2_000, "comment"),
    "resource description": (2_000, "comment"),
    "resource review": (2_000, "comment"),
    "portfolio project description": (2_000, "comment"),
    "plan goal note": (2_000, "comment"),
    "plan goal comment": (2_000, "comment"),
}
#: Seconds one render may take before the test calls it a regression.
TIME_BOUND = 5.0


def repeat(unit: str) -> Callable[[int], str]:
    """``unit`` repeated to exactly ``length`` characters."""
    return lambda length: (unit * (length // len(unit) + 1))[:length]


def then(first: str, second: str) -> Callable[[int], str]:
    """``first`` repeated over half the length, ``second`` over the other half."""
    return lambda length: repeat(first)(length // 2) + repeat(second)(length - length // 2)


def after(head: str, unit: str) -> Callable[[int], str]:
    """``head`` once, then ``unit`` repeated up to ``length``."""
    return lambda length: head + repeat(unit)(length - len(head))


def indented(marker: str) -> Callable[[int], str]:
    """List items each indented one level deeper than the last."""

    def build(length: int) -> str:
        lines, size, level = [], 0, 0
        while size + 4 * level + len(marker) + 2 <= length:
            line = "    " * level + marker + "x\n"
            lines.append(line)
            size, level = size + len(line), level + 1
        return "".join(lines)

    return build


def numbered(template: str) -> Callable[[int], str]:
    """``template`` formatted with 0, 1, 2, ... up to ``length``."""

    def build(length: int) -> str:
        parts, size, number = [], 0, 0
        while size < length:
            part = template.format(number)
            parts.append(part)
            size, number = size + len(part), number + 1
        return "".join(parts)[:length]

    return build


HOSTILE: dict[str, Callable[[int], str]] = {
    # Link and image syntax: each "[" used to scan the rest of the paragraph.
    "open brackets": repeat("["),
    "open images": repeat("!["),
    "bracket then parenthesis": repeat("]("),
    "unclosed link targets": repeat("[a]("),
    "unclosed link titles": repeat('[a](b "'),
    # Emphasis and code.
    "asterisks": repeat("*"),
    "underscores": repeat("_"),
    "emphasis openers then ambiguous runs": then("*a ", "a**a "),
    "nested emphasis": then("*a ", "a* "),
    "backticks": repeat("`"),
    "uneven backtick runs": repeat("``a`"),
    "backslashes": repeat("\\"),
    # Blocks: quotes and lists nested on one line or by indentation, splits.
    "quote markers": repeat(">"),
    "nested quotes": repeat("> "),
    "nested plus lists": repeat("+ "),
    "nested dash lists": repeat("- "),
    "nested numbered lists": repeat("1. "),
    "lists nested by indentation": indented("- "),
    "numbered lists nested by indentation": indented("1. "),
    "headers": repeat("#\n"),
    "underlined headers": repeat("a\n=\n"),
    "link definitions": repeat("[x]: https://example.com\nx\n"),
    "one-column table": after("|a|\n|-|\n", "|\n"),
    # Raw HTML and entities.
    "angle brackets": repeat("<"),
    "unclosed tags": repeat("<a x="),
    "unclosed end tags": repeat("</a"),
    "comment openers": repeat("<!--"),
    "comments inside open tags": repeat("<b><!---->"),
    "processing instructions": repeat("\n<?"),
    "raw formatting tags": repeat("<b>"),
    "raw nested lists": repeat("<ul><li>"),
    "unclosed tags across paragraphs": lambda length: (
        numbered("<b x={}>")(length // 4) + repeat("a\n\n")(length - length // 4)
    ),
    "ampersands": repeat("&"),
    # Words, links found in text, mentions.
    "long word": repeat("a"),
    "hyphenated word": repeat("a-"),
    "parentheses": repeat("("),
    "mentions": repeat("@abc "),
    # Mixed.
    "mixed punctuation": repeat("[*_`<&>!("),
    "mixed blocks": repeat("+ > 1. ["),
}

#: Each (length, profile) once, named after its fields: bios and messages share one.
SIZES = {
    size: " and ".join(field for field, value in FIELDS.items() if value == size)
    for size in FIELDS.values()
}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_the_corpus_covers_every_field_at_its_limit():
    assert len(HOSTILE) >= 35
    assert sorted(SIZES.values()) == [
        "bio and mentorship message",
        "comment",
        "post body",
        "testimonial and resource description and resource review"
        " and portfolio project description and plan goal note and plan goal comment",
    ]
    for length, _ in SIZES:
        for pattern, build in HOSTILE.items():
            assert length * 0.9 <= len(build(length)) <= length, pattern


@pytest.mark.parametrize(("length", "profile"), SIZES, ids=SIZES.values())
@pytest.mark.parametrize("pattern", HOSTILE)
def test_renders_quickly_and_sanitised_at_the_fields_limit(pattern, length, profile):
    source = HOSTILE[pattern](length)
    started = time.perf_counter()
    html = render_markdown(source, profile)
    seconds = time.perf_counter() - started

    assert seconds < TIME_BOUND, f"{pattern!r} took {seconds:.1f} s at {length:,} characters"
    assert html.strip()
    assert "<script" not in html.lower()
    parser = _Tags()
    parser.feed(html)
    for tag, attributes in parser.tags:
        assert tag in ALLOWED_TAGS[profile], tag
        for name, value in attributes.items():
            assert not name.startswith("on") and name != "style", name
            if name == "href":
                assert urlsplit(value).scheme in ALLOWED_PROTOCOLS | {""}, value


def test_deeply_nested_list_markers_render_instead_of_crashing():
    html = render_markdown("+ " * 496, "comment")
    assert html.count("<ul>") == BLOCK_NESTING
    assert "+ + + +" in html  # what is deeper stays, as text


def test_deeply_nested_quotes_render_their_text():
    html = render_markdown("> " * 2000 + "deep words", "comment")
    assert html.count("<blockquote>") <= BLOCK_NESTING
    assert "deep words" in html


def test_deep_emphasis_keeps_its_text():
    html = render_markdown("*a " * 3000 + "middle" + " a*" * 3000, "comment")
    assert "middle" in html
    assert "&lt;em&gt;" not in html  # flattened, not escaped


def test_past_the_block_limit_the_rest_is_one_paragraph():
    html = render_markdown("# a\n" * (2 * ELEMENTS) + "last words", "post")
    assert html.count("<h1>") <= ELEMENTS
    assert html.endswith("# a\n# a\nlast words</p>")


def test_past_the_element_limit_the_rest_is_plain_text():
    rows = "".join(f"| row {number} |\n" for number in range(ELEMENTS))
    html = render_markdown("| head |\n|---|\n" + rows, "post")
    assert html.count("<tr>") < ELEMENTS // 2
    assert f"row {ELEMENTS - 1}" in html  # the last row is still there, as text


def test_raw_html_past_the_sanitisers_limit_is_shown_as_text():
    source = ("<b>x</b>" * 4 + "\n\n") * (HTML_ELEMENTS // 4) + "<i>end</i>"
    html = render_markdown(source, "comment")
    assert html.count("<b>") + html.count("<p>") <= HTML_ELEMENTS
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "&lt;i&gt;end&lt;/i&gt;" in html
