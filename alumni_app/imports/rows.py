"""One spreadsheet row to record values: names, dates, e-mail, region, course, row issues."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from flask_babel import lazy_gettext as _l

from alumni_app.alumni.models import Gender
from alumni_app.alumni.names import name_key
from alumni_app.imports import aliases
from alumni_app.imports.place_names import place_key
from alumni_app.training.labels import PROGRAM_TYPE_LABELS
from alumni_app.training.models import ProgramType

ROW_MESSAGES = {
    "missing-name": _l("The row has no name."),
    "too-long": _l("%(field)s is longer than %(max)s characters (%(length)s)."),
    "email": _l("“%(value)s” is not a valid e-mail address."),
    "birth-year": _l("Year of birth %(value)s is outside 1900–%(max)s."),
    "date": _l("%(field)s: “%(value)s” is not a date (write 2019-04-01 or 01.04.2019)."),
    "year": _l("%(field)s: “%(value)s” is not a year."),
    "dates-order": _l("The course ends before it starts."),
    "course-unknown": _l("There is no course %(value)s; add a course title column to create it."),
    "course-no-code": _l("The course “%(value)s” has no code and is not in the catalog."),
    # Warnings: the row is imported.
    "formula": _l("%(field)s looks like a spreadsheet formula; it is kept as plain text."),
    "gender": _l("Gender “%(value)s” was not recognised and is left unspecified."),
    "program-type": _l("Program type “%(value)s” was not recognised; “Other” is used."),
    # Reports stored before unknown regions and sectors were listed once per value.
    "region": _l("Region “%(value)s” is not in the office's list and is left empty."),
    "sector": _l("Sector “%(value)s” was not recognised and is left empty."),
    "course-removed": _l("The office removed the course %(value)s from this person's record: "
                         "it is not added again (add it on the record to overrule)."),
}
# Rows that are not people: skipped, not refused (they would block the whole import).
JUNK_MESSAGES = {
    "total": _l("A total or a note (“%(value)s”), not a person."),
    "no-letters": _l("“%(value)s” has no letters: a separator or a number, not a name."),
    "note-only": _l("No name, only a note or a count (“%(value)s”)."),
}
LIMITS = {"given_name": 100, "family_name": 100, "given_name_cyr": 100, "family_name_cyr": 100,
          "organization": 200, "position": 200, "phone": 40, "course_code": 40,
          "course_title": 300}
NAME_PAIRS = (("family_name", "given_name"), ("family_name_cyr", "given_name_cyr"))
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # PostgreSQL refuses NUL in text
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
FORMULA = re.compile(r"^(=|[+\-@]\s*[A-Za-z_][\w.]*\s*\()")
# "Итого: 12", "Всего 12", "Total", "Примечание: ...", "Note - ..." (a label, then ':' or digits).
JUNK_LABEL = re.compile(r"^(итого|всего|total|totals|subtotal|grand total|примечани[ея]|"
                        r"note|notes)\s*(?:[:\-–—.=]|\d|$)", re.IGNORECASE)
NAME_CELLS = ("full_name", "full_name_cyr", "family_name", "given_name", "family_name_cyr",
              "given_name_cyr")
# A row with one of these is a person's (a row missing its name is an error, not junk).
IDENTIFYING = frozenset({"email"})
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof"}
GENDERS = {
    Gender.MALE.value: {"m", "male", "man", "м", "муж", "мужской", "мужчина"},
    Gender.FEMALE.value: {"f", "female", "woman", "ж", "жен", "женский", "женщина"},
}
PROGRAM_SYNONYMS = {
    ProgramType.COUNTRY_FOCUSED: ["country focused", "страновой", "страновая программа"],
    ProgramType.ISSUE_BASED: ["issue based", "group", "тематический", "групповой"],
    ProgramType.YOUNG_LEADERS: ["young leaders", "молодые лидеры"],
    ProgramType.LONG_TERM: ["long term", "degree", "долгосрочный", "магистратура"],
    ProgramType.OTHER: ["other", "другое", "прочее"],
}
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y", "%Y.%m.%d",
                "%d.%m.%y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M:%S",
                "%d.%m.%Y %H:%M")
EXCEL_EPOCH = date(1899, 12, 30)
PLACES_KEPT = 10_000  # distinct region and sector cells read once per import
SERIALS = range(10_000, 80_000)  # Excel day numbers from 1927 to 2119


@dataclass
class Issue:
    row: int
    code: str
    field: str = ""
    params: dict = dataclasses.field(default_factory=dict)


@dataclass
class CourseRow:
    code: str
    title: str
    start_on: date | None = None
    end_on: date | None = None
    fiscal_year: int | None = None
    program_type: str = ProgramType.OTHER.value
    sector_id: int | None = None


@dataclass
class ParsedRow:
    number: int
    values: dict = dataclasses.field(default_factory=dict)
    course: CourseRow | None = None
    course_id: int | None = None
    errors: list[Issue] = dataclasses.field(default_factory=list)
    warnings: list[Issue] = dataclasses.field(default_factory=list)
    # (field, place key, text) of each region or sector value nothing matched.
    unmatched: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)

    def error(self, code: str, field_name: str = "", **params) -> None:
        self.errors.append(Issue(self.number, code, field_name, params))

    def warn(self, code: str, field_name: str = "", **params) -> None:
        self.warnings.append(Issue(self.number, code, field_name, params))

    @property
    def email(self) -> str:
        return self.values.get("email", "")

    @property
    def birth_year(self) -> int | None:
        return self.values.get("birth_year")

    @cached_property
    def name_key(self) -> str:
        return record_name_key(self.values)


def record_name_key(values: dict) -> str:
    """The same key services.create_record stores."""
    return name_key(values.get("family_name") or values.get("family_name_cyr") or "",
                    values.get("given_name") or values.get("given_name_cyr") or "")


def has_letters(text: str) -> bool:
    return any(c.isalpha() for c in text)


def junk_reason(raw: dict) -> tuple[str, str] | None:
    """(code, the cell shown) when a row is a total, a note or a separator, not a person.

    A name has at least one letter. A row whose name cell starts with Итого, Всего, Total,
    Примечание or Note (then ':' or digits, or nothing), or that has no name and only a note
    or a count, is skipped with its reason; a real row that lacks a name stays an error.
    """
    texts = {name: cell_text(value) for name, value in raw.items()}
    name = " ".join(texts[f] for f in NAME_CELLS if texts.get(f))
    if name:
        if JUNK_LABEL.match(name):
            return "total", name[:80]
        if has_letters(name) or IDENTIFYING & texts.keys():
            return None  # a person (or one whose name is missing: an error, not junk)
        return "no-letters", name[:80]
    filled = [t for t in texts.values() if t]
    labelled = [t for t in filled if JUNK_LABEL.match(t) or not has_letters(t)]
    if filled and len(labelled) == len(filled):
        return "note-only", labelled[0][:80]
    if len(filled) == 1 and not IDENTIFYING & texts.keys():
        return "note-only", filled[0][:80]
    return None


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[-_.,()]+", " ", text.casefold()).split())


class Lookups:
    """The office's regions and the sectors as offices write them, and the program types.

    `chosen`: {"region" | "sector": {place key: id, or 0 to leave it empty}}, what staff chose
    on the dry run's page for the values nothing matched.
    """

    def __init__(self, office_id: int, chosen: dict | None = None):
        self.regions = aliases.region_index(office_id)
        self.sectors = aliases.sector_index(office_id)
        self.chosen = chosen or {}
        self.places: dict[tuple[str, str], tuple[int | None, str]] = {}
        self.programs = {_fold(s): p.value for p, words in PROGRAM_SYNONYMS.items() for s in words}
        for program in ProgramType:
            self.programs[_fold(program.value)] = program.value
            self.programs[_fold(str(PROGRAM_TYPE_LABELS[program]))] = program.value


    def place(self, field: str, text: str, row: ParsedRow) -> int | None:
        """The region or sector a cell names; one nothing matches is noted on the row."""
        if (known := self.places.get((field, text))) is None:
            index = self.regions if field == "region" else self.sectors
            known = (index.find(text), place_key(text))
            if len(self.places) < PLACES_KEPT:  # a file repeats a handful of values
                self.places[field, text] = known
        found, key = known
        if found is not None or not key:
            return found
        row.unmatched.append((field, key, text[:80]))
        return (self.chosen.get(field) or {}).get(key) or None


def cell_text(value) -> str:
    """A cell as trimmed text with inner whitespace collapsed; whole numbers without '.0'."""
    if value is None:
        return ""
    if type(value) is str and value.isprintable() and "  " not in value and (
            not value or (value[0] != " " and value[-1] != " ")):
        return value  # most cells: nothing to trim, collapse or remove
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(CONTROL.sub("", str(value)).split())


def parse_date(value) -> date:
    """Read ISO, day-first (01.04.2019, 01/04/2019) and Excel serial dates; ValueError if not."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if re.fullmatch(r"\d{5}(\.\d+)?", text) and int(float(text)) in SERIALS:
        return EXCEL_EPOCH + timedelta(days=int(float(text)))
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_year(value) -> int:
    """A year written alone (1985, 1985.0, FY2019, 2019/20) or taken from a date."""
    text = cell_text(value)
    if match := re.fullmatch(r"(?:fy|jfy)?\s*(\d{4})(?:\s*[-/]\s*\d{2,4})?", text, re.I):
        return int(match.group(1))
    return parse_date(value).year


