"""activities attributed to a participation (course), so outcomes count them without a plan

Revision ID: 0009_plans
Revises: 0008_mini_grants

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_plans'
down_revision = '0008_mini_grants'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('participation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_activities_participation_id'), ['participation_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_activities_participation_id_participations'),
                                    'participations', ['participation_id'], ['id'])
    # An activity with a plan passes on the plan's course.
    op.execute(
        "UPDATE activities SET participation_id = (SELECT action_plans.participation_id "
        "FROM action_plans WHERE action_plans.id = activities.plan_id) "
        "WHERE plan_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_activities_participation_id_participations'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_activities_participation_id'))
        batch_op.drop_column('participation_id')
