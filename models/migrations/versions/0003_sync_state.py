"""sync state: what exchange files have seen of each record (content hashes at each export and
import, and the local record an independently created twin stands for)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sync_record',
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('hashes', sa.Text(), nullable=False),
    sa.Column('alias_uid', sa.String(length=32), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('table_name', 'uid', name=op.f('pk_sync_record'))
    )


def downgrade() -> None:
    op.drop_table('sync_record')
