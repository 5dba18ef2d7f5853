"""versions.origin and versions.archive_url; captures (backfill and import provenance)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:45:00
"""
from alembic import op
import sqlalchemy as sa
import store.models


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=20), server_default='crawl',
                                      nullable=False))
        batch_op.add_column(sa.Column('archive_url', sa.Text(), nullable=True))
    op.create_table('captures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('captured_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'source', 'key')
    )


def downgrade() -> None:
    op.drop_table('captures')
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.drop_column('archive_url')
        batch_op.drop_column('origin')
