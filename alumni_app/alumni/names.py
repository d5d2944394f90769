"""Name keys: one spelling-independent form for Latin and Cyrillic names and their transliterations.

A person's name reaches the office in Cyrillic (Russian, Tajik, Kyrgyz or Kazakh letters) and
in the Latin of whichever system wrote it: ICAO Doc 9303 in passports since about 2010
(Юлдашев Iuldashev, Яхъяев Iakhieiaev, Ёрова Erova), the older passport style (Yuldashev,
Yakh"yaev), GOST 7.79 system B (Xajdarov, Shherbakov, Ry`skulov), BGN/PCGN, the Tajik,
Kyrgyz and Kazakh national Latin (Ghulomshoeva, Qodirov, Ömürbekov, Jūmabaev, Şyñğys,
Kenjeǵali, Sa'rsenbaev) and what people type (Djalolov, Aliyev, Evgeniy). Every one of them
gives the same key, plain ASCII, so every database compares keys alike:

1. Cyrillic is written in a simple Latin, and the marked Latin letters (ž š č ş ç ŝ ı ə ý) as
   their digraphs; other accents and the apostrophes of ъ, ь, ы and Kazakh 2017 are dropped.
2. ICAO's "ie" for ъ goes (Podieiachev, Maierufov); GOST's j for й after a vowel is i (Ajgul).
3. Spellings of one sound meet: dzh/dj/zh/j, kh/h/x, gh/g, q/k, sh/sch/shch/shh/s, ch/tch/c,
   ts/tc/tz/cz/c, w/v, ph/f, ng/n; y is i; doubled letters are one.
4. Iotated vowels meet: "io" is "ie" (ICAO writes ё as e: Fedor, Fyodor, Фёдор), and an e is
   always "ie" (Aliev, Aliyev; Vasilev, Vasiliev, Vasilyev; Erlan, Yerlan). The key grows a
   letter rather than losing one, so the start of a name typed ("Ali") still starts its key.
5. -ov after ч, ж, ш is -ev (Gorbachov, Gorbachev).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Russian, Tajik, Kyrgyz and Kazakh letters to a simple Latin form (step 1).
CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ғ": "gh", "д": "d", "е": "e", "ё": "yo",
    "ж": "zh", "з": "z", "и": "i", "ӣ": "i", "й": "y", "к": "k", "қ": "q", "л": "l",
    "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ӯ": "u", "ү": "u", "ұ": "u", "ў": "u", "ф": "f", "х": "kh", "ҳ": "h", "һ": "h",
    "ц": "ts", "ч": "ch", "ҷ": "j", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "і": "i", "ә": "a", "ї": "i", "є": "e",
}
# Marked Latin letters that stand for a digraph (ISO 9, Kazakh 2018/2021, Turkic alphabets),
# and letters that do not decompose into a base letter and an accent.
MARKED = str.maketrans({
    "ž": "zh", "š": "sh", "č": "ch", "ŝ": "shch", "ş": "sh", "ç": "ch", "ı": "i", "ə": "a",
    "â": "ya", "û": "yu", "ý": "u", "ĭ": "i", "ȳ": "y", "ß": "ss", "ø": "o", "æ": "ae",
})
# Apostrophes, quotes and primes within words: ъ and ь (Pod"yachev, Il'ich, Pod``yachev), ы
# (Ry`skulov) and Kazakh 2017's marks (Sa'rsenbaev); BGN's middle dot.
APOSTROPHES = "'`´’‘ʹʺʻʼ\"”“″′·ʿʾ"
_DROP = str.maketrans(dict.fromkeys(APOSTROPHES, ""))
# Kazakh 2017 writes у as y' (Bay'yrjan: Бауыржан); before a vowel ы never stands there.
_Y_APOSTROPHE = re.compile(rf"y[{APOSTROPHES}](?=[aeiouy])")
_NON_WORD = re.compile(r"[^0-9a-zа-яёӣқғҳҷӯүұөңһіәїє]+")
# ICAO Doc 9303 writes ъ as "ie": before a iotated vowel (Podieiachev, Iakhieiaev) and, in
# Tajik names, after a vowel (Maierufov: Маъруфов), where other systems write nothing or '.
_ICAO_HARD_SIGN = re.compile(r"ie(?=[iy][aeou])|(?<=[aeou])ie(?=[^aeiouy])")
# GOST 7.79 system B writes й as j; after a vowel and not before one (Ajgul, Sergej, and
# Muxajyo: Муҳайё) it is й, while j before a vowel is ж or дж (Jalolov, Hojiev, Aijan).
_GOST_SHORT_I = re.compile(r"(?<=[aeiou])j(?![aeiou]|y(?![aeiou]))")
# Spellings of one sound, in this order (shch before sh, tch before ch, dzh before zh ...).
LATIN_VARIANTS = [
    ("tch", "ch"), ("shch", "s"), ("shh", "s"), ("sch", "s"), ("dzh", "j"), ("dj", "j"),
    ("zh", "j"), ("kh", "h"), ("gh", "g"), ("sh", "s"), ("ch", "c"), ("ts", "c"), ("tc", "c"),
    ("tz", "c"), ("cz", "c"), ("q", "k"), ("x", "h"), ("w", "v"), ("ph", "f"), ("ng", "n"),
    ("y", "i"),
]
_DOUBLED = re.compile(r"(.)\1+")
_HUSHED_OV = re.compile(r"(?<=[cjs])ov(?=a?$)")
_IO = re.compile(r"(?<=i)o")
_BARE_E = re.compile(r"(?<!i)e")
_REPEATED_IE = re.compile(r"(?:ie){2,}")
MAX_KEY = 60
# Names repeat across records (a family name is shared by hundreds): an import or a reindex
# computes each word's key once. Bounded (a few MiB per process at most), so searches typed
# by users cannot grow it.
CACHED_WORDS = 16_384
CACHED_TEXTS = 8_192


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _latin(word: str) -> str:
    return "".join(CYRILLIC.get(ch, ch) for ch in word)


@lru_cache(maxsize=CACHED_WORDS)
def word_key(word: str) -> str:
    """Return the spelling-independent key of one word (from `words`)."""
    # Doubled letters first too: ң+г written ngg (Chynggyz) is the ng of Chyngyz.
    text = _ICAO_HARD_SIGN.sub("", _DOUBLED.sub(r"\1", _latin(word)))
    text = _GOST_SHORT_I.sub("i", text)
    for old, new in LATIN_VARIANTS:
        text = text.replace(old, new)
    text = _HUSHED_OV.sub("ev", _DOUBLED.sub(r"\1", text))
    text = _BARE_E.sub("ie", _IO.sub("e", text))
    return _REPEATED_IE.sub("ie", text)[:MAX_KEY]  # Ziyoyev, Zieev: Зиёев


def words(text: str) -> list[str]:
    """Split text into lower-case words, in any script; accents and apostrophes removed.

    ё and й keep their marks (they are letters of their own), marked Latin letters become
    their digraphs (š sh, ž zh), and apostrophes join the parts of a word (Ma'rufov).
    """
    lowered = text.casefold()
    if not lowered.isascii():
        lowered = lowered.translate(MARKED).replace("ё", "\0").replace("й", "\1")
        lowered = _strip_accents(lowered).replace("\0", "ё").replace("\1", "й")
    if any(mark in lowered for mark in APOSTROPHES):
        lowered = _Y_APOSTROPHE.sub("u", lowered).translate(_DROP)
    return [w for w in _NON_WORD.split(lowered) if w]


def _keys(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(key for word in words(text) if (key := word_key(word))))


_short_keys = lru_cache(maxsize=CACHED_TEXTS)(_keys)  # names, organizations, positions
CACHED_LENGTH = 80


def keys(text: str) -> list[str]:
    """Return the keys of every word of `text`, in order, without repeats."""
    return list(_short_keys(text) if len(text) <= CACHED_LENGTH else _keys(text))


def name_key(family: str, given: str) -> str:
    """Return the key of a full name, for spotting probable duplicates."""
    return " ".join(keys(f"{family} {given}"))[:220]
