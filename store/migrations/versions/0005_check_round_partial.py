"""checks: the one-check-per-round key becomes a partial unique index (rounds only): a check
outside a shared-frontier round (round_key NULL, nearly all of them) no longer adds an index entry

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ROUNDS_ONLY = sa.text("round_key IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("checks") as batch:
        batch.drop_constraint("uq_checks_document_round", type_="unique")
    op.create_index("uq_checks_document_round", "checks", ["document_id", "round_key"], unique=True,
                    sqlite_where=_ROUNDS_ONLY, postgresql_where=_ROUNDS_ONLY)


def downgrade() -> None:
    op.drop_index("uq_checks_document_round", table_name="checks")
    with op.batch_alter_table("checks") as batch:
        batch.create_unique_constraint("uq_checks_document_round", ["document_id", "round_key"])
