"""Regions and sectors as offices write them: short and long forms, three languages, abbreviations.

A file says "Чуйская обл.", "Chuy", "Чүй облусу" or "ГБАО" where the office's list says "Chui"
or "GBAO". A value is read by its place key (the name key of its words, any case, spacing,
hyphens and adjective endings alike: Иссык-Кульская, Issyk Kul), looked up among

1. the names of the office's regions (or of the sectors), in English and Russian;
2. the office's remembered choices (`ImportAlias`: a value staff mapped on a dry run);
3. the known names of the regions of Tajikistan, the Kyrgyz Republic and Kazakhstan and of
   the usual sectors (below), for the office's region or sector that bears one of them;

first as written (the generic words of a region, область, обл., oblast, облусу, облысы,
region, вилояти, and of a city, город, г., city, шаары, taken alike), then without them:
"Чуйская обл." is Chui. A shortened form that could be two regions (Ош шаары is Osh city,
Ошская обл. Osh region, a bare Ош either) is left for staff to choose, unless the office's
list itself names one of them so.
"""

from __future__ import annotations

import re

from alumni_app.alumni.names import word_key, words

# The generic words of place names, in Russian, English, Tajik, Kyrgyz and Kazakh: a region's
# and a city's (Ошская обл., Ош облусу and Osh Region are one place; г. Ош and Ош шаары another).
REGION_WORDS = ("область", "обл", "oblast", "oblasti", "облусу", "oblusu", "облысы", "oblysy",
                "region", "reg", "province", "провинция", "вилоят", "вилояти", "viloyat",
                "viloyati")
CITY_WORDS = ("город", "гор", "г", "city", "шаары", "shaary", "шаҳри", "shahri", "қаласы",
              "qalasy")
_ADJECTIVE = re.compile(r"(?<=..)(?:ская|ский|ское|ской|skaya|skaia|skaja|skiy|skii|skij)$")

# Known names of each region: a group meets the office's region that bears one of them.
REGIONS = [
    # Tajikistan
    ("Dushanbe", "Душанбе", "shahri Dushanbe", "шаҳри Душанбе"),
    ("Sughd", "Sugd", "Soghd", "Sogd", "Согд", "Суғд", "Согдийская область", "вилояти Суғд",
     "Leninabad", "Ленинабадская область"),
    ("Khatlon", "Хатлон", "Хатлонская область", "вилояти Хатлон"),
    ("Districts of Republican Subordination", "Region of Republican Subordination",
     "Republican Subordination", "Районы республиканского подчинения",
     "Районы республиканского значения", "РРП", "RRP", "ДРП", "DRP", "DRS",
     "Ноҳияҳои тобеи ҷумҳурӣ", "НТҶ", "НТЧ"),
    ("GBAO", "ГБАО", "Gorno-Badakhshan", "Gorno-Badakhshan Autonomous Region",
     "Горно-Бадахшанская автономная область", "Горно-Бадахшанская АО", "Badakhshan",
     "Бадахшан", "Бадахшон", "Вилояти Мухтори Кӯҳистони Бадахшон", "ВМКБ", "VMKB"),
    # Kyrgyz Republic
    ("Bishkek", "Бишкек", "Бишкек шаары"),
    ("Osh city", "г. Ош", "город Ош", "Ош шаары", "City of Osh"),
    ("Chui", "Chuy", "Chüy", "Чуй", "Чүй", "Чуйская область", "Чүй облусу"),
    ("Issyk-Kul", "Issykkul", "Ysyk-Kol", "Ysyk-Köl", "Иссык-Куль", "Ысык-Көл",
     "Иссык-Кульская область", "Ысык-Көл облусу"),
    ("Naryn", "Нарын", "Нарынская область", "Нарын облусу"),
    ("Talas", "Талас", "Таласская область", "Талас облусу"),
    ("Jalal-Abad", "Djalal-Abad", "Dzhalal-Abad", "Джалал-Абад", "Жалал-Абад",
     "Джалал-Абадская область", "Жалал-Абад облусу"),
    ("Osh Region", "Ошская область", "Ош облусу"),
    ("Batken", "Баткен", "Баткенская область", "Баткен облусу"),
    # Kazakhstan: three cities and seventeen regions (2022)
    ("Astana", "Астана", "Nur-Sultan", "Нур-Султан", "Нұр-Сұлтан", "Akmola city"),
    ("Almaty", "Алматы", "Alma-Ata", "Алма-Ата", "Almaty city"),
    ("Shymkent", "Шымкент", "Chimkent", "Чимкент"),
    ("Abai", "Abay", "Абай", "Абайская область", "Абай облысы"),
    ("Akmola", "Aqmola", "Акмолинская область", "Ақмола облысы"),
    ("Aktobe", "Aqtöbe", "Актюбинская область", "Ақтөбе облысы", "Aktyubinsk"),
    ("Almaty Region", "Алматинская область", "Алматы облысы"),
    ("Atyrau", "Атырау", "Атырауская область", "Атырау облысы"),
    ("East Kazakhstan", "Восточно-Казахстанская область", "ВКО", "Шығыс Қазақстан облысы",
     "Shyghys Qazaqstan"),
    ("Jambyl", "Zhambyl", "Жамбыл", "Жамбылская область", "Жамбыл облысы", "Dzhambul"),
    ("Jetisu", "Zhetysu", "Жетысу", "Жетісу", "Жетысуская область", "Жетісу облысы"),
    ("Karaganda", "Karagandy", "Qaraghandy", "Карагандинская область", "Қарағанды облысы"),
    ("Kostanay", "Qostanay", "Kustanai", "Костанайская область", "Қостанай облысы"),
    ("Kyzylorda", "Qyzylorda", "Кызылординская область", "Қызылорда облысы"),
    ("Mangystau", "Mangghystau", "Мангистауская область", "Маңғыстау облысы"),
    ("North Kazakhstan", "Северо-Казахстанская область", "СКО", "Солтүстік Қазақстан облысы",
     "Soltüstik Qazaqstan"),
    ("Pavlodar", "Павлодар", "Павлодарская область", "Павлодар облысы"),
    ("Turkistan", "Türkistan", "Туркестан", "Түркістан", "Туркестанская область",
     "Түркістан облысы", "South Kazakhstan", "Южно-Казахстанская область", "ЮКО"),
    ("Ulytau", "Улытау", "Ұлытау", "Улытауская область", "Ұлытау облысы"),
    ("West Kazakhstan", "Западно-Казахстанская область", "ЗКО", "Батыс Қазақстан облысы",
     "Batys Qazaqstan"),
]
# Known names of the usual sectors (domain.md), for the sector that bears one of them.
SECTORS = [
    ("Health", "Healthcare", "Health care", "Здравоохранение", "Медицина", "Тандурустӣ"),
    ("Transport", "Транспорт", "Transportation"),
    ("Agriculture", "Сельское хозяйство", "С/х", "Кишоварзӣ", "Айыл чарба"),
    ("Irrigation", "Ирригация", "Орошение"),
    ("Energy", "Энергетика", "Energetics", "Power"),
    ("Water resources", "Водные ресурсы", "Water"),
    ("Tourism", "Туризм"),
    ("Finance", "Финансы", "Financial sector"),
    ("Taxation", "Налогообложение", "Налоги", "Taxes", "Tax"),
    ("Law", "Право", "Юриспруденция", "Legal"),
    ("Public administration", "Governance", "Public administration and governance",
     "Государственное управление", "Госуправление"),
    ("Management", "Менеджмент", "Управление"),
    ("Ecology", "Environment", "Экология", "Окружающая среда", "Охрана окружающей среды"),
    ("Infrastructure and roads", "Инфраструктура и дороги", "Roads", "Дороги",
     "Infrastructure", "Инфраструктура"),
    ("Regional development", "Региональное развитие"),
    ("Disaster risk reduction", "DRR", "Снижение риска бедствий", "СРБ",
     "Чрезвычайные ситуации", "Emergencies"),
    ("Industry and SMEs", "Промышленность и МСП", "SMEs", "SME", "МСП", "Промышленность",
     "Industry"),
    ("ICT", "ИКТ", "IT", "Information technology", "Информационные технологии"),
    ("Education", "Образование", "Маориф", "Билим берүү"),
]
_GENERIC = {**{word_key(w): "#r" for w in REGION_WORDS}, **{word_key(w): "#c" for w in CITY_WORDS}}


