"""heartbeats: the daemon's sign of life

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import store.models


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('heartbeats',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('started_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('beat_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('interval', sa.Float(), nullable=False),
    sa.Column('pending', sa.JSON(), nullable=False),
    sa.Column('stopped_at', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('heartbeats')
