"""covering indexes of the live yearly indicators: (subject, year, key, value, deleted_at),
the last for the partial index's own WHERE. The 称号监管 tab compares a year's indicators with
the year before inside SQLite, one index lookup per pair and no table reads, instead of
reading 100,000 values into Python.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 00:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_indicator_enterprise_value', 'indicator', ['enterprise_id', 'year', 'key', 'value', 'deleted_at'],
                    sqlite_where=sa.text('deleted_at IS NULL AND enterprise_id IS NOT NULL'))
    op.create_index('ix_indicator_park_value', 'indicator', ['park_id', 'year', 'key', 'value', 'deleted_at'],
                    sqlite_where=sa.text('deleted_at IS NULL AND park_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_indicator_park_value', table_name='indicator')
    op.drop_index('ix_indicator_enterprise_value', table_name='indicator')
