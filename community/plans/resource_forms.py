"""Forms of the learning resources catalogue, a resource on a plan, and portfolio projects.

Shape and limits of the input only; ``resources`` and ``portfolio`` store it.
"""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from community.forms import (
    MARKDOWN_HINT,
    BaseForm,
    choices,
    has_visible_text,
    http_url,
    strip_whitespace,
    visible_text_required,
)
from community.moderation.forms import reason_field
from community.plans.models import (
    PROJECT_DESCRIPTION_MAX,
    PROJECT_TITLE_MAX,
    PROVIDER_MAX,
    RESOURCE_DESCRIPTION_MAX,
    RESOURCE_TITLE_MAX,
    REVIEW_MAX,
    SKILLS_MAX,
    URL_MAX,
    ResourceKind,
    ResourceStatus,
)

#: Skills a project lists at most, and the length of one.
SKILLS_COUNT_MAX = 15
SKILL_MAX = 40

REVIEW_HINT = (
    "Public: your review shows on this resource's page with your name. "
    f"Only for resources you completed; up to {REVIEW_MAX:,} characters. {MARKDOWN_HINT}"
)


def _link(label: str, required: bool, description: str = "") -> StringField:
    validators = [
        Length(max=URL_MAX, message=f"Links are up to {URL_MAX} characters."),
        http_url(),
    ]
    if required:
        validators.insert(0, InputRequired("Give the link to the course or certification."))
    return StringField(
        label,
        filters=[strip_whitespace],
        validators=validators,
        description=description,
        render_kw={"inputmode": "url", "placeholder": "https://"},
    )


def _status_field(label: str = "Status") -> SelectField:
    return SelectField(
        label,
        choices=choices((status.value, status.label) for status in ResourceStatus),
        default=ResourceStatus.PLANNED.value,
        validators=[InputRequired("Choose planned, in progress or completed.")],
    )


# --- the catalogue -------------------------------------------------------------------------


class ResourceForm(BaseForm):
    """A catalogue entry, as moderators add and edit it."""

    title = StringField(
        "Title",
        filters=[strip_whitespace],
        validators=[
            visible_text_required("Give the course or certification its title."),
            Length(
                max=RESOURCE_TITLE_MAX,
                message=f"A title holds up to {RESOURCE_TITLE_MAX} characters.",
            ),
        ],
    )
    provider = StringField(
        "Provider",
        filters=[strip_whitespace],
        validators=[Length(max=PROVIDER_MAX, message=f"Up to {PROVIDER_MAX} characters.")],
        description="Who offers it: Coursera, edX, a university, a professional body.",
    )
    url = _link("Link", required=True, description="The provider's page for it (http or https).")
    kind = SelectField(
        "Kind",
        choices=choices((kind.value, kind.label) for kind in ResourceKind),
        validators=[InputRequired("Choose course or certification.")],
    )
    track = StringField(
        "Track",
        filters=[strip_whitespace],
        validators=[Length(max=PROVIDER_MAX, message=f"Up to {PROVIDER_MAX} characters.")],
        description="The kind of role it prepares for, e.g. Automation/AI or Project management.",
    )
    description = TextAreaField(
        "Description",
        validators=[
            Length(
                max=RESOURCE_DESCRIPTION_MAX,
                message=f"A description holds up to {RESOURCE_DESCRIPTION_MAX:,} characters.",
            )
        ],
        description=MARKDOWN_HINT,
    )
    reason = reason_field("Reason (optional)", required=False)

    @property
    def kind_value(self) -> ResourceKind:
        return ResourceKind(self.kind.data)


class CatalogueFilterForm(BaseForm):
    """The catalogue's filters: a GET form whose values come from the query string."""

    class Meta:
        csrf = False

    kind = SelectField(
        "Kind",
        choices=choices(
            [("", "Courses and certifications")] + [(k.value, k.label + "s") for k in ResourceKind]
        ),
        validators=[Optional()],
    )
    track = SelectField("Track", validators=[Optional()])

    def __init__(self, *args, tracks: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.track.choices = choices([("", "Every track")] + [(name, name) for name in tracks])


# --- a resource on a plan ------------------------------------------------------------------


class PlanEntryForm(BaseForm):
    """Add a resource to one's plan, or change its status and review."""

    status = _status_field()
    review = TextAreaField(
        "Your review (optional)",
        validators=[
            Length(max=REVIEW_MAX, message=f"A review holds up to {REVIEW_MAX:,} characters.")
        ],
        description=REVIEW_HINT,
    )

    @property
    def status_value(self) -> ResourceStatus:
        return ResourceStatus(self.status.data)

    @property
    def review_value(self) -> str | None:
        """The review as sent, or None when the form had no review field (keep the saved one)."""
        return self.review.data or "" if self.review.raw_data else None

    def validate_review(self, field) -> None:
        if has_visible_text(field.data) and self.status.data != ResourceStatus.COMPLETED.value:
            raise ValidationError(
                "Reviews are for resources you completed: choose Completed, "
                "or leave the review empty."
            )


# --- portfolio -----------------------------------------------------------------------------


def tidy_skills(text: str | None) -> str:
    """ "python ,  SQL,,python" as "python, SQL": trimmed, single-spaced, each skill once."""
    seen: dict[str, str] = {}
    for item in (text or "").split(","):
        skill = " ".join(item.split())
        if skill and skill.lower() not in seen:
            seen[skill.lower()] = skill
    return ", ".join(seen.values())


class ProjectForm(BaseForm):
    """A side project on the member's profile."""

    title = StringField(
        "Project title",
        filters=[strip_whitespace],
        validators=[
            visible_text_required("Give the project a title."),
            Length(
                max=PROJECT_TITLE_MAX,
                message=f"A title holds up to {PROJECT_TITLE_MAX} characters.",
            ),
        ],
    )
    url = _link(
        "Link (optional)",
        required=False,
        description="Where to see it: a repository, a demo, a write-up (http or https).",
    )
    description = TextAreaField(
        "What it is (optional)",
        validators=[
            Length(
                max=PROJECT_DESCRIPTION_MAX,
                message=f"A description holds up to {PROJECT_DESCRIPTION_MAX:,} characters.",
            )
        ],
        description=f"The problem, what you built, what came of it. {MARKDOWN_HINT}",
    )
    skills = StringField(
        "Skills (optional)",
        filters=[tidy_skills],
        description=f"Separated by commas, e.g. Python, SQL (up to {SKILLS_COUNT_MAX}).",
    )

    def validate_skills(self, field) -> None:
        skills = [skill for skill in field.data.split(", ") if skill]
        if len(skills) > SKILLS_COUNT_MAX:
            raise ValidationError(f"Up to {SKILLS_COUNT_MAX} skills, please.")
        for skill in skills:
            if len(skill) > SKILL_MAX:
                raise ValidationError(
                    f"“{skill[:20]}…” is too long: {SKILL_MAX} characters at most."
                )
        if len(field.data) > SKILLS_MAX:
            raise ValidationError(f"Skills hold up to {SKILLS_MAX} characters together.")
