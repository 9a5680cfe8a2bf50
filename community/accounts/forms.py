"""Account forms. Field names follow DESIGN.md and become the HTML names."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from community.accounts import services
from community.accounts.models import USERNAME_PATTERN
from community.accounts.names import normalise_email
from community.accounts.passwords import PASSWORD_HINT, PASSWORD_MAX, password_problem
from community.forms import BaseForm, choices, strip_whitespace
from community.timeutil import timezone_names

BIO_MAX = 5000
DISPLAY_NAME_MAX = 60


def acceptable_password(form, field) -> None:
    """The one password rule, for sign-up, password change and ``flask create-user``."""
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


class RegisterForm(BaseForm):
    username = StringField(
        "Username",
        filters=[strip_whitespace, _lower],
        validators=[
            InputRequired("Choose a username."),
            Length(3, 30, "Usernames are 3 to 30 characters long."),
            Regexp(
                USERNAME_PATTERN,
                message="Use lower-case letters, digits, underscores and hyphens only.",
            ),
        ],
        description="3–30 characters: a–z, 0–9, _ and -.",
    )
    email = EmailField(
        "Email",
        filters=[strip_whitespace],
        validators=[
            InputRequired("Enter your email address."),
            Length(max=254),
            Email("Enter a valid email address.", check_deliverability=False),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired("Choose a password."), acceptable_password],
        description=PASSWORD_HINT,
    )
    confirm = PasswordField(
        "Confirm password",
        validators=[
            InputRequired("Repeat your password."),
            EqualTo("password", "The two passwords do not match."),
        ],
    )

    #: Staff accounts made from the command line may take a reserved name ("admin").
    allow_reserved_names = False

    def validate_username(self, field) -> None:
        if services.username_taken(field.data):
            raise ValidationError("That username is taken.")
        problem = not self.allow_reserved_names and services.name_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def validate_email(self, field) -> None:
        if services.email_taken(field.data):
            raise ValidationError("An account with that email already exists.")


class LoginForm(BaseForm):
    username = StringField(
        "Username or email",
        filters=[strip_whitespace],
        validators=[InputRequired("Enter your username or email."), Length(max=254)],
    )
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password."), Length(max=PASSWORD_MAX)]
    )
    remember = BooleanField("Remember me")


class SettingsForm(BaseForm):
    display_name = StringField(
        "Display name",
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=DISPLAY_NAME_MAX, message=f"Keep it under {DISPLAY_NAME_MAX} characters."),
        ],
    )
    bio = TextAreaField(
        "Bio",
        validators=[Length(max=BIO_MAX, message=f"A bio holds up to {BIO_MAX:,} characters.")],
        description="Markdown: **bold**, _italic_, [links](https://example.com), lists.",
    )
    timezone = SelectField("Time zone", validators=[InputRequired()])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.timezone.choices = choices((name, name.replace("_", " ")) for name in timezone_names())

    def validate_display_name(self, field) -> None:
        problem = field.data and services.name_problem(field.data, self.user)
        if problem:
            raise ValidationError(problem)


class PasswordChangeForm(BaseForm):
    current_password = PasswordField(
        "Current password", validators=[InputRequired("Enter your current password.")]
    )
    new_password = PasswordField(
        "New password",
        validators=[InputRequired("Choose a new password."), acceptable_password],
        description=PASSWORD_HINT,
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[
            InputRequired("Repeat the new password."),
            EqualTo("new_password", "The two passwords do not match."),
        ],
    )


class DeleteAccountForm(BaseForm):
    password = PasswordField(
        "Your password", validators=[InputRequired("Enter your password to confirm.")]
    )


class ResetRequestForm(BaseForm):
    email = RegisterForm.email


class ResetPasswordForm(BaseForm):
    """A new password by mail: the sign-up form's password rules and confirmation."""

    password = RegisterForm.password
    confirm = RegisterForm.confirm


class EmailChangeForm(BaseForm):
    email = EmailField(
        "New email address",
        filters=[strip_whitespace],
        validators=RegisterForm.email.kwargs["validators"],
        description="We send a link to the new address to check it, and tell the old one.",
    )
    password = PasswordField(
        "Your password", validators=[InputRequired("Enter your password to confirm.")]
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_email(self, field) -> None:
        if self.user is not None and normalise_email(field.data) == self.user.email:
            raise ValidationError("That is already your address.")
        if services.email_taken(field.data):
            raise ValidationError("An account with that email already exists.")
