"""records: index (name_key, birth_year, id) instead of (name_key)

Revision ID: 0007_records_name_year_index
Revises: 0006_search_terms_office
Create Date: 2026-12-01 21:20:00

An import lists the first namesakes of each (name, year of birth) as probable duplicates;
with this index that is a short index walk per group. It also serves every lookup by name
that ix_alumni_records_name_key served.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007_records_name_year_index'
down_revision = '0006_search_terms_office'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alumni_records', schema=None) as batch_op:
        batch_op.create_index('ix_alumni_records_name_year', ['name_key', 'birth_year', 'id'],
                              unique=False)
        batch_op.drop_index(batch_op.f('ix_alumni_records_name_key'))


def downgrade():
    with op.batch_alter_table('alumni_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alumni_records_name_key'), ['name_key'],
                              unique=False)
        batch_op.drop_index('ix_alumni_records_name_year')
