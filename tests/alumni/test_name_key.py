"""A person is found under every transliteration in use in Central Asia, and only them.

The reference for the Russian systems is `iuliia`, which implements the published schemas;
the national Latin spellings (Tajik, Kyrgyz, Kazakh 2017 / 2018 / 2021), which it does not
know, are written out by hand below.
"""

from __future__ import annotations

import iuliia
import pytest
import sqlalchemy as sa

from alumni_app.alumni import services
from alumni_app.alumni.directory import Filters, build_query
from alumni_app.alumni.models import AlumnusRecord, SearchTerm
from alumni_app.alumni.names import keys, name_key
from alumni_app.extensions import db

# Real names of the region, in Cyrillic, between them covering ё й ю я х ц ж щ ы ъ ь э and
# the Tajik (ғ ӣ қ ӯ ҳ ҷ), Kyrgyz (ң ө ү) and Kazakh (ә ғ қ ң ө ұ ү һ і) letters.
NAMES = [
    "Юлдашев", "Яхъяев", "Ёрова", "Хайдаров", "Цой", "Жумабаев", "Щербаков", "Рыскулов",
    "Подъячев", "Ғуломшоева", "Қодиров", "Ҳусейнов", "Ҷалолов", "Өмүрбеков", "Үсөнов",
    "Жеңишбек", "Миңбаев", "Әлиев", "Ұлықбек", "Іскаков", "Соловьёв", "Васильев", "Ильяс",
    "Айгуль", "Бахтиёр", "Евгений", "Юрий", "Мухаммадиев", "Назарбаев", "Токтогулов",
    "Раҳмонов", "Ҷӯраев", "Эргашев", "Чолпон", "Кыдыралиева", "Жээнбеков", "Нұрлан",
    "Қасымов", "Ғафуров", "Шоҳиста", "Маъруфов", "Ёдгоров", "Муҳайё", "Зиёев", "Тынычбек",
    "Айжан", "Дарья", "Кенжеғали", "Сәрсенбаев", "Дүйсенбаев", "Чыңгыз", "Шыңғыс",
    "Бауыржан", "Ещенко", "Хрущёв", "Фёдор", "Ильич", "Сергей", "Абдуллоев", "Шарипова",
    "Ходжаев", "Ҳамроев", "Зокиров", "Мамасалиева", "Бейшеналиев", "Ахмедов", "Атамбаев",
    "Тоқаев", "Һадиев", "Ӣзатов", "Дилноза", "Нигора", "Объедков",
]
# How Russian-language documents write the national letters: a Tajik, Kyrgyz or Kazakh name
# in a Russian-style passport is this spelling, transliterated by the Russian rules.
RUSSIAN_SPELLING = str.maketrans({"ғ": "г", "ӣ": "и", "қ": "к", "ӯ": "у", "ҳ": "х", "ҷ": "дж",
                                  "ң": "н", "ө": "о", "ү": "у", "ә": "а", "ұ": "у", "һ": "х",
                                  "і": "и", "Ғ": "Г", "Ӣ": "И", "Қ": "К", "Ӯ": "У", "Ҳ": "Х",
                                  "Ҷ": "Дж", "Ң": "Н", "Ө": "О", "Ү": "У", "Ә": "А",
                                  "Ұ": "У", "Һ": "Х", "І": "И"})
# Passports (ICAO Doc 9303 since about 2010, GOST R 52535 before it, the MVD's 1997 and 2013
# orders, GOST R 52290 of driving licences), GOST 7.79 system B, BGN/PCGN, and the informal
# systems people type (Moscow metro, Wikipedia, Yandex). Left out on purpose: the ISO 9 family
# (GOST 7.79 system A, UNGEGN, scientific) writes ю, я as ju, ja, which cannot meet j = ж/дж
# of Central Asian names (Jalolov, Jumabaev); the French passport style (MVD_310_FR) writes ш
# as ch, which cannot meet ch = ч.
SCHEMAS = ["ICAO_DOC_9303", "GOST_52535", "MVD_310", "MVD_782", "GOST_52290", "GOST_779_ALT",
           "BGN_PCGN", "MOSMETRO", "WIKIPEDIA", "YANDEX_MAPS", "YANDEX_MONEY", "ALA_LC"]

