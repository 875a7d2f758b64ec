"""One resident-ID check: the same number is accepted or refused alike at the gate, at move-in,
in the household file, for a renovation worker and in an import."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core import idcard
from core.errors import ServiceError
from estate.choices import IdType

pytestmark = pytest.mark.django_db

GOOD = "11010519491231002X"
BAD = [
    "110105194913310021",  # month 13, check character right
    "110105209912310029",  # born in 2099, check character right
    "110105194912310021",  # wrong check character
    "110105491231002",  # a 15-digit first-generation card (void since 2013)
    "12345",
]


def _estate(number):
    from estate.services import clean_id

    try:
        return clean_id(IdType.ID_CARD, number)[1]
    except ServiceError:
        return None


def _frontdesk(number):
    from frontdesk.services import _id_number

    errors = {}
    value = _id_number(IdType.ID_CARD, number, "id_number", errors, required=True)
    return None if errors else value


def _registrations(number):
    from registrations.services import Errors, _id_number

    errors = Errors()
    value = _id_number(IdType.ID_CARD, number, errors)
    return None if errors.errors else value


def _renovation(number):
    from renovation.services import normalize_id_number

    try:
        return normalize_id_number(number)
    except ValidationError:
        return None


def _importer(number):
    """A residents sheet's row with 证件类型 居民身份证, checked as staging checks it."""
    from importer.choices import ImportKind
    from importer.validate import Context, check_row

    ctx = Context(None, preload=False, kind=ImportKind.RESIDENTS)
    values = {"room_code": "1-1-101", "name": "王五", "id_type": "身份证", "id_number": number}
    row = check_row(ImportKind.RESIDENTS, values, ctx)
    return None if "id_number" in row.errors else row.data["id_number"]


CHECKS = [_estate, _frontdesk, _registrations, _renovation, _importer]


@pytest.mark.parametrize("check", CHECKS)
def test_every_app_accepts_a_valid_number_in_its_normal_form(check):
    assert check(" 110105 19491231002x ") == GOOD
    assert check("１１０１０５１９４９１２３１００２Ｘ") == GOOD


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("number", BAD)
def test_every_app_refuses_what_the_check_refuses(check, number):
    assert check(number) is None


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2020, 12, 31)), st.integers(0, 999))
def test_made_numbers_pass_and_one_changed_digit_fails(born, sequence):
    number = idcard.make_id_card(born, sequence)
    assert idcard.valid_id_card(number)
    changed = number[:16] + str((int(number[16]) + 1) % 10) + number[17]
    assert not idcard.valid_id_card(changed)
