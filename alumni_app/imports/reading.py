"""Reading staff spreadsheets for the import: file checks, encodings, delimiters, header columns.

Rows are streamed (csv over a text stream, openpyxl in read-only mode), never loaded whole.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import re
import secrets
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

from flask_babel import lazy_gettext as _l

EXTENSIONS = ("csv", "txt", "tsv", "xlsx")
HEADER_SCAN_ROWS = 10
MAX_COLUMNS = 200
MAX_UNZIPPED = 1 << 30  # a workbook that unpacks to more than 1 GiB is refused (zip bomb)
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")

FILE_MESSAGES = {
    "extension": _l("Upload a CSV or XLSX file (.csv, .txt or .xlsx)."),
    "xls": _l("Old Excel files (.xls) cannot be read. In Excel choose “Save as” and the "
              "“Excel Workbook (.xlsx)” or “CSV UTF-8” format."),
    "empty": _l("The file is empty."),
    "too-large": _l("The file is larger than %(limit)s MB. Split it, or ask an operator to "
                    "import it from the command line."),
    "not-xlsx": _l("This is not a readable XLSX workbook: the file may be damaged, or another "
                   "kind of file renamed to .xlsx."),
    "not-text": _l("This is not a CSV text file. An Excel workbook must end in .xlsx."),
    "encoding": _l("The file is neither UTF-8 nor Windows-1251 text. Save it as “CSV UTF-8”."),
    "csv-broken": _l("The file cannot be read near line %(line)s: a cell may be too long or "
                     "a quotation mark may be missing."),
    "no-header": _l("No header row was found in the first 10 rows. The file needs a row of "
                    "column names such as “First name”, “Last name”, “E-mail”."),
    "no-name-column": _l("No column holds names: map a column to a given, family or full name."),
    "duplicate-column": _l("Several columns (%(columns)s) are mapped to “%(field)s”: keep one "
                           "and set the others to “Ignore”."),
    "repeated-column": _l("Column %(column)s also means “%(field)s”, like an earlier column; "
                          "it is ignored. Change the column choices below to use it instead."),
    "expired": _l("This import is no longer available. Upload the file again."),
}


class ImportFileError(Exception):
    """The file cannot be imported at all; `code` keys FILE_MESSAGES."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params

    def message(self) -> str:
        return str(FILE_MESSAGES[self.code]) % self.params if self.params else str(
            FILE_MESSAGES[self.code])


# --- columns ---------------------------------------------------------------------------------

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


# --- file checks and reading -----------------------------------------------------------------

def extension_of(filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext == "xls":
        raise ImportFileError("xls")
    if ext not in EXTENSIONS:
        raise ImportFileError("extension")
    return ext


def check_file(path: Path, ext: str) -> None:
    """Refuse empty files, non-workbooks named .xlsx and binary files named .csv."""
    with open(path, "rb") as handle:
        head = handle.read(65536)
    if not head:
        raise ImportFileError("empty")
    if ext == "xlsx":
        _check_workbook(path, head)
    elif head.startswith(b"PK\x03\x04") or (
            b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))):
        raise ImportFileError("not-text")


def _check_workbook(path: Path, head: bytes) -> None:
    if not head.startswith(b"PK\x03\x04"):
        raise ImportFileError("not-xlsx")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise ImportFileError("not-xlsx") from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names or sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise ImportFileError("not-xlsx")


def detect_encoding(path: Path) -> str:
    """UTF-16 with a BOM, else UTF-8 (with or without BOM) if the whole file decodes, else 1251."""
    with open(path, "rb") as handle:
        if handle.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1251"
    return "utf-8-sig"


