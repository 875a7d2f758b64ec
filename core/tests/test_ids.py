"""core.ids.parse_id: the one reader of ids from outside."""

import pytest
from django import forms

from core.ids import MAX_ID, ApiIdField, IdField, parse_id, parse_ids


@pytest.mark.parametrize(
    "value,expected",
    [
        ("1", 1),
        ("42", 42),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        (12, 12),
        (str(MAX_ID + 1), None),
        ("99999999999999999999", None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        ("²", None),
        ("١٢", None),  # Arabic-Indic digits: decimal to Python, no id to us
        ("1e3", None),
        ("1.0", None),
        (" 1", None),
        ("1 ", None),
        ("0x10", None),
        ("", None),
        (None, None),
        (True, None),
        (1.0, None),
        (0, None),
        (-5, None),
        (MAX_ID + 1, None),
        ("1" * 100, None),
    ],
)
def test_parse_id_takes_plain_decimals_that_a_row_can_have(value, expected):
    assert parse_id(value) == expected


def test_parse_ids_keeps_the_good_ones_in_order():
    assert parse_ids(["3", "x", "²", "1", str(MAX_ID + 1)]) == [3, 1]


class _Form(forms.Form):
    room = IdField(required=False)


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "²", "1e3", " 1", "0x10"])
def test_the_form_field_refuses_with_a_message(value):
    form = _Form({"room": value})
    assert not form.is_valid()
    assert form.errors["room"] == ["编号无效：应为不超过 19 位的正整数。"]


def test_the_form_field_reads_blank_as_none_and_digits_as_the_id():
    blank = _Form({"room": ""})
    assert blank.is_valid() and blank.cleaned_data["room"] is None
    form = _Form({"room": "12"})
    assert form.is_valid() and form.cleaned_data["room"] == 12


@pytest.mark.parametrize("value", [10**20, -1, 0, "²", "1e3", True, 1.5, ""])
def test_the_api_field_refuses(value):
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError):
        ApiIdField().run_validation(value)


def test_the_api_field_takes_an_int_or_its_digits():
    assert ApiIdField().run_validation(5) == 5
    assert ApiIdField().run_validation("5") == 5
