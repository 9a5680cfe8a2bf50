"""Python-Markdown with every search bounded, so rendering is linear in the text.

The block side lives here, the inline side in ``bounded_inline``. Upstream,
every nested list or quote is parsed one Python call deeper (``"+ " * 500``
ends in ``RecursionError``), a block split by a header, rule or link
definition is searched again from its start by every processor, the table
test splits the whole block into lines, and the raw-HTML finder looks for the
end of an unclosed tag from every ``<``. Here:

- blocks nest ``BLOCK_NESTING`` deep, and elements ``TREE_DEPTH`` deep; what
  is deeper is rendered as text inside the innermost element, never refused;
- a text renders ``ELEMENTS`` blocks and elements; the rest is one last
  paragraph of text;
- the searches of a block's remainder reuse what was found in the block;
- the raw-HTML finder remembers failed searches.

Ordinary Markdown renders exactly as upstream renders it.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as etree
from functools import partial

from markdown.blockprocessors import SetextHeaderProcessor
from markdown.extensions import Extension
from markdown.htmlparser import HTMLExtractor, htmlparser
from markdown.preprocessors import HtmlBlockPreprocessor
from markdown.treeprocessors import Treeprocessor

from community import bounded_inline

#: How deep lists and quotes may nest inside each other.
BLOCK_NESTING = 16
#: How deep elements may nest (blocks, emphasis, links); deeper is text.
TREE_DEPTH = 48
#: How many elements one text renders; what follows is one paragraph of plain text.
#: Every element costs the sanitiser tens of microseconds: 40,000 characters of
#: one-column table would make 40,000 of them.
ELEMENTS = 2000
#: How many unclosed inline tags the raw-HTML finder remembers in a paragraph.
OPEN_INLINE_TAGS = 32


_CLOSING_TAG = re.compile(r"</\s*([^\s<>]+)\s*>")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_TERMINATORS = {
    "tag": re.compile(">"),
    "pi": htmlparser.piclose,
    "section": re.compile(r"\]\s*\]\s*>"),
}


class _RawHtmlScanner(HTMLExtractor):
    """Python-Markdown's raw-HTML block finder, without its rescans of the rest of the text.

    The standard library's parser looks for the end of a start tag, comment,
    declaration or processing instruction from each ``<``; unterminated, each
    looks to the end of the text again. Here a failed search is remembered (as
    upstream already does for comments), a comment inside inline tags looks for
    their closing tags in an index of its paragraph, and only the last
    ``OPEN_INLINE_TAGS`` unclosed inline tags are remembered.
    """

    def reset(self):
        super().reset()
        self._absent: dict[str, tuple[str | None, int]] = {}
        self._paragraph: tuple[str | None, int, int, dict[str, int]] = (None, 0, 0, {})

    def _absent_after(self, terminator: str, i: int) -> bool:
        """Whether no ``terminator`` starts at or after ``i``; a miss is remembered."""
        searched, since = self._absent.get(terminator, (None, 0))
        if searched is self.rawdata and i >= since:
            return True
        if _TERMINATORS[terminator].search(self.rawdata, i) is None:
            self._absent[terminator] = (self.rawdata, i)
            return True
        return False

    def check_for_whole_start_tag(self, i: int) -> int:
        rawdata = self.rawdata
        searched, since = self._absent.get("start", (None, 0))
        if searched is rawdata and i >= since:
            return -1
        end = htmlparser.locatestarttagend_tolerant.match(rawdata, i).end()
        if end == len(rawdata):  # the tag runs to the end: so would any tag after it
            self._absent["start"] = (rawdata, i)
        return super().check_for_whole_start_tag(i)

    def parse_endtag(self, i: int) -> int:
        letter = self.rawdata[i + 2 : i + 3]
        if letter.isascii() and letter.isalpha() and self._absent_after("tag", i + 1):
            self.handle_data(self.rawdata[i : i + 2])
            return i + 2
        return super().parse_endtag(i)

    def parse_pi(self, i: int) -> int:
        if (self.at_line_start() or self.intail) and self._absent_after("pi", i + 2):
            return self._unterminated(i)
        return super().parse_pi(i)

    def parse_html_declaration(self, i: int) -> int:
        rawdata = self.rawdata
        if self.at_line_start() or self.intail:
            if rawdata.startswith("<![CDATA[", i):
                if self._absent_after("section", i + 3):
                    return self._unterminated(i)
            elif not rawdata.startswith(("<!--", "<!["), i) and self._absent_after("tag", i + 2):
                return self._unterminated(i)  # a declaration or bogus comment without its ">"
        return super().parse_html_declaration(i)

    def _unterminated(self, i: int) -> int:
        """What the parser makes of a construct that never ends: text up to the next ``>``.

        Upstream stops and, on closing, takes that text; reading it here at once
        gives the same text without waiting.
        """
        rawdata = self.rawdata
        end = -1 if self._absent_after("tag", i + 1) else rawdata.find(">", i + 1) + 1
        if end < 0:
            end = rawdata.find("<", i + 1)
            if end < 0:
                end = i + 1
        self.handle_data(rawdata[i:end])
        return end

    def open_inline_tag(self, tag: str):
        super().open_inline_tag(tag)
        del self.inline_stack[:-OPEN_INLINE_TAGS]

    def inline_close_follows(self, text: str) -> bool:
        if not self.inline_stack:
            return False
        start = self.line_offset + self.offset + len(text)
        closes = self._closing_tags(start)
        return any(closes.get(tag, -1) >= start for tag in self.inline_stack)

    def _closing_tags(self, start: int) -> dict[str, int]:
        """The last position of each closing tag in the paragraph from ``start``."""
        rawdata = self.rawdata
        searched, since, end, closes = self._paragraph
        if searched is rawdata and since <= start <= end:
            return closes
        blank = _BLANK_LINE.search(rawdata, start)
        end = len(rawdata) if blank is None else blank.start()
        closes = {}
        for tag in _CLOSING_TAG.finditer(rawdata, start, end):
            closes[tag.group(1).lower()] = tag.start()
        self._paragraph = (rawdata, start, end, closes)
        return closes


class _RawHtmlBlocks(HtmlBlockPreprocessor):
    def run(self, lines: list[str]) -> list[str]:
        scanner = _RawHtmlScanner(self.md)
        scanner.feed("\n".join(lines))
        scanner.close()
        return "".join(scanner.cleandoc).split("\n")


class _SuffixSearch:
    """A block processor's pattern whose ``search`` reuses its answer for a block's remainder.

    Headers, rules and link definitions split a block and push the rest back as
    a new block, which every processor then tests by searching it from the
    start: k splits of one block cost k times its length. The rest is a suffix
    of the block, starting on a new line, so the first match found in the block
    is still the first in the rest, and no match in the block means none in it.
    The lines before a split (a prefix) are searched without forgetting the block.
    """

    def __init__(self, pattern: re.Pattern[str]):
        self.pattern = pattern
        self.text: str | None = None
        self.first: int | None = None

    def __getattr__(self, name: str):
        return getattr(self.pattern, name)

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        last = self.text
        if pos == 0 and last is not None and len(text) < len(last):
            offset = len(last) - len(text)
            if last[offset - 1] == "\n" and last.endswith(text):
                if self.first is None:
                    return None
                if self.first >= offset:
                    return self.pattern.search(text, self.first - offset)
            elif last.startswith(text):  # the lines before a split: searched, not kept
                return self.pattern.search(text)
        match = self.pattern.search(text, pos)
        if pos == 0:
            self.text, self.first = text, (match.start() if match else None)
        return match


class _SetextHeader(SetextHeaderProcessor):
    """Upstream splits the whole block into lines to take the first two."""

    def run(self, parent, blocks: list[str]) -> None:
        title, _, rest = blocks.pop(0).partition("\n")
        underline, more, rest = rest.partition("\n")
        header = etree.SubElement(parent, "h1" if underline.startswith("=") else "h2")
        header.text = title.strip()
        if more:
            blocks.insert(0, rest)


def _table_test(table, parent, block: str) -> bool:
    """Upstream's test for a table, reading lines only as far as it needs them."""
    lines = (line.strip(" ") for line in _lines(block))
    header, separator = next(lines), next(lines, None)
    if separator is None:
        return False
    table.border = 0
    if header.startswith("|"):
        table.border |= 1
    if table.RE_END_BORDER.search(header) is not None:
        table.border |= 2
    columns = len(table._split_row(header))
    is_table = columns > 1
    if not is_table and columns == 1 and table.border:
        for row in itertools.chain([separator], lines):
            is_table = row.startswith("|") or table.RE_END_BORDER.search(row) is not None
            if not is_table:
                break
    if is_table:
        row = table._split_row(separator)
        is_table = len(row) == columns and set("".join(row)) <= set("|:- ")
        if is_table:
            table.separator = row
    return is_table


