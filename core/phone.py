"""Phone numbers: one normal form for storage and lookup, a masked form for display."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s\-()（）.]")
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")


def normalize_phone(raw: str) -> str:
    """'+86 138-1234 5678' -> '13812345678'; landlines keep their area code ('021-5555 1234' -> '02155551234').

    Raises ValidationError for anything that is not a plausible Chinese mobile or landline number.
    """
    value = _SEPARATORS.sub("", (raw or "").translate(_FULLWIDTH))
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    if re.fullmatch(r"1[3-9]\d{9}", value) or re.fullmatch(r"0\d{9,11}", value) or re.fullmatch(r"[2-9]\d{6,7}", value):
        return value
    raise ValidationError(_("“%(value)s”不是有效的电话号码。"), code="invalid_phone", params={"value": raw})


def looks_like_phone_fragment(text: str) -> bool:
    """True for input the intake search should treat as (part of) a phone number."""
    digits = _SEPARATORS.sub("", text.translate(_FULLWIDTH)).lstrip("+")
    return digits.isdigit() and len(digits) >= 4 and "-" not in text.strip("-")


def phone_digits(text: str) -> str:
    value = _SEPARATORS.sub("", text.translate(_FULLWIDTH))
    if value.startswith("+86"):
        value = value[3:]
    return value


def mask_phone(value: str) -> str:
    """'13812345678' -> '138****5678'; short numbers keep only their last four digits visible."""
    if not value:
        return ""
    if len(value) == 11:
        return f"{value[:3]}****{value[-4:]}"
    if len(value) > 4:
        return "*" * (len(value) - 4) + value[-4:]
    return value
