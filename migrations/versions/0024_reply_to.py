"""offices: the reply-to address of the office's bulk messages

Revision ID: 0024_reply_to
Revises: 0022_imports
Create Date: 2026-12-06 02:15:00

An administrator sets it on the office's page; bulk messages of the office carry it as their
Reply-To (none when it is empty).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_reply_to'
down_revision = '0022_imports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), server_default='',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_column('reply_to')
