"""jobs: background jobs operators can follow, and the heartbeats of the workers

Revision ID: 0017_jobs
Revises: 0016_i11_names
Create Date: 2026-12-05 10:00:00

Background work moves from threads of the web server to a task queue run by `flask worker`:
each run of a task operators should see is a row of `jobs` (what, for which office, who asked,
how far, how it ended, an idempotency key), and each worker process writes a heartbeat.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_jobs'
down_revision = '0016_i11_names'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('task_id', sa.String(length=64), nullable=True),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=True),
    sa.Column('counts', sa.Text(), nullable=False),
    sa.Column('error', sa.String(length=1000), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'running', 'retrying', 'done', 'failed', 'interrupted')", name=op.f('ck_jobs_state_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_jobs_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_jobs_office_id_offices'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('key', name=op.f('uq_jobs_key'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_office_id'), ['office_id'], unique=False)
        batch_op.create_index('ix_jobs_state_created_at', ['state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_task_id'), ['task_id'], unique=False)

    op.create_table('worker_heartbeats',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.Column('workers', sa.Integer(), nullable=False),
    sa.Column('runs_schedule', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_heartbeats'))
    )
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_heartbeats_seen_at'), ['seen_at'], unique=False)


def downgrade():
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_heartbeats_seen_at'))
    op.drop_table('worker_heartbeats')

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_task_id'))
        batch_op.drop_index('ix_jobs_state_created_at')
        batch_op.drop_index(batch_op.f('ix_jobs_office_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_created_at'))
    op.drop_table('jobs')
