// Writing in threads: reply under a comment, and preview Markdown, without leaving the page.
// Progressive enhancement only: without this file "Reply" opens the comment's page with its
// reply box, and "Preview" sends the form to be shown again with the preview under it.

// --- Reply under a comment -----------------------------------------------------------------
// The page's <template id="reply-template"> (there only for viewers who may comment) is cloned
// under the comment and given its parent_id. It posts as the reply page's form does, and the answer
// leads to the new reply (#c<id>). Cancel or Escape closes it, keeping what was typed.
const replyTemplate = document.getElementById("reply-template");
const replyForms = new Map();
let openReply = null;

function closeReply(restoreFocus) {
  if (!openReply) {
    return;
  }
  const { form, link } = openReply;
  form.hidden = true;
  link.setAttribute("aria-expanded", "false");
  openReply = null;
  if (restoreFocus) {
    link.focus();
  }
}

function replyFormFor(commentId, link) {
  let form = replyForms.get(commentId);
  if (!form) {
    form = replyTemplate.content.firstElementChild.cloneNode(true);
    const id = `reply-body-${commentId}`;
    const parent = document.createElement("input");
    parent.type = "hidden";
    parent.name = "parent_id";
    parent.value = commentId;
    form.prepend(parent);
    form.querySelector("[data-reply-label]").htmlFor = id;
    const body = form.querySelector("[data-reply-body]");
    body.id = id;
    const hint = form.querySelector("[data-reply-hint]");
    hint.id = `${id}-hint`;
    body.setAttribute("aria-describedby", hint.id);
    form.id = `reply-to-${commentId}`;
    link.setAttribute("aria-controls", form.id);
    link.closest(".comment__actions").after(form);
    replyForms.set(commentId, form);
  }
  return form;
}

if (replyTemplate) {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.comment__reply");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    const comment = link.closest("article.comment");
    if (!comment || !/^c\d+$/.test(comment.id)) {
      return;
    }
    event.preventDefault();
    const commentId = comment.id.slice(1);
    const wasOpen = openReply && openReply.link === link;
    closeReply(false);
    if (wasOpen) {
      link.focus();
      return;
    }
    const form = replyFormFor(commentId, link);
    form.hidden = false;
    link.setAttribute("aria-expanded", "true");
    openReply = { form, link };
    form.elements.body.focus();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-reply-cancel]")) {
      closeReply(true);
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && openReply && openReply.form.contains(event.target)) {
      closeReply(true);
    }
  });
}

// --- Preview -------------------------------------------------------------------------------
// A form with data-preview-url and a Preview button (data-preview="post" or "comment") asks
// the server for the block (POST, the form's CSRF token) and shows it in the form's preview
// slot. A refusal for length (400) is shown there too; anything else (a network failure, a
// rate limit, a session that ended) sends the form the way it goes without JavaScript.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-preview]");
  const form = button && button.form;
  const slot = form && form.querySelector("[data-preview-slot]");
  if (!slot || !form.dataset.previewUrl || !form.elements.body || !window.fetch) {
    return;
  }
  event.preventDefault();
  const data = new FormData();
  data.append("csrf_token", form.elements.csrf_token.value);
  data.append("body", form.elements.body.value);
  data.append("profile", button.dataset.preview);
  button.disabled = true;
  slot.setAttribute("aria-busy", "true");
  let html = null;
  try {
    const response = await fetch(form.dataset.previewUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
    });
    if (!response.redirected && (response.ok || response.status === 400)) {
      html = await response.text();
    }
  } catch {
    html = null;
  }
  button.disabled = false;
  slot.removeAttribute("aria-busy");
  if (html === null) {
    form.requestSubmit(button);
    return;
  }
  // The server's fragment: the text went through render_markdown (sanitised) there.
  slot.innerHTML = html;
});
