"""An experience's earlier versions keep its role, months, outcome and steps

Revision ID: e5a1c3f7b9d2
Revises: d2f6a8c4e0b1
Create Date: 2026-11-26 11:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e5a1c3f7b9d2"
down_revision = "d2f6a8c4e0b1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comment_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_role", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("to_role", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("months", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "outcome",
                sa.Enum(
                    "exploring",
                    "in_progress",
                    "changed_role",
                    name="outcome",
                    native_enum=False,
                    length=20,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("steps", sa.String(length=100), nullable=True))
    _backfill()


def _backfill() -> None:
    """Until now an edit changed only the body: an experience's earlier versions had the
    details it has today, so they get them (steps in the guide's order)."""
    bind = op.get_bind()
    edited = bind.execute(
        sa.text(
            "SELECT c.id, c.from_role, c.to_role, c.months, c.outcome FROM comments c"
            " WHERE c.is_experience IS TRUE AND EXISTS"
            " (SELECT 1 FROM comment_revisions r WHERE r.comment_id = c.id)"
        )
    ).all()
    for comment_id, from_role, to_role, months, outcome in edited:
        steps = bind.scalars(
            sa.text("SELECT step FROM experience_steps WHERE comment_id = :id ORDER BY step"),
            {"id": comment_id},
        ).all()
        bind.execute(
            sa.text(
                "UPDATE comment_revisions SET from_role = :from_role, to_role = :to_role,"
                " months = :months, outcome = :outcome, steps = :steps"
                " WHERE comment_id = :id"
            ),
            {
                "id": comment_id,
                "from_role": from_role,
                "to_role": to_role,
                "months": months,
                "outcome": outcome,
                "steps": ",".join(steps),
            },
        )


def downgrade():
    with op.batch_alter_table("comment_revisions", schema=None) as batch_op:
        batch_op.drop_column("steps")
        batch_op.drop_column("outcome")
        batch_op.drop_column("months")
        batch_op.drop_column("to_role")
        batch_op.drop_column("from_role")
