"""Creating and changing offices."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app import audit
from alumni_app.errors import DomainError
from alumni_app.extensions import db
from alumni_app.offices.forms import FIELDS_ORDER as FIELDS
from alumni_app.offices.models import Office


class OfficeCodeTaken(DomainError):
    pass


def _check_code(code: str, office_id: int | None) -> None:
    clash = db.session.scalar(sa.select(Office.id).where(Office.code == code))
    if clash is not None and clash != office_id:
        raise OfficeCodeTaken(code)


def create_office(actor, **values) -> Office:
    _check_code(values["code"], None)
    office = Office(**{k: values[k] for k in FIELDS})
    db.session.add(office)
    db.session.flush()
    audit.record("office.created", actor=actor, subject=office, office_id=office.id, **values)
    return office


def update_office(actor, office: Office, **values) -> None:
    _check_code(values["code"], office.id)
    changes = {k: [getattr(office, k), values[k]]
               for k in FIELDS if getattr(office, k) != values[k]}
    for key in FIELDS:
        setattr(office, key, values[key])
    if changes:
        audit.record("office.updated", actor=actor, subject=office, office_id=office.id,
                     changes=changes)
