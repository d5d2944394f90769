"""An audience as data: parsed from a form, stored as a dict, read back the same."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from flask_babel import lazy_gettext as _l

from alumni_app.errors import DomainError
from alumni_app.forms import positive_int
from alumni_app.training.models import ProgramType

MAX_CHOSEN = 5_000  # people chosen by hand in one audience
FIRST_YEAR, LAST_YEAR = 1950, 2100


class AudienceInvalid(DomainError):
    MESSAGES = {
        "program-type": _l("Choose a program type from the list."),
        "year": _l("Give a fiscal year between %(first)s and %(last)s."),
        "chosen": _l("Choose at most %(limit)s people by hand."),
    }
    status = 400


@dataclass(frozen=True)
class Audience:
    """Who among one office's active alumni records; every criterion narrows it."""

    office_id: int | None = None
    region_id: int | None = None
    sector_id: int | None = None
    program_type: str | None = None
    course_id: int | None = None
    fiscal_year: int | None = None
    trained_since: int | None = None  # a fiscal year: trained in it or later
    active_plans: bool = False  # an action plan under way (in progress or stalled)
    grantees: bool = False  # a mini-grant approved (running or closed)
    record_ids: tuple[int, ...] = field(default=())  # chosen by hand: only these

    @property
    def narrowed(self) -> bool:
        """Whether anything beyond the office restricts it."""
        return any(getattr(self, f.name) for f in fields(self) if f.name != "office_id")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["record_ids"] = list(self.record_ids)
        return {key: value for key, value in data.items() if value not in (None, False, [])}

    @classmethod
    def from_dict(cls, data: dict | None) -> Audience:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in (data or {}).items() if key in known}
        values["record_ids"] = tuple(values.get("record_ids") or ())
        return cls(**values)


def _year(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    year = positive_int(value, max_digits=4)
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise AudienceInvalid("year", name, first=FIRST_YEAR, last=LAST_YEAR)
    return year


def _chosen(values: list[str]) -> tuple[int, ...]:
    ids = sorted({n for n in (positive_int(v) for v in values) if n is not None})
    if len(ids) > MAX_CHOSEN:
        raise AudienceInvalid("chosen", "record_ids", limit=MAX_CHOSEN)
    return tuple(ids)


def parse_audience(args, office_id: int | None) -> Audience:
    """Read an audience from request arguments (a MultiDict); raise AudienceInvalid if odd.

    Unknown ids simply match nobody (the office scoping of the queries keeps other offices'
    regions, courses and records out); only values no list could hold are refused.
    """
    program = args.get("program_type") or None
    if program is not None and program not in {p.value for p in ProgramType}:
        raise AudienceInvalid("program-type", "program_type")
    return Audience(
        office_id=office_id,
        region_id=positive_int(args.get("region")),
        sector_id=positive_int(args.get("sector")),
        program_type=program,
        course_id=positive_int(args.get("course")),
        fiscal_year=_year(args.get("fy"), "fy"),
        trained_since=_year(args.get("trained_since"), "trained_since"),
        active_plans=args.get("active_plans") == "1",
        grantees=args.get("grantees") == "1",
        record_ids=_chosen(args.getlist("record_ids")),
    )