# Real spellings that iuliia does not produce: the national Latin alphabets and what people type.
BY_HAND = {
    # Tajik Latin: ғ gh, ӣ i, қ q, ӯ u, ҳ h, ҷ j; ё yo, ю yu, я ya.
    "Ғуломшоева": ["Ghulomshoeva", "Gulomshoeva", "Ghulomshoyeva", "Gulomshoyeva"],
    "Қодиров": ["Qodirov", "Kodirov"],
    "Ҳусейнов": ["Huseynov", "Huseinov", "Khuseinov", "Husseinov"],
    "Ҷалолов": ["Jalolov", "Dzhalolov", "Djalolov", "Jallolov"],
    "Ҷӯраев": ["Juraev", "Jurayev", "Dzhuraev", "Djuraev"],
    "Раҳмонов": ["Rahmonov", "Rakhmonov"],
    "Шоҳиста": ["Shohista", "Shokhista"],
    "Ҳамроев": ["Hamroev", "Hamroyev", "Khamroev"],
    "Ғафуров": ["Ghafurov", "Gafurov"],
    "Муҳайё": ["Muhayyo", "Muhayo", "Mukhaiyo"],
    "Зиёев": ["Ziyoev", "Ziyoyev", "Zieev"],
    "Ӣзатов": ["Izatov"],
    "Маъруфов": ["Ma'rufov", "Ma’rufov", "Marufov"],
    # Kyrgyz: ң n/ng, ө o/ö, ү u/ü.
    "Өмүрбеков": ["Omurbekov", "Ömürbekov"],
    "Үсөнов": ["Usonov", "Üsönov"],
    "Жеңишбек": ["Jenishbek", "Zhenishbek", "Jengishbek", "Dzhenishbek"],
    "Миңбаев": ["Mingbaev", "Minbaev", "Mingbayev"],
    "Чыңгыз": ["Chyngyz", "Chingiz", "Chynggyz"],
    "Жээнбеков": ["Jeenbekov", "Zheenbekov", "Jenbekov"],
    "Тынычбек": ["Tynychbek", "Tinichbek"],
    # Kazakh Latin of 2021: ә ä, ғ ğ, қ q, ң ñ, ө ö, ұ ū, ү ü, һ h, і ı, и/й i, ш ş, ч ç, ж j.
    "Әлиев": ["Äliev", "Áliev", "A'liev", "Aliev", "Aliyev"],
    "Ұлықбек": ["Ūlyqbek", "Ulyqbek", "Ulykbek"],
    "Іскаков": ["Iskakov", "Isqaqov", "Ïskakov"],
    "Жұмабаев": ["Jūmabaev", "Jumabaev", "Zhumabaev", "Dzhumabaev", "Jumabayev"],
    "Қасымов": ["Qasymov", "Kasymov"],
    "Кенжеғали": ["Kenjeğali", "Kenjeǵali", "Kenjeg'ali", "Kenzhegali"],
    "Сәрсенбаев": ["Särsenbaev", "Sársenbaev", "Sa'rsenbaev", "Sarsenbayev"],
    "Дүйсенбаев": ["Düisenbaev", "Dúisenbaev", "Du'i'senbaev", "Duysenbayev"],
    "Шыңғыс": ["Şyñğys", "Shyńǵys", "S'yn'g'ys", "Shyngys"],
    "Бауыржан": ["Bauyrjan", "Baýyrjan", "Bay'yrjan", "Bauyrzhan"],
    "Нұрлан": ["Nūrlan", "Nurlan"],
    "Тоқаев": ["Toqaev", "Tokayev"],
    "Һадиев": ["Hadiev", "Khadiev"],
    "Шарипова": ["Şarıpova", "Sharipova"],
    "Чолпон": ["Çolpon", "Cholpon", "Tcholpon", "C'olpon"],
    # What people type.
    "Хайдаров": ["Haydarov", "Khaydarov", "Khaidarov", "Haidarov", "Xaydarov"],
    "Евгений": ["Evgeniy", "Evgenii", "Evgeny", "Yevgeniy", "Yevgeny", "Evgenij"],
    "Юрий": ["Yuriy", "Yuri", "Yury", "Iurii", "Yurij"],
    "Назарбаев": ["Nazarbayev", "Nazarbaev"],
    "Абдуллоев": ["Abdulloev", "Abduloev", "Abdulloyev"],
    "Мухаммадиев": ["Mukhammadiev", "Muhammadiev", "Muhamadiev", "Mukhamadiyev"],
    "Соловьёв": ["Solovyov", "Solovev", "Soloviev", "Solovyev"],
    "Хрущёв": ["Khrushchev", "Khrushchyov", "Hrushev"],
    "Ильич": ["Ilyich", "Ilich", "Ilitch"],
    "Фёдор": ["Fyodor", "Fedor", "Fiodor"],
    "Ёдгоров": ["Yodgorov", "Edgorov"],
    "Цой": ["Tsoy", "Tsoi", "Tcoi", "Tzoi"],
    "Щербаков": ["Shcherbakov", "Sherbakov", "Scherbakov", "Shherbakov"],
    "Эргашев": ["Ergashev", "ERGASHEV"],
}


