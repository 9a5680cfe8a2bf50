"""Comment pages and actions: write, permalink, edit, delete, vote, "worked for me too".

Every action is one unit of work (``@transactional``): a refusal shown next to a field
answers 400, one shown as a flash message calls ``discard()``; both store nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.validators import ValidationError

from community import permissions
from community.db import discard, transactional
from community.discussions import comment_services as service
from community.discussions import queries
from community.discussions.blueprint import bp
from community.discussions.comment_models import Comment, Outcome, Step
from community.discussions.forms import CommentForm, EditCommentForm, EditExperienceForm
from community.discussions.post_views import comment_form_for, render_post_page
from community.discussions.preview_views import is_not_preview, is_preview, preview_of
from community.discussions.queries import CommentSort
from community.discussions.routing import (
    back_to,
    get_comment_or_404,
    get_post_or_404,
    permalink_url,
    post_url,
)
from community.discussions.thread_rendering import comment_context
from community.errors import render_error
from community.extensions import db
from community.limits import write_limit
from community.urls import choice, page_arg


def _experience_from(form: CommentForm) -> service.Experience | None:
    steps = [Step(value) for value in form.steps.data or []]
    if not steps:
        return None
    return service.Experience(
        steps=steps,
        from_role=form.from_role.data,
        to_role=form.to_role.data,
        months=form.months.data,
        outcome=choice(Outcome, form.outcome.data),
    )


@bp.route("/posts/<int:post_id>/comments", methods=["POST"])
@write_limit("comments", exempt_when=is_preview)
@write_limit("previews", exempt_when=is_not_preview)
@login_required
@transactional
def create_comment(post_id: int):
    """A comment or reply (``parent_id``); ``preview`` shows the form again with its body
    rendered, on the page it was written on, and saves nothing."""
    post = get_post_or_404(post_id)
    if not permissions.can_comment(current_user, post):
        if post.is_held:
            return render_error(
                403, "This post is waiting for a moderator: comments open once it is listed."
            )
        if post.is_hidden:
            return render_error(403, "A moderator removed this post; it accepts no new comments.")
        if post.is_deleted:
            return render_error(403, "The author deleted this post; it accepts no new comments.")
        if post.is_locked:
            return render_error(403, "This discussion is locked; it accepts no new comments.")
        abort(403)
    form = CommentForm()
    preview = None
    if is_preview():
        preview = preview_of(form, "comment")
        try:
            form.validate_parent_id(form.parent_id)
        except ValidationError as error:
            form.parent_id.errors = [str(error)]
    elif form.validate_on_submit():
        try:
            comment = service.create_comment(
                post, current_user, form.body.data, form.parent, _experience_from(form)
            )
        except service.CommentRefused as refusal:
            getattr(form, refusal.field).errors.append(refusal.message)
        else:
            flash("Your comment is posted.", "success")
            if comment.parent_id is None:
                return redirect(post_url(post, sort="newest", _anchor=f"c{comment.id}"))
            page = queries.reply_page_of(comment)
            return redirect(
                url_for(
                    "discussions.permalink",
                    comment_id=comment.parent_id,
                    page=page if page > 1 else None,
                    _anchor=f"c{comment.id}",
                )
            )
    status = 200 if preview is not None else 400
    parent = None
    if form.parent_id.data and not form.parent_id.errors:
        parent = db.session.get(Comment, form.parent)
    if parent is not None and parent.post_id == post.id and not parent.is_deleted:
        return render_permalink(parent, form, status=status, preview=preview)
    if form.parent_id.errors:
        form.body.errors = [*form.body.errors, *form.parent_id.errors]
        status = 400
    return render_post_page(post, form=form, status=status, preview=preview)


def render_permalink(
    comment: Comment,
    form: CommentForm | None = None,
    status: int = 200,
    sort: CommentSort = CommentSort.OLDEST,
    page: int = 1,
    preview: str | None = None,
):
    """The comment in its context with one page of its replies (``sort``, ``page``), and
    the reply box (``form`` when refused or previewed, ``preview`` the rendered body)."""
    post = comment.post
    if not permissions.can_read_post(current_user, post):
        return render_template(
            "discussions/permalink.html", post=post, comment=comment, readable=False
        ), status
    thread_html, replies = comment_context(comment, sort, page)
    return render_template(
        "discussions/permalink.html",
        post=post,
        comment=comment,
        readable=True,
        thread_html=thread_html,
        replies=replies,
        reply_sort=None if sort is CommentSort.OLDEST else sort.value,
        form=comment_form_for(post, parent=comment, form=form),
        preview_html=preview,
    ), status


@bp.route("/comments/<int:comment_id>")
def permalink(comment_id: int):
    """``sort`` (oldest first by default) and ``page`` page through the direct replies."""
    sort = choice(CommentSort, request.args.get("sort"), CommentSort.OLDEST)
    return render_permalink(get_comment_or_404(comment_id), sort=sort, page=page_arg())


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@write_limit("edits")
@login_required
@transactional
def edit_comment(comment_id: int):
    comment = get_comment_or_404(comment_id)
    if not permissions.can_edit_comment(current_user, comment):
        abort(403)
    if comment.is_experience:
        return _edit_experience(comment)
    form = EditCommentForm(body=comment.body_md)
    if form.validate_on_submit():
        try:
            changed = service.edit_comment(comment, form.body.data)
        except service.CommentRefused as refusal:
            form.body.errors.append(refusal.message)
        else:
            flash("Your comment is updated." if changed else "Nothing changed.", "success")
            return redirect(permalink_url(comment))
    status = 400 if form.errors else 200
    return render_template("discussions/edit_comment.html", form=form, comment=comment), status


def _edit_experience(comment: Comment):
    """The experience's author updates its details and body (the form starts from them)."""
    form = EditExperienceForm(
        body=comment.body_md,
        steps=[step.value for step in comment.step_values],
        from_role=comment.from_role,
        to_role=comment.to_role,
        months=comment.months,
        outcome=comment.outcome.value if comment.outcome else "",
    )
    was = comment.outcome
    if form.validate_on_submit():
        experience = _experience_from(form) or service.Experience()
        try:
            changed = service.update_experience(comment, current_user, form.body.data, experience)
        except service.CommentRefused as refusal:
            getattr(form, refusal.field).errors.append(refusal.message)
        else:
            message = "Nothing changed."
            if changed:
                message = "Your experience is updated."
                if comment.outcome is not None and comment.outcome != was:
                    message = f"Your experience is updated: {comment.outcome.label.lower()}."
            flash(message, "success")
            return redirect(permalink_url(comment))
    status = 400 if form.errors else 200
    return render_template("discussions/edit_comment.html", form=form, comment=comment), status


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
@write_limit("edits")
@login_required
@transactional
def delete_comment(comment_id: int):
    comment = get_comment_or_404(comment_id)
    if not permissions.can_delete_comment(current_user, comment):
        abort(403)
    service.delete_comment(comment)
    flash("Your comment is deleted.", "info")
    return redirect(post_url(comment.post))


