"""messages: an event's invitations and reminders sent as bulk messages of kind "events"

Revision ID: 0025_event_mail
Revises: 0024_reply_to
Create Date: 2026-12-06 05:30:00

A bulk message may be about an event (`event_id`) and say which of its e-mails it is
(`event_mail`: "invitation" or "reminder"), so that the event's staff page lists its delivery
log and a retried task does not queue the same invitation twice. Messages written before have
neither (NULL, "").
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_event_mail'
down_revision = '0024_reply_to'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bulk_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('event_mail', sa.String(length=20), server_default='',
                                      nullable=False))
        batch_op.create_index(batch_op.f('ix_bulk_messages_event_id'), ['event_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_bulk_messages_event_id_events'), 'events',
                                    ['event_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('bulk_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bulk_messages_event_id_events'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_bulk_messages_event_id'))
        batch_op.drop_column('event_mail')
        batch_op.drop_column('event_id')
