"""dashboards: an index the staff dashboard counts an office's records from; the needs page's
counts kept by each recount

Revision ID: 0019_i16_dashboards
Revises: 0018_reports
Create Date: 2026-12-05 18:00:00
"""
from alembic import op
import sqlalchemy as sa

from alumni_app.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0019_i16_dashboards'
down_revision = '0018_reports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_needs_snapshots',
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('fiscal_year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('counted_at', UTCDateTime(), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'],
                                name=op.f('fk_report_needs_snapshots_office_id_offices')),
        sa.PrimaryKeyConstraint('office_id', 'fiscal_year',
                                name=op.f('pk_report_needs_snapshots')),
    )
    with op.batch_alter_table('alumni_records', schema=None) as batch_op:
        batch_op.create_index('ix_alumni_records_office_counts',
                              ['office_id', 'is_active', 'is_verified', 'user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('alumni_records', schema=None) as batch_op:
        batch_op.drop_index('ix_alumni_records_office_counts')
    op.drop_table('report_needs_snapshots')
