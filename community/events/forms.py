"""Event forms. Field names follow DESIGN.md and become the HTML names.

Forms check the shape of what was typed (lengths, links, date-times, the zone); the rules
that hold for every stored event (end after start, a link for online events, ...) are
``services.check_details``, whose refusals the view shows next to their field.
"""

from __future__ import annotations

from datetime import datetime

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from community.discussions.comment_models import Step
from community.discussions.forms import split_tags
from community.discussions.models import TITLE_MAX, is_valid_tag
from community.events.models import (
    CAPACITY_MAX,
    DESCRIPTION_MAX,
    LOCATION_MAX,
    PRICE_MAX,
    REASON_MAX,
    TAGS_MAX,
    URL_MAX,
    EventFormat,
    EventKind,
)
from community.events.rules import EventDetails
from community.forms import (
    MARKDOWN_HINT,
    BaseForm,
    choices,
    http_url,
    strip_whitespace,
    visible_text_required,
)
from community.timeutil import COMMON_TIMEZONES, is_timezone, local_to_utc, timezone_names

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
DATETIME_MESSAGE = "Enter a date and time, like 2027-03-14 18:30."
#: Years a date-time may name: wide enough for history, narrow enough for UTC arithmetic.
YEARS = (2000, 2100)


class LocalDateTimeField(DateTimeLocalField):
    """An HTML ``datetime-local`` input that says what to type when it can't be read."""

    def process_formdata(self, valuelist) -> None:
        if valuelist and len(valuelist[0]) > 32:
            self.data = None
            raise ValueError(DATETIME_MESSAGE)
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(DATETIME_MESSAGE) from error


def timezone_choices() -> dict[str, list]:
    """Common zones first, then every other zone, as two groups of the select."""
    others = [name for name in timezone_names() if name not in COMMON_TIMEZONES]
    label = lambda name: name.replace("_", " ")  # noqa: E731
    return {
        "Common time zones": choices((name, label(name)) for name in COMMON_TIMEZONES),
        "All time zones": choices((name, label(name)) for name in others),
    }


def _link(label: str, description: str = "") -> StringField:
    return StringField(
        label,
        filters=[strip_whitespace],
        validators=[
            Length(max=URL_MAX, message=f"Links are up to {URL_MAX} characters."),
            http_url(),
        ],
        description=description,
        render_kw={"inputmode": "url", "placeholder": "https://"},
    )


