"""Phone numbers: one normal form for storage and lookup, a masked form for display."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s\-()（）.]")
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")


def _strip_country(value: str) -> tuple[str, bool]:
    """Drop a +86 / 0086 / 86 country code; say whether there was one."""
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            return value[len(prefix) :], True
    if value.startswith("86") and len(value) == 13:
        return value[2:], True
    return value, False


def phone_digits(text: str) -> str:
    """What was typed, as digits comparable with stored numbers (separators and country code gone)."""
    value, _had_country = _strip_country(_SEPARATORS.sub("", (text or "").translate(_FULLWIDTH)))
    if re.fullmatch(r"01[3-9]\d{9}", value):  # a mobile dialled with the long-distance 0
        value = value[1:]
    return value


def normalize_phone(raw: str) -> str:
    """'+86 138-1234 5678' -> '13812345678'; landlines keep their area code ('021-5555 1234' and
    '+86 21 5555 1234' -> '02155551234'); a mobile dialled with a leading 0 loses it.

    Raises ValidationError for anything that is not a plausible Chinese mobile or landline number.
    """
    value, had_country = _strip_country(_SEPARATORS.sub("", (raw or "").translate(_FULLWIDTH)))
    if re.fullmatch(r"01[3-9]\d{9}", value):
        value = value[1:]
    elif had_country and re.fullmatch(r"(?:10|2\d|[3-9]\d\d)\d{7,8}", value):
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
