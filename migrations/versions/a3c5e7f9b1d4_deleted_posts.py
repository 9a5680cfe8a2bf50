"""Authors delete their own posts; the thread stays

A deleted post keeps its row, its URL and its comments; ``deleted_at`` marks it (its words
stay for moderators).

Revision ID: a3c5e7f9b1d4
Revises: f7b2d4e6a8c1
Create Date: 2026-11-26 11:00:00

"""

import sqlalchemy as sa
from alembic import op

import community.db

revision = "a3c5e7f9b1d4"
down_revision = "f7b2d4e6a8c1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted_at", community.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
