"""Names of the region on certificates: the Tajik, Kazakh and Kyrgyz Cyrillic letters are in the
certificate's font and print as themselves (no empty boxes); Uzbek Latin's modifier letters
ʻ ʼ (U+02BB, U+02BC) are not in the vendored Noto Sans subset and print as the quotation marks
‘ ’ that look the same, with no glyph missing."""

from __future__ import annotations

import io
import logging

import pypdf
import pytest
import sqlalchemy as sa

from alumni_app.events import registrations
from alumni_app.events.models import Invitation
from alumni_app.extensions import db
from tests import factories
from tests.events.factories import invite, make_event, start_in_past

NAMES = [
    # (Latin, Cyrillic) given and family names
    (("Jamshed", "Qodirov"), ("Ҷамшед", "Қодирӣ Ғуломӯ Ҳасанов")),  # Tajik: ҷ қ ӣ ғ ӯ ҳ
    (("Aigerim", "Nurbekova"), ("Әйгерім", "Ұлықбекқызы Өмірһан")),  # Kazakh: ә і ұ қ ө һ
    (("Nurlan", "Ustenov"), ("Нурлан", "Үсөнов Ңалы")),  # Kyrgyz: ү ө ң
    (("Oʻgʻiloy", "Toʻxtaboyeva"), ("Ўғилой", "Тўхтабоева")),  # Uzbek: ʻ in Latin, ў ғ
]


@pytest.fixture
def attended(office, users):
    """A seminar begun an hour ago, every person of NAMES checked in."""
    event = make_event(office, users["officer"])
    people = [factories.make_record(office, given_name=lat[0], family_name=lat[1],
                                    given_name_cyr=cyr[0], family_name_cyr=cyr[1])
              for lat, cyr in NAMES]
    invite(event, *people)
    for invitation in db.session.scalars(sa.select(Invitation)):
        registrations.answer(None, invitation, True)
    db.session.commit()
    start_in_past(event)
    for invitation in db.session.scalars(sa.select(Invitation)):
        registrations.check_in(None, invitation)
    db.session.commit()
    return event, people


def _text(client, url, caplog) -> str:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    missing = [r.getMessage() for r in caplog.records if "missing" in r.getMessage()]
    assert missing == []  # fpdf2 says so when a letter has no glyph: an empty box
    return pypdf.PdfReader(io.BytesIO(response.data)).pages[0].extract_text()


@pytest.mark.parametrize("index", range(len(NAMES)))
def test_the_regions_letters_print_in_both_scripts(login, users, attended, caplog, index):
    event, people = attended
    record = people[index]
    invitation = db.session.scalar(sa.select(Invitation).filter_by(record_id=record.id))
    url = f"/staff/events/{event.id}/people/{invitation.id}/certificate.pdf"
    officer = login(users["officer"])
    (given, family), (given_cyr, family_cyr) = NAMES[index]
    assert f"{given_cyr} {family_cyr}" in _text(officer, f"{url}?script=cyrillic", caplog)
    latin = _text(officer, f"{url}?script=latin", caplog)
    printed = f"{given} {family}".replace("\u02bb", "\u2018").replace("\u02bc", "\u2019")
    assert printed in latin
    assert "\u02bb" not in latin