def split_full_name(text: str) -> tuple[str, str]:
    """Return (family, given): 'Family, Given', a FAMILY name in capitals, else family first."""
    if "," in text:
        family, _, given = text.partition(",")
        return family.strip(), " ".join(given.split())
    words = [w for w in text.split() if w.casefold().rstrip(".") not in TITLES]
    capitals = [i for i, w in enumerate(words) if len(w) > 1 and w.isupper()]
    if len(capitals) == 1 and len(words) > 1:
        family = words.pop(capitals[0])
        return family, " ".join(words)
    return (words[0], " ".join(words[1:])) if words else ("", "")


def _texts(raw: dict, row: ParsedRow) -> dict:
    texts = {}
    for name, value in raw.items():
        text = cell_text(value)
        if isinstance(value, str) and FORMULA.match(text):
            row.warn("formula", name)
        texts[name] = text
    return texts


def _names(texts: dict, row: ParsedRow) -> None:
    names = {f: texts.get(f, "") for pair in NAME_PAIRS for f in pair}
    for full_field, pair in (("full_name", NAME_PAIRS[0]), ("full_name_cyr", NAME_PAIRS[1])):
        full = texts.get(full_field, "")
        target = NAME_PAIRS[1] if CYRILLIC.search(full) else pair
        if full and not names[target[0]] and not names[target[1]]:
            names[target[0]], names[target[1]] = split_full_name(full)
    for latin, cyrillic in zip(*NAME_PAIRS, strict=True):
        if CYRILLIC.search(names[latin]) and not names[cyrillic]:
            names[cyrillic], names[latin] = names[latin], ""
    # A part without a letter ("-", "—", "?") is a placeholder, not a name.
    names = {f: v for f, v in names.items() if v and has_letters(v)}
    if not names:
        row.error("missing-name")
    row.values.update(names)


