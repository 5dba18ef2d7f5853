"""checks.round_key: at most one check of a document per shared-frontier round;
checks.repeats and first_started_at: unchanged checks summarised in one row

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checks") as batch:
        batch.add_column(sa.Column("repeats", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("first_started_at", store.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("round_key", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_checks_document_round", ["document_id", "round_key"])


def downgrade() -> None:
    with op.batch_alter_table("checks") as batch:
        batch.drop_constraint("uq_checks_document_round", type_="unique")
        batch.drop_column("round_key")
        batch.drop_column("first_started_at")
        batch.drop_column("repeats")
