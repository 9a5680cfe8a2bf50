"""Writing in threads in a real browser: replying under a comment, previewing Markdown, and a
refused form that opens where its message is."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import register


def start_discussion(page: Page, title: str, body: str) -> None:
    page.goto("/posts/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body").fill(body)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Your post is published.")).to_be_visible()


def test_reply_under_a_comment_and_land_on_it(page: Page, unique_name):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    name = unique_name("replier")
    register(page, name)
    start_discussion(page, f"Bootcamp or degree? ({name})", "Which one helped you more?")
    page.get_by_label("Add a comment").fill(f"A bootcamp, for me ({name}).")
    page.get_by_role("button", name="Post comment").click()
    comment = page.locator("article.comment", has_text=f"A bootcamp, for me ({name}).")
    expect(comment).to_be_visible()
    post_url = page.url.split("#")[0]

    # Reply opens a box under the comment, focused, without leaving the page.
    reply_link = comment.get_by_role("link", name="Reply")
    reply_link.click()
    box = comment.get_by_label("Your reply")
    expect(box).to_be_focused()
    assert page.url.split("#")[0] == post_url
    box.fill("Which one?")
    # Escape closes it (focus back on Reply); opening it again keeps the text.
    page.keyboard.press("Escape")
    expect(box).to_be_hidden()
    expect(reply_link).to_be_focused()
    reply_link.click()
    expect(box).to_have_value("Which one?")
    comment.get_by_role("button", name="Cancel").click()
    expect(box).to_be_hidden()
    reply_link.click()

    # It posts as the reply page does and leads to the new reply.
    answer = f"Which bootcamp did you pick? ({name})"
    box.fill(answer)
    comment.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/comments/\d+#c\d+$"))
    reply_id = page.url.rsplit("#", 1)[1]
    reply = page.locator(f"article#{reply_id}")
    expect(reply).to_contain_text(answer)
    expect(reply).to_be_in_viewport()
    assert dialogs == []


def test_preview_shows_the_rendered_markdown_in_place(page: Page, unique_name):
    name = unique_name("previewer")
    register(page, name)

    # A post draft: the preview shows under the form, nothing is sent as a post.
    page.goto("/posts/new")
    page.get_by_label("Title").fill(f"Draft ({name})")
    page.get_by_label("Body").fill("Some **bold** words and <script>alert(1)</script>")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview .preview")
    expect(preview.locator("strong")).to_have_text("bold")
    expect(preview).to_contain_text("<script>alert(1)</script>")  # shown as text
    expect(page).to_have_url(re.compile(r"/posts/new$"))
    expect(page.get_by_label("Title")).to_have_value(f"Draft ({name})")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Your post is published.")).to_be_visible()

    # A comment: the same under the comment box; a text too long says so there.
    url = page.url
    page.get_by_label("Add a comment").fill("1. _first_\n2. second")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview .preview em")).to_have_text("first")
    expect(page.locator("#preview .preview ol li")).to_have_count(2)
    assert page.url == url
    expect(page.locator("article.comment")).to_have_count(0)
    # The box stops at the limit (maxlength); a script or an old browser may not.
    page.get_by_label("Add a comment").evaluate(
        "box => { box.removeAttribute('maxlength'); box.value = 'a'.repeat(10001); }"
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview [role=alert]")).to_have_text(
        "A comment holds up to 10,000 characters."
    )


def test_a_refused_experience_opens_at_its_message(page: Page, unique_name):
    register(page, unique_name("sharer"))
    page.goto("/guide")
    page.get_by_label("Where you started (role)").fill("Teacher")
    page.get_by_role("button", name="Share").click()
    message = page.get_by_text("Write something before posting.")
    expect(message).to_be_visible()
    expect(message).to_be_in_viewport()
    expect(page.get_by_label("What steps worked for you?")).to_be_focused()
    expect(page.get_by_label("Where you started (role)")).to_have_value("Teacher")
    assert page.evaluate("window.scrollY") > 0


def test_without_javascript_the_forms_still_work(browser, base_url, unique_name):
    """Reply leads to the reply page, Preview shows the page again with the preview, and a
    refused experience opens at the form (the action's #reply)."""
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    register(page, unique_name("nojs"))
    cookies = context.cookies()
    context.close()
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto("/guide")
    page.get_by_role("button", name="Share").click()
    expect(page).to_have_url(re.compile(r"/comments#reply$"))
    message = page.get_by_text("Write something before posting.")
    expect(message).to_be_in_viewport()

    page.get_by_label("What steps worked for you?").fill("**Mentors** helped.")
    page.get_by_role("button", name="Preview").click()
    expect(page).to_have_url(re.compile(r"/comments#preview$"))
    expect(page.locator("#preview .preview strong")).to_have_text("Mentors")
    expect(page.locator("#preview")).to_be_in_viewport()
    expect(page.get_by_label("What steps worked for you?")).to_have_value("**Mentors** helped.")
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()

    page.locator("article.comment", has_text="Mentors helped.").first.get_by_role(
        "link", name="Reply"
    ).click()
    expect(page).to_have_url(re.compile(r"/comments/\d+#reply$"))
    expect(page.get_by_label("Your reply")).to_be_visible()
    context.close()
