"""Moderation in a real browser: a spam comment is flagged, hidden with a reason and logged;
its author is told why, visitors see a placeholder; a good experience is featured on the
home page. Also the queue and the log as a moderator sees them (the screenshots in docs/).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from community.accounts.models import Role, User
from community.discussions import comment_services
from community.discussions.comment_models import Comment, Outcome, Step
from community.discussions.queries import get_guide
from community.discussions.services import create_post
from community.extensions import db
from community.moderation import services, targets
from community.moderation.models import Flag, FlagReason, LogEntry, Review, TargetType
from tests.conftest import DEFAULT_PASSWORD, make_user
from tests.e2e.conftest import sign_in, sign_out
from tests.events_support import make_event, make_published_event
from tests.moderation_support import moderate

#: Set to a folder (``docs/screenshots``) to keep the queue and log screenshots there.
SCREENSHOTS = os.environ.get("PATHWAYS_SCREENSHOTS", "")
WIDTH = 1280


def person(browser: Browser, base_url: str, problems: list[str]) -> Page:
    """A browser of its own per person; script errors, console errors and dialogs all land
    in ``problems``."""
    page = browser.new_context(
        base_url=base_url, viewport={"width": WIDTH, "height": 900}
    ).new_page()
    page.on(
        "dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            message.type == "error" and problems.append(f"console on {page.url}: {message.text}")
        ),
    )
    return page


def add_comment(live_app, author_id: int, body: str, experience=None) -> int:
    """A comment on the guide, through the service (the thread is not what is tested)."""
    with live_app.test_request_context():
        guide = get_guide()
        comment = comment_services.create_comment(
            guide, db.session.get(User, author_id), body, experience=experience
        )
        db.session.commit()
        return comment.id


def stored_comment(live_app, comment_id: int) -> Comment:
    with live_app.app_context():
        comment = db.session.get(Comment, comment_id)
        db.session.expunge_all()
        return comment


def test_spam_comment_is_flagged_hidden_and_logged_and_a_good_one_featured(
    browser: Browser, base_url: str, live_app, unique_name
):
    problems: list[str] = []
    spammer_name, sharer_name, flagger_name, moderator_name = (
        unique_name("spammer"),
        unique_name("sharer"),
        unique_name("flagger"),
        unique_name("moderator"),
    )
    spam = f"Guaranteed data job in 7 days, certificate included, DM me ({spammer_name})."
    story = (
        f"Volunteering on an open data project got me my first analyst interview ({sharer_name})."
    )
    hide_reason = f"Advertising, not an experience ({spammer_name})."
    feature_reason = "A first step anyone can copy."
    with live_app.app_context():
        spammer = make_user(spammer_name).id
        sharer = make_user(sharer_name).id
        make_user(flagger_name)
        make_user(moderator_name, role=Role.MODERATOR)
    spam_id = add_comment(live_app, spammer, spam)
    story_id = add_comment(
        live_app,
        sharer,
        story,
        comment_services.Experience(
            steps=[Step.PROJECTS], from_role="Teacher", to_role="Data analyst"
        ),
    )

    # A member flags the spam from the guide's thread.
    flagger = person(browser, base_url, problems)
    sign_in(flagger, flagger_name, DEFAULT_PASSWORD)
    flagger.goto("/guide")
    flagger.locator("article.comment", has_text=spam).get_by_role("link", name="Flag").click()
    expect(flagger).to_have_url(re.compile(rf"/comments/{spam_id}/flag$"))
    expect(flagger.get_by_role("heading", name="Flag this comment for moderators")).to_be_visible()
    flagger.get_by_label("Spam", exact=True).check()
    flagger.get_by_label("Details").fill("Selling a job guarantee.")
    flagger.get_by_role("button", name="Send to moderators").click()
    expect(flagger.get_by_text("Thank you. Moderators will look at this comment.")).to_be_visible()
    with live_app.app_context():
        sent = db.session.scalars(
            select(Flag).where(Flag.target_type == TargetType.COMMENT, Flag.target_id == spam_id)
        ).all()
        assert [(flag.reporter.username, flag.reason) for flag in sent] == [
            (flagger_name, FlagReason.SPAM)
        ]

    # A moderator finds it in the queue and hides it with a reason.
    moderator = person(browser, base_url, problems)
    sign_in(moderator, moderator_name, DEFAULT_PASSWORD)
    expect(moderator.locator(".moderation-link .badge")).to_be_visible()
    moderator.locator(".moderation-link").click()
    expect(moderator).to_have_url(re.compile(r"/mod/$"))
    item = moderator.locator(".queue-item", has_text=spam)
    expect(item).to_contain_text("1 flag since")
    expect(item).to_contain_text("Spam × 1")
    expect(item.locator(".flag-list")).to_contain_text(f"{flagger_name} ·")
    expect(item.locator(".flag-list")).to_contain_text("Selling a job guarantee.")
    hide = item.locator("form", has=moderator.get_by_role("button", name="Hide", exact=True))
    hide.get_by_label("Reason (public, in the moderation log)").fill(hide_reason)
    hide.get_by_role("button", name="Hide", exact=True).click()
    expect(moderator).to_have_url(re.compile(r"/mod/$"))
    expect(
        moderator.get_by_text("Hidden. Members now see it as removed by a moderator")
    ).to_be_visible()
    expect(moderator.locator(".queue-item", has_text=spam)).to_have_count(0)
    hidden = stored_comment(live_app, spam_id)
    assert hidden.hidden_at is not None
    assert hidden.hidden_reason == hide_reason
    with live_app.app_context():
        review = db.session.scalars(
            select(Review).where(
                Review.target_type == TargetType.COMMENT, Review.target_id == spam_id
            )
        ).one()
        assert review.closed_at is not None
        assert review.closed_by.username == moderator_name

    # The public log shows the action and its reason, never the hidden words.
    moderator.get_by_role("link", name="Moderation log").first.click()
    expect(moderator).to_have_url(re.compile(r"/mod/log$"))
    row = moderator.locator("tr", has_text=hide_reason)
    expect(row).to_contain_text(moderator_name)
    expect(row).to_contain_text("Hid a comment on")
    expect(moderator.get_by_text(spam)).to_have_count(0)
    with live_app.app_context():
        entry = db.session.scalars(select(LogEntry).where(LogEntry.reason == hide_reason)).one()
        assert (entry.action.value, entry.target_id, entry.moderator.username) == (
            "hide",
            spam_id,
            moderator_name,
        )

    # The author is told why, and reads the reason beside their own words.
    author = person(browser, base_url, problems)
    sign_in(author, spammer_name, DEFAULT_PASSWORD)
    author.get_by_role("link", name=re.compile("Notifications")).click()
    note = author.locator(
        ".notification", has_text=f"A moderator removed your comment: {hide_reason}"
    )
    expect(note).to_be_visible()
    note.get_by_role("button", name="Open").click()
    expect(author).to_have_url(re.compile(rf"/comments/{spam_id}"))
    own = author.locator(f"article#c{spam_id}")
    expect(own).to_contain_text(f"Removed by a moderator: {hide_reason}")
    expect(own).to_contain_text(spam)

    # A visitor sees the placeholder in the guide's thread and on the comment's page.
    visitor = person(browser, base_url, problems)
    visitor.goto("/guide")
    placeholder = visitor.locator(f"article#c{spam_id}")
    expect(placeholder).to_have_attribute("aria-label", "Comment removed by a moderator")
    expect(placeholder).to_contain_text("[removed by a moderator]")
    expect(visitor.get_by_text(spam)).to_have_count(0)
    visitor.goto(f"/comments/{spam_id}")
    expect(visitor.get_by_text("[removed by a moderator]").first).to_be_visible()
    expect(visitor.get_by_text(spam)).to_have_count(0)

    # The moderator features the good experience from the thread.
    moderator.goto("/guide")
    moderator.locator("article.comment", has_text=story).get_by_role(
        "link", name="Moderate"
    ).first.click()
    expect(moderator).to_have_url(re.compile(rf"/mod/comments/{story_id}$"))
    feature = moderator.locator(
        "form", has=moderator.get_by_role("button", name="Feature on the home page")
    )
    feature.get_by_label("Reason (public, in the moderation log)").fill(feature_reason)
    feature.get_by_role("button", name="Feature on the home page").click()
    expect(moderator.get_by_text("Featured on the home page.")).to_be_visible()
    assert stored_comment(live_app, story_id).featured_at is not None

    # It comes first in the home page's "Experiences that worked", marked as featured.
    visitor.goto("/")
    experiences = visitor.get_by_role("region", name="Experiences that worked")
    first = experiences.locator(".experience-card").first
    expect(first).to_contain_text(story)
    expect(first.locator(".tag--featured")).to_have_text("Featured")
    expect(first.get_by_role("link", name=sharer_name)).to_be_visible()
    expect(experiences).not_to_contain_text(spam)
    visitor.goto("/mod/log")
    expect(visitor.locator("tr", has_text=feature_reason)).to_contain_text("Featured a comment on")

    assert problems == []


def test_queue_and_log_as_a_moderator_sees_them(
    browser: Browser, base_url: str, live_app, tmp_path: Path
):
    """Flagged items of several kinds and a held post; then the log after a few actions.

    The pictures are kept in ``PATHWAYS_SCREENSHOTS`` when it is set (run this test alone
    for pictures without other tests' rows).
    """
    problems: list[str] = []
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    with live_app.test_request_context():
        moderator = make_user("lee_mod", role=Role.MODERATOR)
        moderator.display_name = "Lee (moderator)"
        people = {}
        for username, name in [
            ("priya_n", "Priya N."),
            ("tomas_k", "Tomás K."),
            ("dana_r", "Dana R."),
            ("jo_w", "Jo W."),
            ("quickjobs", "QuickJobs Academy"),
            ("ana_new", "Ana"),
        ]:
            people[username] = make_user(username)
            people[username].display_name = name
        db.session.commit()
        guide = get_guide()
        promo = create_post(
            people["quickjobs"],
            "Become an AI engineer in 30 days",
            "Our bootcamp guarantees a job. Enrol today, places are limited!",
        )
        held = create_post(
            people["ana_new"],
            "Notes from my first month learning SQL",
            "I kept a log of what helped: [my notes](https://example.com/sql-notes).",
        )
        filler = comment_services.create_comment(
            guide,
            people["quickjobs"],
            "In today's fast-paced world, leveraging synergies is key to unlocking your potential.",
        )
        rude = comment_services.create_comment(
            guide, people["jo_w"], "Anyone who needs a guide for this should not bother."
        )
        good = comment_services.create_comment(
            guide,
            people["dana_r"],
            "A small portfolio project with real council data got me two interviews.",
            experience=comment_services.Experience(
                steps=[Step.PROJECTS],
                from_role="Librarian",
                to_role="Data analyst",
                months=9,
                outcome=Outcome.CHANGED_ROLE,
            ),
        )
        event = make_published_event(
            people["quickjobs"], moderator, title="Free AI career masterclass (upsell inside)"
        )
        make_event(people["priya_n"], title="Career switchers' evening: data and AI roles")
        db.session.commit()
        assert held.held_at is not None
        ids = {
            "promo": promo.id,
            "held": held.id,
            "filler": filler.id,
            "rude": rude.id,
            "good": good.id,
            "event": event.id,
        }
        for kind, target_id, reporter, reason, details in [
            (TargetType.POST, promo.id, "priya_n", FlagReason.PROMOTION, "A paid bootcamp ad."),
            (TargetType.POST, promo.id, "tomas_k", FlagReason.PROMOTION, ""),
            (TargetType.COMMENT, filler.id, "priya_n", FlagReason.AI_FILLER, "Says nothing."),
            (TargetType.COMMENT, filler.id, "dana_r", FlagReason.SPAM, "Same text on 3 posts."),
            (TargetType.COMMENT, rude.id, "tomas_k", FlagReason.HARASSMENT, "Belittles newcomers."),
            (TargetType.EVENT, event.id, "dana_r", FlagReason.PROMOTION, "A sales pitch."),
            (TargetType.MEMBER, people["quickjobs"].id, "priya_n", FlagReason.SPAM, ""),
        ]:
            services.flag(targets.get(kind, target_id), people[reporter], reason, details)
            db.session.commit()

    page = person(browser, base_url, problems)
    sign_in(page, "lee_mod", DEFAULT_PASSWORD)
    page.goto("/mod/")
    flagged = page.locator("section[aria-labelledby=flags-heading]")
    for text in (
        "Become an AI engineer in 30 days",
        "leveraging synergies",
        "should not bother",
        "Free AI career masterclass",
        "@quickjobs",
    ):
        expect(flagged.locator(".queue-item", has_text=text)).to_have_count(1)
    expect(flagged.locator(".queue-item", has_text="Become an AI engineer")).to_contain_text(
        "Recruiter or course promotion × 2"
    )
    held_section = page.locator("section[aria-labelledby=held-heading]")
    expect(held_section.locator(".queue-item")).to_contain_text(
        "Notes from my first month learning SQL"
    )
    page.screenshot(path=folder / "moderation-queue.png", full_page=True)

    with live_app.test_request_context():
        lee = db.session.scalar(select(User).where(User.username == "lee_mod"))
        moderate(
            "hide", TargetType.COMMENT, ids["filler"], lee, "Generated filler, no experience in it."
        )
        moderate(
            "hide", TargetType.POST, ids["promo"], lee, "Course advertising; see the posting rules."
        )
        moderate(
            "release", TargetType.POST, ids["held"], lee, "The link is her own notes: relevant."
        )
        moderate(
            "feature",
            TargetType.COMMENT,
            ids["good"],
            lee,
            "A concrete first project others can copy.",
        )
        moderate(
            "restore",
            TargetType.COMMENT,
            ids["filler"],
            lee,
            "Hidden by mistake; flags were about another comment.",
        )
        moderate(
            "hide",
            TargetType.COMMENT,
            ids["filler"],
            lee,
            "Generated filler after all, on a second reading.",
        )

    page.goto("/mod/log?moderator=lee_mod")
    rows = page.locator("table.log-table tbody tr")
    # Approving the event (as it was published) is in the log too.
    expect(rows).to_have_count(7)
    expect(rows.last).to_contain_text("Approved the event “Free AI career masterclass")
    expect(rows.first).to_contain_text("Generated filler after all")
    expect(page.locator("tr", has_text="Course advertising")).to_contain_text(
        "Hid a post by @quickjobs"
    )
    expect(page.locator("tr", has_text="her own notes")).to_contain_text(
        "Let through “Notes from my first month learning SQL”"
    )
    # The whole log, as everyone reads it.
    page.goto("/mod/log")
    expect(page.locator("table.log-table tbody tr").first).to_contain_text(
        "Generated filler after all"
    )
    page.screenshot(path=folder / "moderation-log.png", full_page=True)

    sign_out(page)
    assert problems == []