def _word_keys(text: str) -> list[str]:
    return [word_key(_ADJECTIVE.sub("", w)) for w in words(text)]


def place_key(text: str) -> str:
    """The key of a place or sector name as written: any case, spacing, hyphens; the generic
    words (область, обл., oblast, облусу; г., город, city, шаары) as one mark at the end."""
    keys = _word_keys(text)
    marks = sorted({_GENERIC[k] for k in keys if k in _GENERIC})
    return "".join(k for k in keys if k not in _GENERIC) + "".join(marks)


def loose_key(text: str) -> str:
    """The place key without the generic words."""
    return "".join(k for k in _word_keys(text) if k not in _GENERIC)


class NameIndex:
    """Regions (or sectors) by the keys of every name they are known by, for one office."""

    def __init__(self, named: list[tuple[int, tuple[str, ...]]], known: list[tuple[str, ...]],
                 remembered: dict[str, int]):
        """`named`: (id, its own names); `known`: groups of names; `remembered`: key -> id."""
        own = {place_key(n): item_id for item_id, names in named for n in names if n}
        attached = []  # (id, group): the known names of the office's own regions
        for group in known:
            ids = {own[k] for k in {place_key(n) for n in group} if k in own}
            if len(ids) == 1:
                attached.append((ids.pop(), group))
        self.exact = {place_key(n): item_id for item_id, group in attached for n in group}
        self.exact.update(remembered)
        self.exact.update(own)
        loose: dict[str, set[int]] = {}
        for item_id, names in [*named, *attached]:
            for n in names:
                loose.setdefault(loose_key(n), set()).add(item_id)
        self.loose = {k: ids.pop() for k, ids in loose.items() if k and len(ids) == 1}

    def find(self, text: str) -> int | None:
        """The id the value names, or None when it is unknown or could be two."""
        key = place_key(text)
        if key in self.exact:
            return self.exact[key]
        return self.loose.get(loose_key(text))
