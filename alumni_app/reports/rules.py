"""Pure rules of the figures: fiscal years, kinds of organization, disclosure, rate months.

Disclosure control reuses the outcomes page's rule (plans.outcomes): the same threshold
(SMALL_GROUP ex-participants) and mark, and the same reasoning. A breakdown of how people
fare (how their plans stand, the barriers they report, whether they stayed in their
organization) is shown for a course only if it counts no one or at least SMALL_GROUP people,
and an aggregate of courses (a page, a sector, a host institution) only if every course it
counts shows it, so that no breakdown can be worked out by subtraction. Two additions for what
the outcomes page cannot do: the unit is a course *in one office* (administrators also see all
offices together, which minus two offices' pages would give the third's), and when a page is
filtered by region (a person's attribute, which splits a course), the people of the course
outside the region must also be none or at least SMALL_GROUP (the unfiltered page minus the
filtered one would give them).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from alumni_app.plans.outcomes import SMALL_GROUP, WITHHELD

__all__ = ["SMALL_GROUP", "WITHHELD", "fiscal_year_bounds", "too_small", "withheld_keys"]

FIRST_FISCAL_YEAR = 1950  # the courses' dates lie between 1950 and 2100
LAST_FISCAL_YEAR = 2100


def current_fiscal_year(today: date) -> int:
    """Japan's fiscal year (April to March) that `today` falls in."""
    return today.year if today.month >= 4 else today.year - 1


def fiscal_year_bounds(first: int, last: int) -> tuple[date, date]:
    """The first day of fiscal year `first` and the first day after fiscal year `last`."""
    return date(first, 4, 1), date(last + 1, 4, 1)


def too_small(people: int) -> bool:
    """Some people, but too few to show how they fare without pointing at someone."""
    return 0 < people < SMALL_GROUP


def withheld_keys(units: Iterable[tuple[object, int, int]]) -> set:
    """The keys whose breakdown is withheld, from (key, people in, people outside) per unit.

    A unit is a course in one office (and the row key it counts in); "outside" counts the
    course's people in that office whom the page's person filters leave out.
    """
    return {key for key, inside, outside in units if too_small(inside) or too_small(outside)}


def month_start(day: date) -> date:
    return day.replace(day=1)


# Kinds of organization, as the activities' reach counts them (plans.models.ORG_KINDS), read
# from the organization's name (records keep it as typed). The first kind with a matching word
# wins: "Tajik Technical University" is education, "State Committee on Investment" government.
ORG_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("org_education", ("universit", "institut", "college", "school", "academ", "lyceum",
                       "университет", "институт", "колледж", "школ", "академи", "лицей")),
    ("org_government", ("ministr", "committee", "agency", "khukumat", "hukumat",
                        "administration", "government", "parliament", "inspectorate",
                        "national bank", "akimat", "municipal", "court", "state ",
                        "министерств", "комитет", "агентств", "хукумат", "администрац",
                        "правительств", "парламент", "инспекц", "национальный банк", "акимат",
                        "мэри", "суд", "государствен")),
    ("org_ngo", ("association", "ngo", "foundation", "fund", "union", "society",
                 "ассоциац", "общественн", "фонд", "союз", "нпо", "нко")),
    ("org_business", ("llc", "ltd", "company", "bank", "jsc", "corporation", "enterprise",
                      "ооо", "оао", "зао", "компани", "банк", "предприяти", "корпорац")),
)
ORG_OTHER = "org_other"
ORG_UNKNOWN = "org_unknown"

# Years since training, by fiscal years: the buckets the retention figures are counted in.
YEAR_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 1), (2, 3), (4, 5), (6, 10), (11, None))


def bucket_label(low: int, high: int | None) -> str:
    return f"{low}–{high}" if high is not None else f"{low}+"


def withheld_note() -> str:
    """The disclosure rule, as the page and the downloads state it."""
    from flask_babel import ngettext

    return ngettext(
        "%(mark)s: not shown, so that no one can be recognised. How people fare (how their "
        "plans stand, the barriers they report, whether they stayed in their organization) is "
        "shown only where every course counted has, in each office, none or at least %(num)s "
        "ex-participant concerned (and as many outside the region chosen), as on the outcomes "
        "page.",
        "%(mark)s: not shown, so that no one can be recognised. How people fare (how their "
        "plans stand, the barriers they report, whether they stayed in their organization) is "
        "shown only where every course counted has, in each office, none or at least %(num)s "
        "ex-participants concerned (and as many outside the region chosen), as on the outcomes "
        "page.", SMALL_GROUP, mark=WITHHELD)
