"""reports: exchange rates per month (1 unit of a currency in USD and in JPY)

Revision ID: 0016_i16_reports
Revises: 0015_plan_edit_version
Create Date: 2026-12-05 15:30:00
"""
from alembic import op
import sqlalchemy as sa

from alumni_app.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0016_i16_reports'
down_revision = '0015_plan_edit_version'
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


def downgrade():
    op.drop_table('exchange_rates')
