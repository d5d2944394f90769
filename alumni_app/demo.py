"""Demo data: three offices, a manager and an officer each, an administrator and a few alumni."""

from __future__ import annotations

import sqlalchemy as sa

from alumni_app.accounts import services as accounts
from alumni_app.accounts.models import User
from alumni_app.auth import totp
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.offices.models import Office
from alumni_app.permissions import Role

DEMO_PASSWORD = "silk-road-demo-2026"
# Fixed so the printed instructions stay valid; demo data only, never on real accounts.
DEMO_TOTP_SECRET = "KCCPDEMOALUMNIAPPTOTPSECRETBASE3"

OFFICES = [
    ("TJ", "JICA Tajikistan Office", "Tajikistan", "Dushanbe", "Asia/Dushanbe", "TJS"),
    ("KG", "JICA Kyrgyz Republic Office", "Kyrgyz Republic", "Bishkek", "Asia/Bishkek", "KGS"),
    ("KZ", "JICA Kazakhstan Office", "Kazakhstan", "Astana", "Asia/Almaty", "KZT"),
]
ADMIN = ("admin@example.org", "Aiko Tanaka", "en")
STAFF = [
    ("TJ", Role.MANAGER, "manager.tj@example.org", "Rustam Nazarov", "ru"),
    ("TJ", Role.OFFICER, "officer.tj@example.org", "Malika Sharipova", "ru"),
    ("KG", Role.MANAGER, "manager.kg@example.org", "Азамат Бекболотов", "ru"),
    ("KG", Role.OFFICER, "officer.kg@example.org", "Gulnara Asanova", "en"),
    ("KZ", Role.MANAGER, "manager.kz@example.org", "Ерлан Назарбаев", "ru"),
    ("KZ", Role.OFFICER, "officer.kz@example.org", "Saule Akhmetova", "en"),
]
ALUMNI = [
    ("alumnus@example.org", "Dilnoza Ghulomshoyeva", "en"),
    ("farrukh.jalolov@example.org", "Фаррух Джалолов", "ru"),
    ("aigul.karimova@example.org", "Айгуль Каримова", "ru"),
    ("nurlan.nazarbaev@example.org", "Nurlan Nazarbaev", "en"),
]


def seed() -> bool:
    """Create the demo data unless it is there; return whether anything was created."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Office)):
        return False
    offices = {}
    for code, name, country, city, tz, currency in OFFICES:
        offices[code] = Office(code=code, name=name, country=country, city=city, time_zone=tz,
                               currency=currency)
        db.session.add(offices[code])
    db.session.flush()
    admin = _user(ADMIN[0], ADMIN[1], Role.ADMIN, None, ADMIN[2])
    for code, role, email, name, lang in STAFF:
        _user(email, name, role, offices[code].id, lang, actor=admin)
    for email, name, lang in ALUMNI:
        _user(email, name, Role.ALUMNUS, None, lang, actor=admin)
    return True


def _user(email, name, role, office_id, lang, actor=None) -> User:
    user = accounts.create_user(email=email, display_name=name, role=role, office_id=office_id,
                                password=DEMO_PASSWORD, language=lang, actor=actor)
    if role in (Role.MANAGER, Role.ADMIN):
        user.totp_secret = DEMO_TOTP_SECRET
        user.totp_enabled_at = utcnow()
        totp.new_recovery_codes(user)
    return user


def logins_text() -> str:
    lines = [
        "",
        "Demo logins (password for all: %s)" % DEMO_PASSWORD,
        "  administrator   %s" % ADMIN[0],
    ]
    for code, role, email, _name, _lang in STAFF:
        lines.append(f"  {role.value:<8} {code}     {email}")
    for email, name, _lang in ALUMNI:
        lines.append(f"  alumnus         {email}  ({name})")
    lines += [
        "",
        "Managers and the administrator use a second factor. Add this key to an authenticator",
        f"app (Google Authenticator, Aegis, FreeOTP ...): {DEMO_TOTP_SECRET}",
        "or print the current code with: .venv/bin/python -c \"import pyotp; "
        f"print(pyotp.TOTP('{DEMO_TOTP_SECRET}').now())\"",
        "",
    ]
    return "\n".join(lines)
