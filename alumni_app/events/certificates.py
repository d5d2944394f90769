"""Certificates of attendance: a PDF for each person checked in at an event, with a QR code
to a public page that says the certificate is genuine.

Nothing is stored: the QR code's link carries a code signed with the app's secret naming the
invitation and the script the name was printed in ([invitation id, script]), so it cannot be
forged or turned into someone else's. The page looks the invitation up each time: once the
person is erased, or no longer marked present, the link finds nothing (404), and the page never
shows more than the certificate itself does.

The name is printed in the script the person chooses: Latin letters (the certificate in
English) or Cyrillic (in Russian); by default the one of their account's language.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app, url_for
from flask_babel import force_locale, format_date
from itsdangerous import BadSignature, URLSafeSerializer

from alumni_app.auth.models import User
from alumni_app.events.errors import EventError
from alumni_app.events.models import Event, Invitation
from alumni_app.events.services import office_zone
from alumni_app.extensions import db

SALT = "events.certificate"
LATIN, CYRILLIC = "latin", "cyrillic"
SCRIPTS = (LATIN, CYRILLIC)
LANGUAGE_OF = {LATIN: "en", CYRILLIC: "ru"}
# The app's vendored Noto Sans (Latin and Cyrillic, SIL OFL), the fact sheet's: read as files,
# not imported, so events do not depend on the reports feature.
FONTS = Path(__file__).resolve().parent.parent / "reports" / "fonts"
FAMILY = "NotoSans"
# Uzbek Latin's modifier letters are not in the font: the quotation marks that look the same.
PRINTABLE = str.maketrans({"\u02bb": "\u2018", "\u02bc": "\u2019"})
logging.getLogger("fontTools").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Certificate:
    invitation: Invitation
    event: Event
    script: str

    @property
    def name(self) -> str:
        return name_in(self.invitation, self.script)

    @property
    def language(self) -> str:
        return LANGUAGE_OF[self.script]

    @property
    def title(self) -> str:
        return self.event.title(self.language)

    def dates(self) -> str:
        """The event's day, or first and last day, on the office's calendar."""
        zone = office_zone(self.event.office)
        first: date = self.event.starts_at.astimezone(zone).date()
        last: date = self.event.ends_at.astimezone(zone).date()
        with force_locale(self.language):
            if first == last:
                return format_date(first, "long")
            return f"{format_date(first, 'long')} – {format_date(last, 'long')}"


def name_in(invitation: Invitation, script: str) -> str:
    """The person's name in `script`, or in the other one when they have no name in it."""
    if invitation.record is None:
        return invitation.guest.name
    record = invitation.record
    first, second = ((record.cyrillic_name, record.latin_name) if script == CYRILLIC
                     else (record.latin_name, record.cyrillic_name))
    return first or second or "—"


def scripts_of(invitation: Invitation) -> list[str]:
    """The scripts the person's name can be printed in: both, when the record has both."""
    record = invitation.record
    if record is None or not (record.latin_name and record.cyrillic_name):
        return [default_script(invitation)]
    return list(SCRIPTS)


def staff_scripts(invitation: Invitation) -> tuple[str, ...]:
    """The scripts staff are offered for someone's certificate, without a query: each the
    record has a name in (none for a guest, whose name has one spelling: the default)."""
    record = invitation.record
    if record is None:
        return ()
    return tuple(s for s in SCRIPTS
                 if (record.cyrillic_name if s == CYRILLIC else record.latin_name))


def default_script(invitation: Invitation) -> str:
    record = invitation.record
    if record is None:
        return CYRILLIC if invitation.guest.language == "ru" else LATIN
    user = db.session.get(User, record.user_id) if record.user_id else None
    language = user.preferred_language if user is not None else "en"
    if not record.latin_name or (language == "ru" and record.cyrillic_name):
        return CYRILLIC
    return LATIN


def certificate(invitation: Invitation, script: str | None) -> Certificate:
    """The certificate of someone present; refused (409, with why) for anyone else."""
    if invitation.checked_in_at is None:
        raise EventError("not-attended", "certificate", status=409)
    if script not in scripts_of(invitation):
        script = default_script(invitation)
    return Certificate(invitation, invitation.event, script)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def code_for(cert: Certificate) -> str:
    return _serializer().dumps([cert.invitation.id, cert.script])


def verify_url(cert: Certificate) -> str:
    return url_for("certificates.verify", code=code_for(cert), _external=True)


def read_code(code: str) -> Certificate | None:
    """The certificate a genuine code names, if it still stands; None otherwise."""
    try:
        invitation_id, script = _serializer().loads(code[:200])
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(invitation_id, int) or script not in SCRIPTS:
        return None
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.checked_in_at is None:
        return None
    record = invitation.record
    if record is not None and record.erased_at is not None:
        return None
    return Certificate(invitation, invitation.event, script)
