"""What every form shares: NUL-free input, trimmed text, choices, checkbox lists."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import SUBMIT_METHODS, _Auto
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

MARKDOWN_HINT = "Markdown: **bold**, _italic_, [links](https://example.com), lists."


def without_nul(value):
    """PostgreSQL text can't hold NUL characters; drop them rather than fail on save."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def strip_whitespace(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """The base of every form: each field drops NUL characters before its own filters run."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            """Only urlencoded or multipart text fields: no form here takes a file or JSON.

            A text field sent as a file part, or a JSON body, reads as a missing field
            (a message next to it), never as an object a validator chokes on.
            """
            if formdata is not _Auto:
                return formdata
            if request.method in SUBMIT_METHODS and request.form:
                return request.form
            return None

        def bind_field(self, form, unbound_field, options):
            filters = [without_nul, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, **{**options, "filters": filters})


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of labelled checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


#: Letters that draw nothing: Hangul fillers and the blank Braille pattern.
_BLANK_LETTERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")
#: Format, control and separator characters, and marks that have no letter to sit on.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


def has_visible_text(value: str | None) -> bool:
    """Whether ``value`` would show at least one visible character once rendered.

    Whitespace of every kind, zero-width characters (U+200B, U+200C, U+200D, U+2060,
    U+FEFF), HTML comments and entities standing for any of them (``&nbsp;``) show
    nothing, so text made only of them is empty to a reader.
    """
    if not value:
        return False
    text = html.unescape(_HTML_COMMENT.sub("", value))
    return any(
        not char.isspace()
        and char not in _BLANK_LETTERS
        and unicodedata.category(char) not in _INVISIBLE_CATEGORIES
        for char in text
    )


def http_url(message: str = "Links must start with http:// or https://.") -> Callable:
    """A validator for member-given links: empty, or an http(s) URL with a host, no spaces."""

    def check(form, field) -> None:
        value = field.data or ""
        if not value:
            return
        scheme, _, rest = value.partition("://")
        host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        if scheme.lower() not in ("http", "https") or not host:
            raise ValidationError(message)
        if any(char.isspace() or not char.isprintable() for char in value):
            raise ValidationError("Links can't contain spaces.")

    return check


def visible_text_required(message: str) -> Callable:
    """A validator refusing empty, blank or invisible-only text with ``message``.

    Use it instead of ``InputRequired``/``DataRequired`` on titles, bodies, headlines and
    messages; like them it stops the field's other validators.
    """

    def check(form, field) -> None:
        if not has_visible_text(field.data):
            field.errors[:] = []
            raise StopValidation(message)

    check.field_flags = {"required": True}
    return check
