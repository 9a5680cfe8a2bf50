"""Authors delete their own posts; the thread stays

Revision ID: a3c5e7f9b1d4
Revises: f7b2d4e6a8c1
Create Date: 2026-11-26 11:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "a3c5e7f9b1d4"
down_revision = "f7b2d4e6a8c1"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