def sniff_delimiter(sample: str) -> str:
    """Pick the delimiter (, ; or tab) that splits most sample lines into the same width."""
    lines = [line for line in sample.splitlines()[:30] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in (",", ";", "\t"):
        widths = Counter(len(row) for row in csv.reader(lines, delimiter=delimiter))
        width, count = widths.most_common(1)[0] if widths else (1, 0)
        score = (count, width) if width > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(path: Path) -> Iterator[list]:
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as handle:
        delimiter = sniff_delimiter(handle.read(65536))
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            yield from reader
        except csv.Error:
            raise ImportFileError("csv-broken", line=reader.line_num + 1) from None
        except UnicodeDecodeError:
            raise ImportFileError("encoding") from None


def _xlsx_rows(path: Path) -> Iterator[list]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise ImportFileError("not-xlsx") from None
    try:
        sheet = _data_sheet(book)
        yield from (list(row) for row in sheet.iter_rows(values_only=True))
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 - a truncated or malformed sheet
        raise ImportFileError("not-xlsx") from None
    finally:
        book.close()


def _data_sheet(book):
    """The first worksheet with a recognisable header row, else the first worksheet."""
    sheets = [s for s in book.worksheets if getattr(s, "sheet_state", "visible") == "visible"]
    if not sheets:
        raise ImportFileError("not-xlsx")
    for sheet in sheets:
        sheet.reset_dimensions()  # trust the rows, not a dimension tag other tools get wrong
        head = [list(r) for r in islice(sheet.iter_rows(values_only=True), HEADER_SCAN_ROWS)]
        if find_header(head) is not None:
            return sheet
    return sheets[0]


def iter_rows(path: Path, ext: str) -> Iterator[tuple[int, list]]:
    """Yield (row number as the spreadsheet shows it, cells) for every row of the file."""
    rows = _xlsx_rows(path) if ext == "xlsx" else _csv_rows(path)
    yield from enumerate(rows, start=1)


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


# --- uploads kept between the dry run and the commit -----------------------------------------

class UploadStore:
    """Uploaded files under a folder, named by a random token; never by a user-supplied name."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @staticmethod
    def valid(token: str) -> bool:
        return bool(TOKEN_RE.match(token or ""))

    def _meta_path(self, token: str) -> Path:
        if not self.valid(token):
            raise ValueError("bad token")
        return self.folder / f"{token}.json"

    def save(self, stream, ext: str, limit: int, meta: dict) -> str:
        """Copy an upload to disk (refusing it past `limit` bytes) and return its token."""
        self.folder.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(32)
        path = self.folder / f"{token}.{ext}"
        size = 0
        with open(path, "wb") as out:
            while chunk := stream.read(1 << 16):
                size += len(chunk)
                if size > limit:
                    out.close()
                    path.unlink(missing_ok=True)
                    raise ImportFileError("too-large", limit=limit // (1024 * 1024))
                out.write(chunk)
        self.write_meta(token, {**meta, "ext": ext, "size": size, "saved_at": time.time()})
        return token

    def meta(self, token: str) -> dict | None:
        if not self.valid(token):
            return None
        try:
            return json.loads(self._meta_path(token).read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def write_meta(self, token: str, meta: dict) -> None:
        """Replace the meta file at once: a reader never sees it half-written."""
        path = self._meta_path(token)
        partial = path.with_name(f"{path.name}.{secrets.token_hex(4)}.part")
        partial.write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
        os.replace(partial, path)

    def file(self, token: str, meta: dict) -> Path:
        ext = meta.get("ext")
        if not self.valid(token) or ext not in EXTENSIONS:
            raise ValueError("bad token")
        return self.folder / f"{token}.{ext}"

    def delete(self, token: str) -> None:
        if self.valid(token):
            for path in self.folder.glob(f"{token}.*"):
                path.unlink(missing_ok=True)

    @contextmanager
    def claim(self, token: str, stale_after: float = 3600) -> Iterator[bool]:
        """Hold a lock file while a token's import is committed; yield False if one is held."""
        lock = self._meta_path(token).with_suffix(".lock")
        if lock.is_file() and lock.stat().st_mtime < time.time() - stale_after:
            lock.unlink(missing_ok=True)  # left behind by a worker that died
        try:
            os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            yield False
            return
        try:
            yield True
        finally:
            lock.unlink(missing_ok=True)

    def prune(self, max_age: float = 24 * 3600) -> None:
        """Remove uploads whose last dry run is older than `max_age` seconds (abandoned)."""
        if not self.folder.is_dir():
            return
        cutoff = time.time() - max_age
        tokens = {p.name.split(".", 1)[0] for p in self.folder.iterdir()}
        for token in filter(self.valid, tokens):
            stamps = [p.stat().st_mtime for p in self.folder.glob(f"{token}.*")]
            if stamps and max(stamps) < cutoff:
                self.delete(token)
