"""Fixtures: an alumnus with a claimed record of `office` and a course ended in the past."""

from __future__ import annotations

from datetime import date

import pytest

from alumni_app.plans import services
from tests.plans import factories as plan_factories


@pytest.fixture
def barriers(app):
    services.ensure_default_barriers()
    from alumni_app.extensions import db

    db.session.commit()


@pytest.fixture
def record(users, office):
    return plan_factories.claimed_record(office, users["alumnus"], family_name="Karimova")


@pytest.fixture
def participation(record):
    return plan_factories.make_participation(record, start_on=date(2024, 1, 15),
                                             end_on=date(2024, 2, 15))


@pytest.fixture
def plan(participation, users, barriers):
    return plan_factories.make_plan(participation, users["alumnus"])
