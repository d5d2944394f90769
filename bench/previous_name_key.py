"""The name key as it was before issue 11 (commit 65627ae), to compare with: bench/name_key.py.

A copy of alumni_app/alumni/names.py of that commit, its docstring shortened.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Russian, Tajik, Kyrgyz and Kazakh letters to a simple Latin form.
CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j",
    "з": "z", "и": "i", "ӣ": "i", "й": "y", "к": "k", "қ": "k", "л": "l", "м": "m", "н": "n",
    "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ӯ": "u",
    "ү": "u", "ұ": "u", "ф": "f", "х": "h", "ҳ": "h", "һ": "h", "ц": "ts", "ч": "ch", "ҷ": "j",
    "ш": "sh", "щ": "sh", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i",
    "ә": "a", "ї": "i", "є": "e",
}
# Latin spellings that stand for the same sound, longest first.
LATIN_VARIANTS = [
    ("dzh", "j"), ("dj", "j"), ("zh", "j"), ("kh", "h"), ("gh", "g"), ("sch", "s"), ("sh", "s"),
    ("ch", "c"), ("ts", "c"), ("tz", "c"), ("q", "k"), ("x", "h"), ("w", "v"), ("ph", "f"),
]
VOWELS = "aeiou"
_NON_WORD = re.compile(r"[^0-9a-zа-яёӣқғҳҷӯүұөңһіәїє]+")
_GLIDE = re.compile(rf"(?<=[{VOWELS}])y(?=[{VOWELS}])")
_INITIAL_YE = re.compile(r"^y(?=e)")
_Y_AS_I = re.compile(rf"y(?![{VOWELS}])")
_DOUBLED = re.compile(r"(.)\1+")
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
    """Return the spelling-independent key of one word."""
    text = _latin(word)
    for old, new in LATIN_VARIANTS:
        text = text.replace(old, new)
    # A "y" between vowels or before a vowel at the start is a glide that spellings drop:
    # Nazarbayev/Nazarbaev, Yerlan/Erlan, Shoyeva/Shoeva.
    text = _GLIDE.sub("", text)
    text = _INITIAL_YE.sub("", text)
    text = _Y_AS_I.sub("i", text)  # Aygul/Aigul/Айгуль, Zhanyl/Жаныл
    text = _DOUBLED.sub(r"\1", text)  # doubled letters: Nassirov/Nasirov
    return text[:60]


def words(text: str) -> list[str]:
    """Split text into lower-case words, in any script, accents removed (ё and й kept)."""
    lowered = text.casefold()
    if not lowered.isascii():
        lowered = lowered.replace("ё", "\0").replace("й", "\1")
        lowered = _strip_accents(lowered).replace("\0", "ё").replace("\1", "й")
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
