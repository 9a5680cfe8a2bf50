"""Generated avatars: a member's initials on a colour of their own, drawn as SVG.

No uploads and no outside service: the picture follows from the account alone, so it
costs nothing to store, can't carry anyone's photo or tracking, and reads the same on
every page. The colour comes from the username (which never changes), so it stays put
when the display name does; the initials come from the display name, else the username.
Every colour in ``PALETTE`` holds WCAG AA contrast (4.5:1 or more) against ``TEXT_COLOUR``.

The same SVG is served by ``/u/<username>/avatar.svg`` and drawn inline by the ``avatar``
template global; everything a member wrote is escaped, and the work is bounded however
long or strange a name is.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

#: White initials on darker colours; each pair is 5:1 or better except olive (5.9) and
#: green (5.1), all above the 4.5:1 that WCAG AA asks of normal text.
TEXT_COLOUR = "#ffffff"
PALETTE: tuple[str, ...] = (
    "#1565c0",  # blue
    "#3f51b5",  # indigo
    "#5e35b1",  # deep purple
    "#6a1b9a",  # purple
    "#ad1457",  # pink
    "#a0342f",  # red
    "#b23c17",  # burnt orange
    "#8a4b08",  # brown
    "#5d6b00",  # olive
    "#2e7d32",  # green
    "#00695c",  # teal
    "#455a64",  # blue grey
)
#: A deleted member's avatar: no initials, no colour of their own.
GONE_COLOUR = "#6b7280"

#: How much of a name is read: display names hold 60 characters, usernames 30.
_NAME_SCAN = 200
#: A letter keeps at most this many marks (accents, vowel signs); the rest is noise.
_MARKS_KEPT = 3
#: No cluster (an emoji family, a flag with tags) is longer than this many code points.
_CLUSTER_MAX = 12
_ZWJ = "\u200d"
_ZWNJ = "\u200c"
#: Scripts whose letters join their neighbours; their two initials are kept apart.
_JOINING_SCRIPTS = ("ARABIC", "SYRIAC", "NKO", "MONGOLIAN", "MANDAIC", "ADLAM")
_SEPARATORS = frozenset("-_.·・")


def colour_for(username: str) -> str:
    """The member's background colour: the same username always gets the same colour.

    A hash, not Python's ``hash()`` (which changes between processes).
    """
    digest = hashlib.sha256((username or "").lower().encode("utf-8")).digest()
    return PALETTE[int.from_bytes(digest[:4], "big") % len(PALETTE)]


def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


def _is_regional_indicator(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def _is_extender(char: str) -> bool:
    """Code points that belong to the character before them in an emoji."""
    return (
        "\U0001f3fb" <= char <= "\U0001f3ff"  # skin tones
        or "\U000e0020" <= char <= "\U000e007f"  # tag sequences (subdivision flags)
        or char in "\ufe0e\ufe0f\u20e3"  # text/emoji presentation, keycap
    )


def graphemes(text: str, limit: int) -> list[str]:
    """The first ``limit`` user-perceived characters of ``text``.

    A simplified reading of Unicode's grapheme clusters, enough for initials: a letter
    with its marks (é, कि), a consonant joined by a virama (क्ष), an emoji with its skin
    tone, presentation selector or ZWJ partners (👩‍💻), a flag of two regional indicators.
    """
    clusters: list[str] = []
    index, length = 0, len(text)
    while index < length and len(clusters) < limit:
        cluster = text[index]
        index += 1
        marks = 0
        while index < length and len(cluster) < _CLUSTER_MAX:
            char = text[index]
            previous = cluster[-1]
            if _is_mark(char) or _is_extender(char):
                if _is_mark(char) and not _is_extender(char):
                    marks += 1
                    if marks > _MARKS_KEPT:  # swallow the rest of a pile of marks
                        index += 1
                        continue
                cluster += char
            elif char == _ZWJ and index + 1 < length:
                cluster += char + text[index + 1]
                index += 1
            elif unicodedata.combining(previous) == 9 and unicodedata.category(char) == "Lo":
                cluster += char  # a virama joins the next consonant into a conjunct
            elif (
                _is_regional_indicator(char)
                and _is_regional_indicator(previous)
                and len(cluster) == 1
            ):
                cluster += char
            else:
                break
            index += 1
        while index < length and _is_mark(text[index]) and len(cluster) >= _CLUSTER_MAX:
            index += 1  # marks past the cap belong to this cluster, not the next one
        clusters.append(cluster)
    return clusters


def _is_wordlike(cluster: str) -> bool:
    """A cluster that can stand for a name: a letter or digit of any script."""
    return unicodedata.category(cluster[0])[0] in "LN"


def _is_shown(cluster: str) -> bool:
    """Not a control, format (bidi override, zero-width), space, lone mark or unassigned."""
    return unicodedata.category(cluster[0])[0] not in "CZM"


def _is_wide(cluster: str) -> bool:
    """CJK, Hangul, kana and emoji: one of these fills an avatar on its own."""
    return unicodedata.east_asian_width(cluster[0]) in ("W", "F")


def _capital(cluster: str) -> str:
    """Upper case when it stays one letter ("ß" would become "SS": left as it is)."""
    upper = cluster.upper()
    return upper if len(upper) == len(cluster) else cluster


def _joins(cluster: str) -> bool:
    name = unicodedata.name(cluster[0], "")
    return name.startswith(_JOINING_SCRIPTS)


def _words(name: str) -> list[str]:
    text = unicodedata.normalize("NFC", name[:_NAME_SCAN])
    spaced = "".join(" " if char in _SEPARATORS else char for char in text)
    return spaced.split()


def _first_wordlike(word: str) -> str | None:
    for cluster in graphemes(word, len(word)):
        if _is_wordlike(cluster):
            return cluster
    return None


def initials(display_name: str | None, username: str = "") -> str:
    """One or two letters for the avatar: first and last word of the display name, else of
    the username ("Mira Jones" → "MJ", "mira_k" → "MK", "Ana" → "A").

    Any script: letters keep their marks, a CJK or Hangul name gives its first character,
    Arabic initials are kept from joining into one word. A name without letters or digits
    (only emoji, only punctuation) gives its first character; an empty result is "?".
    """
    for name in (display_name or "", username or ""):
        words = _words(name)
        firsts = [first for first in map(_first_wordlike, words) if first is not None]
        if firsts:
            first, last = firsts[0], firsts[-1]
            if len(firsts) == 1 or _is_wide(first):
                return _capital(first)
            separator = _ZWNJ if _joins(first) and _joins(last) else ""
            return _capital(first) + separator + _capital(last)
        shown = [cluster for cluster in graphemes("".join(words), _NAME_SCAN) if _is_shown(cluster)]
        if shown:
            return shown[0]
    return "?"


@dataclass(frozen=True)
class Avatar:
    """What an avatar shows: its letters and its background."""

    letters: str
    background: str

    @classmethod
    def of(cls, user) -> Avatar:
        """A member's avatar; a deleted member's shows no letters and no colour of theirs."""
        if getattr(user, "is_deleted", False):
            return cls("", GONE_COLOUR)
        return cls(initials(user.display_name, user.username), colour_for(user.username))


_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"


def _font_size(letters: str) -> int:
    """Smaller for two letters, smaller still for clusters of several code points (a
    Devanagari conjunct with its vowel sign), so the initials stay inside the circle."""
    if not letters or len(letters) == 1 or (_is_wide(letters) and len(graphemes(letters, 2)) == 1):
        return 28
    if len(letters.replace(_ZWNJ, "")) > 2:
        return 20
    return 24


def render_svg(avatar: Avatar, size: int = 64, *, standalone: bool = False) -> Markup:
    """The avatar as an SVG element ``size`` pixels square.

    Inline (the default) it is decorative (``aria-hidden``): the member's name is always
    written next to it. ``standalone`` adds the XML namespace a file served on its own needs.
    """
    size = max(8, min(int(size), 512))
    letters = escape(avatar.letters)
    font_size = _font_size(avatar.letters)
    namespace = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    text = (
        f'<text x="32" y="32" dy="0.35em" text-anchor="middle" fill="{TEXT_COLOUR}" '
        f'font-family="{_FONT}" font-size="{font_size}" font-weight="600">{letters}</text>'
        if avatar.letters
        else ""
    )
    return Markup(
        f'<svg{namespace} class="avatar" width="{size}" height="{size}" viewBox="0 0 64 64" '
        f'aria-hidden="true" focusable="false">'
        f'<circle cx="32" cy="32" r="32" fill="{avatar.background}"/>{text}</svg>'
    )


def avatar_svg(user, size: int = 64) -> Markup:
    """The ``avatar(user, size)`` template global: a member's avatar drawn inline."""
    return render_svg(Avatar.of(user), size)


def avatar_document(user) -> bytes:
    """The avatar as an SVG file (``/u/<username>/avatar.svg``)."""
    return render_svg(Avatar.of(user), 64, standalone=True).encode("utf-8")
