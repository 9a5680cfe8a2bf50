"""Discussion forms. Field names follow DESIGN.md and become the HTML names."""

from __future__ import annotations

import re

from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from community.discussions.comment_models import (
    COMMENT_BODY_MAX,
    MONTHS_MAX,
    OUTCOME_LABELS,
    ROLE_MAX,
    STEP_LABELS,
)
from community.discussions.models import (
    POST_BODY_MAX,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
    is_valid_tag,
    normalise_tag,
)
from community.forms import BaseForm, CheckboxListField, strip_whitespace, visible_text_required
from community.urls import ID_MAX

#: An experience keeps at least one step (without one it would be a plain comment).
STEPS_REQUIRED = "Tick at least one step that worked for you."


def split_tags(text: str | None) -> list[str]:
    """Tags as typed, comma- or space-separated, normalised, duplicates dropped."""
    names = (normalise_tag(name) for name in re.split(r"[,\s]+", text or ""))
    return list(dict.fromkeys(name for name in names if name))


class PostForm(BaseForm):
    title = StringField(
        "Title",
        filters=[strip_whitespace],
        validators=[
            visible_text_required("Give your post a title."),
            Length(max=TITLE_MAX, message=f"Titles are up to {TITLE_MAX} characters."),
        ],
    )
    body = TextAreaField(
        "Body",
        validators=[
            visible_text_required("Write the body of your post."),
            Length(max=POST_BODY_MAX, message=f"A post holds up to {POST_BODY_MAX:,} characters."),
        ],
        description="Markdown: **bold**, _italic_, [links](https://example.com), lists, tables.",
    )
    tags = StringField(
        "Tags",
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=200)],
        description=f"Up to {TAGS_MAX}, separated by commas: e.g. data-analysis, bootcamps.",
    )

    def validate_tags(self, field) -> None:
        names = split_tags(field.data)
        if len(names) > TAGS_MAX:
            raise ValidationError(f"Use at most {TAGS_MAX} tags.")
        bad = [name for name in names if not is_valid_tag(name)]
        if bad:
            raise ValidationError(
                f"Tags are up to {TAG_MAX} letters, digits and hyphens: {', '.join(bad)}"
            )

    @property
    def tag_names(self) -> list[str]:
        return split_tags(self.tags.data)


def _body_field(label: str = "Your comment") -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            visible_text_required("Write something before posting."),
            Length(
                max=COMMENT_BODY_MAX,
                message=f"A comment holds up to {COMMENT_BODY_MAX:,} characters.",
            ),
        ],
        description="Markdown: **bold**, _italic_, [links](https://example.com), lists. "
        "Mention someone with @username.",
    )


class ExperienceFields:
    """An experience's details: offered when sharing one under the guide, and when its
    author updates it later (same names, same limits)."""

    steps = CheckboxListField(
        "Steps that worked for you",
        choices=[SelectChoice(step.value, label) for step, label in STEP_LABELS.items()],
        validate_choice=True,
    )
    from_role = StringField(
        "Where you started (role)",
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=ROLE_MAX, message=f"Up to {ROLE_MAX} characters.")],
    )
    to_role = StringField(
        "Where you went (role)",
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=ROLE_MAX, message=f"Up to {ROLE_MAX} characters.")],
    )
    months = IntegerField(
        "Months it took",
        validators=[
            Optional(),
            NumberRange(0, MONTHS_MAX, f"Enter a number of months from 0 to {MONTHS_MAX}."),
        ],
    )
    outcome = SelectField(
        "Outcome",
        choices=[
            SelectChoice("", "—"),
            *(SelectChoice(outcome.value, label) for outcome, label in OUTCOME_LABELS.items()),
        ],
        validators=[Optional()],
    )


class CommentForm(ExperienceFields, BaseForm):
    """A comment or a reply; the experience fields are offered on top-level comments under
    the guide."""

    body = _body_field()
    parent_id = HiddenField()

    def validate_parent_id(self, field) -> None:
        """An id no comment can have (not a number, or past the column's range) is refused here,
        before it reaches the database."""
        value = str(field.data or "")
        if value and not (
            value.isascii()
            and value.isdigit()
            and len(value) <= len(str(ID_MAX))
            and 0 < int(value) <= ID_MAX
        ):
            raise ValidationError("The comment you replied to is not in this discussion.")

    @property
    def parent(self) -> int | None:
        return int(self.parent_id.data) if self.parent_id.data else None


class EditCommentForm(BaseForm):
    body = _body_field("Comment")


class EditExperienceForm(ExperienceFields, EditCommentForm):
    """An experience's author updating it: the body and its details, as when shared."""

    def validate_steps(self, field) -> None:
        if not field.data:
            raise ValidationError(STEPS_REQUIRED)