def _key(text: str) -> tuple[str, ...]:
    return tuple(keys(text))


def _spellings(name: str) -> list[tuple[str, str]]:
    """(schema, spelling) of `name` by every schema, from the Russian spelling of the name."""
    russian = name.translate(RUSSIAN_SPELLING)
    return [(schema, getattr(iuliia, schema).translate(russian)) for schema in SCHEMAS]


@pytest.mark.parametrize("name", NAMES)
def test_every_official_transliteration_meets_the_cyrillic(name):
    assert all(ord(c) < 128 for c in "".join(_key(name)))
    missed = {schema: spelling for schema, spelling in _spellings(name)
              if _key(spelling) != _key(name)}
    assert missed == {}, f"{name} {_key(name)}: " + ", ".join(
        f"{schema} {spelling} {_key(spelling)}" for schema, spelling in missed.items())


@pytest.mark.parametrize(("name", "spellings"), BY_HAND.items(), ids=list(BY_HAND))
def test_national_and_informal_spellings_meet_the_cyrillic(name, spellings):
    missed = {s: _key(s) for s in spellings if _key(s) != _key(name)}
    assert missed == {}, f"{name} {_key(name)}"


def test_different_names_keep_different_keys():
    """Names that are not spellings of each other do not meet."""
    distinct = ["Алиев", "Алимов", "Каримов", "Курбанов", "Джалолов", "Джалилов", "Назаров",
                "Назаралиев", "Юсупов", "Юнусов", "Хайдаров", "Хамидов", "Усенов", "Исаев",
                "Исаков", "Садыков", "Саидов", "Бекова", "Беков", "Ильяс", "Илья", "Мария",
                "Марат", "Дарья", "Дария", "Айбек", "Айдарбек", "Жанна", "Жаныл"]
    by_key: dict[tuple, list[str]] = {}
    for name in distinct:
        by_key.setdefault(_key(name), []).append(name)
    assert [names for names in by_key.values() if len(names) > 1] == [
        ["Дарья", "Дария"]]  # ICAO writes both Daria: one name to a passport reader


