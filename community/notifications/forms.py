"""The notification preferences form: one choice per mail topic."""

from __future__ import annotations

from wtforms import RadioField

from community.forms import BaseForm, choices
from community.notifications.models import Delivery, MailTopic

DELIVERY_CHOICES = choices(
    [
        (Delivery.IMMEDIATELY.value, "Immediately"),
        (Delivery.DAILY.value, "In a daily digest"),
        (Delivery.OFF.value, "Off"),
    ]
)


def _choice(topic: MailTopic) -> RadioField:
    return RadioField(
        topic.label,
        choices=DELIVERY_CHOICES,
        invalid_choice_message="Choose immediately, a daily digest or off.",
    )


class PreferencesForm(BaseForm):
    """Field names are the topics' values, so a form post reads as the stored choices."""

    replies = _choice(MailTopic.REPLIES)
    mentions = _choice(MailTopic.MENTIONS)
    followed_posts = _choice(MailTopic.FOLLOWED_POSTS)
    mentorship = _choice(MailTopic.MENTORSHIP)
    events = _choice(MailTopic.EVENTS)
    moderation = _choice(MailTopic.MODERATION)
    plans = _choice(MailTopic.PLANS)

    def topic_fields(self):
        """(topic, field) in the order the page shows them."""
        from community.notifications.preferences import CHOOSABLE

        return [(topic, self[topic.value]) for topic in CHOOSABLE]

    def choices_made(self) -> dict[MailTopic, Delivery]:
        return {topic: Delivery(field.data) for topic, field in self.topic_fields()}
