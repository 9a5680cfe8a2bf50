"""Indexes for bounded pages: the post list's orders ending in id (keyset paging); the
moderation queue, log and mentors directory in their orders; the events lists in start order; the
home page's endorsed experiences; the feeds

Revision ID: d2f6a8c4e0b1
Revises: c4e1a7d2b9f3
Create Date: 2026-11-26 07:25:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d2f6a8c4e0b1"
down_revision = "c4e1a7d2b9f3"
branch_labels = None
depends_on = None

OPEN = "closed_at IS NULL"
EXPERIENCE = "is_experience IS TRUE"


def upgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_pinned_activity")
        batch_op.create_index(
            "ix_posts_pinned_activity", ["is_pinned", "last_activity_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_posts_pinned_created", ["is_pinned", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_posts_pinned_top",
            ["is_pinned", "comment_count", "last_activity_at", "id"],
            unique=False,
        )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comments_experiences_endorsed",
            ["post_id", "endorsement_count", "created_at", "id"],
            unique=False,
            postgresql_where=sa.text(EXPERIENCE),
            sqlite_where=sa.text(EXPERIENCE),
        )
        batch_op.create_index(
            "ix_comments_post_id_created_at", ["post_id", "created_at", "id"], unique=False
        )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_published_at", ["published_at", "id"], unique=False)
        batch_op.create_index("ix_events_starts_at", ["starts_at", "id"], unique=False)
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reviews_open_queue",
            ["cause", sa.text("flag_count DESC"), "opened_at", "id"],
            unique=False,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )
    with op.batch_alter_table("moderation_log", schema=None) as batch_op:
        batch_op.create_index("ix_moderation_log_created_at_id", ["created_at", "id"], unique=False)
    with op.batch_alter_table("mentor_profiles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mentor_profiles_directory", ["is_accepting", "created_at", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("mentor_profiles", schema=None) as batch_op:
        batch_op.drop_index("ix_mentor_profiles_directory")
    with op.batch_alter_table("moderation_log", schema=None) as batch_op:
        batch_op.drop_index("ix_moderation_log_created_at_id")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_reviews_open_queue")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_starts_at")
        batch_op.drop_index("ix_events_published_at")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_post_id_created_at")
        batch_op.drop_index("ix_comments_experiences_endorsed")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_pinned_top")
        batch_op.drop_index("ix_posts_pinned_created")
        batch_op.drop_index("ix_posts_pinned_activity")
        batch_op.create_index(
            "ix_posts_pinned_activity", ["is_pinned", "last_activity_at"], unique=False
        )
