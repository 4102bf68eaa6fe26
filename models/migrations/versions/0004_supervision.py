"""supervision of titles (issue 6): renamings and restructurings to report within 30 working days
(第十九条) and re-reviews (复审, 第十六条)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 21:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def _record_columns() -> list[sa.Column]:
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('deleted_at', sa.DateTime(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table('title_change',
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('park_id', sa.Integer(), nullable=True),
    sa.Column('title_id', sa.Integer(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('due_fallback', sa.Boolean(), nullable=False),
    sa.Column('old_name', sa.String(length=120), nullable=False),
    sa.Column('new_name', sa.String(length=120), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('doc', sa.String(length=60), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    *_record_columns(),
    sa.CheckConstraint('(enterprise_id IS NOT NULL) + (park_id IS NOT NULL) = 1', name=op.f('ck_title_change_one_subject')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_title_change_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_title_change_park_id_park')),
    sa.ForeignKeyConstraint(['title_id'], ['title.id'], name=op.f('fk_title_change_title_id_title')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_title_change')),
    sa.UniqueConstraint('uid', name=op.f('uq_title_change_uid'))
    )
    with op.batch_alter_table('title_change', schema=None) as batch_op:
        batch_op.create_index('ix_title_change_enterprise_id', ['enterprise_id'], unique=False)
        batch_op.create_index('ix_title_change_park_id', ['park_id'], unique=False)

    op.create_table('title_review',
    sa.Column('title_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_on', sa.Date(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('doc', sa.String(length=60), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    *_record_columns(),
    sa.ForeignKeyConstraint(['title_id'], ['title.id'], name=op.f('fk_title_review_title_id_title')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_title_review')),
    sa.UniqueConstraint('uid', name=op.f('uq_title_review_uid'))
    )
    with op.batch_alter_table('title_review', schema=None) as batch_op:
        batch_op.create_index('ix_title_review_title_id', ['title_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('title_review', schema=None) as batch_op:
        batch_op.drop_index('ix_title_review_title_id')
    op.drop_table('title_review')
    with op.batch_alter_table('title_change', schema=None) as batch_op:
        batch_op.drop_index('ix_title_change_park_id')
        batch_op.drop_index('ix_title_change_enterprise_id')
    op.drop_table('title_change')
