"""Fixtures of the event tests: alumni of the office with accounts and records."""

from __future__ import annotations

import pytest

from tests.plans.factories import claimed_record


@pytest.fixture
def alumni(office, make_user):
    """Three alumni of the office with accounts: Dilnoza (Russian), Rustam, Malika."""
    people = []
    for given, family, cyr, lang in (("Dilnoza", "Karimova", ("Дилноза", "Каримова"), "ru"),
                                     ("Rustam", "Nazarov", ("Рустам", "Назаров"), "en"),
                                     ("Malika", "Saidova", ("Малика", "Саидова"), "en")):
        user = make_user(role="alumnus", display_name=f"{given} {family}",
                         preferred_language=lang)
        record = claimed_record(office, user, given_name=given, family_name=family,
                                given_name_cyr=cyr[0], family_name_cyr=cyr[1],
                                email=user.email)
        people.append((user, record))
    return people
