"""Forms of the plan page: roles, sharing, goals and comments on goals."""

from __future__ import annotations

from datetime import date, datetime

from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from community.discussions.comment_models import ROLE_MAX, Step
from community.forms import (
    MARKDOWN_HINT,
    BaseForm,
    choices,
    strip_whitespace,
    visible_text_required,
)
from community.plans.models import (
    GOAL_COMMENT_MAX,
    GOAL_TITLE_MAX,
    NOTE_MAX,
    TARGETS_MAX,
    Horizon,
    Visibility,
)

#: Due dates further out than this are typing mistakes ("20266-01-01"), not plans.
DUE_YEARS_AHEAD = 10


class DueDateField(DateField):
    """A date as the browser's date picker sends it, with a message a member understands."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip()[:20], "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError("Enter the date as YYYY-MM-DD, e.g. 2027-03-31.") from None


def _not_too_far(form, field) -> None:
    if field.data and field.data.year > date.today().year + DUE_YEARS_AHEAD:
        raise ValidationError(f"Choose a date within {DUE_YEARS_AHEAD} years.")


class RolesForm(BaseForm):
    current_role = StringField(
        "Where you are now",
        filters=[strip_whitespace],
        validators=[Length(max=ROLE_MAX, message=f"Up to {ROLE_MAX} characters.")],
        description="Your current role, e.g. Teacher or Accountant.",
    )
    targets = StringField(
        "Where you are going",
        filters=[strip_whitespace],
        validators=[
            Length(
                max=TARGETS_MAX * (ROLE_MAX + 2),
                message=f"Up to {TARGETS_MAX} roles of {ROLE_MAX} characters each.",
            )
        ],
        description=f"One or more target roles (up to {TARGETS_MAX}), separated by commas: "
        "Data analyst, Product manager.",
    )


class VisibilityForm(BaseForm):
    visibility = RadioField(
        "Who sees your plan",
        choices=choices((item.value, item.label) for item in Visibility),
        validators=[InputRequired("Choose who sees your plan.")],
    )


class GoalForm(BaseForm):
    title = StringField(
        "Goal",
        filters=[strip_whitespace],
        validators=[
            visible_text_required("Say what the goal is."),
            Length(max=GOAL_TITLE_MAX, message=f"A goal holds up to {GOAL_TITLE_MAX} characters."),
        ],
    )
    horizon = SelectField(
        "Horizon",
        choices=choices((item.value, item.label) for item in Horizon),
        validators=[InputRequired("Choose a horizon: 3–6, 6–12 or 12–24 months.")],
    )
    due = DueDateField("Due (optional)", validators=[Optional(), _not_too_far])
    step = SelectField(
        "Guide step it serves",
        choices=choices([("", "None in particular")] + [(s.value, s.label) for s in Step]),
        validators=[Optional()],
    )
    note = TextAreaField(
        "Note (optional)",
        validators=[Length(max=NOTE_MAX, message=f"A note holds up to {NOTE_MAX:,} characters.")],
        description=f"Only you (and your mentors, if you share the plan) see it. {MARKDOWN_HINT}",
    )

    @property
    def step_value(self) -> Step | None:
        return Step(self.step.data) if self.step.data else None


class GoalCommentForm(BaseForm):
    body = TextAreaField(
        "Comment",
        validators=[
            visible_text_required("Write a comment first."),
            Length(
                max=GOAL_COMMENT_MAX,
                message=f"A comment holds up to {GOAL_COMMENT_MAX:,} characters.",
            ),
        ],
        description=f"Private: only the member and their mentors see it. {MARKDOWN_HINT}",
    )
