"""core/phone.py: one normal form for storage and lookup, a masked form for display."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.phone import mask_phone, normalize_phone, phone_digits


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("+86 138-1234 5678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138.1234.5678", "13812345678"),
        ("(138)1234-5678", "13812345678"),
        ("１３８ １２３４ ５６７８", "13812345678"),  # full-width digits from a Chinese IME
        ("＋８６１３８１２３４５６７８", "13812345678"),
        ("008613812345678", "13812345678"),
        ("0086 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("  13812345678  ", "13812345678"),
        ("021-5555 1234", "02155551234"),  # landlines keep their area code
        ("（021）5555-1234", "02155551234"),
        ("0755-8888 8888", "075588888888"),
        ("+86 21 5555 1234", "02155551234"),  # international form drops the area code's 0
        ("+86 10 8888 8888", "01088888888"),
        ("0086 755 8888 8888", "075588888888"),
        ("010-6666 8888", "01066668888"),
        ("5555 1234", "55551234"),  # a local number without area code
    ],
)
def test_it_normalizes_common_ways_of_writing_a_number(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "abc", "12345", "1381234567", "138123456789", "12812345678", "1381234567x", "+1 415 555 0100", "电话"],
)
def test_it_rejects_what_is_not_a_phone_number(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_phone(raw)
    assert exc.value.code == "invalid_phone"


def test_it_normalizes_a_mobile_dialled_with_a_leading_zero():
    assert normalize_phone("０１３８１２３４５６７８") == "13812345678"


def test_it_normalizes_a_landline_in_international_form():
    assert normalize_phone("+86 21 5555 1234") == "02155551234"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("02155551234", "021****1234"),
        ("55551234", "****1234"),
        ("1234", "1234"),
        ("", ""),
    ],
)
def test_it_masks_all_but_the_ends(value, masked):
    assert mask_phone(value) == masked


def test_a_masked_mobile_hides_the_middle_four_digits():
    masked = mask_phone("13812345678")
    assert "1234" not in masked
    assert masked.startswith("138") and masked.endswith("5678")


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("+86 138-1234 5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("013812345678", "13812345678"),
        ("138 1234", "1381234"),  # a fragment stays a fragment
        ("５６７８", "5678"),
        ("021-5555", "0215555"),
    ],
)
def test_phone_digits_are_comparable_with_stored_numbers(text, digits):
    assert phone_digits(text) == digits


# ---------------------------------------------------------------- property

mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)
separators = st.sampled_from(["", " ", "-", ".", "  ", " - "])
prefixes = st.sampled_from(["", "+86", "+86 ", "0086", "0086 ", "86", "(+86) ", "＋８６", "0"])
FULL = str.maketrans("0123456789", "０１２３４５６７８９")


@given(
    number=mobiles,
    prefix=prefixes,
    seps=st.lists(separators, min_size=2, max_size=2),
    fullwidth=st.booleans(),
    padding=st.sampled_from(["", " ", "\t"]),
)
def test_normalize_undoes_any_formatting_of_a_mobile(number, prefix, seps, fullwidth, padding):
    written = f"{padding}{prefix}{number[:3]}{seps[0]}{number[3:7]}{seps[1]}{number[7:]}{padding}"
    if fullwidth:
        written = written.translate(FULL)
    assert normalize_phone(written) == number
    assert phone_digits(written) == number


@given(number=mobiles)
def test_normalize_is_idempotent_and_masking_keeps_the_ends(number):
    assert normalize_phone(normalize_phone(number)) == number
    assert mask_phone(number) == f"{number[:3]}****{number[-4:]}"
