"""The columns of a staff spreadsheet: the header row, and the field each column means.

Column titles in English or Russian are recognised by their synonyms; a field is given to its
first column only, and a mapping without a name column, or with a field twice, cannot be imported.
"""

from __future__ import annotations

import re
from collections import Counter

from flask_babel import lazy_gettext as _l

HEADER_SCAN_ROWS = 10
MAX_COLUMNS = 200

FIELD_LABELS = {
    "given_name": _l("Given name"),
    "family_name": _l("Family name"),
    "full_name": _l("Full name (family name first)"),
    "given_name_cyr": _l("Given name (Cyrillic)"),
    "family_name_cyr": _l("Family name (Cyrillic)"),
    "full_name_cyr": _l("Full name (Cyrillic)"),
    "gender": _l("Gender"),
    "birth_year": _l("Year of birth"),
    "birth_date": _l("Date of birth"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "organization": _l("Organization"),
    "position": _l("Position"),
    "region": _l("Region"),
    "course_code": _l("Course code"),
    "course_title": _l("Course title"),
    "course_start": _l("Course start date"),
    "course_end": _l("Course end date"),
    "fiscal_year": _l("Fiscal year"),
    "program_type": _l("Program type"),
    "sector": _l("Sector"),
}
FIELDS = tuple(FIELD_LABELS)
NAME_FIELDS = frozenset({"given_name", "family_name", "full_name", "given_name_cyr",
                         "family_name_cyr", "full_name_cyr"})
CYRILLIC_VARIANT = {"given_name": "given_name_cyr", "family_name": "family_name_cyr",
                    "full_name": "full_name_cyr"}

_SYNONYMS = {
    "given_name": ["first name", "given name", "firstname", "forename", "имя", "имя участника"],
    "family_name": ["last name", "surname", "family name", "lastname", "фамилия"],
    "full_name": ["full name", "name", "participant", "participant name", "name of participant",
                  "фио", "ф и о", "полное имя", "фамилия имя", "фамилия и имя",
                  "фамилия имя отчество", "имя и фамилия", "участник"],
    "gender": ["gender", "sex", "пол"],
    "birth_year": ["year of birth", "birth year", "yob", "год рождения", "г р"],
    "birth_date": ["date of birth", "birth date", "birthday", "dob", "дата рождения"],
    "email": ["e mail", "email", "mail", "e mail address", "email address", "эл почта",
              "электронная почта", "адрес электронной почты", "почта", "e почта"],
    "phone": ["phone", "telephone", "phone number", "mobile", "tel", "телефон", "тел",
              "мобильный телефон", "контактный телефон", "номер телефона"],
    "organization": ["organization", "organisation", "ministry", "employer", "workplace",
                     "organization ministry", "place of work", "организация", "место работы",
                     "министерство", "ведомство", "учреждение"],
    "position": ["position", "title", "job title", "post", "должность"],
    "region": ["region", "province", "oblast", "область", "регион"],
    "course_code": ["course code", "course no", "course number", "code", "код курса",
                    "№ курса", "номер курса", "код"],
    "course_title": ["course", "course title", "course name", "training", "название курса",
                     "курс", "наименование курса"],
    "course_start": ["start", "start date", "course start", "from", "начало", "дата начала",
                     "начало курса"],
    "course_end": ["end", "end date", "course end", "to", "окончание", "дата окончания",
                   "конец", "окончание курса"],
    "fiscal_year": ["fy", "jfy", "fiscal year", "фин год", "финансовый год"],
    "program_type": ["program type", "programme type", "type of program", "тип программы"],
    "sector": ["sector", "сектор", "отрасль", "сфера"],
}
_CYRILLIC_MARKERS = ("кирилл", "cyrillic", "рус", "russian")
_LATIN_MARKERS = ("латин", "latin", "англ", "english")
_FILLER = {"на", "in", "по"}


def _norm(text: str) -> str:
    text = str(text).casefold().replace("ё", "е").replace("e-mail", "e mail")
    return " ".join(re.sub(r"[^\w№]+", " ", text).split())


SYNONYMS = {_norm(s): field for field, words in _SYNONYMS.items() for s in words}


def guess_field(header) -> str:
    """Return the field a column header names, or "" when it is not recognised."""
    if header is None:
        return ""
    text = _norm(header)
    if text in SYNONYMS:
        return SYNONYMS[text]
    words = [w for w in _norm(re.sub(r"\(.*?\)", " ", str(header))).split()]
    marked = [w for w in _norm(header).split() if w.startswith(_CYRILLIC_MARKERS)]
    base = " ".join(w for w in words if not w.startswith(_CYRILLIC_MARKERS + _LATIN_MARKERS)
                    and w not in _FILLER)
    field = SYNONYMS.get(base, "")
    return CYRILLIC_VARIANT.get(field, field) if marked else field


def guess_mapping(headers: list[str]) -> list[str]:
    """Map each column to a field; a field is given to its first column only."""
    mapping, taken = [], set()
    for header in headers:
        field = guess_field(header)
        mapping.append("" if field in taken else field)
        taken.add(field)
    return mapping


def repeated_columns(headers: list[str], mapping: list[str]) -> list[tuple[str, dict]]:
    """Notes on columns left out because an earlier column already means the same field."""
    notes = []
    for index, header in enumerate(headers):
        field = guess_field(header)
        if field and mapping[index] != field:
            notes.append(("repeated-column", {"column": f"{column_letter(index)} ({header})",
                                              "field": field}))
    return notes


def mapping_problems(mapping: list[str], headers: list[str]) -> list[tuple[str, dict]]:
    """Return the reasons a mapping cannot be imported: no name column, a field twice."""
    problems = []
    if not NAME_FIELDS & set(mapping):
        problems.append(("no-name-column", {}))
    for field, count in Counter(f for f in mapping if f).items():
        if count > 1:
            columns = ", ".join(f"{column_letter(i)} ({headers[i]})"
                                for i, f in enumerate(mapping) if f == field)
            problems.append(("duplicate-column", {"columns": columns, "field": field}))
    return problems


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters



def find_header(rows: list[list]) -> int | None:
    """Return the index of the first row naming at least two known columns."""
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        if sum(1 for cell in cells if guess_field(cell)) >= 2:
            return index
    return None


def header_cells(cells: list) -> list[str]:
    """Column titles: trailing empty cells dropped, empty titles named by their letter."""
    titles = ["" if c is None else " ".join(str(c).split())[:100] for c in cells[:MAX_COLUMNS]]
    while titles and not titles[-1]:
        titles.pop()
    return [t or column_letter(i) for i, t in enumerate(titles)]
