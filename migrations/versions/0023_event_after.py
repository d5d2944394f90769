"""events after the day: notes of each session's discussion, tagged with barriers

Revision ID: 0023_event_after
Revises: 0022_imports
Create Date: 2026-12-06 02:30:00

A session's notes (a challenge, a need or an idea) with the shared barriers they name, so that
the follow-up figures can count them beside the barriers alumni report in their plans.
Certificates of attendance store nothing (their codes are signed), so they need no table.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_event_after'
down_revision = '0022_imports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_session_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('challenge', 'need', 'idea')", name=op.f('ck_event_session_notes_kind_valid')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_event_session_notes_created_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_event_session_notes_session_id_event_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_session_notes'))
    )
    with op.batch_alter_table('event_session_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_session_notes_session_id'), ['session_id'], unique=False)

    op.create_table('event_note_barriers',
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('barrier_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['barrier_id'], ['barriers.id'], name=op.f('fk_event_note_barriers_barrier_id_barriers')),
    sa.ForeignKeyConstraint(['note_id'], ['event_session_notes.id'], name=op.f('fk_event_note_barriers_note_id_event_session_notes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('note_id', 'barrier_id', name=op.f('pk_event_note_barriers'))
    )
    with op.batch_alter_table('event_note_barriers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_note_barriers_barrier_id'), ['barrier_id'], unique=False)


def downgrade():
    with op.batch_alter_table('event_note_barriers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_note_barriers_barrier_id'))

    op.drop_table('event_note_barriers')
    with op.batch_alter_table('event_session_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_session_notes_session_id'))

    op.drop_table('event_session_notes')