@pytest.mark.parametrize(("typed", "name"), [
    ("Ali", "Алиев"), ("Vasili", "Васильев"), ("Yul", "Юлдашев"), ("Iul", "Юлдашев"),
    ("Nazarba", "Назарбаев"), ("Sherb", "Щербаков"), ("Shcherb", "Щербаков"),
    ("Jalo", "Ҷалолов"), ("Dzhal", "Ҷалолов"), ("Ghul", "Ғуломшоева"), ("Qod", "Қодиров"),
    ("Solov", "Соловьёв"), ("Ömür", "Өмүрбеков"), ("Fyo", "Фёдор"), ("Ale", "Алиев"),
])
def test_the_start_of_a_name_finds_it(typed, name):
    assert _key(name)[0].startswith(_key(typed)[0])


def test_the_directory_finds_each_person_under_every_spelling(office):
    """Through the search terms: every schema's spelling finds the person written in Cyrillic."""
    ids = {}
    for name in NAMES:
        record = services.create_record(None, office.id, {"family_name_cyr": name,
                                                          "given_name_cyr": "Тест"})
        ids[name] = record.id
    db.session.commit()
    for name in NAMES:
        queries = [s for _, s in _spellings(name)] + BY_HAND.get(name, [])
        for query in dict.fromkeys(queries):
            found = db.session.scalars(build_query(Filters(q=query))).all()
            assert ids[name] in [r.id for r in found], (name, query)


def test_duplicates_are_spotted_across_systems():
    """The full-name key of a passport spelling is the key of the Cyrillic name."""
    assert name_key("Iakhieiaev", "Bakhtier") == name_key("Яхъяев", "Бахтиёр")
    assert name_key("Yakh'yaev", "Bakhtiyor") == name_key("Яхъяев", "Бахтиёр")
    assert name_key("Ghulomshoeva", "Dilnoza") == name_key("Гуломшоева", "Дилноза")


def _stale(record, family: str) -> None:
    """Give a record the keys an older name key wrote (here: none of the new ones)."""
    db.session.execute(sa.delete(SearchTerm).where(SearchTerm.record_id == record.id))
    db.session.execute(sa.insert(SearchTerm), [{"term": "old" + family, "record_id": record.id,
                                                "office_id": record.office_id}])
    db.session.execute(sa.update(AlumnusRecord).where(AlumnusRecord.id == record.id)
                       .values(name_key="old " + family))


def test_rebuilding_the_keys_makes_old_records_findable(app, office):
    """After the key changes, `flask rebuild-search-terms` (and migration 0016) rewrite them."""
    person = services.create_record(None, office.id, {"family_name_cyr": "Яхъяев",
                                                      "given_name_cyr": "Бахтиёр"})
    gone = services.create_record(None, office.id, {"family_name_cyr": "Юлдашев",
                                                    "given_name_cyr": "Тимур"})
    services.set_active(None, gone, False)
    db.session.commit()
    _stale(person, "yahyaev")
    _stale(gone, "yuldashev")
    db.session.commit()
    assert db.session.scalars(build_query(Filters(q="Iakhieiaev"))).all() == []

    result = app.test_cli_runner().invoke(args=["rebuild-search-terms"])
    assert result.exit_code == 0, result.output
    assert "2 records read: 2 name keys and the search terms of 2 records changed" in (
        result.output)
    db.session.expire_all()
    assert [r.id for r in db.session.scalars(build_query(Filters(q="Iakhieiaev Bakhtier")))] == [
        person.id]
    assert db.session.get(AlumnusRecord, person.id).name_key == name_key("Iakhieiaev",
                                                                         "Bakhtier")
    # An inactive record keeps its key for duplicates, and no search terms.
    assert db.session.get(AlumnusRecord, gone.id).name_key == name_key("Iuldashev", "Timur")
    assert db.session.scalars(sa.select(SearchTerm.term).where(
        SearchTerm.record_id == gone.id)).all() == []

    again = app.test_cli_runner().invoke(args=["rebuild-search-terms"])
    assert "2 records read: 0 name keys and the search terms of 0 records changed" in (
        again.output)
