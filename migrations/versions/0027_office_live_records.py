"""alumni: a partial index of each office's live records (active, not erased) by id

Revision ID: 0027_office_live_records
Revises: 0026_message_tallies
Create Date: 2026-12-06 22:00:00

The staff dashboard's follow-up counts join an office's open plans to its live records; on
PostgreSQL that read the whole records table (80 of 240 ms at 200,000 records,
bench/dashboard.py). This index answers it from the index alone.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_office_live_records'
down_revision = '0026_message_tallies'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alumni_records', schema=None) as batch_op:
        batch_op.create_index(
            'ix_alumni_records_office_live', ['office_id', 'id'], unique=False,
            postgresql_where=sa.text('is_active AND erased_at IS NULL'),
            sqlite_where=sa.text('is_active = 1 AND erased_at IS NULL'))


def downgrade():
    with op.batch_alter_table('alumni_records', schema=None) as batch_op:
        batch_op.drop_index('ix_alumni_records_office_live')