def _refusable(action: Callable, comment: Comment, done: str):
    """Run a vote-like action; a refusal becomes a flash message and stores nothing."""
    try:
        action(comment, current_user)
    except service.CommentRefused as refusal:
        discard()
        flash(refusal.message, "warning")
    else:
        flash(done, "success")
    return redirect(back_to(comment))


@bp.route("/comments/<int:comment_id>/vote", methods=["POST"])
@write_limit("votes")
@login_required
@transactional
def vote(comment_id: int):
    """``action``: ``up`` adds the vote, ``clear`` removes it, nothing toggles."""
    comment = get_comment_or_404(comment_id)
    if not permissions.can_vote(current_user, comment):
        abort(403)
    action = request.form.get("action") or (
        "clear" if service.has_voted(comment, current_user) else "up"
    )
    if action == "clear":
        return _refusable(service.unvote, comment, "Your vote is removed.")
    return _refusable(service.vote, comment, "Thanks for your vote.")


@bp.route("/comments/<int:comment_id>/endorse", methods=["POST"])
@write_limit("votes")
@login_required
@transactional
def endorse(comment_id: int):
    """Mark an experience "worked for me too" (``action=add``) or take it back (``clear``)."""
    comment = get_comment_or_404(comment_id)
    if not permissions.can_endorse(current_user, comment):
        abort(403)
    action = request.form.get("action") or (
        "clear" if service.has_endorsed(comment, current_user) else "add"
    )
    if action == "clear":
        return _refusable(service.unendorse, comment, "Your mark is removed.")
    return _refusable(service.endorse, comment, "Noted: this worked for you too.")


@bp.route("/comments/<int:comment_id>/revisions")
@login_required
def revisions(comment_id: int):
    comment = get_comment_or_404(comment_id)
    if not permissions.can_view_revisions(current_user, comment):
        abort(403)
    return render_template(
        "discussions/revisions.html", comment=comment, revisions=queries.revisions_of(comment)
    )
