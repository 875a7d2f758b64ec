"""Phone numbers: one normal form for storage and lookup, a masked form for display."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s\-()（）.]")
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")


def _prefixes_dropped(text: str) -> tuple[str, bool]:
    """Digits with separators, the +86 / 0086 / 86 country code and a mobile's long-distance 0
    removed; also whether there was a country code."""
    value = _SEPARATORS.sub("", (text or "").translate(_FULLWIDTH))
    had_country = False
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value, had_country = value[len(prefix) :], True
            break
    else:
        if value.startswith("86") and len(value) == 13:
            value, had_country = value[2:], True
    if re.fullmatch(r"01[3-9]\d{9}", value):  # a mobile dialled with the long-distance 0
        value = value[1:]
    return value, had_country


def phone_digits(text: str) -> str:
    """What was typed, as digits comparable with stored numbers."""
    return _prefixes_dropped(text)[0]


def normalize_phone(raw: str) -> str:
    """'+86 138-1234 5678' -> '13812345678'; landlines keep their area code ('021-5555 1234' and
    '+86 21 5555 1234' -> '02155551234'); a mobile dialled with a leading 0 loses it.

    Raises ValidationError for anything that is not a plausible Chinese mobile or landline number.
    """
    value, had_country = _prefixes_dropped(raw)
    if had_country and re.fullmatch(r"(?:10|2\d|[3-9]\d\d)\d{7,8}", value):
        value = "0" + value  # international form drops the area code's 0
    if re.fullmatch(r"1[3-9]\d{9}", value) or re.fullmatch(r"0\d{9,11}", value) or re.fullmatch(r"[2-9]\d{6,7}", value):
        return value
    raise ValidationError(_("“%(value)s”不是有效的电话号码。"), code="invalid_phone", params={"value": raw})


def mask_phone(value: str) -> str:
    """'13812345678' -> '138****5678'; short numbers keep only their last four digits visible."""
    if not value:
        return ""
    if len(value) == 11:
        return f"{value[:3]}****{value[-4:]}"
    if len(value) > 4:
        return "*" * (len(value) - 4) + value[-4:]
    return value
