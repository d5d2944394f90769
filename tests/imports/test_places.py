"""Regions and sectors in imported files are read as offices write them; the rest is chosen once."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.imports.aliases import ImportAlias, region_index, sector_index
from alumni_app.training.models import Course, Region, Sector

KG_REGIONS = [("Bishkek", "Бишкек"), ("Osh city", "город Ош"), ("Chui", "Чуйская область"),
              ("Issyk-Kul", "Иссык-Кульская область"), ("Naryn", "Нарынская область"),
              ("Talas", "Таласская область"), ("Jalal-Abad", "Джалал-Абадская область"),
              ("Osh", "Ошская область"), ("Batken", "Баткенская область")]
TJ_REGIONS = [("Dushanbe", "Душанбе"), ("Sughd", "Согдийская область"),
              ("Khatlon", "Хатлонская область"),
              ("Districts of Republican Subordination", "Районы республиканского подчинения"),
              ("GBAO", "ГБАО")]
KZ_REGIONS = [("Astana", "Астана"), ("Almaty", "Алматы"), ("Shymkent", "Шымкент"),
              ("Almaty Region", "Алматинская область"), ("Karaganda", "Карагандинская область"),
              ("Turkistan", "Туркестанская область"), ("East Kazakhstan", "ВКО")]


@pytest.fixture
def app(app, tmp_path):
    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    return app


def _regions(office, names) -> dict[str, int]:
    regions = [Region(office_id=office.id, name_en=en, name_ru=ru) for en, ru in names]
    db.session.add_all(regions)
    db.session.commit()
    return {r.name_en: r.id for r in regions}


@pytest.mark.parametrize(("written", "region"), [
    ("Чуй", "Chui"), ("Чуйская обл.", "Chui"), ("Chui", "Chui"), ("Chuy", "Chui"),
    ("Чүй облусу", "Chui"), ("  ЧУЙСКАЯ   область ", "Chui"), ("chuy oblast", "Chui"),
    ("Иссык-Куль", "Issyk-Kul"), ("Ысык-Көл", "Issyk-Kul"), ("Issyk-Kul", "Issyk-Kul"),
    ("issyk kul", "Issyk-Kul"), ("Иссык-Кульская обл", "Issyk-Kul"),
    ("Ысык-Көл облусу", "Issyk-Kul"), ("Жалал-Абад", "Jalal-Abad"), ("Jalalabad", "Jalal-Abad"),
    ("Джалал-Абадская обл.", "Jalal-Abad"), ("г. Ош", "Osh city"), ("Ош шаары", "Osh city"),
    ("Osh City", "Osh city"), ("Ошская обл.", "Osh"), ("Ош облусу", "Osh"),
    ("Osh region", "Osh"), ("г. Бишкек", "Bishkek"), ("Bishkek city", "Bishkek"),
    ("Нарын облусу", "Naryn"), ("Таласская обл", "Talas"), ("Batken oblast", "Batken"),
])
def test_kyrgyz_regions_as_offices_write_them(office, written, region):
    ids = _regions(office, KG_REGIONS)
    assert region_index(office.id).find(written) == ids[region]


@pytest.mark.parametrize(("written", "region"), [
    ("РРП", "Districts of Republican Subordination"),
    ("ДРП", "Districts of Republican Subordination"),
    ("DRS", "Districts of Republican Subordination"),
    ("районы республиканского подчинения", "Districts of Republican Subordination"),
    ("ГБАО", "GBAO"), ("GBAO", "GBAO"), ("гбао", "GBAO"), ("Горно-Бадахшанская АО", "GBAO"),
    ("ВМКБ", "GBAO"), ("Согд", "Sughd"), ("Sugd", "Sughd"), ("вилояти Суғд", "Sughd"),
    ("Согдийская обл.", "Sughd"), ("Хатлонская обл", "Khatlon"), ("вилояти Хатлон", "Khatlon"),
    ("г. Душанбе", "Dushanbe"), ("шаҳри Душанбе", "Dushanbe"),
])
def test_tajik_regions_as_offices_write_them(office, written, region):
    ids = _regions(office, TJ_REGIONS)
    assert region_index(office.id).find(written) == ids[region]


@pytest.mark.parametrize(("written", "region"), [
    ("Нур-Султан", "Astana"), ("Nur-Sultan", "Astana"), ("Алма-Ата", "Almaty"),
    ("г. Алматы", "Almaty"), ("Алматы облысы", "Almaty Region"),
    ("Алматинская обл.", "Almaty Region"), ("Қарағанды облысы", "Karaganda"),
    ("Karagandy", "Karaganda"), ("Түркістан облысы", "Turkistan"), ("ЮКО", "Turkistan"),
    ("Восточно-Казахстанская область", "East Kazakhstan"), ("Chimkent", "Shymkent"),
])
def test_kazakh_regions_as_offices_write_them(office, written, region):
    ids = _regions(office, KZ_REGIONS)
    assert region_index(office.id).find(written) == ids[region]


@pytest.mark.parametrize("written", ["Ош", "Токмок", "Москва", "-", "Kazakhstan"])
def test_what_could_be_two_regions_or_none_is_not_guessed(office, written):
    ids = _regions(office, [(en, ru) for en, ru in KG_REGIONS if en != "Osh"])
    ids["Osh region"] = _regions(office, [("Osh region", "Ошская область")])["Osh region"]
    assert region_index(office.id).find(written) is None


@pytest.mark.parametrize(("written", "sector"), [
    ("Здравоохранение", "Health"), ("healthcare", "Health"), ("ИКТ", "ICT"), ("IT", "ICT"),
    ("Сельское хозяйство", "Agriculture"), ("DRR", "Disaster risk reduction"),
    ("снижение риска бедствий", "Disaster risk reduction"), ("EDUCATION", "Education"),
])
def test_sectors_as_offices_write_them(office, written, sector):
    sectors = [Sector(name_en=en, name_ru=ru) for en, ru in [
        ("Health", "Здоровье"), ("ICT", "Информационные технологии"),
        ("Agriculture", "Аграрный сектор"), ("Disaster risk reduction", "Снижение рисков"),
        ("Education", "Образование")]]
    db.session.add_all(sectors)
    db.session.commit()
    assert sector_index(office.id).find(written) == {s.name_en: s.id for s in sectors}[sector]


# --- the import journey ----------------------------------------------------------------------

HEADER = ["ФИО", "Эл. почта", "Область", "Код курса", "Название курса", "Сектор"]


def _csv(rows) -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return buffer.getvalue().encode("utf-8-sig")


def _upload(client, content: bytes) -> str:
    response = client.post("/records/import", data={"file": (io.BytesIO(content), "list.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.data[:300]
    return response.headers["Location"].rstrip("/").split("/")[-1]


def _region_of(email: str) -> str | None:
    record = db.session.scalar(sa.select(AlumnusRecord).where(AlumnusRecord.email == email))
    return record.region.name_en if record.region else None


def _selects(page: str) -> dict[str, str]:
    """{value in the file: the select's name} of the dry run's "not recognised" section."""
    return {label: name for name, label in
            re.findall(r'<label for="((?:region|sector)_\d+)">([^<]*)</label>', page)}


@pytest.fixture
def sectors():
    health = Sector(name_en="Health", name_ru="Здоровье")
    db.session.add(health)
    db.session.commit()
    return {"Health": health.id}


def test_unknown_values_are_listed_once_chosen_once_and_remembered(login, users, office,
                                                                   sectors):
    ids = _regions(office, KG_REGIONS)
    officer = login(users["officer"])
    rows = [[f"Асанов Улан {i}", f"u{i}@example.org", "Токмок", "", "", ""] for i in range(3)]
    rows += [[f"Бекова Айгуль {i}", f"a{i}@example.org", "Кара-Балта", "", "", ""]
             for i in range(2)]
    rows += [["Токтогулов Нурлан", "n@example.org", "Чуйская обл.", "K1", "Курс",
              "Охрана здоровья"],
             ["Садыров Бакыт", "b@example.org", "Ысык-Көл", "K1", "", ""]]
    token = _upload(officer, _csv(rows))
    page = officer.get(f"/records/import/{token}").text
    # Each unknown value once, with how many rows carry it; known spellings are not listed.
    assert page.count("Токмок") == 1 and page.count("Кара-Балта") == 1
    assert page.count("Охрана здоровья") == 1
    assert "Чуйская обл." not in page and "Ысык-Көл" not in page
    assert "left empty" not in page  # no warning row by row
    selects = _selects(page)
    assert set(selects) == {"Токмок", "Кара-Балта", "Охрана здоровья"}

    officer.post(f"/records/import/{token}/values", data={
        selects["Токмок"]: str(ids["Chui"]), selects["Кара-Балта"]: "0",
        selects["Охрана здоровья"]: str(sectors["Health"])})
    page = officer.get(f"/records/import/{token}").text
    assert re.search(rf'<option selected value="{ids["Chui"]}">', page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportAlias)) == 0
    officer.post(f"/records/import/{token}/commit", data={})

    assert [_region_of(f"u{i}@example.org") for i in range(3)] == ["Chui"] * 3
    assert [_region_of(f"a{i}@example.org") for i in range(2)] == [None, None]
    assert _region_of("n@example.org") == "Chui" and _region_of("b@example.org") == "Issyk-Kul"
    course = db.session.scalar(sa.select(Course).where(Course.code == "K1"))
    assert course.sector_id == sectors["Health"]
    remembered = db.session.execute(sa.select(ImportAlias.field, ImportAlias.text,
                                              ImportAlias.region_id, ImportAlias.sector_id,
                                              ImportAlias.chosen_by_id)).all()
    assert sorted(remembered) == [("region", "Токмок", ids["Chui"], None, users["officer"].id),
                                  ("sector", "Охрана здоровья", None, sectors["Health"],
                                   users["officer"].id)]

    # The office's next file: Токмок is Chui without asking; Кара-Балта is asked again.
    later = _upload(officer, _csv([["Жапаров Алмаз", "j@example.org", "ТОКМОК", "", "", ""],
                                   ["Акаев Марат", "m@example.org", "Кара-Балта", "", "", ""]]))
    page = officer.get(f"/records/import/{later}").text
    assert set(_selects(page)) == {"Кара-Балта"}
    officer.post(f"/records/import/{later}/commit", data={})
    assert _region_of("j@example.org") == "Chui" and _region_of("m@example.org") is None


def test_a_choice_outside_the_office_is_refused(login, users, office, other_office):
    _regions(office, KG_REGIONS)
    foreign = _regions(other_office, [("Sughd", "Согдийская область")])
    officer = login(users["officer"])
    token = _upload(officer, _csv([["Асанов Улан", "u@example.org", "Токмок", "", "", ""]]))
    select = _selects(officer.get(f"/records/import/{token}").text)["Токмок"]
    refused = officer.post(f"/records/import/{token}/values",
                           data={select: str(foreign["Sughd"])}, follow_redirects=True)
    assert "for every value" in refused.text
    officer.post(f"/records/import/{token}/commit", data={})
    assert _region_of("u@example.org") is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportAlias)) == 0


def test_another_office_cannot_choose_for_the_file(login, users, office, other_office,
                                                   make_user):
    _regions(office, KG_REGIONS)
    token = _upload(login(users["officer"]),
                    _csv([["Асанов Улан", "u@example.org", "Токмок", "", "", ""]]))
    stranger = login(make_user(role="officer", office=other_office))
    assert stranger.post(f"/records/import/{token}/values", data={"region_0": "0"}
                         ).status_code in (403, 404)


def test_remembered_choices_are_listed_and_can_be_forgotten(login, users, office, other_office,
                                                           make_user):
    ids = _regions(office, KG_REGIONS)
    officer = login(users["officer"])
    token = _upload(officer, _csv([["Асанов Улан", "u@example.org", "Токмок", "", "", ""]]))
    select = _selects(officer.get(f"/records/import/{token}").text)["Токмок"]
    officer.post(f"/records/import/{token}/values", data={select: str(ids["Chui"])})
    officer.post(f"/records/import/{token}/commit", data={})
    page = officer.get("/records/import/names").text
    assert "Токмок" in page and "Region: Chui" in page
    alias_id = db.session.scalar(sa.select(ImportAlias.id))

    stranger = login(make_user(role="officer", office=other_office))
    assert "Токмок" not in stranger.get("/records/import/names").text
    assert stranger.post(f"/records/import/names/{alias_id}/forget").status_code == 404
    assert db.session.get(ImportAlias, alias_id) is not None

    assert officer.post(f"/records/import/names/{alias_id}/forget").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportAlias)) == 0
    again = _upload(officer, _csv([["Бекова Айгуль", "a@example.org", "Токмок", "", "", ""]]))
    assert set(_selects(officer.get(f"/records/import/{again}").text)) == {"Токмок"}
