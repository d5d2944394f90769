"""Why a file cannot be imported at all, in words staff understand."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

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
