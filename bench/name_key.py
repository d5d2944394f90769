"""What the name key finds and what it wrongly joins, before and after issue 11, on 200,000 names.

Two sets of 200,000 people, each written in Cyrillic and in the spelling of one system:

* "synthetic": the names of the directory benchmark (`alumni_app.alumni.synthetic`, 26 given
  and 20 family names, each with its Latin spelling as the generator writes it);
* "regional": real given and family names of Tajikistan, the Kyrgyz Republic and Kazakhstan
  (and Russian and Korean ones of the region), in Cyrillic with the national letters, each
  person's Latin written by one of the systems in use (ICAO Doc 9303, the older passport
  style, GOST 7.79 B, BGN/PCGN, Wikipedia, Moscow metro: the `iuliia` schemas of the tests).

For the previous key (bench/previous_name_key.py) and the current one it prints:

* missed: people whose Latin spelling gets another full-name key than their Cyrillic name
  (a duplicate not spotted, a search that does not find them);
* shared keys: distinct names (by their Cyrillic spelling) that share a full-name key, as
  pairs of names and as the people those names belong to, and the pairs the current key adds
  (that did not share a key before): its false matches, with the words behind them. Some
  pairs are meant to meet: a Kazakh and a Russian spelling of one name (Нұрлан, Нурлан).

With the `russian-names` package installed (`.venv/bin/pip install russian-names`: MIT, its
data only, not a dependency of the app) it also counts, over its ~200,000 distinct Russian
given and family names (Tatar, Bashkir and Central Asian ones among them), the pairs of
distinct names that share a word key before and now.

    .venv/bin/python bench/name_key.py [--people 200000] [--seed 1] [--list 20]

It needs the test extras (`iuliia`) and no database; it prints figures and is not a test.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import iuliia

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import previous_name_key  # noqa: E402 - the key before issue 11

from alumni_app.alumni import names, synthetic  # noqa: E402

SCHEMAS = ["ICAO_DOC_9303", "GOST_52535", "MVD_310", "MVD_782", "GOST_779_ALT", "BGN_PCGN",
           "WIKIPEDIA", "MOSMETRO", "YANDEX_MAPS"]
RUSSIAN_SPELLING = str.maketrans({"ғ": "г", "ӣ": "и", "қ": "к", "ӯ": "у", "ҳ": "х", "ҷ": "дж",
                                  "ң": "н", "ө": "о", "ү": "у", "ә": "а", "ұ": "у", "һ": "х",
                                  "і": "и"})


def _listed(text: str) -> list[str]:
    return text.split()


FAMILY = _listed("""
Рахимов Каримов Назаров Шарипов Саидов Ғуломшоев Курбонов Абдуллоев Ҷалолов Раҳмонов Қодиров
Ҳусейнов Ҷӯраев Ҳамроев Ғафуров Зокиров Сафаров Мирзоев Давлатов Исмоилов Одинаев Холов
Шамсиддинов Файзуллоев Юсуфов Маъруфов Ёдгоров Зиёев Бобоев Латифов Насруллоев Ниёзов Олимов
Пиров Қурбонов Раҷабов Султонов Тошматов Умаров Ҳайдаров Шоев Эргашев Яхъяев Азизов
Бахтиёров Гадоев Хоҷаев Ходжаев Мухаммадиев Нуриддинов Исмоилзода Ҳакимзода Раҳимзода
Саидзода Токтогулов Жээнбеков Атамбаев Өмүрбеков Үсөнов Миңбаев Асанов Бекмуратов Жумабаев
Кыдыралиев Мамасалиев Бейшеналиев Рыскулов Садыров Таштанбеков Турдубаев Үмөталиев Абдылдаев
Алымкулов Дүйшөнбиев Эшимканов Ысмайылов Чыныбаев Кадыров Сооронбаев Тентимишев Токоев
Жапаров Бакиев Акаев Исаков Султанбеков Назарбаев Тоқаев Әлиев Іскаков Қасымов Сәрсенбаев
Дүйсенбаев Жұмабаев Ахметов Нұрмағамбетов Сұлтанов Омаров Ибраев Байжанов Қуанышев Серікбаев
Тұрсынбаев Мұқанов Әбдірахманов Есенов Ерғалиев Кенжебаев Мұхамедиев Оспанов Төлеубаев
Уәлиханов Шәріпов Ыдырысов Құнанбаев Бекболатов Щербаков Соловьёв Васильев Подъячев Хрущёв
Иванов Петров Смирнов Кузнецов Попов Лебедев Козлов Новиков Морозов Волков Алексеев Фёдоров
Григорьев Юрьев Юлдашев Алиев Алимов Юсупов Юнусов Хамидов Усенов Исаев Садыков Беков
Джалилов Назаралиев Курбанов Ёров Цой Ким Пак Хван Ли Ещенко Шевченко Ковальчук
""")
GIVEN_MALE = _listed("""
Фаррух Рустам Джамшед Ҷамшед Азамат Нурлан Нұрлан Ерлан Бахтиёр Далер Тимур Қайрат Кайрат
Умед Бакыт Шерзод Айбек Жеңишбек Чыңгыз Шыңғыс Бауыржан Ұлықбек Евгений Юрий Сергей Фёдор
Ильяс Алишер Достон Зафар Искандар Комрон Манучеҳр Носир Парвиз Сино Ҳасан Ҳусейн Фирдавс
Дилшод Бекзод Улан Талант Мирлан Алмаз Нурбек Эрмек Данияр Арман Асхат Ерболат Мұхтар Серік
Әділ Дәурен Ержан Олжас Тимурлан Илья Марат Айдарбек Алексей Дмитрий Андрей Николай Игорь
""")
GIVEN_FEMALE = _listed("""
Дилноза Малика Айгуль Гульнара Сауле Нигора Зарина Айжан Шахноза Мадина Чолпон Тахмина Муҳайё
Шоҳиста Дарья Мария Гулноза Зулфия Манижа Мавзуна Парвина Сабина Фарангис Фируза Ҳилола Шабнам
Нилуфар Айпери Айзада Бермет Гүлзат Жылдыз Назира Чынара Асель Әсел Гүлнар Динара Жанар
Жансая Қарлығаш Меруерт Сәуле Ұлжан Юлия Елена Ольга Наталья Ирина Анна Светлана Татьяна
Людмила Жанна Жаныл Дария Жибек Ёрқиной
""")
Key = Callable[[str, str], str]
KEYS: dict[str, Key] = {"previous": previous_name_key.name_key, "current": names.name_key}


def feminine(family: str) -> str:
    """The wife's or daughter's form of a family name (Каримов -> Каримова)."""
    return family + "а" if family.endswith(("ов", "ев", "ёв", "ин")) else family


def latin(cyrillic: str, schema: str) -> str:
    """A name as `schema` writes it (national letters first in their Russian spelling)."""
    return getattr(iuliia, schema).translate(cyrillic.translate(RUSSIAN_SPELLING))


def regional_people(count: int, rng: random.Random) -> list[tuple[tuple, tuple]]:
    """((family, given) in Cyrillic, (family, given) in one system's Latin), per person."""
    people = []
    for _ in range(count):
        female = rng.random() < 0.45
        family = rng.choice(FAMILY)
        family = feminine(family) if female else family
        given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
        schema = rng.choice(SCHEMAS)
        people.append(((family, given), (latin(family, schema), latin(given, schema))))
    return people


def synthetic_people(count: int, rng: random.Random) -> list[tuple[tuple, tuple]]:
    """The directory benchmark's people, each with its Cyrillic and its Latin spelling."""
    people = []
    for _ in range(count):
        female = rng.random() < 0.45
        given = rng.choice(synthetic.GIVEN_FEMALE if female else synthetic.GIVEN_MALE)
        family = rng.choice(synthetic.FAMILY)
        if female:
            family = (family[0] + "a", family[1] + "а")
        people.append(((family[1], given[1]), (family[0], given[0])))
    return people


def measure(people: list[tuple[tuple, tuple]], key: Key) -> dict:
    """Missed people, and distinct names sharing a key (with the people they belong to)."""
    by_name = Counter(cyrillic for cyrillic, _ in people)
    missed = sum(key(*cyr) != key(*lat) for cyr, lat in people)
    name_key = {name: key(*name) for name in by_name}
    groups = defaultdict(list)
    for name, k in name_key.items():
        groups[k].append(name)
    pairs = {frozenset((a, b)) for group in groups.values() if len(group) > 1
             for i, a in enumerate(group) for b in group[i + 1:]}
    return {"missed": missed, "pairs": pairs, "names": len(by_name), "count": by_name}


def _people_in(pairs: set, count: Counter) -> int:
    return sum(count[name] for name in {name for pair in pairs for name in pair})


def report(label: str, people: list[tuple[tuple, tuple]], listed: int) -> None:
    started = time.perf_counter()
    results = {name: measure(people, key) for name, key in KEYS.items()}
    before, after = results["previous"], results["current"]
    added = after["pairs"] - before["pairs"]
    print(f"\n{label}: {len(people):,} people, {after['names']:,} distinct names "
          f"({time.perf_counter() - started:.1f} s)")
    print(f"{'key':<10} {'missed people':>14} {'name pairs sharing a key':>25} "
          f"{'people in them':>15}")
    for name, result in results.items():
        print(f"{name:<10} {result['missed']:>14,} {len(result['pairs']):>25,} "
              f"{_people_in(result['pairs'], result['count']):>15,}")
    print(f"false matches added by the current key: {len(added):,} name pairs, "
          f"{_people_in(added, after['count']):,} people in them; "
          f"removed: {len(before['pairs'] - after['pairs']):,} pairs")
    words = sorted({word for pair in added for name in pair for word in name})
    joined = _joined_words(words)
    print(f"the words of those names newly sharing a key: {len(joined):,} pairs")
    for a, b in joined[:listed]:
        print(f"  {a} = {b}   [{names.keys(a)[0]}]")


def _joined_words(words: list[str]) -> list[tuple[str, str]]:
    """Pairs of distinct words with one current key and two previous ones."""
    groups = defaultdict(list)
    for word in words:
        groups[tuple(names.keys(word))].append(word)
    return [(a, b) for group in groups.values() for i, a in enumerate(group)
            for b in group[i + 1:]
            if previous_name_key.keys(a) != previous_name_key.keys(b)]


def surnames() -> list[str] | None:
    """The distinct given and family names of the `russian-names` package, if installed."""
    try:
        import russian_names  # noqa: PLC0415 - optional, for this figure only
    except ImportError:
        return None
    with zipfile.ZipFile(Path(russian_names.__file__).parent / "_data.zip") as data:
        lines = data.read("base.txt").decode("utf-8").split("\n")
    # Lines: male given names (rare, common), patronymics (two lines), male family names,
    # then the same for women.
    return sorted({word for i in (0, 1, 4, 5, 6, 9) for word in lines[i].split()})


def report_words(words: list[str], listed: int) -> None:
    """Pairs of distinct names sharing a word key, before and now."""
    started = time.perf_counter()
    counts = {}
    for label, key in (("previous", previous_name_key.keys), ("current", names.keys)):
        groups = Counter(tuple(key(word)) for word in words)
        counts[label] = sum(n * (n - 1) // 2 for n in groups.values())
    joined = _joined_words(words)
    print(f"\nrussian-names: {len(words):,} distinct given and family names "
          f"({time.perf_counter() - started:.1f} s)")
    print(f"pairs of distinct names sharing a key: previous {counts['previous']:,}, "
          f"current {counts['current']:,}; added {len(joined):,} pairs, "
          f"{len({w for pair in joined for w in pair}):,} names in them")
    for a, b in random.Random(1).sample(joined, min(listed, len(joined))):
        print(f"  {a} = {b}   [{names.keys(a)[0]}]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--list", type=int, default=20, help="added pairs to list")
    args = parser.parse_args()
    print(f"name keys on {args.people:,} people, seed {args.seed}, "
          f"iuliia schemas: {', '.join(SCHEMAS)}")
    report("synthetic", synthetic_people(args.people, random.Random(args.seed)), args.list)
    report("regional", regional_people(args.people, random.Random(args.seed)), args.list)
    words = surnames()
    if words is None:
        print("\n(russian-names is not installed: its figure is left out)")
    else:
        report_words(words, args.list)
    return 0


if __name__ == "__main__":
    sys.exit(main())
