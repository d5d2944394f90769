"""names: the name key meets every transliteration in use; search terms rebuilt with it

Revision ID: 0016_i11_names
Revises: 0015_plan_edit_version
Create Date: 2026-12-05 16:00:00
"""
from alembic import op

from alumni_app.alumni import reindex


# revision identifiers, used by Alembic.
revision = '0016_i11_names'
down_revision = '0015_plan_edit_version'
branch_labels = None
depends_on = None


def upgrade():
    # The stored keys (records' name_key, the search terms) are rebuilt with the app's current
    # name key: `flask rebuild-search-terms` does the same at any time.
    reindex.rebuild_keys(op.get_bind())


def downgrade():
    # The keys stay as the new key wrote them: an older version of the app finds the people
    # whose spelling both keys agree on until `flask rebuild-search-terms` of that version
    # (where it exists) rewrites them.
    pass