def _lines(text: str):
    start = 0
    while (end := text.find("\n", start)) != -1:
        yield text[start:end]
        start = end + 1
    yield text[start:]


class _BlockLimits:
    """The block parser's loop, with two bounds; past either, blocks become paragraph text.

    Blocks nest at most ``BLOCK_NESTING`` deep (upstream recurses once per
    level), and at most ``ELEMENTS`` blocks are parsed: a text of 20,000
    one-character headers would otherwise cost 20,000 passes of every block
    processor before the element limit could cut it.
    """

    def __init__(self, parser):
        self.processors = parser.blockprocessors
        self.paragraph = parser.blockprocessors["paragraph"]
        self.depth = self.parsed = 0

    def __call__(self, parent, blocks: list[str]) -> None:
        if self.depth >= BLOCK_NESTING:
            while blocks:
                self.paragraph.run(parent, blocks)
            return
        self.depth += 1
        try:
            while blocks:
                if self.parsed >= ELEMENTS:
                    rest = "\n\n".join(block for block in blocks if block.strip())
                    blocks.clear()
                    self.paragraph.run(parent, [rest])
                    return
                self.parsed += 1
                for processor in self.processors:
                    if (
                        processor.test(parent, blocks[0])
                        and processor.run(parent, blocks) is not False
                    ):
                        break
        finally:
            self.depth -= 1


