"""Times as a person reads them: all in one zone, and the zone always named.

Staff read times in their office's zone; alumni in the zone of the office that keeps their
record; anyone else (administrators, alumni without a record, visitors) in UTC. Every time
printed says which zone it is in ("4 Dec 2026, 16:30 Dushanbe time"), so a deadline and a
timeline on one page never differ by a zone nobody mentions. E-mails use the recipient's zone.
Calendar dates (a course's days, a report's due date) have no zone and stay as they are.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, get_datetime_format, get_timezone_location
from flask import g, has_app_context
from flask_babel import get_locale, get_timezone, gettext
from flask_babel import lazy_gettext as _l

from alumni_app import hooks

# The offices' zones by name. Russian declines the city ("время Бишкека"), so these are in the
# catalog; any other zone is named after its main city as CLDR writes it in the reader's language.
ZONE_NAMES = {
    "UTC": _l("UTC"),
    "Asia/Dushanbe": _l("Dushanbe time"),
    "Asia/Bishkek": _l("Bishkek time"),
    "Asia/Almaty": _l("Almaty time"),
    "Asia/Tashkent": _l("Tashkent time"),
    "Asia/Ashgabat": _l("Ashgabat time"),
    "Asia/Kabul": _l("Kabul time"),
    "Asia/Ulaanbaatar": _l("Ulaanbaatar time"),
    "Asia/Tokyo": _l("Tokyo time"),
}


def register_alumnus_zone(app, find) -> None:
    """Let the feature that keeps alumni records say whose office's zone an alumnus reads.

    `find(user)` returns the zone name of the office of the user's record, or None.
    """
    hooks.register(app, hooks.ALUMNUS_ZONE, "alumni", find)


def _valid(name: str | None) -> str:
    try:
        ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name or "UTC"


def user_time_zone(user) -> str:
    """The zone `user` reads times in: their office's, their record's office's, else UTC."""
    if user is None or getattr(user, "id", None) is None:
        return "UTC"
    office = getattr(user, "office", None)
    if office is not None:
        return _valid(office.time_zone)
    for find in hooks.registered(hooks.ALUMNUS_ZONE).values():
        return _valid(find(user))
    return "UTC"


@contextmanager
def times_for(user):
    """Write the times of what is rendered inside (an e-mail) in `user`'s zone."""
    previous = g.get("times_zone")
    g.times_zone = user_time_zone(user)
    try:
        yield
    finally:
        if previous is None:
            g.pop("times_zone", None)
        else:
            g.times_zone = previous


def display_zone() -> str:
    """The zone times are written in now: an e-mail's recipient's, else the reader's."""
    if has_app_context() and g.get("times_zone"):
        return g.times_zone
    zone = get_timezone()
    return _valid(getattr(zone, "zone", None) or getattr(zone, "key", None) or str(zone or "UTC"))


def _locale():
    return get_locale() or "en"


def zone_name(name: str | None = None) -> str:
    """The zone as a sentence names it: "Dushanbe time", "время Душанбе", "UTC"."""
    name = name or display_zone()
    if name in ZONE_NAMES:
        return str(ZONE_NAMES[name])
    city = get_timezone_location(name, locale=_locale(), return_city=True)
    return gettext("%(city)s time", city=city)


def format_moment(value, fmt: str = "medium", label: bool = True) -> str:
    """A stored (UTC) time in the zone of whoever reads it, on a 24-hour clock, and the zone.

    `label=False` leaves the zone out, for a sentence that names it once for several times.
    """
    if not value:
        return ""
    if not isinstance(value, datetime):
        return format_date(value, fmt, locale=_locale()) if isinstance(value, date) else str(value)
    name = display_zone()
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    local = aware.astimezone(ZoneInfo(name))
    locale = _locale()
    text = (get_datetime_format(fmt, locale=locale).replace("'", "")
            .replace("{0}", local.strftime("%H:%M"))
            .replace("{1}", format_date(local.date(), fmt, locale=locale)))
    return gettext("%(time)s %(zone)s", time=text, zone=zone_name(name)) if label else text
