"""Text written to a spreadsheet (an .xlsx through openpyxl, or a CSV) stays text.

Every export passes its rows through ``sheet_row``. A text cell that a spreadsheet would read as
something else gets a leading single quote, as the OWASP guidance on "CSV injection" describes:
text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (a complaint titled
``=HYPERLINK("http://…","点此")`` or ``=cmd|' /C calc'!A0`` must not become a live formula in the
finance clerk's workbook), and text that is exactly an error code such as ``#N/A``. openpyxl then
stores it as a string cell (data_type ``s``). Characters XML cannot hold (control characters
pasted from other programs) are dropped instead of failing the export. Numbers, dates and
booleans the program writes are left as they are: a negative amount stays a number.

``sheet_text_back`` undoes the quote when such a file is imported again."""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
# What openpyxl refuses (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE): C0 controls but tab, LF, CR.
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")


def _needs_quote(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) or text in ERROR_CODES


def sheet_value(value):
    """One cell's value, safe to write: text neutralised, anything else unchanged."""
    if not isinstance(value, str):
        return value
    text = _ILLEGAL.sub("", value)
    return "'" + text if _needs_quote(text) else text


def sheet_row(values: Iterable) -> list:
    return [sheet_value(v) for v in values]


def sheet_text_back(text: str) -> str:
    """Text read from a sheet this program wrote: the quote sheet_value added is taken off."""
    if text.startswith("'") and _needs_quote(text[1:]):
        return text[1:]
    return text
