"""Uploaded files (evidence, scanned paper copies): checked by content, stored, served with a check.

Any feature that accepts a document uses this module: `save_upload(file, actor=...)` checks and
stores it, `send_stored_file(stored)` answers a download once the feature's own policy allowed it.

- The content decides the type, never the name: the magic bytes (the `filetype` package) must
  be one of PDF, JPEG, PNG, DOCX or XLSX, and the file's extension must agree with them. DOCX and
  XLSX must be real Office Open XML zips with the right main part (macro-enabled or other zips
  are refused), and are checked for zip bombs (member count, total unpacked size).
- At most UPLOAD_MAX_BYTES (config, 10 MiB by default) are read; a bigger file is refused.
- The bytes live in the `stored_files` table, not on one server's disk: every app server reads
  them, and a database backup holds them. Names on disk or in URLs are generated, never the
  uploader's; the uploader's name is kept only to suggest a name when downloading.
- A PDF with active content is refused: scripts (/JavaScript, /JS), actions that start a
  program (/Launch), files carried inside (/EmbeddedFile) and rich media, also when written
  with #xx escapes or packed in compressed object streams (an object stream that cannot be
  unpacked cannot be checked, and is refused too). docs/security.md says why.
- Files are always sent as attachments (and every response carries `nosniff`: security.py),
  so a browser never renders them inline.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime

import filetype
import sqlalchemy as sa
from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, deferred, mapped_column

from alumni_app import audit
from alumni_app.db import UTCDateTime, utcnow
from alumni_app.errors import DomainError
from alumni_app.extensions import db

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ZIP_MAX_MEMBERS = 2_000
ZIP_MAX_UNPACKED = 100 * 1024 * 1024  # a 10 MB document that unpacks to more is a bomb
CONTENT_TYPES_MAX = 256 * 1024
ACCEPTED_HINT = "PDF, JPEG, PNG, DOCX, XLSX"
PDF_UNPACKED_MAX = 20 * 1024 * 1024  # all object streams of one PDF, unpacked
# A PDF name ends at white space or a delimiter: /JS is a name, /JSONData another one.
PDF_ACTIVE = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia)(?=[\s/<>\[\]()%{}]|$)")
PDF_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm(?=[\s/<>\[\]()%{}])")
PDF_STREAM_START = re.compile(rb"stream(?:\r\n|\n|\r)")
PDF_FLATE = re.compile(rb"/Filter\s*(?:\[\s*)?/FlateDecode\s*\]?\s*(?=[/>])")


@dataclass(frozen=True)
class Kind:
    extensions: tuple[str, ...]
    mime: str
    main_part: str | None = None  # the OOXML main part's content type


KINDS = {
    "pdf": Kind(("pdf",), "application/pdf"),
    "jpg": Kind(("jpg", "jpeg"), "image/jpeg"),
    "png": Kind(("png",), "image/png"),
    "docx": Kind(("docx",), "application/vnd.openxmlformats-officedocument."
                 "wordprocessingml.document",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                 ".main+xml"),
    "xlsx": Kind(("xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
}
ALLOWED_EXTENSIONS = frozenset(ext for kind in KINDS.values() for ext in kind.extensions)

MESSAGES = {
    "empty": _l("The file is empty."),
    "too-large": _l("The file is larger than %(limit)s MB. Send a smaller file."),
    "extension": _l("This kind of file is not accepted. Upload a PDF, JPEG, PNG, DOCX or XLSX "
                    "file."),
    "content": _l("The content of this file is not a PDF, JPEG, PNG, DOCX or XLSX document, "
                  "whatever its name says."),
    "mismatch": _l("The file's name ends in .%(extension)s, but its content is a %(actual)s "
                   "file. Rename it or upload the right file."),
    "office": _l("This is not a readable Word (.docx) or Excel (.xlsx) document: it may be "
                 "damaged, protected, contain macros, or be another kind of file renamed."),
    "bomb": _l("This document unpacks to far more data than its size suggests and was refused."),
    "active-pdf": _l("This PDF contains active content (scripts, programs to start or files "
                     "inside it) and was refused. Print it to a new PDF, or scan the paper, "
                     "and upload that."),
    "pdf-unreadable": _l("Parts of this PDF are protected or damaged, so it cannot be checked "
                         "and was refused. Print it to a new PDF and upload that."),
}


class UploadRefused(DomainError):
    """The file cannot be stored; `message` says why, in the user's language."""

    status = 400

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params

    @property
    def message(self) -> str:
        text = str(MESSAGES[self.code])
        return text % self.params if self.params else text


class FileTooLarge(UploadRefused):
    status = 413


class StoredFile(db.Model):
    """An uploaded file's checked bytes and what is known about them."""

    __tablename__ = "stored_files"
    __table_args__ = (sa.CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(sa.String(48), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(200), default="")
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # Deferred: lists of files never load the bytes.
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary(), nullable=False))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def extension(self) -> str:
        return self.stored_name.rsplit(".", 1)[-1]

    @property
    def size_kb(self) -> int:
        return max(1, round(self.size_bytes / 1024))


def max_bytes() -> int:
    return int(current_app.config.get("UPLOAD_MAX_BYTES") or DEFAULT_MAX_BYTES)


