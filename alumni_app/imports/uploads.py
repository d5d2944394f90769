"""Uploads kept between the dry run and the commit: the files, and the rows that describe them.

The file waits in IMPORT_FOLDER (instance/imports by default; with several servers and workers,
a folder they all share) under a random token, never under the uploader's name. Whose it is,
what its last dry run found and which job works on it are an `ImportUpload` row.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.imports.errors import ImportFileError
from alumni_app.imports.models import ImportUpload
from alumni_app.imports.reading import EXTENSIONS
from alumni_app.jobs.models import Job, JobState

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
KEEP = timedelta(hours=24)  # an upload nobody touched for this long is abandoned


class UploadStore:
    """Uploaded files under a folder, named by a random token; never by a user-supplied name."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @staticmethod
    def valid(token: str) -> bool:
        return bool(TOKEN_RE.match(token or ""))

    def save(self, stream, ext: str, limit: int) -> tuple[str, int]:
        """Copy an upload to disk (refusing it past `limit` bytes); return its token and size."""
        self.folder.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(32)
        path = self.file(token, ext)
        size = 0
        with open(path, "wb") as out:
            while chunk := stream.read(1 << 16):
                size += len(chunk)
                if size > limit:
                    out.close()
                    path.unlink(missing_ok=True)
                    raise ImportFileError("too-large", limit=limit // (1024 * 1024))
                out.write(chunk)
        return token, size

    def file(self, token: str, ext: str | None) -> Path:
        if not self.valid(token) or ext not in EXTENSIONS:
            raise ValueError("bad token")
        return self.folder / f"{token}.{ext}"

    def delete(self, token: str) -> None:
        if self.valid(token):
            for path in self.folder.glob(f"{token}.*"):
                path.unlink(missing_ok=True)


def store() -> UploadStore:
    folder = current_app.config["IMPORT_FOLDER"] or Path(current_app.instance_path) / "imports"
    return UploadStore(folder)


def find(token: str) -> ImportUpload | None:
    if not UploadStore.valid(token):
        return None
    return db.session.scalar(sa.select(ImportUpload).where(ImportUpload.token == token))


def path_of(upload: ImportUpload) -> Path:
    return store().file(upload.token, upload.ext)


def forget(upload: ImportUpload) -> None:
    """Remove the file and its row (the caller commits)."""
    store().delete(upload.token)
    db.session.delete(upload)


def prune() -> int:
    """Forget the uploads nobody touched for a day, unless a job works on them now."""
    busy = sa.select(Job.id).where(Job.id == ImportUpload.job_id, Job.state.in_(
        [JobState.QUEUED.value, JobState.RUNNING.value, JobState.RETRYING.value]))
    old = db.session.scalars(sa.select(ImportUpload).where(
        ImportUpload.updated_at < utcnow() - KEEP, ~sa.exists(busy))).all()
    for upload in old:
        forget(upload)
    return len(old)
