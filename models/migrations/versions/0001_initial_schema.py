"""initial schema: office profile, parks, enterprises, applications, moves, batches, titles,
settings, audit log

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 18:14:09.789241
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('record_uid', sa.String(length=32), nullable=True),
    sa.Column('summary', sa.String(length=200), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_entry_table_record', ['table_name', 'record_id'], unique=False)

    op.create_table('batch',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('title_kind', sa.String(length=32), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch')),
    sa.UniqueConstraint('uid', name=op.f('uq_batch_uid'))
    )
    op.create_table('office_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_code', sa.String(length=8), nullable=False),
    sa.Column('district_name', sa.String(length=40), nullable=False),
    sa.Column('bureau_name', sa.String(length=80), nullable=False),
    sa.Column('doc_prefix', sa.String(length=20), nullable=False),
    sa.Column('signatory', sa.String(length=40), nullable=False),
    sa.Column('contact_person', sa.String(length=40), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_profile'))
    )
    op.create_table('park',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('park_type', sa.String(length=20), nullable=False),
    sa.Column('approval_level', sa.String(length=20), nullable=False),
    sa.Column('district_code', sa.String(length=8), nullable=False),
    sa.Column('managing_body', sa.String(length=120), nullable=False),
    sa.Column('green_staff_count', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_park')),
    sa.UniqueConstraint('uid', name=op.f('uq_park_uid'))
    )
    with op.batch_alter_table('park', schema=None) as batch_op:
        batch_op.create_index('ix_park_name', ['name'], unique=False)

    op.create_table('setting',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )
    op.create_table('enterprise',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('credit_code_override', sa.Text(), nullable=False),
    sa.Column('district_code', sa.String(length=8), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('industry_code', sa.String(length=4), nullable=False),
    sa.Column('main_products', sa.String(length=200), nullable=False),
    sa.Column('park_id', sa.Integer(), nullable=True),
    sa.Column('legal_rep', sa.String(length=40), nullable=False),
    sa.Column('contact', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('above_scale', sa.Boolean(), nullable=False),
    sa.Column('founded_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_enterprise_park_id_park')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise')),
    sa.UniqueConstraint('uid', name=op.f('uq_enterprise_uid'))
    )
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.create_index('ix_enterprise_name', ['name'], unique=False)
        batch_op.create_index('uq_enterprise_credit_code_live', ['credit_code'], unique=True, sqlite_where=sa.text('deleted_at IS NULL'))

    op.create_table('application',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title_kind', sa.String(length=32), nullable=False),
    sa.Column('subject_kind', sa.String(length=32), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('park_id', sa.Integer(), nullable=True),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('stage_changed_at', sa.DateTime(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('review_outcome', sa.String(length=20), nullable=False),
    sa.Column('carried_from_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('(enterprise_id IS NOT NULL) + (park_id IS NOT NULL) = 1', name=op.f('ck_application_one_subject')),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_application_batch_id_batch')),
    sa.ForeignKeyConstraint(['carried_from_id'], ['application.id'], name=op.f('fk_application_carried_from_id_application')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_application_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_application_park_id_park')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application')),
    sa.UniqueConstraint('uid', name=op.f('uq_application_uid'))
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index('ix_application_enterprise_id', ['enterprise_id'], unique=False)
        batch_op.create_index('ix_application_park_id', ['park_id'], unique=False)
        batch_op.create_index('ix_application_year_stage', ['year', 'stage'], unique=False)

    op.create_table('stage_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('from_stage', sa.String(length=32), nullable=True),
    sa.Column('to_stage', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_stage_move_application_id_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_move')),
    sa.UniqueConstraint('uid', name=op.f('uq_stage_move_uid'))
    )
    with op.batch_alter_table('stage_move', schema=None) as batch_op:
        batch_op.create_index('ix_stage_move_application_id', ['application_id'], unique=False)

    op.create_table('title',
    sa.Column('title_kind', sa.String(length=32), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('park_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('doc_number', sa.String(length=60), nullable=False),
    sa.Column('recognised_on', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('revocation_cause', sa.String(length=20), nullable=False),
    sa.Column('revocation_doc', sa.String(length=60), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('(enterprise_id IS NOT NULL) + (park_id IS NOT NULL) = 1', name=op.f('ck_title_one_subject')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_title_application_id_application')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_title_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_title_park_id_park')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_title')),
    sa.UniqueConstraint('uid', name=op.f('uq_title_uid'))
    )
    with op.batch_alter_table('title', schema=None) as batch_op:
        batch_op.create_index('ix_title_enterprise_id', ['enterprise_id'], unique=False)
        batch_op.create_index('ix_title_park_id', ['park_id'], unique=False)


    op.create_table('issued_document',
    sa.Column('prefix', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('user', sa.String(length=40), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_issued_document_batch_id_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_document')),
    sa.UniqueConstraint('uid', name=op.f('uq_issued_document_uid'))
    )
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.create_index('uq_issued_document_prefix_year_number', ['prefix', 'year', 'number'], unique=True)


def downgrade() -> None:
    op.drop_table('issued_document')
    with op.batch_alter_table('title', schema=None) as batch_op:
        batch_op.drop_index('ix_title_park_id')
        batch_op.drop_index('ix_title_enterprise_id')

    op.drop_table('title')
    with op.batch_alter_table('stage_move', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_move_application_id')

    op.drop_table('stage_move')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_year_stage')
        batch_op.drop_index('ix_application_park_id')
        batch_op.drop_index('ix_application_enterprise_id')

    op.drop_table('application')
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_index('uq_enterprise_credit_code_live', sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index('ix_enterprise_name')

    op.drop_table('enterprise')
    op.drop_table('setting')
    with op.batch_alter_table('park', schema=None) as batch_op:
        batch_op.drop_index('ix_park_name')

    op.drop_table('park')
    op.drop_table('office_profile')
    op.drop_table('batch')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_table_record')
        batch_op.drop_index('ix_audit_entry_at')

    op.drop_table('audit_entry')
