"""Markdown previews: the text of a post or comment form shown as it would be published.

Two ways in, one rendering (``render_member_markdown``: the pipeline that stores ``*_html``,
``@name`` linked for the same members):

- without JavaScript, a form's Preview button (``preview``) sends the form to its own
  route, which shows the same page again with the form filled and a Preview block, and
  saves nothing (``is_preview``, ``preview_of``);
- with JavaScript (static/js/thread.js), the button asks ``POST /preview`` for the block
  alone and shows it under the form without leaving the page.

Both spend the ``previews`` rate limit, not the budget of what the form saves. Only the
body's length is checked: a draft may still lack a title or an experience's details.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, ValidationError

from community import permissions
from community.accounts.mentions import render_member_markdown
from community.content import Profile
from community.discussions.blueprint import bp
from community.discussions.comment_models import COMMENT_BODY_MAX
from community.discussions.models import POST_BODY_MAX
from community.forms import BaseForm, choices
from community.limits import write_limit

#: The longest body each profile accepts, with the message its form shows.
BODY_LIMITS: dict[Profile, tuple[int, str]] = {
    "post": (POST_BODY_MAX, f"A post holds up to {POST_BODY_MAX:,} characters."),
    "comment": (COMMENT_BODY_MAX, f"A comment holds up to {COMMENT_BODY_MAX:,} characters."),
}


def is_preview() -> bool:
    """Whether this request is a form sent with its Preview button: shown, never saved."""
    return request.method == "POST" and "preview" in request.form


def is_not_preview() -> bool:
    """The opposite of ``is_preview``, for ``write_limit(..., exempt_when=...)``."""
    return not is_preview()


def preview_of(form: BaseForm, profile: Profile) -> str | None:
    """The form's ``body`` rendered as it would be published, for the Preview block.

    None when the body is past its length limit: the field's own message is then next to
    it. No other field is checked (nor is the body required): nothing is saved.
    """
    field = form.body
    for validator in field.validators:
        if isinstance(validator, Length):
            try:
                validator(form, field)
            except ValidationError as error:
                field.errors = [str(error)]
                return None
    return render_member_markdown(field.data or "", profile)


class PreviewForm(BaseForm):
    """What the Preview button sends from a page: the text and which rules render it."""

    body = TextAreaField()
    profile = SelectField(choices=choices([("comment", "comment"), ("post", "post")]))


@bp.route("/preview", methods=["POST"])
@write_limit("previews")
@login_required
def preview():
    """The Preview block for ``body`` rendered with ``profile`` (``post`` or ``comment``):
    an HTML fragment, or 400 with the reason when the text is too long."""
    if not permissions.can_write(current_user):
        abort(403)
    form = PreviewForm()
    profile = form.profile.data
    if profile not in BODY_LIMITS:
        return render_template("discussions/_preview.html", error="Unknown preview."), 400
    limit, message = BODY_LIMITS[profile]
    text = form.body.data or ""
    if len(text) > limit:
        return render_template("discussions/_preview.html", error=message), 400
    return render_template(
        "discussions/_preview.html",
        preview_html=render_member_markdown(text, profile),
        profile=profile,
    )
