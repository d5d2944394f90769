"""grants: a one-time token per refund form, so a double click records one refund

Revision ID: 0014_refund_tokens
Revises: 0013_removed_participations
Create Date: 2026-12-04 19:45:00

The same refund form posted twice (a double click, a resent page) booked the money twice.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_refund_tokens'
down_revision = '0013_removed_participations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('grant_refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_grant_refunds_form_token'),
                                          ['form_token'])


def downgrade():
    with op.batch_alter_table('grant_refunds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_grant_refunds_form_token'), type_='unique')
        batch_op.drop_column('form_token')
