"""Small real documents of each accepted kind, and hostile ones, for upload tests."""

from __future__ import annotations

import io
import zipfile

import xlsxwriter
from PIL import Image
from werkzeug.datastructures import FileStorage

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:body><w:p><w:r><w:t>Action plan</w:t></w:r></w:p></w:body></w:document>'
)


def pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def image(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def docx(main: str = WORD_MAIN, extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(main=main))
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", DOCUMENT)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    workbook.add_worksheet().write(0, 0, "people reached")
    workbook.close()
    return buffer.getvalue()


def xlsm() -> bytes:
    """An XLSX whose main part is declared macro-enabled (an .xlsm renamed)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"officedocument.spreadsheetml.sheet.main+xml",
                                    b"ms-excel.sheet.macroEnabled.main+xml")
            archive.writestr(info, data)
    return buffer.getvalue()


def executable() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def zip_bomb() -> bytes:
    """A genuine-looking DOCX with one member that unpacks to 101 MiB of zeros."""
    return docx(extra={"word/media/filler.bin": b"\0" * (101 * 1024 * 1024)})


def upload(data: bytes, filename: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename)


def empty_part() -> tuple:
    """What a browser sends for a file input left empty: a part with `filename=""`, no bytes."""
    return (io.BytesIO(b""), "")


def pdf_with(*objects: bytes, catalog: bytes = b"") -> bytes:
    """A small PDF whose catalog holds `catalog` and which carries `objects` (3 0 obj on)."""
    body = [b"1 0 obj<</Type/Catalog/Pages 2 0 R" + catalog + b">>endobj",
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj"]
    body += [b"%d 0 obj" % (n + 3) + obj + b"endobj" for n, obj in enumerate(objects)]
    return b"%PDF-1.7\n" + b"\n".join(body) + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def object_stream(content: bytes, compress: bool = True) -> bytes:
    """An object stream (/Type/ObjStm) holding `content`, Flate-compressed as writers do."""
    import zlib

    data = zlib.compress(content) if compress else content
    filters = b"/Filter/FlateDecode" if compress else b""
    return (b"<</Type/ObjStm/N 1/First 4" + filters + b"/Length %d>>stream\n" % len(data)
            + data + b"\nendstream")
