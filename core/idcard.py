"""The mainland resident ID card number (居民身份证号码, GB 11643): the one check every app uses.

18 characters: a 6-digit region, the birth date YYYYMMDD, a 3-digit sequence and a check
character (0-9 or X) computed from the first 17. The first-generation 15-digit cards stopped being
valid in 2013 and are refused."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SPACES = re.compile(r"[\s\u3000]+")
_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
ID_CARD_MESSAGE = _("身份证号码不正确（18位，末位校验码）。")


def normalize(raw: str) -> str:
    """What was typed, without spaces, full-width digits made plain, the check letter upper-case."""
    return _SPACES.sub("", (raw or "").translate(_FULLWIDTH)).upper()


def check_character(body: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def valid_id_card(number: str) -> bool:
    """18 characters, a real birth date between 1900 and today, and the right check character."""
    if not re.fullmatch(r"\d{17}[\dX]", number or ""):
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > timezone.localdate():
        return False
    return check_character(number[:17]) == number[17]


def clean_id_card(raw: str) -> str:
    """The normal form of a resident ID card number, or ValidationError with the one message."""
    number = normalize(raw)
    if not valid_id_card(number):
        raise ValidationError(ID_CARD_MESSAGE, code="bad_id_card")
    return number


def make_id_card(born: date, sequence: int, region: str = "330106") -> str:
    """A well-formed number (for demo and test data): region, birth date, sequence, check."""
    body = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return body + check_character(body)
