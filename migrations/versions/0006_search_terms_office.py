"""search terms carry their record's office

Revision ID: 0006_search_terms_office
Revises: 0005_action_plans
Create Date: 2026-12-01 20:30:00

A name search scoped to an office (every staff search) is counted from
ix_alumni_search_terms_office_term alone instead of checking each matching record.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_search_terms_office'
down_revision = '0005_action_plans'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alumni_search_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_id', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE alumni_search_terms SET office_id = (SELECT alumni_records.office_id "
        "FROM alumni_records WHERE alumni_records.id = alumni_search_terms.record_id)"
    )
    with op.batch_alter_table('alumni_search_terms', schema=None) as batch_op:
        batch_op.alter_column('office_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index('ix_alumni_search_terms_office_term',
                              ['office_id', 'term', 'record_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # A name word matches a prefix range of terms; with the default 100 most common values
        # PostgreSQL guessed one row for ranges that hold thousands and read every record.
        op.execute("ALTER TABLE alumni_search_terms ALTER COLUMN term SET STATISTICS 1000")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE alumni_search_terms ALTER COLUMN term SET STATISTICS -1")
    with op.batch_alter_table('alumni_search_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_alumni_search_terms_office_term')
        batch_op.drop_column('office_id')
