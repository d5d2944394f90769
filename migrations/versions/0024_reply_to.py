"""messages: the office's reply-to address, reminders on Telegram, consent to public items

Revision ID: 0024_reply_to
Revises: 0023_event_after
Create Date: 2026-12-06 02:15:00

An administrator sets it on the office's page; bulk messages of the office carry it as their
Reply-To (none when it is empty). `telegram_notices` holds the reminders (a plan's check-in, a grant
report) queued for a linked Telegram chat, one per reminder key. A public announcement records
who confirmed, and when, that the people it names or shows agreed; public ones saved before
have no such record and stay off the public page until someone confirms it.
"""
from alembic import op
import sqlalchemy as sa

import alumni_app.db


# revision identifiers, used by Alembic.
revision = '0024_reply_to'
down_revision = '0023_event_after'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), server_default='',
                                      nullable=False))
    op.create_table('telegram_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=14), nullable=False),
    sa.Column('created_at', alumni_app.db.UTCDateTime(), nullable=False),
    sa.Column('claimed_at', alumni_app.db.UTCDateTime(), nullable=True),
    sa.Column('sent_at', alumni_app.db.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_telegram_notices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_telegram_notices')),
    sa.UniqueConstraint('key', name=op.f('uq_telegram_notices_key'))
    )
    with op.batch_alter_table('telegram_notices', schema=None) as batch_op:
        batch_op.create_index('ix_telegram_notices_pending', ['state', 'claimed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_telegram_notices_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_consent_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('public_consent_at', alumni_app.db.UTCDateTime(),
                                      nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_announcements_public_consent_by_id_users'), 'users',
            ['public_consent_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_announcements_public_consent_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('public_consent_at')
        batch_op.drop_column('public_consent_by_id')
    with op.batch_alter_table('telegram_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_notices_user_id'))
        batch_op.drop_index('ix_telegram_notices_pending')
    op.drop_table('telegram_notices')
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_column('reply_to')
