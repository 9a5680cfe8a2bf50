"""Generated avatars: initials in any script, a colour per username, escaped SVG, the route."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from community.accounts import avatars
from community.accounts.avatars import PALETTE, TEXT_COLOUR, Avatar, colour_for, initials
from community.accounts.models import User
from community.extensions import db
from community.timeutil import utcnow
from tests.conftest import count_queries, make_user

SVG = "{http://www.w3.org/2000/svg}"


def contrast(background: str, foreground: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(background), luminance(foreground)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# --- colours -------------------------------------------------------------------------------


def test_every_colour_meets_wcag_aa_against_the_initials():
    assert len(set(PALETTE)) == len(PALETTE) >= 8
    for colour in (*PALETTE, avatars.GONE_COLOUR):
        assert contrast(colour, TEXT_COLOUR) >= 4.5, colour


def test_a_username_keeps_its_colour():
    # Pinned: a change of hash would repaint every member at once.
    assert colour_for("mira") == "#6a1b9a"
    assert colour_for("mira") == colour_for("MIRA") == colour_for("mira")
    assert colour_for("ayo") in PALETTE


def test_colours_spread_over_the_palette():
    used = {colour_for(f"member{number}") for number in range(200)}
    assert used == set(PALETTE)


def test_the_colour_follows_the_username_not_the_display_name():
    before = Avatar.of(User(username="mira", display_name="Mira Jones"))
    after = Avatar.of(User(username="mira", display_name="Dr. Mira Okafor"))
    assert before.background == after.background
    assert (before.letters, after.letters) == ("MJ", "DO")


# --- initials ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("display_name", "username", "expected"),
    [
        ("Mira Jones", "mira", "MJ"),
        ("mira jones", "mira", "MJ"),
        ("Mary Ann de la Cruz", "mary", "MC"),
        ("Jean-Luc Picard", "jl", "JP"),
        ("Ana", "ana", "A"),
        ("A", "someone", "A"),
        (None, "mira_k", "MK"),
        ("", "mira-k", "MK"),
        ("   \t ", "solo", "S"),
        (None, "ab3", "A"),
        # scripts
        ("José Álvarez", "jose", "JÁ"),
        ("e\u0301mile zola", "emile", "ÉZ"),  # a decomposed accent stays with its letter
        ("Юлия Петрова", "yulia", "ЮП"),
        ("Ελένη Παππά", "eleni", "ΕΠ"),
        ("محمد علي", "mohammed", "م\u200cع"),  # kept from joining into one word
        ("דוד כהן", "david", "דכ"),
        ("山田 太郎", "yamada", "山"),
        ("김민수", "minsu", "김"),
        ("प्रिया शर्मा", "priya", "प्रिश"),  # a conjunct and a vowel sign stay whole
        ("ßtraße", "strasse", "ß"),  # upper case would make it two letters
        # emoji and symbols
        ("🚀 Rocket Ray", "ray", "RR"),
        ("Anna 🌱", "anna", "A"),
        ("🚀🔥", "rocket", "🚀"),
        ("👩\u200d💻", "coder", "👩\u200d💻"),
        ("👍🏽", "thumbs", "👍🏽"),
        ("🇫🇷", "french", "🇫🇷"),
        ("@mira (she/her)", "mira", "MS"),
        ("<script>alert(1)</script>", "hostile", "S"),
        ("<<<>>>", "hostile", "<"),
        ("&", "amp", "&"),
        # invisible and hostile text
        ("\u202eadmin", "admin2", "A"),
        ("\u200b\u200b", "zero", "Z"),
        ("\u202e", "override", "O"),
        ("Z" + "\u0336" * 500 + "algo", "zalgo", "Z\u0336\u0336\u0336"),
    ],
)
def test_initials(display_name, username, expected):
    assert initials(display_name, username) == expected


def test_initials_of_very_long_names_read_a_bounded_part():
    assert initials("x" * 1_000_000, "long") == "X"
    # Only the start is read: the last word is the last one read, not "Zed".
    assert initials(" ".join(["word"] * 200_000) + " Zed", "long") == "WW"
    assert initials("\u0301" * 1_000_000, "marks") == "M"
    assert initials("🚀" * 100_000, "emoji") == "🚀"


def test_initials_are_at_most_two_characters_as_a_reader_sees_them():
    for name in ("Ann Bo Cy Dee", "a b c d e f", "Ψ Ω", "李 小 龍"):
        letters = initials(name, "x").replace("\u200c", "")
        assert 1 <= len(avatars.graphemes(letters, 10)) <= 2


# --- the SVG -------------------------------------------------------------------------------


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def test_the_svg_escapes_what_a_member_wrote():
    for letters in ("<", "&", '"', "<script>", "]]>", "'"):
        svg = str(avatars.render_svg(Avatar(letters, PALETTE[0])))
        assert "<script" not in svg
        tree = parse(svg)
        assert tree.find(f"{SVG}text").text == letters


def test_the_svg_is_decorative_sized_and_coloured():
    svg = str(avatars.avatar_svg(User(username="mira", display_name="Mira Jones"), 20))
    assert 'width="20" height="20"' in svg
    assert 'aria-hidden="true"' in svg
    tree = parse(svg)
    assert tree.find(f"{SVG}circle").get("fill") == "#6a1b9a"
    assert tree.find(f"{SVG}text").text == "MJ"
    assert tree.find(f"{SVG}text").get("fill") == TEXT_COLOUR
    huge = str(avatars.render_svg(Avatar("A", PALETTE[0]), 10**9))
    assert 'width="512"' in huge


def test_a_deleted_member_has_no_initials_and_no_colour_of_their_own():
    gone = User(username="mira", display_name="Mira Jones", deleted_at=utcnow())
    svg = str(avatars.avatar_svg(gone))
    assert "<text" not in svg and avatars.GONE_COLOUR in svg


# --- /u/<username>/avatar.svg ----------------------------------------------------------------


def test_the_route_serves_a_cacheable_svg(app, client):
    user = make_user("mira")
    user.display_name = "Mira Jones"
    db.session.commit()
    response = client.get("/u/mira/avatar.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "public" in response.headers["Cache-Control"]
    assert "max-age=3600" in response.headers["Cache-Control"]
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    tree = ET.fromstring(response.data)
    assert tree.tag == f"{SVG}svg"
    assert tree.find(f"{SVG}text").text == "MJ"

    etag = response.headers["ETag"]
    again = client.get("/u/mira/avatar.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    # Case in the URL does not matter, as for the profile.
    assert client.get("/u/MIRA/avatar.svg").headers["ETag"] == etag

    user.display_name = "Mira Okafor"
    db.session.commit()
    renamed = client.get("/u/mira/avatar.svg", headers={"If-None-Match": etag})
    assert renamed.status_code == 200 and renamed.headers["ETag"] != etag


def test_the_route_costs_one_query(app, client):
    make_user("mira")
    with count_queries() as statements:
        assert client.get("/u/mira/avatar.svg").status_code == 200
    assert len(statements) == 1
    with count_queries() as statements:
        assert client.get("/u/a%00b/avatar.svg").status_code == 404
    assert statements == []


def test_unknown_and_deleted_members_have_no_avatar(app, client):
    user = make_user("gone")
    assert client.get("/u/gone/avatar.svg").status_code == 200
    user.deleted_at = utcnow()
    db.session.commit()
    assert client.get("/u/gone/avatar.svg").status_code == 404
    assert client.get("/u/nobody/avatar.svg").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/u/a%00b/avatar.svg",
        "/u/" + "x" * 300 + "/avatar.svg",
        "/u/%3Cscript%3E/avatar.svg",
        "/u/%E2%80%8B/avatar.svg",
        "/u/..%2f..%2fetc/avatar.svg",
        "/u/mira%20/avatar.svg",
    ],
)
def test_hostile_usernames_are_404(app, client, path):
    make_user("mira")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "display_name",
    [
        "<script>alert(1)</script>",
        '"><svg onload=alert(1)>',
        "&&&",
        "]]><!--",
        "\u202e\u0000x",
        "🚀" * 30,
        "Ж" * 60,
    ],
)
def test_hostile_display_names_give_well_formed_svg(app, client, display_name):
    user = make_user("hostile")
    user.display_name = display_name.replace("\u0000", "")
    db.session.commit()
    response = client.get("/u/hostile/avatar.svg")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<script" not in body and "onload" not in body
    tree = ET.fromstring(response.data)
    assert [child.tag for child in tree] in (
        [f"{SVG}circle", f"{SVG}text"],
        [f"{SVG}circle"],
    )
