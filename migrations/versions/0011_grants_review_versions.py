"""grants fixes: the version of the application each review scored

Revision ID: 0011_grants_review_versions
Revises: 0010_records
Create Date: 2026-12-04 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_grants_review_versions'
down_revision = '0010_records'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('grant_reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version_number', sa.Integer(), nullable=True))
    # A review submitted before now scored the latest version submitted before it.
    op.execute(
        "UPDATE grant_reviews SET version_number = ("
        "SELECT MAX(v.number) FROM grant_application_versions v "
        "WHERE v.application_id = grant_reviews.application_id "
        "AND v.submitted_at <= grant_reviews.submitted_at) "
        "WHERE state = 'submitted'")


def downgrade():
    with op.batch_alter_table('grant_reviews', schema=None) as batch_op:
        batch_op.drop_column('version_number')
