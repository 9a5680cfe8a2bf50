"""The one pipeline by which user text becomes HTML, and plain-text helpers.

Markdown is rendered once, on write, and stored beside its source (``*_md`` and
``*_html`` columns). Only the stored HTML is ever marked safe in templates, so
changing the policy here means running ``flask rerender``.

Rendering costs time linear in the length of the text, whatever the text holds:
members choose the input, so a quadratic corner of a parser is a way to stall a
worker. The quadratic corners of Python-Markdown are bounded in
``bounded_markdown`` (blocks), ``bounded_inline`` and ``bounded_emphasis``, those
of bleach and html5lib in ``bounded_html``; the hostile corpus in
``tests/test_content_hostile.py`` and ``bench/markdown.py`` keep it that way.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Collection
from functools import partial
from typing import Literal

import bleach
import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from community import bounded_html
from community.bounded_markdown import BoundedMarkdownExtension

Profile = Literal["post", "comment"]

_INLINE_TAGS = {
    "a",
    "abbr",
    "b",
    "br",
    "code",
    "del",
    "em",
    "i",
    "kbd",
    "s",
    "strong",
    "sub",
    "sup",
}
_BLOCK_TAGS = {"blockquote", "dd", "dl", "dt", "hr", "li", "ol", "p", "pre", "ul"}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_TABLE_TAGS = {"table", "thead", "tbody", "tr", "th", "td"}

ALLOWED_TAGS: dict[Profile, frozenset[str]] = {
    "post": frozenset(_INLINE_TAGS | _BLOCK_TAGS | _HEADING_TAGS | _TABLE_TAGS),
    "comment": frozenset(_INLINE_TAGS | _BLOCK_TAGS | (_HEADING_TAGS - {"h1", "h2"})),
}
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "abbr": ["title"],
    "code": ["class"],
    "th": ["align"],
    "td": ["align"],
    "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

_MARKDOWN_EXTENSIONS: dict[Profile, list[str]] = {
    "post": ["fenced_code", "tables", "sane_lists"],
    "comment": ["fenced_code", "sane_lists"],
}


class _ImagesAsLinks(Treeprocessor):
    """Markdown images become links to the image: no third-party loads on our pages."""

    def run(self, root):
        for img in root.iter("img"):
            src, alt = img.get("src", ""), img.get("alt", "")
            img.clear()
            img.tag = "a"
            img.set("href", src)
            img.text = alt or src


class ImagesAsLinksExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_ImagesAsLinks(md), "images_as_links", 0)


#: ``@username`` where a member is meant; not inside words, emails or paths.
MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_-]{3,30})\b")
#: Distinct ``@names`` of one text looked up as members: the rest stay plain text.
MENTION_CANDIDATES_MAX = 50


def mention_candidates(text: str, limit: int = MENTION_CANDIDATES_MAX) -> list[str]:
    """The distinct ``@names`` in Markdown source, lower-cased, first ``limit`` in order.

    What a caller looks up (``accounts.mentions.existing_usernames``) before rendering:
    rendering itself reads no database. Names in code are candidates too; they are
    never linked. One pass, stopping at ``limit``.
    """
    names: dict[str, None] = {}
    for match in MENTION.finditer(text or ""):
        names[match.group(1).lower()] = None
        if len(names) >= limit:
            break
    return list(names)


class _MentionLinks(Treeprocessor):
    """``@username`` of a known member becomes a link to their profile, except inside
    links and code; any other ``@word`` stays text."""

    SKIP = frozenset({"a", "code", "pre"})

    def __init__(self, md, known: frozenset[str]):
        super().__init__(md)
        self.known = known

    def run(self, root):
        pending = [root]
        while pending:
            element = pending.pop()
            if element.tag in self.SKIP:
                continue
            pending.extend(element)
            self._link_mentions(element)

    def _link_mentions(self, element) -> None:
        """Split the element's text and its children's tails around mentions, in one pass."""
        element.text, children = self._split(element.text)
        changed = bool(children)
        for child in list(element):
            children.append(child)
            child.tail, links = self._split(child.tail)
            if links:
                children.extend(links)
                changed = True
        if changed:
            element[:] = children

    def _split(self, text: str | None) -> tuple[str | None, list]:
        """The text before the first known mention, and a link per known mention (the
        text up to the next one as its tail). Pieces are joined once: linear."""
        if not text:
            return text, []
        parts = MENTION.split(text)
        before: list[str] = [parts[0]]
        tail = before
        links = []
        for name, after in zip(parts[1::2], parts[2::2], strict=True):
            if name.lower() in self.known:
                if links:
                    links[-1].tail = "".join(tail)
                link = etree.Element("a", {"href": f"/u/{name.lower()}", "class": "mention"})
                link.text = f"@{name}"
                links.append(link)
                tail = [after]
            else:
                tail.extend(("@", name, after))
        if links:
            links[-1].tail = "".join(tail)
        return "".join(before), links


class MentionsExtension(Extension):
    def __init__(self, known: frozenset[str]):
        super().__init__()
        self.known = known

    def extendMarkdown(self, md):
        md.treeprocessors.register(_MentionLinks(md, self.known), "mentions", 15)


#: The level a text's top headings take where it is shown: a post's body (and an event's
#: description) sits under the page's ``<h1>``; comments, bios and messages sit under an
#: ``<h2>`` of their page ("Comments", "About").
HEADING_BASE: dict[Profile, int] = {"post": 2, "comment": 3}


class _ShiftHeadings(Treeprocessor):
    """Headings start at ``base`` and never skip a level going down.

    Writers pick levels by looks (the guide opens with ``###``); screen-reader users move
    through a page by its outline, which a skipped or second top level breaks. Each heading
    takes the depth of its section among the sections open above it: ``### A`` ``#### B``
    ``### C`` become h2, h3, h2 under a base of 2. One pass with a stack: linear.
    """

    def __init__(self, md, base: int):
        super().__init__(md)
        self.base = base

    def run(self, root):
        open_levels: list[int] = []
        for element in root.iter():
            if element.tag not in _HEADING_TAGS:
                continue
            level = int(element.tag[1])
            while open_levels and open_levels[-1] >= level:
                open_levels.pop()
            open_levels.append(level)
            element.tag = f"h{min(self.base + len(open_levels) - 1, 6)}"


class ShiftHeadingsExtension(Extension):
    def __init__(self, base: int):
        super().__init__()
        self.base = base

    def extendMarkdown(self, md):
        md.treeprocessors.register(_ShiftHeadings(md, self.base), "shift_headings", 5)


_CODE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]{1,30}$")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "code" and name == "class":
        return bool(_CODE_CLASS.match(value))
    if tag == "a" and name == "class":
        return value == "mention"
    return name in ALLOWED_ATTRIBUTES.get(tag, ())


def _set_link_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = LINK_REL
    return attrs


def _cleaner(profile: Profile) -> bleach.Cleaner:
    cleaner = bleach.Cleaner(
        tags=ALLOWED_TAGS[profile],
        attributes={tag: _allowed_attribute for tag in ALLOWED_TAGS[profile]},
        protocols=ALLOWED_PROTOCOLS,
        strip=False,
        strip_comments=True,
        filters=[
            partial(
                bounded_html.Linkify,
                callbacks=[_set_link_rel],
                skip_tags=["pre", "code"],
                parse_email=False,
                url_re=bounded_html.URL,
            )
        ],
    )
    return bounded_html.bound(cleaner)


_CLEANERS = {profile: _cleaner(profile) for profile in ALLOWED_TAGS}


def _markdown_html(text: str, profile: Profile, known: frozenset[str]) -> str:
    """Markdown's HTML for ``text``, before sanitising."""
    extensions = [
        *_MARKDOWN_EXTENSIONS[profile],
        BoundedMarkdownExtension(),
        ImagesAsLinksExtension(),
        ShiftHeadingsExtension(HEADING_BASE[profile]),
    ]
    if known:
        extensions.append(MentionsExtension(known))
    return markdown.markdown(text, extensions=extensions, output_format="html")


def render_markdown(text: str, profile: Profile = "comment", mentions: Collection[str] = ()) -> str:
    """Turn member-written Markdown into HTML that is safe to show to everyone.

    Raw HTML in the source is escaped (shown as text) unless its tag is on the
    allowlist; ``@username`` links to the member's profile when ``mentions`` (the
    names of existing members among ``mention_candidates(text)``, found by the caller:
    ``accounts.mentions.render_member_markdown``) holds it, case-insensitively, and
    stays text otherwise, so a link never leads to nobody; links get
    ``rel="nofollow ugc noopener"``; only http, https and
    mailto links survive. ``profile`` picks the allowlist: posts also get
    tables. Headings start below the heading of the page or section the text
    is shown under (``HEADING_BASE``), without skipped levels. Time is linear in
    the length of ``text``; structure nested deeper than the ``bounded_*``
    modules allow is shown as text.
    """
    source = (text or "").replace("\r\n", "\n")
    known = frozenset(name.lower() for name in mentions)
    return bounded_html.clean(_CLEANERS[profile], _markdown_html(source, profile, known))


def plain_text(html: str) -> str:
    """The text a reader sees in rendered HTML, with tags and entities removed."""
    return Markup(html).striptags()


def excerpt(html: str, length: int = 200) -> str:
    """A short plain-text preview of rendered HTML, cut at a word boundary."""
    text = plain_text(html)
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:-") + "…"


_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(title: str, max_length: int = 80) -> str:
    """A URL-friendly form of a title; ids make URLs unique, slugs make them readable."""
    slug = _NON_SLUG.sub("-", title.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "post"
