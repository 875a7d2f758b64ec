"""Phone numbers: one normal form for storage and lookup, a masked form for display.

Validation is Google's libphonenumber (the `phonenumbers` package) with region CN: a mobile must be
in an allocated range, a landline must have a real area code and the right length for it. The
stored normal form is unchanged from before: digits only, a mobile as its 11 digits, a landline
with its area code's 0 ('02155551234'), a local number without area code as typed ('55551234').
"""

import re
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumber, PhoneNumberType

_SEPARATORS = re.compile(r"[\s\-()（）.]")
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")
_WRITTEN = re.compile(r"\+?\d+", re.ASCII)  # what is left once the separators are gone
# CN mobile ranges from phonenumbers' own metadata: the common case (a mobile, with or without
# +86 / 0086 / 0) is two regex matches instead of a parse (~6 µs against ~40-100 µs a call); the
# answer is the same (tested).
_MOBILE = re.compile(PhoneMetadata.metadata_for_region("CN").mobile.national_number_pattern, re.ASCII)
# A subscriber number without area code: libphonenumber cannot tell which city, so it cannot
# validate one; accepted as before (7 or 8 digits, never starting with 0 or 1).
_LOCAL = re.compile(r"[2-9]\d{6,7}", re.ASCII)
_DOMESTIC = re.compile(r"0[1-9]\d{8,10}", re.ASCII)  # a landline dialled within China
_KINDS = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def _written(text: str) -> str:
    """Half-width, without spaces, dashes, dots and brackets."""
    return _SEPARATORS.sub("", (text or "").translate(_FULLWIDTH))


@lru_cache(maxsize=8192)
def _normal_form(written: str) -> str:
    """The stored form of a Chinese mobile or landline, '' when `written` is not one."""
    mobile = _prefixes_dropped(written)
    if _MOBILE.fullmatch(mobile):
        return mobile
    if not _WRITTEN.fullmatch(written):
        return ""  # letters, '转 123' extensions, a '+' inside
    if _LOCAL.fullmatch(written):
        return written
    if _DOMESTIC.fullmatch(written) and _kind(written[1:]) in _KINDS:
        return written  # '0' + area code + number: checked without the parse (~20 µs against ~70 µs)
    try:
        number = phonenumbers.parse(written, "CN")
    except NumberParseException:
        return ""
    if number.country_code != 86:
        return ""  # foreign numbers: the normal form has no country code
    national = phonenumbers.national_significant_number(number)
    if _kind(national) not in _KINDS:
        return ""  # invalid; 400 / 800 hotlines, short numbers: not a person's phone
    return national if _MOBILE.fullmatch(national) else "0" + national


def _kind(national: str) -> PhoneNumberType:
    """What a Chinese national number is (UNKNOWN when it is not a valid number)."""
    return phonenumbers.number_type(PhoneNumber(country_code=86, national_number=int(national)))


def _prefixes_dropped(value: str) -> str:
    """A fragment's digits without the +86 / 0086 / 86 country code and a mobile's leading 0."""
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
            break
    else:
        if value.startswith("86") and len(value) == 13:
            value = value[2:]
    if re.fullmatch(r"01[3-9]\d{9}", value, re.ASCII):  # a mobile dialled with the long-distance 0
        value = value[1:]
    return value


def phone_digits(text: str) -> str:
    """What was typed, as digits comparable with stored numbers: a whole number in its normal form
    ('+86 21 5555 1234' -> '02155551234'), a fragment as its digits ('138 1234' -> '1381234')."""
    written = _written(text)
    return _normal_form(written) or _prefixes_dropped(written)


def normalize_phone(raw: str) -> str:
    """'+86 138-1234 5678' -> '13812345678'; landlines keep their area code ('021-5555 1234' and
    '+86 21 5555 1234' -> '02155551234'); a mobile dialled with a leading 0 loses it.

    Raises ValidationError for anything that is not a valid Chinese mobile or landline number.
    """
    value = _normal_form(_written(raw))
    if not value:
        raise ValidationError(_("“%(value)s”不是有效的电话号码。"), code="invalid_phone", params={"value": raw})
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
