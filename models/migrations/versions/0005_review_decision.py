"""the district's 初审 opinion kept with the application (the conclusion already lives in
application.review_outcome), so what the clerk writes in the detail window is not lost

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 22:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('application') as batch:
        batch.add_column(sa.Column('review_opinion', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('application') as batch:
        batch.drop_column('review_opinion')
