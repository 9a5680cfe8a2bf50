"""Indexes for a hundredfold community: a member's notifications in order and the home
page's experience candidates

Revision ID: c4e1a7d2b9f3
Revises: 7c3e9a41d2b6
Create Date: 2026-11-26 06:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c4e1a7d2b9f3"
down_revision = "7c3e9a41d2b6"
branch_labels = None
depends_on = None

HOME_CANDIDATES = "featured_at IS NOT NULL OR is_experience IS TRUE"


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_user_id_created_at_id", ["user_id", "created_at", "id"], unique=False
        )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comments_home_candidates",
            ["post_id"],
            unique=False,
            postgresql_where=sa.text(HOME_CANDIDATES),
            sqlite_where=sa.text(HOME_CANDIDATES),
        )


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_home_candidates")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_created_at_id")
