"""The .ics file sent with an invitation (RFC 5545, made with the icalendar library), and the
person's check-in QR code."""

from __future__ import annotations

import io

import segno
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from alumni_app.db import utcnow
from alumni_app.events.models import Event


def ics(event: Event, locale: str = "en", *, cancelled: bool = False, url: str = "") -> bytes:
    """One event as a calendar file in the reader's language; a cancellation cancels it in
    the reader's calendar (same UID, a higher SEQUENCE)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Alumni network//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    item = CalendarEvent()
    item.add("uid", f"event-{event.id}@alumni.local")
    item.add("dtstamp", utcnow())
    item.add("sequence", int(utcnow().timestamp()) // 60)
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", event.title(locale))
    location = ", ".join(part for part in (event.venue, event.address) if part)
    if location or event.online_url:
        item.add("location", location or event.online_url)
    description = event.description(locale)
    if event.online_url:
        description = f"{description}\n\n{event.online_url}".strip()
    if description:
        item.add("description", description)
    if url:
        item.add("url", url)
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(item)
    return calendar.to_ical()


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def qr_svg(url: str) -> str:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False,
                                    svgns=True, title="QR")
    return buffer.getvalue().decode()
