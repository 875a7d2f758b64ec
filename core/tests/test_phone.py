"""core/phone.py: one normal form for storage and lookup, a masked form for display."""

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

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
        ("010-12345678", "01012345678"),
        ("0571-88888888", "057188888888"),
        ("0571 8888 8888", "057188888888"),
        ("+86 571 8888 8888", "057188888888"),
        ("862155551234", "02155551234"),  # the country code without '+' or '00'
        ("199 1234 5678", "19912345678"),  # newer ranges
        ("17951 13812345678", "13812345678"),  # dialled with a carrier's IP prefix
    ],
)
def test_it_normalizes_common_ways_of_writing_a_number(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "12345",
        "1381234567",
        "138123456789",
        "12812345678",
        "12345678901",
        "1381234567x",
        "13812345678x",  # libphonenumber alone would drop the trailing letter
        "+1 415 555 0100",  # a foreign number: the normal form has no country code
        "+852 9123 4567",
        "电话",
        "14012345678",  # 1[3-9] but not an allocated mobile range
        "15412345678",
        "17912345678",
        "00000000000",  # '0' and 9 to 11 digits passed the old pattern: no such area code
        "0123456789",
        "0571-8888 888",  # Hangzhou numbers have 8 digits
        "010-1234567",
        "+86 5555 1234",  # an international number needs its area code
        "021-5555 1234 转 123",  # extensions were never accepted: the stored form has no place for one
        "021-5555 1234 ext. 123",
        "400-812-3123",  # hotlines and short numbers are not a person's phone
        "95555",
    ],
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
        ("+86 21 5555 1234", "02155551234"),  # a whole landline as it is stored
        ("0086 571 8888 8888", "057188888888"),
    ],
)
def test_phone_digits_are_comparable_with_stored_numbers(text, digits):
    assert phone_digits(text) == digits


# ---------------------------------------------------------------- property

# Mobile ranges allocated by MIIT (the rule, written independently of the code under test).
MOBILE_PREFIXES = [
    *map(str, range(130, 140)),
    "145",
    "147",
    "150",
    "151",
    "152",
    "153",
    *map(str, range(155, 160)),
    "162",
    "165",
    "166",
    "167",
    "170",
    "171",
    "172",
    "173",
    *map(str, range(175, 179)),
    *map(str, range(180, 190)),
    "190",
    "191",
    "192",
    "193",
    *map(str, range(195, 200)),
]
UNALLOCATED = ["140", "141", "142", "143", "144", "146", "148", "149", "154", "160", "163", "164", "168", "169"]
eight = st.text(alphabet="0123456789", min_size=8, max_size=8)
mobiles = st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(MOBILE_PREFIXES), eight)
separators = st.sampled_from(["", " ", "-", ".", "  ", " - "])
prefixes = st.sampled_from(["", "+86", "+86 ", "0086", "0086 ", "86", "(+86) ", "＋８６", "0", "+86-", "+86 (0)"])
FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def written(number, prefix, seps, fullwidth, padding):
    text = f"{padding}{prefix}{number[:3]}{seps[0]}{number[3:7]}{seps[1]}{number[7:]}{padding}"
    return text.translate(FULL) if fullwidth else text


forms = {
    "prefix": prefixes,
    "seps": st.lists(separators, min_size=2, max_size=2),
    "fullwidth": st.booleans(),
    "padding": st.sampled_from(["", " ", "\t"]),
}


@given(number=mobiles, **forms)
def test_normalize_undoes_any_formatting_of_a_mobile(number, prefix, seps, fullwidth, padding):
    text = written(number, prefix, seps, fullwidth, padding)
    assert normalize_phone(text) == number
    assert phone_digits(text) == number


@given(number=mobiles)
def test_normalize_is_idempotent_and_masking_keeps_the_ends(number):
    assert normalize_phone(normalize_phone(number)) == number
    assert mask_phone(number) == f"{number[:3]}****{number[-4:]}"


@given(
    number=st.one_of(
        st.builds(lambda p, rest: p + rest, st.sampled_from(UNALLOCATED), eight),  # no such mobile range
        st.builds(
            lambda p, rest: p + rest, st.sampled_from(["11", "12"]), st.text("0123456789", min_size=9, max_size=9)
        ),
        st.builds(
            lambda p, rest: p + rest, st.sampled_from(MOBILE_PREFIXES), st.text("0123456789", min_size=1, max_size=7)
        ),
        st.builds(
            lambda p, rest: p + rest, st.sampled_from(MOBILE_PREFIXES), st.text("0123456789", min_size=9, max_size=12)
        ),
    ),
    **(forms | {"prefix": prefixes.filter(lambda p: p != "86")}),  # '86' + 5 digits is a local number
)
def test_what_is_not_a_mobile_is_refused_in_any_form_with_the_translated_message(
    number, prefix, seps, fullwidth, padding
):
    text = written(number, prefix, seps, fullwidth, padding)
    for language, message in [
        ("zh-hans", f"“{text}”不是有效的电话号码。"),
        ("en", f"“{text}” is not a valid phone number."),
    ]:
        with translation.override(language), pytest.raises(ValidationError) as exc:
            normalize_phone(text)
        assert exc.value.code == "invalid_phone"
        assert exc.value.messages == [message]


@given(digits=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), prefix=st.sampled_from(["", "0", "86", "+86", "0086"]))
def test_the_shortcut_for_mobiles_gives_what_phonenumbers_gives(digits, prefix):
    """The regex shortcut and the full parse agree on every 11-digit string a mobile could be."""
    number = phonenumbers.parse(prefix + digits, "CN")
    full = phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) == PhoneNumberType.MOBILE
    try:
        assert normalize_phone(prefix + digits) == digits and full
    except ValidationError:
        assert not full


@given(
    digits=st.from_regex(r"0[1-9][0-9]{8,10}", fullmatch=True)
    | st.from_regex(r"(\+86|0086)[1-9][0-9]{8,10}", fullmatch=True)
)
def test_landlines_are_what_phonenumbers_says(digits):
    """Landlines dialled with the 0 skip the parse; the answer is the full parse's."""
    number = phonenumbers.parse(digits, "CN")
    kind = phonenumbers.number_type(number) if phonenumbers.is_valid_number(number) else None
    national = phonenumbers.national_significant_number(number)
    if kind == PhoneNumberType.MOBILE:
        assert normalize_phone(digits) == national
    elif kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        assert normalize_phone(digits) == "0" + national
    else:
        with pytest.raises(ValidationError):
            normalize_phone(digits)
