"""The moderators' form mapping a member's free-text role onto a curated role."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from community.discussions.comment_models import ROLE_MAX
from community.forms import BaseForm, strip_whitespace
from community.moderation.forms import reason_field


class RoleMappingForm(BaseForm):
    """``text`` as members typed it (normalised when stored); ``role`` a curated role's
    slug, or empty to unmap the text."""

    text = StringField(
        "Text members typed",
        filters=[strip_whitespace],
        validators=[InputRequired("Say which text to map."), Length(max=ROLE_MAX)],
    )
    role = SelectField("Curated role", choices=[])
    reason = reason_field("Reason (optional)", required=False)

    def set_roles(self, roles: list[tuple[str, str]]) -> None:
        """The select's options: "not mapped" and the curated roles (slug, name)."""
        self.role.choices = [("", "Not mapped"), *roles]
