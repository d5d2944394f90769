"""What an import did or would do, and the texts that explain it to staff and operators."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from flask_babel import lazy_gettext as _l

from alumni_app.imports import columns
from alumni_app.imports.errors import FILE_MESSAGES
from alumni_app.imports.rows import JUNK_MESSAGES, ROW_MESSAGES, Issue, ParsedRow

LISTED = 200  # errors, warnings and duplicates kept for display; the counts are always complete
PREVIEW_ROWS = 10

DUPLICATE_MESSAGES = {
    "email-name": _l("Same e-mail address as %(others)s, but another name; the row updates it."),
    "ambiguous": _l("Several records match (%(others)s); the row updates the first."),
    "same-name": _l("Same name as %(others)s, but the e-mail addresses or years of birth do not "
                    "show it is the same person; a new record is created."),
    "name-only": _l("Matched %(others)s by the name only: neither has an e-mail address or a "
                    "year of birth."),
}
REF_ROW = _l("row %(row)s (%(name)s)")
REF_RECORD = _l("record #%(id)s (%(name)s)")


@dataclass
class ImportReport:
    """What an import did, or would do: counts, row issues, probable duplicates, a preview."""

    file_name: str = ""
    office_id: int | None = None
    header_row: int = 0
    columns: list[str] = field(default_factory=list)
    mapping: list[str] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    blank: int = 0
    junk: int = 0  # totals, notes and separators skipped
    junk_rows: list[dict] = field(default_factory=list)
    error_rows: int = 0
    error_count: int = 0
    warning_count: int = 0
    duplicate_count: int = 0
    participations: int = 0
    courses_created: list[dict] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    applied: bool = False
    # Region and sector values nothing matched, once each: {field: {place key: {"text": as
    # first written, "rows": how many}}}; and what staff chose for them ({field: {key: id}}).
    unmatched: dict = field(default_factory=lambda: {"region": {}, "sector": {}})
    chosen: dict = field(default_factory=dict)

    def __post_init__(self):
        self.chosen = self.chosen or {}

    def can_commit(self, skip_errors: bool = False) -> bool:
        return not self.problems and (skip_errors or not self.error_rows)

    def add_row_issues(self, row: ParsedRow) -> None:
        if row.errors:
            self.error_rows += 1
            self.error_count += len(row.errors)
            self.errors.extend(row.errors[:max(0, LISTED - len(self.errors))])
        self.warning_count += len(row.warnings)
        self.warnings.extend(row.warnings[:max(0, LISTED - len(self.warnings))])
        for name, key, text in row.unmatched:
            values = self.unmatched.setdefault(name, {})
            if key in values:
                values[key]["rows"] += 1
            elif len(values) < LISTED:
                values[key] = {"text": text, "rows": 1}

    def add_junk(self, number: int, reason: tuple[str, str]) -> None:
        self.junk += 1
        if len(self.junk_rows) < LISTED:
            self.junk_rows.append({"row": number, "code": reason[0], "value": reason[1]})

    def add_duplicate(self, row: ParsedRow, kind: str, others: list[dict]) -> dict | None:
        """Count a probable duplicate; return its listed entry (None beyond LISTED)."""
        self.duplicate_count += 1
        if len(self.duplicates) >= LISTED:
            return None
        entry = {"row": row.number, "kind": kind, "others": others,
                 "name": display_name(row.values)}
        self.duplicates.append(entry)
        return entry

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        report = cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        report.errors = [Issue(**i) for i in report.errors]
        report.warnings = [Issue(**i) for i in report.warnings]
        return report


def display_name(values: dict) -> str:
    latin = " ".join(p for p in (values.get("family_name"), values.get("given_name")) if p)
    cyrillic = " ".join(p for p in (values.get("family_name_cyr"), values.get("given_name_cyr"))
                        if p)
    return latin or cyrillic or "—"


def field_label(name: str) -> str:
    return str(columns.FIELD_LABELS.get(name, name))


def issue_text(issue: Issue) -> str:
    """The message of a row error or warning, in the current language."""
    params = {**issue.params, "field": field_label(issue.field)}
    return str(ROW_MESSAGES[issue.code]) % params


def junk_text(junk: dict) -> str:
    """Why a row was skipped as not a person, in the current language."""
    return str(JUNK_MESSAGES[junk["code"]]) % {"value": junk["value"]}


def problem_text(problem: dict) -> str:
    params = dict(problem.get("params") or {})
    if "field" in params:
        params["field"] = field_label(params["field"])
    return str(FILE_MESSAGES[problem["code"]]) % params if params else str(
        FILE_MESSAGES[problem["code"]])


def merge_pairs(duplicate: dict) -> list[tuple[int, int]]:
    """(record to keep, record to merge into it) for each pair a duplicate entry names.

    The older record is kept. Entries of reports written before the records were known
    name no pairs.
    """
    mine = (duplicate.get("record") or {}).get("record_id")
    pairs = []
    for other in duplicate["others"]:
        theirs = other.get("record_id")
        if mine and theirs and theirs != mine:
            pair = (min(mine, theirs), max(mine, theirs))
            if pair not in pairs:
                pairs.append(pair)
    return pairs


def duplicate_text(duplicate: dict) -> str:
    refs = [str(REF_ROW if o.get("row") else REF_RECORD) % o for o in duplicate["others"]]
    return str(DUPLICATE_MESSAGES[duplicate["kind"]]) % {"others": ", ".join(refs)}
