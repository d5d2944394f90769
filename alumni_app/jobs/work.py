"""Background work for the dashboards: failed jobs (administrators) and failed imports (staff).

Imports become jobs of kinds starting with IMPORT_KIND_PREFIX ("imports.dry_run",
"imports.commit"); until then they run beside the upload and none is counted here.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from alumni_app.extensions import db
from alumni_app.jobs.models import Job
from alumni_app.jobs.tracking import failed_condition
from alumni_app.permissions import is_admin, is_staff, scope_to_office

IMPORT_KIND_PREFIX = "imports."


def work_items_for(user) -> list[dict]:
    """Imports of the office that failed; for administrators, every failed job too."""
    if not is_staff(user):
        return []
    failed = sa.select(sa.func.count(Job.id)).where(failed_condition())
    imports = scope_to_office(failed.where(Job.kind.startswith(IMPORT_KIND_PREFIX)),
                              Job.office_id, user).scalar_subquery()
    every = failed.scalar_subquery() if is_admin(user) else sa.literal(0)
    failed_imports, failed_jobs = db.session.execute(sa.select(imports, every)).one()
    imports_url = (url_for("jobs.index", show="failed", kind=IMPORT_KIND_PREFIX)
                   if is_admin(user) else url_for("imports.upload"))
    return [{"label": _("Imports that failed or were interrupted"), "count": failed_imports,
             "url": imports_url, "urgent": True},
            {"label": _("Background jobs that failed or were interrupted"),
             "count": failed_jobs, "url": url_for("jobs.index", show="failed"), "urgent": True}]
