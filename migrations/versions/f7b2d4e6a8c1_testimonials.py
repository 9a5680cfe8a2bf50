"""Testimonials from completed mentorships

Revision ID: f7b2d4e6a8c1
Revises: e5a1c3f7b9d2
Create Date: 2026-11-26 11:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "f7b2d4e6a8c1"
down_revision = "e5a1c3f7b9d2"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
