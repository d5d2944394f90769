"""reports: each bulk message's delivery log counted by channel and state at the recount

Revision ID: 0026_message_tallies
Revises: 0025_event_mail
Create Date: 2026-12-06 21:30:00

The figures pages counted every recipient row of the delivery log of the period's messages
(seconds at 2,000,000 rows); the recount now keeps a few rows per message (channel, state,
recipients) and the pages read those, counting live only the messages queued since. The
table starts empty: until the first recount every message is counted live, as before.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026_message_tallies'
down_revision = '0025_event_mail'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_message_tallies',
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('state', sa.String(length=14), nullable=False),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['bulk_messages.id'],
                                name=op.f('fk_report_message_tallies_message_id_bulk_messages'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('message_id', 'channel', 'state',
                                name=op.f('pk_report_message_tallies')),
    )


def downgrade():
    op.drop_table('report_message_tallies')
