"""Plain factory functions for tests."""

from __future__ import annotations

import importlib
import itertools
from pathlib import Path

import pyotp

from alumni_app.accounts.models import User
from alumni_app.auth import totp
from alumni_app.auth.passwords import hash_password
from alumni_app.auth.sessions import start_session
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.offices.models import Office

PASSWORD = "correct horse battery"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_seq = itertools.count(1)


def _testing_settings() -> dict:
    from config import TestingConfig

    return {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}


TEST_SETTINGS = _testing_settings()


def make_office(**values) -> Office:
    n = next(_seq)
    office = Office(
        code=values.pop("code", f"O{n}"),
        name=values.pop("name", f"Office {n}"),
        country=values.pop("country", "Tajikistan"),
        time_zone=values.pop("time_zone", "Asia/Dushanbe"),
        currency=values.pop("currency", "TJS"),
        **values,
    )
    db.session.add(office)
    db.session.commit()
    return office


def make_user(role: str = "alumnus", office: Office | None = None, *, password: str = PASSWORD,
              second_factor: bool = False, verified: bool = True, **values) -> User:
    n = next(_seq)
    user = User(
        email=values.pop("email", f"user{n}@example.org"),
        display_name=values.pop("display_name", f"User {n}"),
        role=role,
        office_id=office.id if office is not None else None,
        password_hash=hash_password(password) if password else None,
        email_verified_at=utcnow() if verified else None,
        **values,
    )
    if second_factor:
        user.totp_secret = TOTP_SECRET
        user.totp_enabled_at = utcnow()
    db.session.add(user)
    db.session.flush()
    if second_factor:
        user.recovery_codes_plain = totp.new_recovery_codes(user)
    db.session.commit()
    return user


def current_code(secret: str = TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).now()


def logged_in_client(app, user: User, *, remember: bool = False):
    """A new test client whose cookie carries a fresh server-side session for `user`."""
    with app.test_request_context():
        token = start_session(user, remember=remember)
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    client.session_token = token
    return client


def make_record(office: Office, **values):
    """An ex-participant record of `office`, created through the service (search terms too)."""
    from alumni_app.alumni import services

    values.setdefault("family_name", f"Family{next(_seq)}")
    values.setdefault("given_name", "Given")
    record = services.create_record(None, office.id, values)
    db.session.commit()
    return record


def route_args(users: dict, office: Office, endpoint: str = "") -> dict:
    """Values for every URL argument of the app's routes, pointing at objects of `office`."""
    target = users["officer"]
    if endpoint == "users.resend_invitation":
        target = make_user(role="officer", office=office, password=None)
    record = make_record(office)
    claim, erasure = make_claim_and_erasure(office, record)
    values = {"user_id": target.id, "office_id": office.id, "token": "x" * 43,
              "record_id": record.id, "fmt": "csv", "course_id": make_course().id,
              "sector_id": make_sector().id, "region_id": make_region(office).id,
              "claim_id": claim.id, "erasure_id": erasure.id}
    for module in FEATURE_FACTORY_MODULES:
        feature = importlib.import_module(module)
        values.update(feature.route_args(users, office, endpoint, values))
    return values


# Each feature's tests/<feature>/factories.py (or *_factories.py) supplies the URL arguments of its
# own routes through `route_args(users, office, endpoint, values) -> dict`, so features do not share
# one file.
FEATURE_FACTORY_MODULES: list[str] = sorted(
    f"tests.{path.parent.name}.{path.stem}"
    for pattern in ("*/factories.py", "*/*_factories.py")
    for path in Path(__file__).parent.glob(pattern)
)


def make_claim_and_erasure(office: Office, record):
    """A pending request to be matched to a record, and a pending erasure request."""
    from flask import current_app

    from alumni_app.alumni import claim_models, claims

    asker = make_user(role="alumnus")
    with current_app.test_request_context():
        claim = claims.request_claim(asker, office_id=office.id, given_name="A",
                                     family_name="B", birth_year=1980, course="C")
    erasure = claim_models.ErasureRequest(user_id=asker.id, open_user_id=asker.id,
                                    office_id=office.id, record_id=record.id, state="pending")
    db.session.add(erasure)
    db.session.commit()
    return claim, erasure


def make_course(**values):
    from alumni_app.training.models import Course

    n = next(_seq)
    course = Course(code=values.pop("code", f"C-{n}"), title=values.pop("title", f"Course {n}"),
                    program_type=values.pop("program_type", "issue_based"), **values)
    db.session.add(course)
    db.session.commit()
    return course


def make_sector(**values):
    from alumni_app.training.models import Sector

    n = next(_seq)
    sector = Sector(name_en=values.pop("name_en", f"Sector {n}"),
                    name_ru=values.pop("name_ru", f"Отрасль {n}"), **values)
    db.session.add(sector)
    db.session.commit()
    return sector


def make_region(office: Office, **values):
    from alumni_app.training.models import Region

    n = next(_seq)
    region = Region(office_id=office.id, name_en=values.pop("name_en", f"Region {n}"),
                    name_ru=values.pop("name_ru", f"Регион {n}"), **values)
    db.session.add(region)
    db.session.commit()
    return region
