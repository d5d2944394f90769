"""reports: exchange rates per month (1 unit of a currency in USD and in JPY), figure cells

Revision ID: 0018_reports
Revises: 0017_jobs
Create Date: 2026-12-05 15:30:00
"""
from alembic import op
import sqlalchemy as sa

from alumni_app.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0018_reports'
down_revision = '0017_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'exchange_rates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('usd', sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column('jpy', sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('length(currency) = 3',
                           name=op.f('ck_exchange_rates_currency_length')),
        sa.CheckConstraint('usd IS NULL OR usd > 0', name=op.f('ck_exchange_rates_usd_positive')),
        sa.CheckConstraint('jpy IS NULL OR jpy > 0', name=op.f('ck_exchange_rates_jpy_positive')),
        sa.CheckConstraint('usd IS NOT NULL OR jpy IS NOT NULL',
                           name=op.f('ck_exchange_rates_some_rate')),
        sa.CheckConstraint("currency <> 'USD' OR usd IS NULL",
                           name=op.f('ck_exchange_rates_usd_not_in_usd')),
        sa.CheckConstraint("currency <> 'JPY' OR jpy IS NULL",
                           name=op.f('ck_exchange_rates_jpy_not_in_jpy')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_exchange_rates_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_rates')),
        sa.UniqueConstraint('currency', 'month', name=op.f('uq_exchange_rates_currency_month')),
    )


    op.create_table(
        'report_refreshes',
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('refreshed_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'],
                                name=op.f('fk_report_refreshes_office_id_offices')),
        sa.PrimaryKeyConstraint('office_id', name=op.f('pk_report_refreshes')),
    )
    _cells('report_training_cells', [
        sa.Column('region_id', sa.Integer(), nullable=True),
        sa.Column('gender', sa.String(length=12), nullable=False),
        sa.Column('org_kind', sa.String(length=16), nullable=False),
        *_counts('people', 'known', 'same_org', 'same_sector')], regions=True)
    _cells('report_plan_cells', [
        sa.Column('region_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('updated_month', sa.Date(), nullable=True),
        *_counts('plans', 'updates', 'check_ins')], regions=True)
    _cells('report_author_cells', [sa.Column('region_id', sa.Integer(), nullable=True),
                                   *_counts('people')], regions=True)
    _cells('report_activity_cells', [
        sa.Column('sector_id', sa.Integer(), nullable=True),
        sa.Column('region_id', sa.Integer(), nullable=True),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        *_counts('activities', 'reached', 'women', 'men', 'people')],
        regions=True, sectors=True, course_nullable=True, index=('office_id', 'fiscal_year'))


def _counts(*names):
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def _cells(table, columns, *, regions=False, sectors=False, course_nullable=False,
           index=('office_id', 'course_id')):
    keys = [sa.ForeignKeyConstraint(['office_id'], ['offices.id'],
                                    name=op.f(f'fk_{table}_office_id_offices')),
            sa.ForeignKeyConstraint(['course_id'], ['courses.id'],
                                    name=op.f(f'fk_{table}_course_id_courses'))]
    if regions:
        keys.append(sa.ForeignKeyConstraint(['region_id'], ['regions.id'],
                                            name=op.f(f'fk_{table}_region_id_regions')))
    if sectors:
        keys.append(sa.ForeignKeyConstraint(['sector_id'], ['sectors.id'],
                                            name=op.f(f'fk_{table}_sector_id_sectors')))
    op.create_table(
        table,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=course_nullable),
        *columns, *keys,
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{table}_course_id'), ['course_id'], unique=False)
        name = 'office_year' if 'fiscal_year' in index else 'office_course'
        batch_op.create_index(batch_op.f(f'ix_{table}_{name}'), list(index), unique=False)


def downgrade():
    for table in ('report_activity_cells', 'report_author_cells', 'report_plan_cells',
                  'report_training_cells', 'report_refreshes'):
        op.drop_table(table)
    op.drop_table('exchange_rates')
