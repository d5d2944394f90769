"""Realistic generated ex-participant records, for demo data and benchmarks (bulk inserts)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord, SearchTerm, Visibility, record_sectors
from alumni_app.alumni.names import name_key
from alumni_app.alumni.services import search_terms
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.training.models import Course, Participation, Region, Sector

# (Latin, Cyrillic) pairs; family names get a feminine form by adding "a" / "а".
GIVEN_MALE = [("Farrukh", "Фаррух"), ("Rustam", "Рустам"), ("Jamshed", "Джамшед"),
              ("Azamat", "Азамат"), ("Nurlan", "Нурлан"), ("Erlan", "Ерлан"),
              ("Bakhtiyor", "Бахтиёр"),
              ("Daler", "Далер"), ("Timur", "Тимур"), ("Kairat", "Кайрат"), ("Umed", "Умед"),
              ("Bakyt", "Бакыт"), ("Sherzod", "Шерзод"), ("Aibek", "Айбек")]
GIVEN_FEMALE = [("Dilnoza", "Дилноза"), ("Malika", "Малика"), ("Aigul", "Айгуль"),
                ("Gulnara", "Гульнара"), ("Saule", "Сауле"), ("Nigora", "Нигора"),
                ("Zarina", "Зарина"), ("Aizhan", "Айжан"), ("Shahnoza", "Шахноза"),
                ("Madina", "Мадина"), ("Cholpon", "Чолпон"), ("Tahmina", "Тахмина")]
FAMILY = [("Jalolov", "Джалолов"), ("Karimov", "Каримов"), ("Nazarov", "Назаров"),
          ("Rahimov", "Рахимов"), ("Sharipov", "Шарипов"), ("Nazarbaev", "Назарбаев"),
          ("Asanov", "Асанов"), ("Bekov", "Беков"), ("Saidov", "Саидов"), ("Akhmetov", "Ахметов"),
          ("Gulomshoev", "Гуломшоев"), ("Kurbonov", "Курбонов"), ("Mamatov", "Маматов"),
          ("Toktogulov", "Токтогулов"), ("Iskakov", "Искаков"), ("Yusupov", "Юсупов"),
          ("Davletov", "Давлетов"), ("Ermekov", "Эрмеков"), ("Khodjaev", "Ходжаев"),
          ("Abdulloev", "Абдуллоев")]
ORGANIZATIONS = ["Ministry of Health", "Ministry of Transport", "Ministry of Agriculture",
                 "Ministry of Energy and Water Resources", "Ministry of Finance", "Tax Committee",
                 "Committee for Emergency Situations", "Ministry of Education and Science",
                 "State Committee on Investment", "Agency for Statistics", "Khukumat of the city",
                 "National Bank", "Tajik Technical University", "Kyrgyz National University",
                 "Association of Water Users", "Ministry of Economic Development"]
POSITIONS = ["Chief specialist", "Head of department", "Deputy minister", "Leading specialist",
             "Senior engineer", "Head of unit", "Advisor", "Lecturer", "Director"]


def _person(rng: random.Random) -> dict:
    female = rng.random() < 0.45
    given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    family = rng.choice(FAMILY)
    if female:
        family = (family[0] + "a", family[1] + "а")
    style = rng.random()  # some records only in Latin, some only in Cyrillic, most in both
    latin, cyrillic = style < 0.85, style > 0.15
    return {
        "given_name": given[0] if latin else "", "family_name": family[0] if latin else "",
        "given_name_cyr": given[1] if cyrillic else "",
        "family_name_cyr": family[1] if cyrillic else "",
        "gender": "female" if female else "male",
        "birth_year": rng.randint(1960, 1998),
        "organization": rng.choice(ORGANIZATIONS), "position": rng.choice(POSITIONS),
        "visibility": rng.choice([Visibility.STAFF, Visibility.COUNTRY, Visibility.ALL]).value,
    }


def generate(office_id: int, count: int, *, seed: int = 1, batch: int = 2000) -> int:
    """Insert `count` records for an office with sectors and participations; return count."""
    rng = random.Random(seed)
    regions = db.session.scalars(sa.select(Region.id).where(Region.office_id == office_id)).all()
    sectors = db.session.scalars(sa.select(Sector.id)).all()
    courses = db.session.scalars(sa.select(Course.id)).all()
    done = 0
    while done < count:
        size = min(batch, count - done)
        _insert_batch(office_id, [_person(rng) for _ in range(size)], rng, regions, sectors,
                      courses)
        done += size
    return done


def _insert_batch(office_id, people, rng, regions, sectors, courses) -> None:
    now = utcnow()
    rows = []
    for person in people:
        person.update(office_id=office_id, region_id=rng.choice(regions) if regions else None,
                      created_at=now, updated_at=now,
                      name_key=name_key(person["family_name"] or person["family_name_cyr"],
                                        person["given_name"] or person["given_name_cyr"]))
        rows.append(person)
    ids = db.session.scalars(sa.insert(AlumnusRecord).returning(AlumnusRecord.id,
                                                                sort_by_parameter_order=True),
                             rows).all()
    terms, links, parts = [], [], []
    for record_id, person in zip(ids, rows, strict=True):
        shadow = AlumnusRecord(**{k: person[k] for k in (
            "given_name", "family_name", "given_name_cyr", "family_name_cyr", "organization",
            "position")})
        terms += [{"term": t, "record_id": record_id, "office_id": office_id}
                  for t in search_terms(shadow)]
        for sector_id in rng.sample(sectors, k=min(len(sectors), rng.randint(1, 2))):
            links.append({"record_id": record_id, "sector_id": sector_id})
        for course_id in rng.sample(courses, k=min(len(courses), rng.randint(1, 2))):
            parts.append({"record_id": record_id, "course_id": course_id,
                          "nominating_organization": person["organization"],
                          "position_at_nomination": "", "recorded_at": now,
                          "created_at": now, "updated_at": now})
    for table, values in ((SearchTerm.__table__, terms), (record_sectors, links),
                          (Participation.__table__, parts)):
        if values:
            db.session.execute(sa.insert(table), values)


def course_dates(rng: random.Random) -> tuple[date, date]:
    start = date(2012, 4, 1) + timedelta(days=rng.randint(0, 4700))
    return start, start + timedelta(days=rng.randint(10, 60))
