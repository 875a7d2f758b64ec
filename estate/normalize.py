"""Normal forms the search indexes hold: pinyin initials and full pinyin, name substrings, licence plates."""

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

# Surnames whose everyday reading differs from the character's most common one.
_SURNAMES = {
    "单": ("shan",),
    "曾": ("zeng",),
    "仇": ("qiu",),
    "解": ("xie",),
    "区": ("ou",),
    "朴": ("piao",),
    "查": ("zha",),
    "盖": ("ge",),
    "乐": ("yue",),
    "尉": ("yu",),
    "秘": ("bi",),
    "繁": ("po",),
    "覃": ("qin",),
    "翟": ("zhai",),
    "缪": ("miao",),
    "种": ("chong",),
    "万俟": ("mo", "qi"),
}
_NOT_ALNUM = re.compile(r"[^0-9a-z]")
_PLATE_NOISE = re.compile(r"[\s·•.\-_、]")
GRAM_MAX = 6  # substrings of a name up to this many characters are indexed


def _surname(name: str) -> tuple[tuple[str, ...], str]:
    """(the surname's syllables when it is read unusually, the rest of the name)."""
    name = unicodedata.normalize("NFKC", name or "").strip()
    for surname, readings in _SURNAMES.items():
        if name.startswith(surname):
            return readings, name[len(surname) :]
    return (), name


def name_initials(name: str) -> str:
    """'张三' -> 'zs', '单雄信' -> 'sxx', 'Tom 李' -> 'toml' (Latin letters kept as typed, lower case)."""
    readings, name = _surname(name)
    prefix = "".join(r[0] for r in readings)
    parts = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return (prefix + _NOT_ALNUM.sub("", "".join(parts).lower()))[:20]


PINYIN_MAX = 60


def name_pinyin(name: str) -> str:
    """The name's full pinyin, no tones or spaces: '张三丰' -> 'zhangsanfeng', '单雄信' ->
    'shanxiongxin', '吕' -> 'lv' (ü typed as v), 'Tom 李' -> 'tomli'."""
    readings, name = _surname(name)
    parts = lazy_pinyin(name, style=Style.NORMAL, errors="default")
    return _NOT_ALNUM.sub("", ("".join(readings) + "".join(parts)).lower())[:PINYIN_MAX]


def pinyin_keys(text: str) -> tuple[str, str]:
    """What a type-ahead matches a label by, besides the label itself: its pinyin initials and its
    full pinyin, lower case, without the surname readings names need: '漏水渗水' -> ('lsss',
    'loushuishenshui')."""
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default"))
    full = "".join(lazy_pinyin(text, style=Style.NORMAL, errors="default"))
    return _NOT_ALNUM.sub("", initials.lower()), _NOT_ALNUM.sub("", full.lower())


def phone_last4(phone: str) -> str:
    """The last four digits a caller gives to be found by ('' without a phone)."""
    return phone[-4:] if phone else ""


def name_key(name: str) -> str:
    """A name as compared: NFKC (full-width to half-width), no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or "")).lower()


def name_grams(name: str) -> set[str]:
    """Every substring of the name up to GRAM_MAX characters: '张三丰' -> 张, 三, 丰, 张三, 三丰, 张三丰.
    A search for any part of a name is then one equality lookup in an index."""
    key = name_key(name)[:40]
    return {key[i : i + n] for n in range(1, GRAM_MAX + 1) for i in range(len(key) - n + 1)}


def normalize_plate(raw: str) -> str:
    """'浙a 12345', '浙Ａ·１２３４５' -> '浙A12345': half-width, upper case, no spaces or dots."""
    return _PLATE_NOISE.sub("", unicodedata.normalize("NFKC", raw or "")).upper()


def plate_body(plate: str) -> str:
    """The plate without its province character ('浙A12345' -> 'A12345'), so 'a12345' finds it."""
    return plate[1:] if plate and not plate[0].isascii() else plate


def is_plate_like(text: str) -> bool:
    """A typed text that can only be a plate: a province character followed by a letter, or a letter and 4+ digits."""
    value = normalize_plate(text)
    return bool(
        re.fullmatch(r"[\u4e00-\u9fff][A-Z][A-Z0-9]{0,6}[\u4e00-\u9fff]?", value)
        or re.fullmatch(r"[A-Z][A-Z0-9]{3,6}", value)
    )
