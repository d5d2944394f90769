"""Password policy (pure rules) and argon2id hashing, including rehash at login."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.low_level import Type

from alumni_app.audit import AuditEvent
from alumni_app.auth.passwords import hash_password, password_problem, verify_password
from alumni_app.extensions import db
from config import ProductionConfig
from tests.auth.helpers import password_login, reload
from tests.factories import PASSWORD

TOO_SHORT = "Use at least 10 characters."
TOO_LONG = "Use at most 128 characters."
COMMON = "This password is too common. Choose a less predictable one."
PERSONAL = "The password must not be based on your name, e-mail or this site."


@pytest.fixture
def problem(app):
    """password_problem() with its message rendered to text (None when the password is fine)."""
    def check(password, **context):
        with app.test_request_context():
            result = password_problem(password, **context)
            return None if result is None else str(result)
    return check


@pytest.mark.parametrize("password, expected", [
    ("", TOO_SHORT),
    ("nine char", TOO_SHORT),
    ("ten chars!", None),
    ("river " * 21 + "ox", None),   # exactly 128 characters
    ("river " * 21 + "oxe", TOO_LONG),  # 129 characters
    ("мост " * 25 + "рек", None),  # 128 non-ASCII characters count as characters, not bytes
])
def test_length_limits(problem, password, expected):
    assert problem(password) == expected


@pytest.mark.parametrize("password", [
    "purple elephants dance quietly",  # all lower case, no digit, no symbol
    "correcthorsebatterystaple",
    "ЗЕЛЁНЫЙ ЧАЙ ПО УТРАМ",
])
def test_no_composition_rules(problem, password):
    assert problem(password, email="someone@example.org", name="Some One") is None


@pytest.mark.parametrize("password", [
    "password123", "PASSWORD123", "Password123",
    "qwertyuiop", "QwErTyUiOp",
    "administrator", "ADMINISTRATOR",
    "1qaz2wsx3edc", "1QAZ2WSX3EDC",
    " iloveyou123 ",  # surrounding spaces do not make it new
])
def test_common_passwords_refused_case_insensitively(problem, password):
    assert problem(password) == COMMON


@pytest.mark.parametrize("password, email, name", [
    ("tahmina.rahimova", "tahmina.rahimova@example.org", ""),
    ("Tahmina.Rahimova99", "tahmina.rahimova@example.org", ""),
    ("gulnara123456", "gulnara@example.org", ""),
    ("GULNARA!!2024", "gulnara@example.org", ""),
    ("tahminarahimova", "tahmina.rahimova@example.org", ""),  # the local part without its dot
    ("Rahimova1985!", "tr@example.org", "Tahmina Rahimova"),
    ("TahminaRahimova2024", "tr@example.org", "Tahmina Rahimova"),  # the whole name
    ("Alumni2024!!", "tr@example.org", ""),  # this site's name
])
def test_passwords_based_on_the_person_or_site_refused(problem, password, email, name):
    assert problem(password, email=email, name=name) == PERSONAL


def test_same_password_for_someone_else_is_fine(problem):
    """Control for the test above: the refusal comes from the person's details."""
    assert problem("TahminaRahimova2024", email="bob@example.org", name="Bob Smith") is None


PRODUCTION_ARGON2 = ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM")


def test_production_hash_is_argon2id_at_owasp_parameters(app):
    for key in PRODUCTION_ARGON2:
        app.config[key] = getattr(ProductionConfig, key)
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    params = extract_parameters(stored)
    assert (params.type, params.memory_cost, params.time_cost, params.parallelism) == (
        Type.ID, 19456, 2, 1)
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "x")


@pytest.mark.parametrize("current", [
    {},  # the testing parameters
    {key: getattr(ProductionConfig, key) for key in PRODUCTION_ARGON2},
])
def test_weaker_hash_is_upgraded_at_login(app, make_user, current):
    user = make_user()
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    db.session.commit()
    app.config.update(current)

    password_login(app, user)

    stored = reload(user).password_hash
    assert stored != weak
    params = extract_parameters(stored)
    assert (params.type, params.time_cost, params.memory_cost, params.parallelism) == (
        Type.ID, app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_COST"],
        app.config["ARGON2_PARALLELISM"])
    assert verify_password(stored, PASSWORD)
    assert db.session.query(AuditEvent).filter_by(action="password.rehashed",
                                                  subject_id=user.id).count() == 1
