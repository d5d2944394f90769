"""Profile photos: validated, re-encoded as JPEG and resized."""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps

from alumni_app import audit
from alumni_app.accounts.models import User
from alumni_app.alumni.claims import PrivacyError
from alumni_app.alumni.models import AlumnusRecord

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 512
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_FORMATS = frozenset({"JPEG", "PNG"})
PHOTO_NAME = re.compile(r"^[0-9a-f]{32}\.jpg$")



def photo_path(name: str | None) -> Path | None:
    if not name or not PHOTO_NAME.match(name):
        return None
    return Path(current_app.instance_path) / "photos" / name


def delete_photo_file(name: str | None) -> None:
    path = photo_path(name)
    if path is not None:
        path.unlink(missing_ok=True)


def _decode_photo(data: bytes) -> Image.Image:
    """Open an upload as a picture, trusting its content only: JPEG or PNG, not a pixel bomb."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in PHOTO_FORMATS:
                raise PrivacyError("photo-type")
            if probe.width * probe.height > PHOTO_MAX_PIXELS:
                raise PrivacyError("photo-invalid")
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PrivacyError("photo-invalid") from exc
    return image


def set_photo(actor: User, record: AlumnusRecord, data: bytes) -> str | None:
    """Store a re-encoded, resized copy of an uploaded picture; return the old file's name."""
    if len(data) > PHOTO_MAX_BYTES:
        raise PrivacyError("photo-too-large")
    image = ImageOps.exif_transpose(_decode_photo(data))
    if image.mode not in ("RGB", "L"):
        canvas = Image.new("RGB", image.size, "white")
        canvas.paste(image.convert("RGBA"), mask=image.convert("RGBA"))
        image = canvas
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    name = f"{secrets.token_hex(16)}.jpg"
    path = photo_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.convert("RGB").save(path, "JPEG", quality=85)  # re-encoded: no metadata, no payload
    old, record.photo_name = record.photo_name, name
    audit.record("record.photo_changed", actor=actor, subject=record, office_id=record.office_id)
    return old


def remove_photo(actor: User, record: AlumnusRecord) -> str | None:
    old, record.photo_name = record.photo_name, None
    if old:
        audit.record("record.photo_removed", actor=actor, subject=record,
                     office_id=record.office_id)
    return old
