"""Mentorship forms. Field names follow DESIGN.md and become the HTML names."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from community.forms import (
    MARKDOWN_HINT,
    BaseForm,
    CheckboxListField,
    choices,
    strip_whitespace,
    visible_text_required,
)
from community.mentorship.models import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    CURATED_EXPERTISE,
    HEADLINE_MAX,
    REASON_MAX,
    TAG_MAX,
    TESTIMONIAL_MAX,
)
from community.mentorship.wording import (
    DECLINE_REASONS,
    TESTIMONIAL_BODY_REQUIRED,
    TESTIMONIAL_CONSENT_REQUIRED,
)
from community.timeutil import timezone_names

BIO_MAX = 5000
FREE_TAGS_MAX = 10
LANGUAGES_MAX = 10
REQUEST_MESSAGE_MIN, REQUEST_MESSAGE_MAX = 80, 3000
THREAD_MESSAGE_MAX = 5000
NOTE_MAX = 1000
RETROSPECTIVE_MAX = 3000


def split_list(text: str | None) -> list[str]:
    """A comma-separated field as a list of non-empty, trimmed items."""
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def _check_list(field, limit: int, what: str) -> None:
    items = split_list(field.data)
    if len(items) > limit:
        raise ValidationError(f"Up to {limit} {what}, please.")
    for item in items:
        if len(item) > TAG_MAX:
            raise ValidationError(f'"{item[:20]}…" is too long: {TAG_MAX} characters at most.')


class MentorProfileForm(BaseForm):
    headline = StringField(
        "Headline",
        filters=[strip_whitespace],
        validators=[
            visible_text_required("Write a one-line headline."),
            Length(max=HEADLINE_MAX, message=f"Keep it under {HEADLINE_MAX} characters."),
        ],
        description="One line: what you did, what you do now. E.g. “Teacher turned data analyst”.",
    )
    bio = TextAreaField(
        "About your path",
        validators=[Length(max=BIO_MAX, message=f"Up to {BIO_MAX:,} characters.")],
        description=MARKDOWN_HINT,
    )
    expertise = CheckboxListField(
        "Expertise",
        choices=choices(CURATED_EXPERTISE.items()),
        validate_choice=True,
    )
    other_expertise = StringField(
        "Other expertise",
        filters=[strip_whitespace],
        description=f"Your own tags, separated by commas (up to {FREE_TAGS_MAX}).",
    )
    years_experience = IntegerField(
        "Years of experience",
        validators=[Optional(), NumberRange(0, 70, "Enter a number of years from 0 to 70.")],
    )
    languages = StringField(
        "Languages",
        filters=[strip_whitespace],
        default="English",
        description="The languages you mentor in, separated by commas.",
    )
    timezone = SelectField("Time zone", validators=[InputRequired()])
    capacity = IntegerField(
        "Capacity",
        default=2,
        validators=[
            InputRequired("How many mentees can you take at once?"),
            NumberRange(
                CAPACITY_MIN,
                CAPACITY_MAX,
                f"Capacity is {CAPACITY_MIN} to {CAPACITY_MAX} mentees at once.",
            ),
        ],
        description=f"How many mentees at once ({CAPACITY_MIN}–{CAPACITY_MAX}).",
    )
    accepting = BooleanField("Accepting new requests", default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices((name, name.replace("_", " ")) for name in timezone_names())

    def validate_expertise(self, field) -> None:
        if not field.data and not split_list(self.other_expertise.data):
            raise ValidationError("Choose at least one area, or add your own below.")

    def validate_other_expertise(self, field) -> None:
        _check_list(field, FREE_TAGS_MAX, "tags")

    def validate_languages(self, field) -> None:
        _check_list(field, LANGUAGES_MAX, "languages")


class RequestForm(BaseForm):
    message = TextAreaField(
        "Your message",
        validators=[
            visible_text_required(
                "Tell the mentor what you want to achieve and where you are now."
            ),
            Length(
                REQUEST_MESSAGE_MIN,
                REQUEST_MESSAGE_MAX,
                f"Write {REQUEST_MESSAGE_MIN} to {REQUEST_MESSAGE_MAX:,} characters: "
                "what you want to achieve and where you are now.",
            ),
        ],
        description=f"What you want to achieve and where you are now "
        f"({REQUEST_MESSAGE_MIN}–{REQUEST_MESSAGE_MAX:,} characters). {MARKDOWN_HINT}",
    )


OTHER_REASON = "other"


class DeclineForm(BaseForm):
    reason = RadioField(
        "Reason",
        choices=choices(
            [*DECLINE_REASONS.items(), (OTHER_REASON, "Another reason (write it below)")]
        ),
        validators=[InputRequired("Choose a reason.")],
    )
    reason_detail = StringField(
        "Your reason",
        filters=[strip_whitespace],
        validators=[Length(max=REASON_MAX, message=f"Up to {REASON_MAX} characters.")],
    )

    def validate_reason_detail(self, field) -> None:
        if self.reason.data == OTHER_REASON and not field.data:
            raise ValidationError("Write your reason, or choose one from the list.")

    def reason_text(self) -> str:
        if self.reason.data == OTHER_REASON:
            return self.reason_detail.data
        return DECLINE_REASONS[self.reason.data]


class CompleteForm(BaseForm):
    """Marking an active mentorship completed, with an optional note to the other side."""

    note = TextAreaField(
        "Closing note (optional)",
        validators=[Length(max=NOTE_MAX, message=f"Up to {NOTE_MAX:,} characters.")],
        description="What you achieved together; the other side sees it.",
    )


class CancelForm(BaseForm):
    """Ending an active mentorship early, with an optional note to the other side."""

    note = TextAreaField(
        "Why you are cancelling (optional)",
        validators=[Length(max=NOTE_MAX, message=f"Up to {NOTE_MAX:,} characters.")],
    )


class MessageForm(BaseForm):
    body = TextAreaField(
        "Message",
        validators=[
            visible_text_required("Write a message."),
            Length(
                1, THREAD_MESSAGE_MAX, f"A message holds up to {THREAD_MESSAGE_MAX:,} characters."
            ),
        ],
        description=MARKDOWN_HINT,
    )


class RetrospectiveForm(BaseForm):
    body = TextAreaField(
        "Your retrospective",
        validators=[
            visible_text_required("Write a few words: what helped, what's next."),
            Length(1, RETROSPECTIVE_MAX, f"Up to {RETROSPECTIVE_MAX:,} characters."),
        ],
        description="Only you can read it. What helped? What's next?",
    )


class TestimonialForm(BaseForm):
    """The mentee's public testimonial, with their explicit consent to its showing."""

    # Own ids: the page also holds the retrospective form, whose field is ``body`` too.
    body = TextAreaField(
        "Your testimonial",
        id="testimonial-body",
        validators=[
            visible_text_required(TESTIMONIAL_BODY_REQUIRED),
            Length(1, TESTIMONIAL_MAX, f"Up to {TESTIMONIAL_MAX:,} characters."),
        ],
        description=f"Public once your mentor approves it (up to {TESTIMONIAL_MAX:,} "
        f"characters). {MARKDOWN_HINT}",
    )
    consent = BooleanField(
        "Show this on my mentor's public profile, with my name",
        id="testimonial-consent",
        validators=[DataRequired(TESTIMONIAL_CONSENT_REQUIRED)],
    )

    def __init__(self, *args, mentor_name: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if mentor_name:
            self.consent.label.text = f"Show this on {mentor_name}'s public profile, with my name"


class DirectoryFilterForm(BaseForm):
    """The directory's GET filters (no CSRF: reading only)."""

    class Meta:
        csrf = False

    q = StringField("Search name or headline", filters=[strip_whitespace])
    expertise = SelectField("Expertise")
    language = SelectField("Language")
    accepting = BooleanField("Only mentors with an open place")

    def __init__(self, *args, languages: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.expertise.choices = choices([("", "Any expertise"), *CURATED_EXPERTISE.items()])
        self.language.choices = choices(
            [("", "Any language")] + [(language, language.capitalize()) for language in languages]
        )
