"""What an office's files call its regions and sectors: chosen once on a dry run, then known.

A value of the region or sector column that no name matches is listed once on the dry run's
page with a choice of the office's regions (or the sectors); what staff choose applies to
every row with that value, and once the file is imported it is remembered for the office
(`ImportAlias`), so later files need no choice for it.
"""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.extensions import db
from alumni_app.imports.models import FIELDS, ImportAlias
from alumni_app.imports.place_names import REGIONS, SECTORS, NameIndex
from alumni_app.training.models import Region, Sector

__all__ = ["FIELDS", "ImportAlias", "allowed_ids", "region_index", "remember", "sector_index"]


def _remembered(office_id: int, field: str) -> dict[str, int]:
    target = ImportAlias.region_id if field == "region" else ImportAlias.sector_id
    return dict(db.session.execute(sa.select(ImportAlias.key, target).where(
        ImportAlias.office_id == office_id, ImportAlias.field == field)).all())


def region_index(office_id: int) -> NameIndex:
    """The office's regions by every name they are known by."""
    rows = db.session.execute(sa.select(Region.id, Region.name_en, Region.name_ru)
                              .where(Region.office_id == office_id)).all()
    return NameIndex([(r.id, (r.name_en, r.name_ru)) for r in rows], REGIONS,
                     _remembered(office_id, "region"))


def sector_index(office_id: int) -> NameIndex:
    """The sectors by every name they are known by, with the office's own ways of writing."""
    rows = db.session.execute(sa.select(Sector.id, Sector.name_en, Sector.name_ru)).all()
    return NameIndex([(s.id, (s.name_en, s.name_ru)) for s in rows], SECTORS,
                     _remembered(office_id, "sector"))


def allowed_ids(office_id: int, field: str) -> set[int]:
    """The regions of the office, or the sectors, a value may be mapped to."""
    if field == "region":
        return set(db.session.scalars(sa.select(Region.id).where(Region.office_id == office_id)))
    return set(db.session.scalars(sa.select(Sector.id)))


def remember(office_id: int, seen: dict, chosen: dict, actor) -> int:
    """Keep the choices made for the values a committed file had; return how many are new.

    `seen`: {field: {key: {"text": ...}}} (the report's unmatched values); `chosen`: {field:
    {key: id}} (0: left empty, not remembered). Flushes, never commits.
    """
    added = 0
    for field in FIELDS:
        known, allowed = _remembered(office_id, field), allowed_ids(office_id, field)
        for key, target in (chosen.get(field) or {}).items():
            if (not target or target not in allowed or known.get(key) == target
                    or key not in (seen.get(field) or {})):
                continue
            db.session.execute(sa.delete(ImportAlias).where(
                ImportAlias.office_id == office_id, ImportAlias.field == field,
                ImportAlias.key == key))
            db.session.add(ImportAlias(
                office_id=office_id, field=field, key=key,
                text=seen[field][key]["text"][:120], chosen_by_id=getattr(actor, "id", None),
                **{f"{field}_id": target}))
            added += 1
    db.session.flush()
    return added
