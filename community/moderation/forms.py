"""Moderation forms. Every moderator action carries a ``reason`` that goes in the public log."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from community.accounts.models import Role
from community.discussions.forms import PostForm
from community.discussions.models import TAG_MAX
from community.forms import BaseForm, choices, strip_whitespace, visible_text_required
from community.moderation.models import (
    APPEAL_MAX,
    FLAG_DETAILS_MAX,
    FLAG_REASON_LABELS,
    REASON_MAX,
)

#: How far ahead a dated suspension may end; longer ones are "until lifted".
SUSPENSION_YEARS_MAX = 5


def reason_field(
    label: str = "Reason (public, in the moderation log)", required: bool = True
) -> StringField:
    """The reason a moderator gives, for the public log. Curation that explains itself
    (mapping a role, editing a catalogue entry) takes an optional one."""
    validators = [Length(max=REASON_MAX, message=f"Up to {REASON_MAX} characters.")]
    if required:
        validators.insert(
            0, visible_text_required("Give a reason: it goes in the public moderation log.")
        )
    return StringField(
        label,
        filters=[strip_whitespace],
        validators=validators,
        description="" if required else "Shown in the public moderation log.",
    )


class ReasonForm(BaseForm):
    """One moderator action on one object: the reason is all it asks."""

    reason = reason_field()


class FlagForm(BaseForm):
    reason = RadioField(
        "Why should moderators look at this?",
        choices=choices((reason.value, label) for reason, label in FLAG_REASON_LABELS.items()),
        validators=[InputRequired("Choose a reason.")],
    )
    details = TextAreaField(
        "Details",
        filters=[strip_whitespace],
        validators=[Length(max=FLAG_DETAILS_MAX, message=f"Up to {FLAG_DETAILS_MAX} characters.")],
        description="Needed for “something else”; helpful for the rest.",
    )

    def validate_details(self, field) -> None:
        if self.reason.data == "other" and not field.data:
            raise ValidationError("Say what is wrong, so moderators know what to look for.")


class SuspendForm(BaseForm):
    reason = reason_field("Reason (the member is told; public in the moderation log)")
    until = DateField(
        "Until (optional)",
        validators=[Optional()],
        description="The suspension ends at the start of this day (UTC); empty: until lifted.",
    )

    def validate_until(self, field) -> None:
        if field.data is None:
            return
        today = date.today()
        if field.data <= today:
            raise ValidationError("Choose a day after today.")
        if field.data.year > today.year + SUSPENSION_YEARS_MAX:
            raise ValidationError(
                f"At most {SUSPENSION_YEARS_MAX} years ahead; leave it empty for until lifted."
            )

    @property
    def ends_at(self) -> datetime | None:
        day = self.until.data
        return datetime.combine(day, time(), tzinfo=UTC) if day else None


class AppealForm(BaseForm):
    appeal = TextAreaField(
        "Why should the suspension be reconsidered?",
        filters=[strip_whitespace],
        validators=[
            visible_text_required("Say why the suspension should be reconsidered."),
            Length(max=APPEAL_MAX, message=f"Up to {APPEAL_MAX:,} characters."),
        ],
    )


class RoleForm(BaseForm):
    username = StringField(
        "Member's username",
        filters=[strip_whitespace],
        validators=[InputRequired("Name the member."), Length(max=40)],
    )
    role = SelectField(
        "Role",
        choices=choices((role.value, role.value.capitalize()) for role in Role),
        validators=[InputRequired("Choose a role.")],
    )
    reason = reason_field()


class CurateForm(PostForm):
    """A moderator corrects a post's title and tags; the body stays the author's."""

    body = None
    reason = reason_field()


class MergeTagsForm(BaseForm):
    source = StringField(
        "Duplicate tag",
        filters=[strip_whitespace],
        validators=[InputRequired("Name the duplicate tag."), Length(max=TAG_MAX + 1)],
    )
    target = StringField(
        "Merge into",
        filters=[strip_whitespace],
        validators=[InputRequired("Name the tag to keep."), Length(max=TAG_MAX + 1)],
    )
    reason = reason_field()
