"""dashboards: an index the staff dashboard counts an office's records from

Revision ID: 0019_i16_dashboards
Revises: 0018_reports
Create Date: 2026-12-05 18:00:00
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019_i16_dashboards'
down_revision = '0018_reports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alumni_records', schema=None) as batch_op:
        batch_op.create_index('ix_alumni_records_office_counts',
                              ['office_id', 'is_active', 'is_verified', 'user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('alumni_records', schema=None) as batch_op:
        batch_op.drop_index('ix_alumni_records_office_counts')
