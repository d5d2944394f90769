"""events: the annual meeting, seminars, workshops and briefings; their agenda, guests who are
not alumni, invitations and registrations with a waiting list, and agenda proposals; files
sent with an e-mail (the calendar invitation)

Revision ID: 0020_events
Revises: 0019_i16_dashboards
Create Date: 2026-12-05 21:52:14
"""
from alembic import op
import sqlalchemy as sa

import alumni_app.db


# revision identifiers, used by Alembic.
revision = '0020_events'
down_revision = '0019_i16_dashboards'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_guests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organization', sa.String(length=200), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('created_at', alumni_app.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', alumni_app.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("language IN ('en', 'ru')", name=op.f('ck_event_guests_language_valid')),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_event_guests_office_id_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_guests')),
    sa.UniqueConstraint('office_id', 'email', name=op.f('uq_event_guests_office_id_email'))
    )
    with op.batch_alter_table('event_guests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_guests_office_id'), ['office_id'], unique=False)

    op.create_table('outbound_email_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['email_id'], ['outbound_emails.id'], name=op.f('fk_outbound_email_attachments_email_id_outbound_emails')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_email_attachments'))
    )
    with op.batch_alter_table('outbound_email_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_email_attachments_email_id'), ['email_id'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('title_ru', sa.String(length=200), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('description_ru', sa.Text(), nullable=False),
    sa.Column('starts_at', alumni_app.db.UTCDateTime(), nullable=False),
    sa.Column('ends_at', alumni_app.db.UTCDateTime(), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('registration_deadline', alumni_app.db.UTCDateTime(), nullable=True),
    sa.Column('open_registration', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('registered', sa.Integer(), nullable=False),
    sa.Column('waiting_seq', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', alumni_app.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', alumni_app.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', alumni_app.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('annual_meeting', 'seminar', 'workshop', 'briefing', 'other')", name=op.f('ck_events_kind_valid')),
    sa.CheckConstraint("state IN ('draft', 'published', 'postponed', 'cancelled', 'finished')", name=op.f('ck_events_state_valid')),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_events_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_events_dates_ordered')),
    sa.CheckConstraint('registered >= 0 AND (capacity IS NULL OR registered <= capacity)', name=op.f('ck_events_registered_within_capacity')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_events_created_by_id_users')),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_events_office_id_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_office_starts', ['office_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_state'), ['state'], unique=False)

    op.create_table('event_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('guest_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('answer', sa.String(length=10), nullable=False),
    sa.Column('waiting_position', sa.Integer(), nullable=True),
    sa.Column('invited_at', alumni_app.db.UTCDateTime(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', alumni_app.db.UTCDateTime(), nullable=True),
    sa.Column('checked_in_at', alumni_app.db.UTCDateTime(), nullable=True),
    sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
    sa.Column('reminded_at', alumni_app.db.UTCDateTime(), nullable=True),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.CheckConstraint("(answer = 'waiting') = (waiting_position IS NOT NULL)", name=op.f('ck_event_invitations_waiting_iff_position')),
    sa.CheckConstraint("answer IN ('pending', 'yes', 'waiting', 'no')", name=op.f('ck_event_invitations_answer_valid')),
    sa.CheckConstraint("source IN ('invited', 'registered', 'walk_in')", name=op.f('ck_event_invitations_source_valid')),
    sa.CheckConstraint('(record_id IS NULL) <> (guest_id IS NULL)', name=op.f('ck_event_invitations_one_person')),
    sa.ForeignKeyConstraint(['checked_in_by_id'], ['users.id'], name=op.f('fk_event_invitations_checked_in_by_id_users')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_invitations_event_id_events')),
    sa.ForeignKeyConstraint(['guest_id'], ['event_guests.id'], name=op.f('fk_event_invitations_guest_id_event_guests')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_event_invitations_invited_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['alumni_records.id'], name=op.f('fk_event_invitations_record_id_alumni_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_invitations')),
    sa.UniqueConstraint('event_id', 'guest_id', name=op.f('uq_event_invitations_event_id_guest_id')),
    sa.UniqueConstraint('event_id', 'record_id', name=op.f('uq_event_invitations_event_id_record_id')),
    sa.UniqueConstraint('token', name=op.f('uq_event_invitations_token'))
    )
    with op.batch_alter_table('event_invitations', schema=None) as batch_op:
        batch_op.create_index('ix_event_invitations_event_answer', ['event_id', 'answer', 'waiting_position'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_invitations_guest_id'), ['guest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_invitations_record_id'), ['record_id'], unique=False)

    op.create_table('event_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', alumni_app.db.UTCDateTime(), nullable=False),
    sa.Column('ends_at', alumni_app.db.UTCDateTime(), nullable=True),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('title_ru', sa.String(length=300), nullable=False),
    sa.Column('room', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_sessions_event_id_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_sessions'))
    )
    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_sessions_event_id'), ['event_id'], unique=False)

    op.create_table('event_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('barrier_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('reached', sa.Integer(), nullable=False),
    sa.Column('milestones', sa.Integer(), nullable=False),
    sa.Column('grants', sa.Integer(), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('presenter', 'topic')", name=op.f('ck_event_proposals_kind_valid')),
    sa.CheckConstraint("state IN ('proposed', 'accepted', 'ignored')", name=op.f('ck_event_proposals_state_valid')),
    sa.ForeignKeyConstraint(['barrier_id'], ['barriers.id'], name=op.f('fk_event_proposals_barrier_id_barriers')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_proposals_event_id_events')),
    sa.ForeignKeyConstraint(['record_id'], ['alumni_records.id'], name=op.f('fk_event_proposals_record_id_alumni_records')),
    sa.ForeignKeyConstraint(['sector_id'], ['sectors.id'], name=op.f('fk_event_proposals_sector_id_sectors')),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_event_proposals_session_id_event_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_proposals')),
    sa.UniqueConstraint('event_id', 'kind', 'record_id', 'barrier_id', name=op.f('uq_event_proposals_event_id_kind_record_id_barrier_id'))
    )
    with op.batch_alter_table('event_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_proposals_event_id'), ['event_id'], unique=False)

    op.create_table('event_speakers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('guest_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(record_id IS NULL) <> (guest_id IS NULL)', name=op.f('ck_event_speakers_one_person')),
    sa.ForeignKeyConstraint(['guest_id'], ['event_guests.id'], name=op.f('fk_event_speakers_guest_id_event_guests')),
    sa.ForeignKeyConstraint(['record_id'], ['alumni_records.id'], name=op.f('fk_event_speakers_record_id_alumni_records')),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_event_speakers_session_id_event_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_speakers'))
    )
    with op.batch_alter_table('event_speakers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_speakers_guest_id'), ['guest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_speakers_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_speakers_session_id'), ['session_id'], unique=False)



def downgrade():
    with op.batch_alter_table('event_speakers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_speakers_session_id'))
        batch_op.drop_index(batch_op.f('ix_event_speakers_record_id'))
        batch_op.drop_index(batch_op.f('ix_event_speakers_guest_id'))

    op.drop_table('event_speakers')
    with op.batch_alter_table('event_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_proposals_event_id'))

    op.drop_table('event_proposals')
    with op.batch_alter_table('event_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_sessions_event_id'))

    op.drop_table('event_sessions')
    with op.batch_alter_table('event_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_invitations_record_id'))
        batch_op.drop_index(batch_op.f('ix_event_invitations_guest_id'))
        batch_op.drop_index('ix_event_invitations_event_answer')

    op.drop_table('event_invitations')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_state'))
        batch_op.drop_index('ix_events_office_starts')

    op.drop_table('events')
    with op.batch_alter_table('outbound_email_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_email_attachments_email_id'))

    op.drop_table('outbound_email_attachments')
    with op.batch_alter_table('event_guests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_guests_office_id'))

    op.drop_table('event_guests')
