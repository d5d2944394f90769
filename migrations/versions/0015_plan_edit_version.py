"""plans: an edit version, so a plan form opened before a newer save cannot undo it

Revision ID: 0015_plan_edit_version
Revises: 0014_refund_tokens
Create Date: 2026-12-04 19:50:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_plan_edit_version'
down_revision = '0014_refund_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('action_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edit_version', sa.Integer(), server_default='1',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('action_plans', schema=None) as batch_op:
        batch_op.drop_column('edit_version')
