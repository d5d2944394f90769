"""Country names in the reader's language, from Babel's territories (CLDR).

Offices store their country as typed ("Tajikistan", "Kyrgyz Republic", "Кыргызстан", "KG"):
`country_code` maps any English or Russian name (CLDR's, its variants and the official long
forms used in the region) or an ISO code to the territory code, and `country_name` shows it in
the reader's language: Таджикистан on a Russian page, Tajikistan on an English one. A name
that is no country is shown as stored.
"""

from __future__ import annotations

import re
from functools import cache

from babel import Locale
from flask_babel import get_locale

# Official and older names that CLDR's short names do not cover.
ALIASES = {
    "kyrgyz republic": "KG", "кыргызская республика": "KG", "киргизия": "KG",
    "kirghizia": "KG", "republic of tajikistan": "TJ", "республика таджикистан": "TJ",
    "republic of kazakhstan": "KZ", "республика казахстан": "KZ",
    "republic of uzbekistan": "UZ", "республика узбекистан": "UZ",
    "тоҷикистон": "TJ", "tojikiston": "TJ", "қазақстан": "KZ", "qazaqstan": "KZ",
    "кыргызстан": "KG", "o'zbekiston": "UZ", "ўзбекистон": "UZ",
}
NAME_LOCALES = ("en", "ru")
# The names the region itself uses where CLDR has another: the Kyrgyz Republic's constitution
# names it Кыргызская Республика / Кыргызстан in Russian (CLDR: Киргизия), and the agency and
# the office call it the Kyrgyz Republic in English (CLDR: Kyrgyzstan).
PREFERRED = {"ru": {"KG": "Кыргызстан"}, "en": {"KG": "Kyrgyz Republic"}}


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[-_.,()]+", " ", text.casefold()).split())


@cache
def _codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for locale in NAME_LOCALES:
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha():  # countries, not regions like "142"
                codes.setdefault(_fold(name), code)
                codes.setdefault(code.casefold(), code)
    codes.update(ALIASES)
    return codes


def country_code(text: str | None) -> str | None:
    """The ISO 3166 code of a country written in English or Russian (or as a code)."""
    return _codes().get(_fold(text or ""))


def country_name(text: str | None, locale: str | None = None) -> str:
    """A stored country in the reader's language (as stored when it is no known country)."""
    code = country_code(text)
    if code is None:
        return text or ""
    locale = Locale.parse(locale or str(get_locale()))
    preferred = PREFERRED.get(locale.language, {})
    return preferred.get(code) or locale.territories.get(code, text or "")
