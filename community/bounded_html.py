"""bleach's sanitiser with the quadratic corners of html5lib and its linkifier removed.

bleach parses with html5lib, which checks scopes by walking the stack of open
elements and re-opens unclosed formatting elements in every block, so deeply
nested tags cost the square of their depth; its tree walker finds a parent's
place again by scanning the parent's children; its URL pattern re-reads the
rest of a word from every hyphen and parenthesis. Here:

- a start tag is shown as text once ``HTML_NESTING`` elements are open, or
  ``HTML_OPEN_FORMATTING`` formatting elements wait to be re-opened, and every
  tag once ``HTML_ELEMENTS`` elements exist;
- runs of text reach the parser as one token;
- the tree is walked in one loop, yielding html5lib's tokens;
- the URL pattern starts only where a URL can start;
- ``&lt;``, ``&gt;`` and ``&amp;`` cross the sanitiser as single characters
  (``clean``).

What bleach keeps, drops or escapes is unchanged: these are the same
sanitiser and linkifier, fed differently. Two quirks go: bleach linked
``-site.com`` out of ``me@my-site.com``, and decoded ``&amp;lt;`` a second time.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as etree
from collections import OrderedDict

from bleach import html5lib_shim
from bleach._vendor.html5lib.treebuilders import getTreeBuilder
from bleach.linkifier import TLDS, LinkifyFilter
from bleach.sanitizer import Cleaner

#: How deep the sanitiser lets elements nest, and how many unclosed formatting
#: elements (``<b>``, ``<code>``...) it carries from one block to the next.
HTML_NESTING = 100
HTML_OPEN_FORMATTING = 12
#: How many elements the sanitiser builds; past that every tag is shown as text.
#: Markdown's own output stops at ``bounded_markdown.ELEMENTS``; this bounds raw
#: HTML and html5lib's re-opening of unclosed formatting elements in each block.
HTML_ELEMENTS = 2500

_CHARACTERS = html5lib_shim.TAG_TOKEN_TYPE_CHARACTERS


def _url_pattern() -> re.Pattern:
    """bleach's pattern for bare URLs, tried only where a URL can start.

    bleach tries every word boundary: inside ``a-a-a-...`` or ``((((...`` each
    try reads the rest of the run, which is quadratic. A URL found from inside
    a run of word characters, hyphens and dots is also found from the run's
    start, so here a match starts only at the start of such a run (taking its
    leading parentheses and hyphens whole), or where a scheme follows a hyphen
    (``foo-https://``). ``Linkify`` gives the leading hyphens back to the text,
    so what gets linked is unchanged. A path stops at the stand-ins for ``&lt;``
    and ``&gt;`` (plane 15), as bleach's stops at an entity.
    """
    schemes = "|".join(sorted(html5lib_shim.allowed_protocols))
    return re.compile(
        rf"""(?:(?<!\()\(++-*+|(?<![\w.@(-])-*+|(?<=-)(?=(?:{schemes}):))
        \b(?<![@.])(?:(?:{schemes}):/{{0,3}}(?:(?:\w+:)?\w+@)?)?
        ([\w-]+\.)+(?:{"|".join(sorted(TLDS))})(?:\:[0-9]+)?(?!\.\w)\b
        (?:[/?][^\s\{{\}}\|\\\^`<>"\U000F0000-\U000FFFFF]*)?
        """,
        re.IGNORECASE | re.VERBOSE | re.UNICODE,
    )


def _strip_url(fragment: str) -> tuple[str, str, str]:
    """bleach's ``strip_non_url_bits`` in one pass (upstream re-slices once per character)."""
    start, end, opening = 0, len(fragment), fragment.count("(")
    while start < end:
        if fragment[start] == "(":
            start += 1
            opening -= 1
            if start < end and fragment[end - 1] == ")":
                end -= 1
        elif (fragment[end - 1] == ")" and not opening) or fragment[end - 1] in ",.":
            end -= 1
        else:
            break
    return fragment[start:end], fragment[:start], fragment[end:]


class Linkify(LinkifyFilter):
    """bleach's linkifier with the linear URL pattern and stripping."""

    def strip_non_url_bits(self, fragment: str) -> tuple[str, str, str]:
        core = fragment.lstrip("(")
        bare = core.lstrip("-")
        if len(bare) == len(core):
            return _strip_url(fragment)
        # bleach would have matched from after the hyphens, parentheses being text
        url, prefix, suffix = _strip_url(bare)
        return url, fragment[: len(fragment) - len(bare)] + prefix, suffix


URL = _url_pattern()


class _CountingTree(getTreeBuilder("etree")):
    """html5lib's etree builder, counting the elements it creates (re-opened ones too)."""

    def reset(self):
        super().reset()
        self.created = 0

    def createElement(self, token):
        self.created += 1
        return super().createElement(token)

    def insertElementNormal(self, token):
        self.created += 1
        return super().insertElementNormal(token)


class _ShallowTokenizer(html5lib_shim.BleachHTMLTokenizer):
    """Shows a tag as text once the tree it would join is too deep or too big.

    The checks read the parser's real state (open elements, formatting elements
    waiting to be re-opened, elements created), so no arrangement of tags can
    hide depth or size from them. Runs of text tokens are handed to the parser
    as one: it appends each to the element's text, copying all of it, and every
    ``&`` starts a new token.
    """

    def __iter__(self):
        text = []
        for token in super().__iter__():
            if token["type"] == _CHARACTERS:
                text.append(token["data"])
                continue
            if text:
                yield {"type": _CHARACTERS, "data": "".join(text)}
                text = []
            yield token
        if text:
            yield {"type": _CHARACTERS, "data": "".join(text)}

    def emitCurrentToken(self):
        token = self.currentToken
        tree = self.parser.tree
        if token["type"] in html5lib_shim.TAG_TOKEN_TYPES and (
            tree.created >= HTML_ELEMENTS
            or (
                token["type"] == html5lib_shim.TAG_TOKEN_TYPE_START
                and (
                    len(tree.openElements) >= HTML_NESTING
                    or len(tree.activeFormattingElements) >= HTML_OPEN_FORMATTING
                )
            )
        ):
            text = {"type": _CHARACTERS, "data": self.stream.get_tag()}
            self.currentToken = self.emitted_last_token = text
            self.tokenQueue.append(text)
            self.state = self.dataState
            return
        super().emitCurrentToken()


class ShallowParser(html5lib_shim.BleachHTMLParser):
    """bleach's parser with the bounded tokenizer and the counting tree."""

    def __init__(self, **kwargs):
        super().__init__(tree=_CountingTree, **kwargs)

    def _parse(self, stream, innerHTML=False, container="div", scripting=True, **kwargs):
        self.innerHTMLMode = innerHTML
        self.container = container
        self.scripting = scripting
        self.tokenizer = _ShallowTokenizer(
            stream=stream, consume_entities=self.consume_entities, parser=self, **kwargs
        )
        self.reset()
        try:
            self.mainLoop()
        except html5lib_shim.ReparseException:
            self.reset()
            self.mainLoop()


_HTML = html5lib_shim.namespaces["html"]
_QUALIFIED = re.compile("{([^}]*)}(.*)")
_SPACES = "".join(html5lib_shim.constants.spaceCharacters)
_VOID = html5lib_shim.constants.voidElements


def _qualified(name: str) -> tuple[str | None, str]:
    match = _QUALIFIED.match(name)
    return (match.group(1), match.group(2)) if match else (None, name)


def _text(data: str | None):
    if not data:
        return
    middle = data.lstrip(_SPACES)
    if len(middle) < len(data):
        yield {"type": "SpaceCharacters", "data": data[: len(data) - len(middle)]}
    core = middle.rstrip(_SPACES)
    if core:
        yield {"type": "Characters", "data": core}
    if len(core) < len(middle):
        yield {"type": "SpaceCharacters", "data": middle[len(core) :]}


class Walker:
    """The tokens of html5lib's etree walker, from one loop over the tree.

    Upstream finds a parent's place again by scanning its children on the way
    up (quadratic when a block has thousands of children) and spends several
    generic calls per node; the sanitiser then sees the same tokens.
    """

    def __init__(self, tree):
        self.tree = tree

    def __iter__(self):
        root = self.tree
        yield from _text(root.text)
        pending = [(root, iter(root))]
        while pending:
            element, children = pending[-1]
            child = next(children, None)
            if child is None:
                pending.pop()
                if pending:
                    namespace, name = _qualified(element.tag)
                    yield {"type": "EndTag", "name": name, "namespace": namespace}
                    yield from _text(element.tail)
                continue
            if child.tag is etree.Comment:
                yield {"type": "Comment", "data": child.text}
                yield from _text(child.tail)
                continue
            namespace, name = _qualified(child.tag)
            attributes = OrderedDict(
                (_qualified(key), value) for key, value in list(child.attrib.items())
            )
            if (not namespace or namespace == _HTML) and name in _VOID:
                yield {"type": "EmptyTag", "name": name, "namespace": namespace, "data": attributes}
                if len(child) or child.text:
                    yield {"type": "SerializeError", "data": "Void element has children"}
                yield from _text(child.tail)
                continue
            yield {"type": "StartTag", "name": name, "namespace": namespace, "data": attributes}
            yield from _text(child.text)
            pending.append((child, iter(child)))


#: Stand-ins for ``&lt;`` and ``&gt;`` (plane 15, never part of a linked URL, as an
#: entity never is) and for ``&amp;`` (plane 16, part of a URL as ``&`` is).
_ANGLE_STAND_INS = range(0xF0000, 0xFFFFE)
_AMPERSAND_STAND_INS = range(0x100000, 0x10FFFE)


def clean(cleaner: Cleaner, html: str) -> str:
    """``cleaner.clean(html)``, with ``&lt;``, ``&gt;`` and ``&amp;`` passed as single characters.

    Markdown escapes every ``<``, ``>`` and ``&`` of the text; html5lib then
    splits the text at each entity and bleach looks each one up: tens of
    microseconds per character of ``<<<<...``. Characters of the private-use
    planes that do not occur in ``html`` stand in for the three entities and are
    turned back after cleaning; bleach neither decodes nor invents characters,
    so only the stand-ins are turned back.
    """
    if "&" not in html:
        return cleaner.clean(html)
    present = set(html)
    less, greater = _free(_ANGLE_STAND_INS, present, 2)
    (ampersand,) = _free(_AMPERSAND_STAND_INS, present, 1)
    shielded = html.replace("&lt;", less).replace("&gt;", greater).replace("&amp;", ampersand)
    cleaned = cleaner.clean(shielded)
    return cleaned.replace(less, "&lt;").replace(greater, "&gt;").replace(ampersand, "&amp;")


def _free(candidates: range, present: set[str], count: int) -> list[str]:
    return list(itertools.islice((chr(c) for c in candidates if chr(c) not in present), count))


def bound(cleaner: Cleaner) -> Cleaner:
    """Give a ``bleach.Cleaner`` the depth-bounded parser and the one-loop walker."""
    cleaner.parser = ShallowParser(
        tags=cleaner.tags, strip=cleaner.strip, consume_entities=False, namespaceHTMLElements=False
    )
    cleaner.walker = Walker
    return cleaner
