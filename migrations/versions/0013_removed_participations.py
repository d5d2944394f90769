"""records fixes: courses removed from a record as linked by mistake

Revision ID: 0013_removed_participations
Revises: 0012_grants_mail
Create Date: 2026-12-04 04:25:07

A later import of the same list must not link a removed course to the person again.
"""
from alembic import op
import sqlalchemy as sa

import alumni_app.db


# revision identifiers, used by Alembic.
revision = '0013_removed_participations'
down_revision = '0012_grants_mail'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('removed_participations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('removed_at', alumni_app.db.UTCDateTime(), nullable=False),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_removed_participations_course_id_courses')),
    sa.ForeignKeyConstraint(['record_id'], ['alumni_records.id'], name=op.f('fk_removed_participations_record_id_alumni_records')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_removed_participations_removed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_removed_participations')),
    sa.UniqueConstraint('record_id', 'course_id', name=op.f('uq_removed_participations_record_id_course_id'))
    )
    with op.batch_alter_table('removed_participations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_removed_participations_course_id'), ['course_id'], unique=False)


def downgrade():
    with op.batch_alter_table('removed_participations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_removed_participations_course_id'))

    op.drop_table('removed_participations')
