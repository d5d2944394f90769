"""grants and mail fixes: claimed outbox messages, the tab that saved a draft

Revision ID: 0012_grants_mail
Revises: 0011_grants_review_versions
Create Date: 2026-12-05 04:00:00

"""
from alembic import op
import sqlalchemy as sa

import alumni_app.db


# revision identifiers, used by Alembic.
revision = '0012_grants_mail'
down_revision = '0011_grants_review_versions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbound_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', alumni_app.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table('grant_applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edit_tab', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('edit_seq', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('grant_applications', schema=None) as batch_op:
        batch_op.drop_column('edit_seq')
        batch_op.drop_column('edit_tab')
    with op.batch_alter_table('outbound_emails', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
