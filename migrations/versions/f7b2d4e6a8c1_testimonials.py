"""Testimonials from completed mentorships

Revision ID: f7b2d4e6a8c1
Revises: e5a1c3f7b9d2
Create Date: 2026-11-26 11:00:00

"""

import sqlalchemy as sa
from alembic import op

import community.db

revision = "f7b2d4e6a8c1"
down_revision = "e5a1c3f7b9d2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "testimonials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "published",
                "declined",
                name="testimonialstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", community.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", community.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", community.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("declined_at", community.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["users.id"],
            name=op.f("fk_testimonials_mentee_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["users.id"],
            name=op.f("fk_testimonials_mentor_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["mentorship_requests.id"],
            name=op.f("fk_testimonials_request_id_mentorship_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_testimonials")),
        sa.UniqueConstraint("request_id", name=op.f("uq_testimonials_request_id")),
    )
    with op.batch_alter_table("testimonials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_testimonials_mentee_id"), ["mentee_id"], unique=False)
        batch_op.create_index(
            "ix_testimonials_mentor_id_state_published_at",
            ["mentor_id", "state", "published_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("testimonials", schema=None) as batch_op:
        batch_op.drop_index("ix_testimonials_mentor_id_state_published_at")
        batch_op.drop_index(batch_op.f("ix_testimonials_mentee_id"))

    op.drop_table("testimonials")
