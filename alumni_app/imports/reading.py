"""Reading staff spreadsheets for the import: file checks, encodings, delimiters, rows.

Rows are streamed (csv over a text stream, openpyxl in read-only mode), never loaded whole.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from alumni_app.imports.columns import HEADER_SCAN_ROWS, find_header
from alumni_app.imports.errors import ImportFileError

EXTENSIONS = ("csv", "txt", "tsv", "xlsx")
MAX_UNZIPPED = 1 << 30  # a workbook that unpacks to more than 1 GiB is refused (zip bomb)


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


def estimate_rows(path: Path, ext: str) -> int | None:
    """About how many rows the file has, for the progress of its job (header rows included).

    A CSV's line breaks are counted (a cell with a line break in it counts twice); a workbook's
    sheet says its own size, which other tools sometimes write wrong: it is an estimate.
    """
    if ext != "xlsx":
        lines, last = 0, b""
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk
        return lines + (1 if last and not last.endswith(b"\n") else 0)
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - a damaged file: its job says so
        return None
    try:
        return book.worksheets[0].max_row if book.worksheets else None
    finally:
        book.close()
