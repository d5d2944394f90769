"""records: when the current post began; past posts end after they start

Revision ID: 0010_records
Revises: 0009_plans
Create Date: 2026-12-04 04:00:00

A change of post is either a move (the old post is kept with its dates) or a correction of
the current entry; the current post's start date is what the kept post starts with.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_records'
down_revision = '0009_plans'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alumni_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_started_on', sa.Date(), nullable=True))
    with op.batch_alter_table('record_positions', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_record_positions_dates_ordered'), 'ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on')


def downgrade():
    with op.batch_alter_table('record_positions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_record_positions_dates_ordered'), type_='check')
    with op.batch_alter_table('alumni_records', schema=None) as batch_op:
        batch_op.drop_column('post_started_on')
