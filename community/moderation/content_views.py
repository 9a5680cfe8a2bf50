"""Moderating posts and comments: a page per object with its flags and every action that
fits it, the actions themselves, dismissing flags, and merging tags.

An action whose reason is missing shows the object's page again with the message next
to the field and the text kept (400); one another moderator already took is a flash.
"""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required

from community import permissions
from community.db import transactional
from community.discussions.comment_models import Comment
from community.discussions.models import Post
from community.extensions import db
from community.limits import write_limit
from community.moderation import queries, services, targets
from community.moderation.blueprint import bp
from community.moderation.forms import CurateForm, MergeTagsForm, ReasonForm
from community.moderation.models import Review, TargetType
from community.moderation.responses import perform
from community.redirects import safe_next_url

POST_MOVES = "hide,restore,release,lock,unlock,pin,unpin,feature,unfeature"
COMMENT_MOVES = "hide,restore,feature,unfeature"


def _moderator_only() -> None:
    if not permissions.can_moderate(current_user):
        abort(403)


def _page_for(target: targets.Target) -> str:
    if target.type is TargetType.POST:
        return url_for("moderation.post", post_id=target.id)
    if target.type is TargetType.COMMENT:
        return url_for("moderation.comment", comment_id=target.id)
    if target.type is TargetType.MEMBER:
        return url_for("moderation.member", username=target.obj.username)
    return url_for("moderation.queue")


def _back(default: str) -> str:
    return safe_next_url(request.form.get("next")) or default


def render_target_page(target: targets.Target, failed: str | None = None, form=None, status=200):
    """The page for one post or comment: its words (hidden or not), flags and actions."""
    template = (
        "moderation/post.html" if target.type is TargetType.POST else "moderation/comment.html"
    )
    curate = None
    if target.type is TargetType.POST:
        curate = (
            form
            if failed == "edit"
            else CurateForm(
                formdata=None,
                title=target.obj.title,
                tags=", ".join(tag.name for tag in target.obj.tags),
            )
        )
    return render_template(
        template,
        target=target,
        item=target.obj,
        reviews=queries.reviews_about(target.type, target.id),
        moves=_with_failed(services.moves_offered(current_user, target), failed),
        may_act=permissions.can_moderate_content(current_user, target.subject_id),
        failed=failed,
        form=form,
        curate=curate,
    ), status


def _with_failed(moves: list[str], failed: str | None) -> list[str]:
    """The refused move's form stays on the page, with its message, even if it no longer fits."""
    if failed in services.MOVES and failed not in moves:
        return [*moves, failed]
    return moves


@bp.route("/posts/<int:post_id>")
@login_required
def post(post_id: int):
    _moderator_only()
    db.get_or_404(Post, post_id)
    return render_target_page(targets.get(TargetType.POST, post_id))


@bp.route("/comments/<int:comment_id>")
@login_required
def comment(comment_id: int):
    _moderator_only()
    db.get_or_404(Comment, comment_id)
    return render_target_page(targets.get(TargetType.COMMENT, comment_id))


def _move(kind: TargetType, target_id: int, move: str):
    _moderator_only()
    target = targets.get(kind, target_id)
    if target.obj is None:
        abort(404)
    if not services.may_move(current_user, move, target):
        abort(403)
    form = ReasonForm()
    done = perform(
        form,
        lambda: services.moderate(move, target, current_user, form.reason.data),
        _back(_page_for(target)),
    )
    return done or render_target_page(targets.get(kind, target_id), move, form, 400)


@bp.route(f"/posts/<int:post_id>/<any({POST_MOVES}):move>", methods=["POST"])
@write_limit("moderation")
@login_required
@transactional
def post_move(post_id: int, move: str):
    return _move(TargetType.POST, post_id, move)


@bp.route(f"/comments/<int:comment_id>/<any({COMMENT_MOVES}):move>", methods=["POST"])
@write_limit("moderation")
@login_required
@transactional
def comment_move(comment_id: int, move: str):
    return _move(TargetType.COMMENT, comment_id, move)


@bp.route("/posts/<int:post_id>/edit", methods=["POST"])
@write_limit("moderation")
@login_required
@transactional
def edit_post(post_id: int):
    _moderator_only()
    post = db.get_or_404(Post, post_id)
    form = CurateForm()

    def edit() -> str:
        changed = services.edit_post(
            post, current_user, form.title.data, form.tag_names, form.reason.data
        )
        return "Title and tags updated." if changed else "Nothing changed."

    done = perform(form, edit, url_for("moderation.post", post_id=post.id))
    return done or render_target_page(targets.get(TargetType.POST, post_id), "edit", form, 400)


@bp.route("/reviews/<int:review_id>/dismiss", methods=["POST"])
@write_limit("moderation")
@login_required
@transactional
def dismiss(review_id: int):
    _moderator_only()
    review = db.get_or_404(Review, review_id)
    if not permissions.can_handle_review(current_user, review):
        abort(403)
    target = targets.get(review.target_type, review.target_id)
    form = ReasonForm()

    def dismiss_flags() -> str:
        services.dismiss(review, target, current_user, form.reason.data)
        return "Flags dismissed."

    done = perform(form, dismiss_flags, _back(url_for("moderation.queue")))
    if done:
        return done
    if target.type in (TargetType.POST, TargetType.COMMENT) and target.obj is not None:
        return render_target_page(target, "dismiss", form, 400)
    return render_template(
        "moderation/reason.html",
        form=form,
        title="Dismiss flags",
        action=url_for("moderation.dismiss", review_id=review.id),
        target=target,
    ), 400


@bp.route("/tags", methods=["GET", "POST"])
@write_limit("moderation")
@login_required
@transactional
def tags():
    _moderator_only()
    form = MergeTagsForm()

    def merge() -> str:
        kept = services.merge_tags(
            form.source.data, form.target.data, current_user, form.reason.data
        )
        return f"Merged into #{kept.name}."

    done = perform(form, merge, url_for("moderation.tags"))
    if done:
        return done
    in_use = queries.tags_in_use()
    return render_template("moderation/tags.html", form=form, tags=in_use), (
        400 if form.errors else 200
    )
