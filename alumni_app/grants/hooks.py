"""What the grants feature registers with the features below it (alumni_app/hooks.py): its part
of a person's data download, of an erasure and of a merge of two records, what rests on a course
of a record, and its template helpers."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.alumni.privacy import register_erasure, register_export
from alumni_app.alumni.services import register_merge, register_participation_use
from alumni_app.extensions import db
from alumni_app.grants import applications, export, privacy, template_helpers
from alumni_app.grants.models import AppState, GrantApplication, GrantCall


def grant_rests_on(participation) -> str | None:
    """"grant" when the record has a grant application past its draft in a call of its office.

    Eligibility (training ended long enough ago) was checked against the record's courses
    when it was submitted: removing one would leave a grant resting on a course now gone.
    """
    record = sa.select(AlumnusRecord.office_id).where(
        AlumnusRecord.id == participation.record_id)
    found = db.session.scalar(sa.select(sa.exists().where(
        GrantApplication.record_id == participation.record_id,
        GrantApplication.state != AppState.DRAFT.value,
        GrantApplication.call_id == GrantCall.id,
        GrantCall.office_id == record.scalar_subquery())))
    return "grant" if found else None


def register(app) -> None:
    template_helpers.register(app)
    register_export(app, "grant_applications", _l("Mini-grant applications"),
                    export.applications_of)
    register_export(app, "grant_teams", _l("Mini-grant teams and messages"), export.teams_of)
    register_merge(app, "grants", applications.move_to_kept_record)
    register_erasure(app, "grants", privacy.erase_person)
    register_participation_use(app, "grants", grant_rests_on)
