"""The words a member reads about a request: its states and the reasons offered for a no.

Kept apart from the workflow so the wording can change without touching a rule; the
forms, the refusals in ``services`` and the templates read them from here.
"""

from __future__ import annotations

from community.mentorship.models import RequestState, TestimonialState

#: How a state reads in a sentence: "This request is <...>."
STATE_WORDS: dict[RequestState, str] = {
    RequestState.PENDING: "still waiting for an answer",
    RequestState.ACCEPTED: "accepted",
    RequestState.DECLINED: "declined",
    RequestState.WITHDRAWN: "withdrawn",
    RequestState.EXPIRED: "expired",
    RequestState.COMPLETED: "completed",
    RequestState.CANCELLED: "cancelled",
}

#: A pending request as each side reads it: the mentor owes the answer, the mentee awaits it.
WAITING_FOR_MENTOR = "Waiting for your answer"
WAITING_FOR_MENTEE = "Waiting for their answer"


def waiting_words(as_mentor: bool) -> str:
    """What a pending request says to the member reading it: whose move it is, from their
    side (only the two participants ever see a request)."""
    return WAITING_FOR_MENTOR if as_mentor else WAITING_FOR_MENTEE


#: The reasons a mentor picks from when declining; "another reason" is written freely.
DECLINE_REASONS: dict[str, str] = {
    "no-time": "I don't have the time to mentor you well right now.",
    "expertise": "Your goals are outside my expertise.",
    "fit": "Our time zones or languages don't fit well.",
}

#: What the other side is told after each move, ``{actor}`` being who made it.
MOVE_NOTICES: dict[str, str] = {
    "accept": "{actor} accepted your mentorship request.",
    "decline": "{actor} declined your mentorship request.",
    "withdraw": "{actor} withdrew their mentorship request.",
    "complete": "{actor} marked your mentorship completed.",
    "cancel": "{actor} marked your mentorship cancelled.",
}

#: What a mentee reads when their mentor leaves mentoring with requests still waiting.
LEFT_MENTORING_REASON = "I have stopped mentoring for now."

#: What a mentee reads when their mentor's account is deleted while the request waits.
MENTOR_LEFT_REASON = "The mentor has left Pathways."

EXPIRED_REFUSAL = "This request has expired; it can no longer be answered."

#: How a testimonial's state reads in a sentence: "It is <...>."
TESTIMONIAL_STATE_WORDS: dict[TestimonialState, str] = {
    TestimonialState.PENDING: "waiting for the mentor's approval",
    TestimonialState.PUBLISHED: "published",
    TestimonialState.DECLINED: "declined",
}

#: What the other side is told after each step on a testimonial, ``{actor}`` being who took it.
TESTIMONIAL_NOTICES: dict[str, str] = {
    "wrote": "{actor} wrote a testimonial for your profile: approve it to show it.",
    "edited": "{actor} edited their testimonial: approve it to show it again.",
    "withdraw": "{actor} withdrew their testimonial.",
    "approve": "{actor} approved your testimonial: it shows on their mentor profile.",
    "decline": "{actor} declined your testimonial; it won't show on their profile.",
    "hide": "{actor} took your testimonial off their mentor profile.",
}

#: Why a testimonial form is refused, said by the form and, should it get that far, the service.
TESTIMONIAL_CONSENT_REQUIRED = "Tick the box to agree to your testimonial showing with your name."
TESTIMONIAL_BODY_REQUIRED = "Write a few words about what the mentorship did for you."
