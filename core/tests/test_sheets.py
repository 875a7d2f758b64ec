"""core/sheets.py: text stays text in a spreadsheet; numbers stay numbers."""

from datetime import date
from decimal import Decimal

import pytest

from core.sheets import sheet_row, sheet_text_back, sheet_value


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(1)", "\tx", "\rx", "#N/A", "#REF!"])
def test_text_a_spreadsheet_would_not_read_as_text_is_quoted(text):
    assert sheet_value(text) == "'" + text
    assert sheet_text_back(sheet_value(text)) == text


def test_everything_else_is_left_alone():
    values = [-5, -1.5, Decimal("-3.20"), 0, True, None, date(2024, 3, 1), "", "=", "3-2-1502", "'x", "a=b"]
    assert sheet_row(values) == values[:8] + ["'=", "3-2-1502", "'x", "a=b"]


def test_characters_a_workbook_cannot_hold_are_dropped():
    assert sheet_value("a\x00b\x0bc\x1f\td\ne\r") == "abc\td\ne\r"
    assert sheet_value("\x01=1+1") == "'=1+1"
