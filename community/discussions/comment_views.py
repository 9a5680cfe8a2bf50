"""Comment pages and actions: write, permalink, edit, delete, vote, "worked for me too", flag.

``views`` registers these on the discussions blueprint (see ``ROUTES``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from community import permissions
from community.discussions import comments as service
from community.discussions.comment_models import Comment, FlagReason, Outcome, Step
from community.discussions.forms import CommentForm, EditCommentForm, FlagForm
from community.discussions.presenters import (
    choice,
    comment_context,
    comment_form_for,
    get_post_or_404,
    post_url,
    render_post_page,
)
from community.errors import render_error
from community.extensions import db
from community.limits import write_limit
from community.redirects import safe_next_url


def get_comment_or_404(comment_id: int) -> Comment:
    return db.get_or_404(Comment, comment_id)


def permalink_url(comment: Comment) -> str:
    return url_for("discussions.permalink", comment_id=comment.id, _anchor=f"c{comment.id}")


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


@login_required
@write_limit("comments")
def create_comment(post_id: int):
    post = get_post_or_404(post_id)
    if not permissions.can_comment(current_user, post):
        if post.is_locked:
            return render_error(403, "This discussion is locked; it accepts no new comments.")
        abort(403)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            comment = service.create_comment(
                post, current_user, form.body.data, form.parent, _experience_from(form)
            )
        except service.CommentRefused as refusal:
            db.session.rollback()
            getattr(form, refusal.field).errors.append(refusal.message)
        else:
            db.session.commit()
            flash("Your comment is posted.", "success")
            if comment.parent_id is None:
                return redirect(post_url(post, sort="newest", _anchor=f"c{comment.id}"))
            return redirect(
                url_for(
                    "discussions.permalink",
                    comment_id=comment.parent_id,
                    _anchor=f"c{comment.id}",
                )
            )
    parent = None
    if form.parent_id.data and not form.parent_id.errors:
        parent = db.session.get(Comment, form.parent)
    if parent is not None and parent.post_id == post.id and not parent.is_deleted:
        return render_permalink(parent, form, status=400)
    if form.parent_id.errors:
        form.body.errors.extend(form.parent_id.errors)
    return render_post_page(post, form, status=400)


def render_permalink(comment: Comment, form: CommentForm | None = None, status: int = 200):
    post = comment.post
    form = comment_form_for(post, parent=comment, form=form)
    return render_template(
        "discussions/permalink.html",
        post=post,
        comment=comment,
        thread_html=comment_context(comment),
        form=form,
    ), status


def permalink(comment_id: int):
    return render_permalink(get_comment_or_404(comment_id))


@login_required
def edit_comment(comment_id: int):
    comment = get_comment_or_404(comment_id)
    if not permissions.can_edit_comment(current_user, comment):
        abort(403)
    form = EditCommentForm(body=comment.body_md)
    if form.validate_on_submit():
        try:
            changed = service.edit_comment(comment, form.body.data)
        except service.CommentRefused as refusal:
            db.session.rollback()
            form.body.errors.append(refusal.message)
        else:
            db.session.commit()
            flash("Your comment is updated." if changed else "Nothing changed.", "success")
            return redirect(permalink_url(comment))
    status = 400 if form.errors else 200
    return render_template("discussions/edit_comment.html", form=form, comment=comment), status


@login_required
def delete_comment(comment_id: int):
    comment = get_comment_or_404(comment_id)
    if not permissions.can_delete_comment(current_user, comment):
        abort(403)
    service.delete_comment(comment)
    db.session.commit()
    flash("Your comment is deleted.", "info")
    return redirect(post_url(comment.post))


def back_to(comment: Comment) -> str:
    """The page the member acted from (same site only), at the comment; else its permalink."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host:
        target = safe_next_url(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
        if target:
            return f"{target}#c{comment.id}"
    return permalink_url(comment)


def _refusable(action, comment: Comment, done: str):
    """Run a vote-like action; a refusal becomes a flash message, never a 500."""
    try:
        action(comment, current_user)
    except service.CommentRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "warning")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(back_to(comment))


@login_required
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


@login_required
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


@login_required
def flag(comment_id: int):
    comment = get_comment_or_404(comment_id)
    if not permissions.can_flag(current_user, comment):
        abort(403)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            service.flag_comment(
                comment, current_user, FlagReason(form.reason.data), form.details.data or ""
            )
        except service.CommentRefused as refusal:
            db.session.rollback()
            form.reason.errors.append(refusal.message)
        else:
            db.session.commit()
            flash("Thank you. Moderators will look at this comment.", "success")
            return redirect(permalink_url(comment))
    status = 400 if form.errors else 200
    return render_template("discussions/flag.html", form=form, comment=comment), status


@login_required
def revisions(comment_id: int):
    comment = get_comment_or_404(comment_id)
    if not permissions.can_view_revisions(current_user, comment):
        abort(403)
    return render_template(
        "discussions/revisions.html", comment=comment, revisions=service.revisions_of(comment)
    )


#: (rule, view, methods) for ``views`` to register on the blueprint.
ROUTES = [
    ("/posts/<int:post_id>/comments", create_comment, ["POST"]),
    ("/comments/<int:comment_id>", permalink, ["GET"]),
    ("/comments/<int:comment_id>/edit", edit_comment, ["GET", "POST"]),
    ("/comments/<int:comment_id>/delete", delete_comment, ["POST"]),
    ("/comments/<int:comment_id>/vote", vote, ["POST"]),
    ("/comments/<int:comment_id>/endorse", endorse, ["POST"]),
    ("/comments/<int:comment_id>/flag", flag, ["GET", "POST"]),
    ("/comments/<int:comment_id>/revisions", revisions, ["GET"]),
]
