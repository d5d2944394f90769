"""URL arguments of the import routes: a remembered name of one of the office's regions."""

from __future__ import annotations

from alumni_app.extensions import db
from alumni_app.imports.models import ImportAlias


def route_args(users: dict, office, endpoint: str, values: dict) -> dict:
    """A remembered way the office's files write the region `values` points at."""
    if endpoint and endpoint != "imports.forget_alias":
        return {}
    alias = ImportAlias(office_id=office.id, field="region", key="tokmok", text="Токмок",
                        region_id=values["region_id"])
    db.session.add(alias)
    db.session.commit()
    return {"alias_id": alias.id}