class _Flatten(Treeprocessor):
    """Elements deeper than ``TREE_DEPTH`` become the text they hold.

    Emphasis can nest as deep as its runs (``"*a " * 5000``); the sanitiser
    would show such depth as escaped tags.
    """

    def run(self, root):
        pending = [(root, 0)]
        while pending:
            element, depth = pending.pop()
            if depth == TREE_DEPTH - 1 and len(element):
                element.text = "".join(element.itertext())
                element[:] = []
                continue
            pending.extend((child, depth + 1) for child in element)


class _ElementLimit(Treeprocessor):
    """After ``ELEMENTS`` elements, the rest of the text becomes one last paragraph.

    Run before the inline pass (on blocks: the rest is then read as one
    paragraph of Markdown) and after it (on everything: the rest is then plain).
    """

    def run(self, root):
        seen = 0
        parents, pending = [root], [iter(root)]
        while pending:
            child = next(pending[-1], None)
            if child is None:
                pending.pop()
                parents.pop()
                continue
            seen += 1
            if seen > ELEMENTS:
                self._cut(root, parents, child)
                return
            parents.append(child)
            pending.append(iter(child))

    @staticmethod
    def _cut(root, parents, first) -> None:
        """Move ``first`` and everything after it, in reading order, to a last paragraph."""
        rest: list[str] = []
        for depth in range(len(parents) - 1, -1, -1):
            parent = parents[depth]
            children = list(parent)
            start = (
                children.index(first)
                if depth == len(parents) - 1
                else children.index(parents[depth + 1]) + 1
            )
            for node in children[start:]:
                rest.extend(node.itertext())
                rest.append(node.tail or "")
            del parent[start:]
            if depth and parent.tail:
                rest.append(parent.tail)
                parent.tail = None
        paragraph = etree.SubElement(root, "p")
        paragraph.text = "".join(rest)


class BoundedMarkdownExtension(Extension):
    """Replaces the processors whose work is not linear in the text by bounded ones."""

    def extendMarkdown(self, md):
        bounded_inline.register(md)
        md.preprocessors.register(_RawHtmlBlocks(md), "html_block", 20)
        blocks = md.parser.blockprocessors
        blocks.register(_SetextHeader(md.parser), "setextheader", 60)
        for name, attribute in (
            ("hashheader", "RE"),
            ("hr", "SEARCH_RE"),
            ("quote", "RE"),
            ("reference", "RE"),
        ):
            processor = blocks[name]
            setattr(processor, attribute, _SuffixSearch(getattr(processor, attribute)))
        if "table" in blocks:
            blocks["table"].test = partial(_table_test, blocks["table"])
        md.parser.parseBlocks = _BlockLimits(md.parser)
        md.treeprocessors.register(_ElementLimit(md), "block_limit", 25)
        md.treeprocessors.register(_Flatten(md), "flatten", 19)
        md.treeprocessors.register(_ElementLimit(md), "element_limit", 12)
