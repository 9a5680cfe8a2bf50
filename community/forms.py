"""What every form shares: NUL-free input, trimmed text, choices, checkbox lists."""

from __future__ import annotations

from collections.abc import Iterable

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import SUBMIT_METHODS, _Auto
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
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
