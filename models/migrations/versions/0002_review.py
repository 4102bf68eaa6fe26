"""review (初审): materials, third-party reports, certificates, indicators, evaluators, the
dishonesty/incident watch list, check results and overrides; seeds the evaluator registry from
resources/data/evaluators.csv (the evaluators of the Chongqing rows of the national lists)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 18:22:21.650132
"""
import csv
import datetime as dt
import uuid

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evaluator',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('list_years', sa.JSON(), nullable=False),
    sa.Column('disqualified_on', sa.Date(), nullable=True),
    sa.Column('disqualified_reason', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluator')),
    sa.UniqueConstraint('uid', name=op.f('uq_evaluator_uid'))
    )
    with op.batch_alter_table('evaluator', schema=None) as batch_op:
        batch_op.create_index('ix_evaluator_name', ['name'], unique=False)

    op.create_table('watchlist_entry',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('list_name', sa.String(length=60), nullable=False),
    sa.Column('listed_on', sa.Date(), nullable=True),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watchlist_entry')),
    sa.UniqueConstraint('uid', name=op.f('uq_watchlist_entry_uid'))
    )
    with op.batch_alter_table('watchlist_entry', schema=None) as batch_op:
        batch_op.create_index('ix_watchlist_entry_credit_code', ['credit_code'], unique=False)
        batch_op.create_index('ix_watchlist_entry_name', ['name'], unique=False)

    op.create_table('certificate',
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('park_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('standard', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=80), nullable=False),
    sa.Column('issuer', sa.String(length=120), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('(enterprise_id IS NOT NULL) + (park_id IS NOT NULL) = 1', name=op.f('ck_certificate_one_subject')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_certificate_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_certificate_park_id_park')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('uid', name=op.f('uq_certificate_uid'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index('ix_certificate_enterprise_id', ['enterprise_id'], unique=False)
        batch_op.create_index('ix_certificate_park_id', ['park_id'], unique=False)

    op.create_table('indicator',
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('park_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('(enterprise_id IS NOT NULL) + (park_id IS NOT NULL) = 1', name=op.f('ck_indicator_one_subject')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_indicator_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_indicator_park_id_park')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator')),
    sa.UniqueConstraint('uid', name=op.f('uq_indicator_uid'))
    )
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.create_index('uq_indicator_enterprise_live', ['enterprise_id', 'year', 'key'], unique=True, sqlite_where=sa.text('deleted_at IS NULL AND enterprise_id IS NOT NULL'))
        batch_op.create_index('uq_indicator_park_live', ['park_id', 'year', 'key'], unique=True, sqlite_where=sa.text('deleted_at IS NULL AND park_id IS NOT NULL'))

    op.create_table('check_override',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('base_outcome', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('user', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_check_override_application_id_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_override')),
    sa.UniqueConstraint('uid', name=op.f('uq_check_override_uid'))
    )
    with op.batch_alter_table('check_override', schema=None) as batch_op:
        batch_op.create_index('ix_check_override_application_id', ['application_id'], unique=False)

    op.create_table('check_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('rule_set', sa.String(length=60), nullable=False),
    sa.Column('rule_set_name', sa.String(length=200), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('run_at', sa.DateTime(), nullable=False),
    sa.Column('run_by', sa.String(length=40), nullable=False),
    sa.Column('computed_worst', sa.String(length=12), nullable=False),
    sa.Column('worst_outcome', sa.String(length=12), nullable=False),
    sa.Column('results', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_check_run_application_id_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_run')),
    sa.UniqueConstraint('application_id', name=op.f('uq_check_run_application_id'))
    )
    with op.batch_alter_table('check_run', schema=None) as batch_op:
        batch_op.create_index('ix_check_run_worst_outcome', ['worst_outcome'], unique=False)

    op.create_table('material',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=40), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('file_type', sa.String(length=16), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('received_by', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('status_by', sa.String(length=40), nullable=False),
    sa.Column('status_at', sa.DateTime(), nullable=True),
    sa.Column('read_error', sa.Text(), nullable=False),
    sa.Column('stored_mtime_ns', sa.BigInteger(), nullable=False),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('declared_name', sa.String(length=120), nullable=False),
    sa.Column('declared_credit_code', sa.String(length=18), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_material_application_id_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material')),
    sa.UniqueConstraint('uid', name=op.f('uq_material_uid'))
    )
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.create_index('ix_material_application_id', ['application_id'], unique=False)
        batch_op.create_index('ix_material_sha256', ['sha256'], unique=False)

    op.create_table('third_party_report',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=True),
    sa.Column('evaluator_name', sa.String(length=120), nullable=False),
    sa.Column('report_no', sa.String(length=60), nullable=False),
    sa.Column('report_date', sa.Date(), nullable=True),
    sa.Column('standard', sa.String(length=120), nullable=False),
    sa.Column('basic_requirements_met', sa.Boolean(), nullable=True),
    sa.Column('score', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('highlights', sa.String(length=100), nullable=False),
    sa.Column('self_evaluation_date', sa.Date(), nullable=True),
    sa.Column('subject_name', sa.String(length=120), nullable=False),
    sa.Column('subject_credit_code', sa.String(length=18), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_third_party_report_application_id_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluator_id'], ['evaluator.id'], name=op.f('fk_third_party_report_evaluator_id_evaluator')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_third_party_report')),
    sa.UniqueConstraint('uid', name=op.f('uq_third_party_report_uid'))
    )
    with op.batch_alter_table('third_party_report', schema=None) as batch_op:
        batch_op.create_index('ix_third_party_report_application_id', ['application_id'], unique=False)
        batch_op.create_index('ix_third_party_report_evaluator_id', ['evaluator_id'], unique=False)

    seed_evaluators()


def seed_evaluators() -> None:
    """Data step: the evaluator registry starts with the seed list shipped in resources/."""
    from resources import resource_path

    path = resource_path("data", "evaluators.csv")
    if not path.exists():  # pragma: no cover - a broken installation; the registry stays empty
        return
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    stamp = dt.datetime.now().replace(microsecond=0)
    table = sa.table(
        "evaluator",
        sa.column("uid", sa.String), sa.column("name", sa.String), sa.column("credit_code", sa.String),
        sa.column("list_years", sa.JSON), sa.column("disqualified_on", sa.Date),
        sa.column("disqualified_reason", sa.Text), sa.column("contact", sa.String),
        sa.column("source", sa.String), sa.column("notes", sa.Text),
        sa.column("created_at", sa.DateTime), sa.column("updated_at", sa.DateTime),
    )
    op.bulk_insert(table, [
        {
            # the same uid on every PC, so exchange files recognise the seeded evaluators
            "uid": uuid.uuid5(uuid.NAMESPACE_URL, "greendesk:evaluator:" + r["name"].strip()).hex,
            "name": r["name"].strip(), "credit_code": (r.get("credit_code") or "").strip(),
            "list_years": [int(y) for y in (r.get("list_years") or "").split(";") if y.strip()],
            "disqualified_on": None, "disqualified_reason": "", "contact": "", "source": "seed",
            "notes": (r.get("notes") or "").strip(), "created_at": stamp, "updated_at": stamp,
        }
        for r in rows if r.get("name", "").strip()
    ])


def downgrade() -> None:
    with op.batch_alter_table('third_party_report', schema=None) as batch_op:
        batch_op.drop_index('ix_third_party_report_evaluator_id')
        batch_op.drop_index('ix_third_party_report_application_id')

    op.drop_table('third_party_report')
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.drop_index('ix_material_sha256')
        batch_op.drop_index('ix_material_application_id')

    op.drop_table('material')
    with op.batch_alter_table('check_run', schema=None) as batch_op:
        batch_op.drop_index('ix_check_run_worst_outcome')

    op.drop_table('check_run')
    with op.batch_alter_table('check_override', schema=None) as batch_op:
        batch_op.drop_index('ix_check_override_application_id')

    op.drop_table('check_override')
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_index('uq_indicator_park_live', sqlite_where=sa.text('deleted_at IS NULL AND park_id IS NOT NULL'))
        batch_op.drop_index('uq_indicator_enterprise_live', sqlite_where=sa.text('deleted_at IS NULL AND enterprise_id IS NOT NULL'))

    op.drop_table('indicator')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('ix_certificate_park_id')
        batch_op.drop_index('ix_certificate_enterprise_id')

    op.drop_table('certificate')
    with op.batch_alter_table('watchlist_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_watchlist_entry_name')
        batch_op.drop_index('ix_watchlist_entry_credit_code')

    op.drop_table('watchlist_entry')
    with op.batch_alter_table('evaluator', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluator_name')

    op.drop_table('evaluator')
