"""Demo data: three offices, a manager and an officer each, an administrator and a few alumni."""

from __future__ import annotations

import random

import sqlalchemy as sa

from alumni_app.accounts import services as accounts
from alumni_app.accounts.models import User
from alumni_app.alumni import privacy, services, synthetic
from alumni_app.alumni.models import Visibility
from alumni_app.auth import totp
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.offices.models import Office
from alumni_app.permissions import Role
from alumni_app.plans import services as plans
from alumni_app.training.models import Course, Region, Sector

DEMO_PASSWORD = "silk-road-demo-2026"  # noqa: S105 - printed demo credentials
# Fixed so the printed instructions stay valid; demo data only, never on real accounts.
DEMO_TOTP_SECRET = "KCCPDEMOALUMNIAPPTOTPSECRETBASE3"  # noqa: S105

OFFICES = [
    ("TJ", "JICA Tajikistan Office", "Tajikistan", "Dushanbe", "Asia/Dushanbe", "TJS"),
    ("KG", "JICA Kyrgyz Republic Office", "Kyrgyz Republic", "Bishkek", "Asia/Bishkek", "KGS"),
    ("KZ", "JICA Kazakhstan Office", "Kazakhstan", "Astana", "Asia/Almaty", "KZT"),
]
ADMIN = ("admin@example.org", "Aiko Tanaka", "en")
STAFF = [
    ("TJ", Role.MANAGER, "manager.tj@example.org", "Rustam Nazarov", "ru"),
    ("TJ", Role.OFFICER, "officer.tj@example.org", "Malika Sharipova", "ru"),
    ("TJ", Role.OFFICER, "reviewer.tj@example.org", "Zarina Rahimova", "en"),
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


SECTORS = [
    ("Health", "Здравоохранение"), ("Transport", "Транспорт"),
    ("Agriculture", "Сельское хозяйство"),
    ("Irrigation", "Ирригация"), ("Energy", "Энергетика"), ("Water resources", "Водные ресурсы"),
    ("Tourism", "Туризм"), ("Finance", "Финансы"), ("Taxation", "Налогообложение"),
    ("Law", "Право"), ("Public administration", "Государственное управление"),
    ("Management", "Менеджмент"), ("Environment", "Экология"),
    ("Infrastructure and roads", "Инфраструктура и дороги"),
    ("Regional development", "Региональное развитие"),
    ("Disaster risk reduction", "Снижение риска бедствий"),
    ("Industry and SMEs", "Промышленность и МСП"), ("ICT", "ИКТ"), ("Education", "Образование"),
]
REGIONS = {
    "TJ": [("Dushanbe", "Душанбе"), ("Sughd", "Согдийская область"),
           ("Khatlon", "Хатлонская область"),
           ("Districts of Republican Subordination", "Районы республиканского подчинения"),
           ("GBAO", "ГБАО")],
    "KG": [("Bishkek", "Бишкек"), ("Osh city", "город Ош"), ("Chui", "Чуйская область"),
           ("Issyk-Kul", "Иссык-Кульская область"), ("Naryn", "Нарынская область"),
           ("Talas", "Таласская область"), ("Jalal-Abad", "Джалал-Абадская область"),
           ("Osh", "Ошская область"), ("Batken", "Баткенская область")],
    "KZ": [("Astana", "Астана"), ("Almaty", "Алматы"), ("Shymkent", "Шымкент"),
           ("Karaganda", "Карагандинская область"), ("Turkistan", "Туркестанская область")],
}
COURSES = [
    ("J1804321", "Road Maintenance Management", "issue_based", "Infrastructure and roads",
     "Japan International Cooperation Center", "Tokyo"),
    ("J1904011", "Disaster Risk Reduction for Central Asia", "issue_based",
     "Disaster risk reduction", "Asian Disaster Reduction Center", "Kobe"),
    ("J1714520", "Public Financial Management", "country_focused", "Finance",
     "National Graduate Institute for Policy Studies", "Tokyo"),
    ("J2004102", "Maternal and Child Health", "issue_based", "Health",
     "National Center for Global Health and Medicine", "Tokyo"),
    ("J1604210", "Irrigation Water Management", "country_focused", "Irrigation",
     "JICA Tsukuba Center", "Tsukuba"),
    ("J2104555", "Young Leaders: Local Governance", "young_leaders", "Public administration",
     "JICA Chugoku Center", "Higashihiroshima"),
    ("JDS2019-TJ", "JDS Master's Program in Public Policy", "long_term", "Public administration",
     "International University of Japan", "Minamiuonuma"),
    ("J2204007", "Tax Administration", "issue_based", "Taxation", "National Tax College",
     "Wako"),
    ("J1504444", "Community-Based Tourism", "country_focused", "Tourism",
     "JICA Hokkaido Center", "Sapporo"),
    ("J2304120", "Kaizen for SMEs", "issue_based", "Industry and SMEs",
     "Japan Productivity Center", "Tokyo"),
    ("J1804900", "Renewable Energy Policy", "issue_based", "Energy", "JICA Kansai Center",
     "Kobe"),
    ("J2304300", "ICT for Public Services", "issue_based", "ICT", "JICA Tokyo Center", "Tokyo"),
    ("S2024-01", "Seminar on Education Reform", "other", "Education",
     "Hiroshima University", "Hiroshima"),
]
RECORDS_PER_OFFICE = 120


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
    alumni = [_user(email, name, Role.ALUMNUS, None, lang, actor=admin)
              for email, name, lang in ALUMNI]
    _seed_records(offices, alumni)
    _seed_grants(offices["TJ"], alumni[:2])
    from alumni_app.reports import demo as reports_demo

    reports_demo.seed()  # rates, plans, activities and grants elsewhere, for the figures
    from alumni_app.events import demo as events_demo

    events_demo.seed(offices["TJ"])  # after the figures: the meeting's agenda is proposed from them
    from alumni_app.messages import demo as messages_demo

    messages_demo.seed()  # announcements, one already sent by e-mail with its delivery log
    from alumni_app.reports.refresh import refresh_figures

    refresh_figures()  # again: the recount keeps the events' and messages' counts too
    return True


def _seed_grants(office: Office, alumni: list[User]) -> None:
    from alumni_app.grants import demo as grants_demo

    staff = db.session.scalars(sa.select(User).where(User.office_id == office.id)
                               .order_by(User.id)).all()
    manager = next(u for u in staff if u.role == Role.MANAGER.value)
    officers = [u for u in staff if u.role == Role.OFFICER.value]
    db.session.flush()
    grants_demo.seed(office, manager, officers, alumni)


def _seed_records(offices: dict, alumni: list[User]) -> None:
    """Sectors, regions, a course catalog and a few hundred records; two alumni own theirs."""
    rng = random.Random(2026)
    sectors = {en: Sector(name_en=en, name_ru=ru) for en, ru in SECTORS}
    db.session.add_all(sectors.values())
    for code, regions in REGIONS.items():
        db.session.add_all(Region(office_id=offices[code].id, name_en=en, name_ru=ru)
                           for en, ru in regions)
    db.session.flush()
    for code, title, kind, sector, host, city in COURSES:
        course = Course(code=code, title=title, program_type=kind,
                        sector_id=sectors[sector].id, host_institution=host, host_city=city)
        course.set_dates(*synthetic.course_dates(rng))
        db.session.add(course)
    db.session.flush()
    for office in offices.values():
        synthetic.generate(office.id, RECORDS_PER_OFFICE, seed=office.id)
    courses = {c.code: c for c in db.session.scalars(sa.select(Course))}
    own = [("Dilnoza", "Ghulomshoyeva", "Дилноза", "Гуломшоева", alumni[0], "J2004102"),
           ("Farrukh", "Jalolov", "Фаррух", "Джалолов", alumni[1], "J1904011")]
    for given, family, given_cyr, family_cyr, user, course_code in own:
        record = services.create_record(None, offices["TJ"].id, {
            "given_name": given, "family_name": family, "given_name_cyr": given_cyr,
            "family_name_cyr": family_cyr, "email": user.email, "is_verified": True,
            "organization": "Ministry of Health", "position": "Chief specialist"})
        record.user_id, record.visibility = user.id, Visibility.ALL.value
        # Seen by all alumni: the consent the privacy page asks for, in the person's language.
        record.consent_at = utcnow()
        record.consent_text = privacy.consent_wording(user.preferred_language)
        # A course of their own, so the demo alumni can write action plans for it.
        services.add_participation(None, record, courses[course_code].id,
                                   nominating_organization="Ministry of Health")
    plans.ensure_default_barriers()  # the migration seeds them too; create_all() does not


def _user(email, name, role, office_id, lang, actor=None) -> User:
    user = accounts.create_user(email=email, display_name=name, role=role, office_id=office_id,
                                password=DEMO_PASSWORD, language=lang, actor=actor)
    if role in (Role.MANAGER, Role.ADMIN):
        user.totp_secret = DEMO_TOTP_SECRET
        user.totp_enabled_at = utcnow()
        totp.new_recovery_codes(user)
    return user


def logins_text(url: str | None = None) -> str:
    """The demo logins, framed so they stand out in a terminal; then where to open the app."""
    rule = "=" * 72
    lines = [
        "",
        rule,
        f"Demo logins (password for all: {DEMO_PASSWORD})",
        f"  administrator   {ADMIN[0]}",
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
    ]
    if url:
        lines += ["", f"Open {url} and log in with one of these (Ctrl+C stops the server)."]
    return "\n".join([*lines, rule, ""])