def _check_lengths(texts: dict, row: ParsedRow) -> None:
    names = {f for pair in NAME_PAIRS for f in pair}
    values = {**{k: v for k, v in texts.items() if k not in names}, **row.values}
    for name, limit in LIMITS.items():
        if len(values.get(name, "")) > limit:
            row.error("too-long", name, max=limit, length=len(values[name]))


def _email(texts: dict, row: ParsedRow) -> None:
    parts = [p for p in re.split(r"[;,\s]+", texts.get("email", "")) if p]
    bad = [p for p in parts if len(p) > 254 or not EMAIL.match(p)]
    if bad:
        row.error("email", "email", value=bad[0][:80])
    elif parts:
        row.values["email"] = parts[0].lower()
        if len(parts) > 1:
            row.values["email_alt"] = parts[1].lower()


def _gender(texts: dict, row: ParsedRow) -> None:
    text = texts.get("gender", "").casefold().rstrip(".")
    if not text:
        return
    found = [g for g, words in GENDERS.items() if text in words]
    if found:
        row.values["gender"] = found[0]
    else:
        row.warn("gender", "gender", value=text[:40])


def _birth_year(raw: dict, row: ParsedRow) -> None:
    name = "birth_year" if raw.get("birth_year") not in (None, "") else "birth_date"
    value = raw.get(name)
    if value in (None, ""):
        return
    try:
        year = parse_year(value) if name == "birth_year" else parse_date(value).year
    except ValueError:
        row.error("year" if name == "birth_year" else "date", name, value=cell_text(value)[:40])
        return
    if not 1900 <= year <= date.today().year:
        row.error("birth-year", name, value=year, max=date.today().year)
    else:
        row.values["birth_year"] = year


def _simple(texts: dict, row: ParsedRow, lookups: Lookups) -> None:
    for name in ("organization", "position", "phone"):
        if texts.get(name):
            row.values[name] = texts[name]
    if (region := texts.get("region")) and (found := lookups.place("region", region, row)):
        row.values["region_id"] = found


def _date(raw: dict, name: str, row: ParsedRow) -> date | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    try:
        return parse_date(value)
    except ValueError:
        row.error("date", name, value=cell_text(value)[:40])
        return None


def _course(raw: dict, texts: dict, row: ParsedRow, lookups: Lookups) -> None:
    code, title = texts.get("course_code", ""), texts.get("course_title", "")
    if not code and not title:
        return
    course = CourseRow(code, title, _date(raw, "course_start", row), _date(raw, "course_end", row))
    if course.start_on and course.end_on and course.end_on < course.start_on:
        row.error("dates-order", "course_end")
    if texts.get("fiscal_year"):
        try:
            course.fiscal_year = parse_year(raw["fiscal_year"])
        except ValueError:
            row.error("year", "fiscal_year", value=texts["fiscal_year"][:40])
    if program := texts.get("program_type"):
        course.program_type = lookups.programs.get(_fold(program), ProgramType.OTHER.value)
        if _fold(program) not in lookups.programs:
            row.warn("program-type", "program_type", value=program[:80])
    if sector := texts.get("sector"):
        course.sector_id = lookups.place("sector", sector, row)
    row.course = course


def parse_row(number: int, raw: dict, lookups: Lookups) -> ParsedRow:
    """Turn {field: cell value} into record values, a course reference and the row's issues."""
    row = ParsedRow(number)
    texts = _texts(raw, row)
    _names(texts, row)
    _check_lengths(texts, row)
    _email(texts, row)
    _gender(texts, row)
    _birth_year(raw, row)
    _simple(texts, row, lookups)
    _course(raw, texts, row, lookups)
    return row
