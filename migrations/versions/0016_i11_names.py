"""names and places: the name key meets every transliteration in use (search terms rebuilt);
the regions and sectors an office's files call otherwise are remembered for it

Revision ID: 0016_i11_names
Revises: 0015_plan_edit_version
Create Date: 2026-12-05 16:00:00
"""
from alembic import op
import sqlalchemy as sa

import alumni_app.db
from alumni_app.alumni import reindex


# revision identifiers, used by Alembic.
revision = '0016_i11_names'
down_revision = '0015_plan_edit_version'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('text', sa.String(length=120), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('sector_id', sa.Integer(), nullable=True),
    sa.Column('chosen_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', alumni_app.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', alumni_app.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(field = 'region' AND region_id IS NOT NULL AND sector_id IS NULL) OR "
                       "(field = 'sector' AND sector_id IS NOT NULL AND region_id IS NULL)",
                       name=op.f('ck_import_aliases_one_target')),
    sa.ForeignKeyConstraint(['chosen_by_id'], ['users.id'], name=op.f('fk_import_aliases_chosen_by_id_users')),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_import_aliases_office_id_offices')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_import_aliases_region_id_regions')),
    sa.ForeignKeyConstraint(['sector_id'], ['sectors.id'], name=op.f('fk_import_aliases_sector_id_sectors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_aliases')),
    sa.UniqueConstraint('office_id', 'field', 'key', name=op.f('uq_import_aliases_office_id_field_key'))
    )
    with op.batch_alter_table('import_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_aliases_office_id'), ['office_id'], unique=False)
    # The stored name keys (records' name_key, the search terms) are rebuilt with the app's
    # current name key: `flask rebuild-search-terms` does the same at any time.
    reindex.rebuild_keys(op.get_bind())


def downgrade():
    # The name keys stay as the new key wrote them: an older version of the app finds the
    # people whose spelling both keys agree on.
    with op.batch_alter_table('import_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_aliases_office_id'))

    op.drop_table('import_aliases')
