"""English and Russian are complete: the catalog covers every marked string, pages show Russian."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import url_for

ROOT = Path(__file__).resolve().parent.parent
RU_PO = ROOT / "alumni_app/translations/ru/LC_MESSAGES/messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]


def _source_messages() -> set[str]:
    found = set()
    for folder in ("alumni_app", "templates"):
        # Babel skips folders starting with "_" by default; templates/_macros holds strings too.
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / folder, METHODS, keywords=KEYWORDS,
            directory_filter=lambda path: not Path(path).name.startswith("."),
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog():
    with RU_PO.open("rb") as handle:
        return read_po(handle, locale="ru")


def test_russian_catalog_has_every_message_translated():
    catalog = _catalog()
    missing = sorted(m for m in _source_messages() if m not in catalog)
    assert missing == [], f"not in the Russian catalog (run make extract-messages): {missing}"
    empty = [m.id for m in catalog if m.id and not all(_forms(m))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert empty == [] and fuzzy == []
    # Russian has three plural forms (1 этап, 2 этапа, 5 этапов).
    assert [m.id for m in catalog if m.pluralizable and len(_forms(m)) != 3] == []


def _forms(message) -> tuple:
    """A message's translations: one, or one per plural form (all empty strings if untranslated)."""
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_russian_placeholders_match():
    for message in _catalog():
        if not message.id:
            continue
        english = message.id if isinstance(message.id, str) else message.id[0]
        names = sorted(re.findall(r"%\(\w+\)s", english))
        for form in _forms(message):
            if form:
                assert names == sorted(re.findall(r"%\(\w+\)s", form)), message.id


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style", "code")
        for name, value in attrs:
            if name in ("placeholder", "alt", "aria-label", "title") and value:
                self.chunks.append(value.strip())

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style", "code")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.chunks.append(data.strip())


def _untranslated(html: str, english: set[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return [chunk for chunk in parser.chunks if chunk in english]


@pytest.fixture
def english_only():
    """Marked English strings whose Russian differs (so seeing them in a Russian page is a bug)."""
    return {m.id for m in _catalog() if m.id and m.string and m.string != m.id and "%" not in m.id}


@pytest.mark.parametrize("principal", ["anonymous", "alumnus", "officer", "manager", "admin"])
def test_pages_in_russian_show_no_english(app, client, login, users, office, english_only,
                                          principal):
    for user in users.values():
        user.preferred_language = "ru"
    from alumni_app.extensions import db

    db.session.commit()
    http = client if principal == "anonymous" else login(users[principal])
    if principal == "anonymous":
        http.post("/language", data={"lang": "ru"})
    from tests.factories import route_args

    args = route_args(users, office)
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or "token" in rule.arguments:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{a: args[a] for a in rule.arguments})
        response = http.get(url, follow_redirects=True)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        assert 'lang="ru"' in html, url
        assert _untranslated(html, english_only) == [], url
        checked += 1
    assert checked >= 3


def _msgids(text: str) -> list[str]:
    """Every entry's (context, msgid) as written, continuation lines joined."""
    found, current, key = [], None, None
    for line in text.splitlines():
        match = re.match(r'(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
        if match:
            key = match[1]
            if key == "msgctxt":
                current = {"msgctxt": match[2]}
            elif key == "msgid":
                current = {**(current if current and "msgid" not in current else {}),
                           "msgid": match[2]}
            elif key.startswith("msgstr") and current and "msgid" in current:
                found.append(f'{current.get("msgctxt", "")}\x04{current["msgid"]}')
                current = None
        elif line.startswith('"') and current is not None and key in ("msgctxt", "msgid"):
            current[key] += line[1:-1]
    return found


def test_each_message_is_in_the_catalog_once():
    """Two entries for one msgid (two people appending the same string) would leave one of the
    translations unused, whichever the compiler keeps."""
    ids = _msgids(RU_PO.read_text(encoding="utf-8"))
    assert len(ids) > 2000
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert duplicates == []
