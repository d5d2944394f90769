"""After the event: the attendees' workbook (XLSX) for the office.

Everyone who registered (coming, or on the waiting list) or was checked in, alumni and guests
on separate, labelled lines. Numbers are numbers and times are Excel times in the office's zone,
the zone named in the column's title; every string is written as text, never as a formula or a
link (plans.outcomes.WORKBOOK_OPTIONS), so "=HYPERLINK(...)" in a guest's organization stays text.
"""

from __future__ import annotations

import io
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from xlsxwriter import Workbook

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.events.labels import answer_label, source_label
from alumni_app.events.models import Answer, Event, Guest, Invitation
from alumni_app.events.services import office_zone
from alumni_app.extensions import db
from alumni_app.plans.outcomes import WORKBOOK_OPTIONS
from alumni_app.times import zone_name

REGISTERED = (Answer.YES.value, Answer.WAITING.value)
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attendees(event: Event) -> list[Invitation]:
    """Who registered or came: alumni first, then guests, each by name."""
    query = (sa.select(Invitation)
             .where(Invitation.event_id == event.id,
                    sa.or_(Invitation.answer.in_(REGISTERED),
                           Invitation.checked_in_at.is_not(None)))
             .outerjoin(AlumnusRecord, AlumnusRecord.id == Invitation.record_id)
             .outerjoin(Guest, Guest.id == Invitation.guest_id)
             .order_by(Invitation.guest_id.is_not(None),
                       sa.func.coalesce(AlumnusRecord.family_name, Guest.name), Invitation.id))
    return list(db.session.scalars(query).unique())


def headers(zone: str) -> list[str]:
    return [_("Name"), _("Name (Cyrillic)"), _("Alumnus or guest"), _("Organization"),
            _("Position"), _("E-mail"), _("Phone"), _("Their answer"), _("How added"),
            _("Waiting list number"), _("Answered (%(zone)s)", zone=zone),
            _("Checked in (%(zone)s)", zone=zone), _("Attended")]


def _person(invitation: Invitation) -> list:
    if invitation.record is not None:
        r = invitation.record
        return [r.latin_name, r.cyrillic_name, _("alumnus"), r.organization, r.position,
                r.email, r.phone]
    g = invitation.guest
    return [g.name, "", _("guest"), g.organization, g.position, g.email, g.phone]


def row(invitation: Invitation, zone) -> list:
    """One person's cells: strings, an int, naive datetimes on the office's clock, a word."""

    def local(moment: datetime | None):
        return moment.astimezone(zone).replace(tzinfo=None) if moment else None

    return [*_person(invitation), answer_label(invitation.answer),
            source_label(invitation.source), invitation.waiting_position,
            local(invitation.answered_at), local(invitation.checked_in_at),
            _("yes") if invitation.checked_in_at else _("no")]


def _write(sheet, formats: dict, index: int, cells: list) -> None:
    for column, value in enumerate(cells):
        if value is None or value == "":
            sheet.write_blank(index, column, None)
        elif isinstance(value, datetime):
            sheet.write_datetime(index, column, value, formats["time"])
        elif isinstance(value, int) and not isinstance(value, bool):
            sheet.write_number(index, column, value)
        else:
            sheet.write_string(index, column, str(value))


def workbook(event: Event, locale: str = "en") -> bytes:
    """The attendees of `event` as an XLSX file's bytes."""
    zone = office_zone(event.office)
    buffer = io.BytesIO()
    book = Workbook(buffer, WORKBOOK_OPTIONS)
    formats = {"bold": book.add_format({"bold": True}),
               "time": book.add_format({"num_format": "yyyy-mm-dd hh:mm"})}
    sheet = book.add_worksheet(_("Attendees")[:31])
    sheet.write_string(0, 0, event.title(locale)[:200], formats["bold"])
    head = headers(zone_name(zone.key))
    for column, title in enumerate(head):
        sheet.write_string(2, column, title, formats["bold"])
    people = attendees(event)
    for index, invitation in enumerate(people, start=3):
        _write(sheet, formats, index, row(invitation, zone))
    sheet.set_column(0, 1, 28)
    sheet.set_column(2, len(head) - 1, 18)
    sheet.freeze_panes(3, 1)
    book.close()
    return buffer.getvalue()