def extension_of(filename: str) -> str:
    name = (filename or "").strip().lower()
    return name.rsplit(".", 1)[-1] if "." in name else ""


def _kind_for_extension(extension: str) -> str | None:
    return next((key for key, kind in KINDS.items() if extension in kind.extensions), None)


def _check_ooxml(data: bytes, kind: Kind) -> None:
    """Refuse a zip that is not this Office document, or that would unpack to too much."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MAX_MEMBERS:
                raise UploadRefused("bomb")
            if sum(member.file_size for member in members) > ZIP_MAX_UNPACKED:
                raise UploadRefused("bomb")
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > CONTENT_TYPES_MAX:
                raise UploadRefused("bomb")
            content_types = archive.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError,
            EOFError, ValueError) as exc:
        raise UploadRefused("office") from exc
    # The main part must be declared with exactly this content type (macro-enabled differs).
    if not re.search(r'ContentType="' + re.escape(kind.main_part) + '"', content_types):
        raise UploadRefused("office")


def _pdf_names(data: bytes) -> bytes:
    """Undo #xx escapes, which may spell any name (/J#61vaScript is /JavaScript)."""
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data)


def _object_streams(data: bytes):
    """Yield the unpacked content of each object stream (/Type/ObjStm) of a PDF."""
    budget = PDF_UNPACKED_MAX
    for start in PDF_STREAM_START.finditer(data):
        if data[start.start() - 3:start.start()] == b"end":
            continue
        head = _pdf_names(data[data.rfind(b"obj", 0, start.start()) + 3:start.start()])
        if not PDF_OBJECT_STREAM.search(head) or b"/Filter" not in head:
            continue  # not an object stream, or not compressed: read with the rest
        end = data.find(b"endstream", start.end())
        if end < 0 or not PDF_FLATE.search(head):
            raise UploadRefused("pdf-unreadable")
        inflater = zlib.decompressobj()
        try:
            content = inflater.decompress(data[start.end():end], budget + 1)
        except zlib.error as exc:
            raise UploadRefused("pdf-unreadable") from exc
        budget -= len(content)
        if budget < 0 or inflater.unconsumed_tail:
            raise UploadRefused("bomb")
        yield content


def _check_pdf(data: bytes) -> None:
    """Refuse a PDF with scripts, launch actions, embedded files or rich media anywhere in its
    objects (content streams, pages' text and pictures, are not unpacked: no names there)."""
    if PDF_ACTIVE.search(_pdf_names(data)):
        raise UploadRefused("active-pdf")
    for content in _object_streams(data):
        if PDF_ACTIVE.search(_pdf_names(content)):
            raise UploadRefused("active-pdf")


def detect_kind(data: bytes, filename: str) -> str:
    """Return the key in KINDS of an upload, or raise UploadRefused."""
    if not data:
        raise UploadRefused("empty")
    claimed = _kind_for_extension(extension_of(filename))
    if claimed is None:
        raise UploadRefused("extension")
    guess = filetype.guess(data)
    actual = _kind_for_extension(guess.extension) if guess is not None else None
    if actual is None and guess is not None and guess.extension == "zip" and claimed in (
            "docx", "xlsx"):
        actual = claimed  # filetype names some valid OOXML zips plain "zip": checked below
    if actual is None:
        raise UploadRefused("content")
    if actual != claimed:
        raise UploadRefused("mismatch", extension=extension_of(filename),
                            actual=actual.upper())
    if KINDS[actual].main_part:
        _check_ooxml(data, KINDS[actual])
    elif actual == "pdf":
        _check_pdf(data)
    return actual


def read_limited(file_storage) -> bytes:
    """Read an upload, refusing it as soon as it is larger than UPLOAD_MAX_BYTES."""
    limit = max_bytes()
    data = file_storage.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge("too-large", limit=limit // (1024 * 1024))
    return data


def _display_name(filename: str, extension: str) -> str:
    """Keep a harmless version of the uploader's name to suggest when downloading."""
    stem = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = re.sub(r"[\x00-\x1f\x7f\"<>:|?*]+", "", stem).strip(" .")[:150] or "file"
    return f"{stem}.{extension}"


def save_upload(file_storage, *, actor) -> StoredFile:
    """Check an uploaded file by its content and size and store it; raise UploadRefused."""
    data = read_limited(file_storage)
    kind_key = detect_kind(data, file_storage.filename or "")
    kind = KINDS[kind_key]
    stored = StoredFile(
        stored_name=f"{uuid.uuid4().hex}.{kind.extensions[0]}",
        original_name=_display_name(file_storage.filename, kind.extensions[0]),
        content_type=kind.mime, size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(), content=data,
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(stored)
    db.session.flush()
    audit.record("file.stored", actor=actor, subject=stored, type=kind_key, size=len(data))
    return stored


def send_stored_file(stored: StoredFile):
    """Answer a download of a stored file; call only after the feature's permission check."""
    # nosniff comes with every response (security.set_security_headers).
    return send_file(io.BytesIO(stored.content), mimetype=stored.content_type,
                     as_attachment=True, download_name=stored.original_name or
                     stored.stored_name, max_age=0, etag=stored.sha256)
