"""The figures' filters (period, sector, region, program type) read from the query string.

Odd values never reach a query: the page ignores them and says so; a download refuses them
with a 400 and the reason (a file that silently ignored a filter would mislead its reader).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from alumni_app.extensions import db
from alumni_app.forms import positive_int
from alumni_app.reports.rules import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from alumni_app.training.labels import name_choices, program_type_label
from alumni_app.training.models import PROGRAM_TYPE_VALUES, Region, Sector

ARGS = ("fy_from", "fy_to", "sector", "region", "program_type")


class FilterError(BadRequest):
    """A download asked with a filter that cannot be applied: 400 with the reason."""

    def __init__(self, problems: list[str]):
        super().__init__()
        self.user_message = " ".join(problems)


@dataclass(frozen=True)
class Filters:
    fy_from: int | None = None
    fy_to: int | None = None
    sector_id: int | None = None
    region_id: int | None = None
    program_type: str | None = None

    @property
    def is_set(self) -> bool:
        return any(getattr(self, name) is not None for name in
                   ("fy_from", "fy_to", "sector_id", "region_id", "program_type"))

    def args(self) -> dict:
        """The query string that gives these filters (for links and downloads)."""
        values = dict(zip(ARGS, (self.fy_from, self.fy_to, self.sector_id, self.region_id,
                                 self.program_type), strict=True))
        return {k: v for k, v in values.items() if v is not None}

    def for_year(self, year: int) -> Filters:
        return replace(self, fy_from=year, fy_to=year)


@dataclass
class Choices:
    """What the filter form offers: sectors and the scope's regions, by id, named."""

    sectors: list[tuple[int, str]] = field(default_factory=list)
    regions: list[tuple[int, str]] = field(default_factory=list)

    def program_types(self) -> list[tuple[str, str]]:
        return [(value, program_type_label(value)) for value in PROGRAM_TYPE_VALUES]


def choices(office_id: int | None) -> Choices:
    """Sectors (shared by every office) and the regions of the office (or of all)."""
    regions = sa.select(Region).order_by(Region.id)
    if office_id is not None:
        regions = regions.where(Region.office_id == office_id)
    return Choices(name_choices(db.session.scalars(sa.select(Sector).order_by(Sector.id))),
                   name_choices(db.session.scalars(regions)))


def _year(raw: str | None, name: str, problems: list[str]) -> int | None:
    if not raw:
        return None
    year = positive_int(raw, max_digits=4)
    if year is None or not FIRST_FISCAL_YEAR <= year <= LAST_FISCAL_YEAR:
        problems.append(_("%(what)s: a fiscal year is a year like 2024; %(value)s was ignored.",
                          what=name, value=raw[:20]))
        return None
    return year


def _listed(raw: str | None, listed: list[tuple[int, str]], message: str,
            problems: list[str]) -> int | None:
    if not raw:
        return None
    number = positive_int(raw)
    if number is None or number not in {key for key, _label in listed}:
        problems.append(message)
        return None
    return number


def parse(args, offered: Choices) -> tuple[Filters, list[str]]:
    """The filters in `args`, and a message for each value that was ignored."""
    problems: list[str] = []
    fy_from = _year(args.get("fy_from"), _("From"), problems)
    fy_to = _year(args.get("fy_to"), _("To"), problems)
    if fy_from is not None and fy_to is not None and fy_from > fy_to:
        problems.append(_("The period ends before it starts: the years were swapped."))
        fy_from, fy_to = fy_to, fy_from
    sector = _listed(args.get("sector"), offered.sectors,
                     _("The sector asked for is not in the list; all sectors are shown."),
                     problems)
    region = _listed(args.get("region"), offered.regions,
                     _("The region asked for is not one of this office's; all regions are "
                       "shown."), problems)
    program = args.get("program_type") or None
    if program is not None and program not in PROGRAM_TYPE_VALUES:
        problems.append(_("The program type asked for does not exist; all are shown."))
        program = None
    return Filters(fy_from, fy_to, sector, region, program), problems


def parse_strict(args, offered: Choices) -> Filters:
    """The filters of a download: any value that cannot be applied is a 400 with the reason."""
    filters, problems = parse(args, offered)
    if problems:
        raise FilterError(problems)
    return filters
