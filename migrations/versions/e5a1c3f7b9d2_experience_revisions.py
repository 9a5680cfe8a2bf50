"""An experience's earlier versions keep its role, months, outcome and steps

Revision ID: e5a1c3f7b9d2
Revises: d2f6a8c4e0b1
Create Date: 2026-11-26 11:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "e5a1c3f7b9d2"
down_revision = "d2f6a8c4e0b1"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
