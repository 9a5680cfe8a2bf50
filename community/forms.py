"""What every form shares: NUL-free input, trimmed text, choices, checkbox lists."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
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