class EventForm(BaseForm):
    title = StringField(
        "Title",
        filters=[strip_whitespace],
        validators=[
            visible_text_required("Give your event a title."),
            Length(max=TITLE_MAX, message=f"Titles are up to {TITLE_MAX} characters."),
        ],
    )
    kind = SelectField(
        "Kind",
        choices=choices((kind.value, kind.label) for kind in EventKind),
        validators=[InputRequired("Choose what kind of event it is.")],
    )
    format = RadioField(
        "Format",
        choices=choices((item.value, item.label) for item in EventFormat),
        validators=[InputRequired("Choose online, in person or hybrid.")],
    )
    starts_at = LocalDateTimeField(
        "Starts",
        format=DATETIME_FORMATS,
        validators=[InputRequired(DATETIME_MESSAGE)],
        description="Local time in the event's time zone.",
    )
    ends_at = LocalDateTimeField(
        "Ends",
        format=DATETIME_FORMATS,
        validators=[InputRequired(DATETIME_MESSAGE)],
    )
    timezone = SelectField("Time zone", validators=[InputRequired("Choose a time zone.")])
    location = StringField(
        "Location",
        filters=[strip_whitespace],
        validators=[Length(max=LOCATION_MAX, message=f"Up to {LOCATION_MAX} characters.")],
        description="Venue and city, for in-person and hybrid events.",
    )
    url = _link("Link to join", "For online and hybrid events.")
    link_attendees_only = BooleanField("Show the link to join only to members who are going")
    registration_url = _link("Registration page", "Where people sign up, if not here.")
    website = _link("Organiser's website")
    free = BooleanField("Free to attend", default=True)
    price = StringField(
        "Price",
        filters=[strip_whitespace],
        validators=[Length(max=PRICE_MAX, message=f"Up to {PRICE_MAX} characters.")],
        description='For paid events, e.g. "€40, students €10".',
    )
    capacity = IntegerField(
        "Seats",
        validators=[
            Optional(),
            NumberRange(1, CAPACITY_MAX, message=f"Seats are from 1 to {CAPACITY_MAX:,}."),
        ],
        description="Leave empty for no limit. When the seats are taken, members join a waitlist.",
        render_kw={"inputmode": "numeric"},
    )
    tags = StringField(
        "Tags",
        filters=[strip_whitespace],
        validators=[Length(max=200, message="Keep tags short.")],
        description=f"Up to {TAGS_MAX}, separated by commas: data, ux-research, ai.",
    )
    step = SelectField(
        "Guide step it serves",
        choices=choices([("", "None in particular")] + [(s.value, s.label) for s in Step]),
        validators=[Optional()],
    )
    description = TextAreaField(
        "Description",
        validators=[
            visible_text_required("Describe the event: who it is for and what happens."),
            Length(
                max=DESCRIPTION_MAX,
                message=f"A description holds up to {DESCRIPTION_MAX:,} characters.",
            ),
        ],
        description=MARKDOWN_HINT,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()
        for name in ("starts_at", "ends_at"):
            getattr(self, name).render_kw = {"step": 60}

    def validate_timezone(self, field) -> None:
        if not is_timezone(field.data):
            raise ValidationError("Choose a time zone from the list.")

    def validate_tags(self, field) -> None:
        names = split_tags(field.data)
        if len(names) > TAGS_MAX:
            raise ValidationError(f"Use at most {TAGS_MAX} tags.")
        for name in names:
            if not is_valid_tag(name):
                raise ValidationError(f'"{name[:30]}" is not a tag: letters, digits and hyphens.')

    def _instant(self, field) -> datetime | None:
        if field.data is None or not is_timezone(self.timezone.data):
            return None
        return local_to_utc(field.data, self.timezone.data)

    def validate_starts_at(self, field) -> None:
        if field.data is None or not is_timezone(self.timezone.data):
            return
        if not YEARS[0] <= field.data.year <= YEARS[1]:
            raise ValidationError(f"Enter a date between {YEARS[0]} and {YEARS[1]}.")
        if self._instant(field) is None:
            raise ValidationError("Clocks skip this time in that zone (daylight saving).")

    validate_ends_at = validate_starts_at

    def details(self) -> EventDetails:
        """The event as typed, times turned into UTC; call after ``validate``."""
        return EventDetails(
            title=self.title.data,
            kind=EventKind(self.kind.data),
            format=EventFormat(self.format.data),
            starts_at=self._instant(self.starts_at),
            ends_at=self._instant(self.ends_at),
            timezone=self.timezone.data,
            location=self.location.data or "",
            url=self.url.data or "",
            is_link_attendees_only=self.link_attendees_only.data,
            registration_url=self.registration_url.data or "",
            website_url=self.website.data or "",
            is_free=self.free.data,
            price=self.price.data or "",
            description=self.description.data,
            guide_step=Step(self.step.data) if self.step.data else None,
            capacity=self.capacity.data,
            tags=split_tags(self.tags.data),
        )


class RejectForm(BaseForm):
    """Prefixed (``reject-reason``), as the cancel form shares the event page."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "reject")
        super().__init__(*args, **kwargs)

    reason = TextAreaField(
        "Reason",
        filters=[strip_whitespace],
        validators=[
            visible_text_required("Say why: the organiser is told."),
            Length(max=REASON_MAX, message=f"Up to {REASON_MAX} characters."),
        ],
    )


class CancelForm(BaseForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "cancel")
        super().__init__(*args, **kwargs)

    reason = TextAreaField(
        "Reason (optional)",
        filters=[strip_whitespace],
        validators=[Length(max=REASON_MAX, message=f"Up to {REASON_MAX} characters.")],
        description="Everyone who answered the event is told.",
    )


class RsvpForm(BaseForm):
    status = RadioField(
        "Your answer",
        choices=choices([("going", "Going"), ("interested", "Interested"), ("cancel", "Cancel")]),
        validators=[InputRequired("Choose going, interested or cancel.")],
    )


class EventFilterForm(BaseForm):
    """The list's filters: a GET form whose values come from the query string."""

    class Meta:
        csrf = False

    q = StringField("Words", validators=[Optional()])
    kind = SelectField(
        "Kind", choices=choices([("", "Any kind")] + [(k.value, k.label) for k in EventKind])
    )
    format = SelectField(
        "Format",
        choices=choices([("", "Any format")] + [(f.value, f.label) for f in EventFormat]),
    )
    tag = StringField("Tag")
    from_date = DateField("From", validators=[Optional()])
    to_date = DateField("To", validators=[Optional()])
    free = BooleanField("Free only")
