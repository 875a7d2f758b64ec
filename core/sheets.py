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
import tempfile
from collections.abc import Iterable
from urllib.parse import quote

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
# What openpyxl refuses (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE): C0 controls but tab, LF, CR.
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")


def _needs_quote(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) or text in ERROR_CODES


def sheet_value(value):
    """One cell's value, safe to write: text neutralised (a lazily translated label becomes its
    text), anything else unchanged."""
    from django.utils.functional import Promise

    if isinstance(value, Promise):
        value = str(value)
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


def stamp() -> str:
    """The local time for a file name: 20261207-0930."""
    from django.utils import timezone

    return timezone.localtime().strftime("%Y%m%d-%H%M")


def xlsx_workbook_response(filename: str, sheets: Iterable[tuple[str, list[str], Iterable[list]]]):
    """A write-only workbook of one or more sheets `(title, headers, rows)`, every row through
    `sheet_row`, streamed from a temporary file (100k rows stay in constant memory); also how many
    data rows it holds in all."""
    import openpyxl
    from django.http import FileResponse
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    count = 0
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title[:31])
        ws.freeze_panes = "A2"
        head = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=sheet_value(h))
            cell.font = bold
            head.append(cell)
        ws.append(head)
        for row in rows:
            ws.append(sheet_row(row))  # user-entered text never becomes a formula
            count += 1
    tmp = tempfile.TemporaryFile()
    wb.save(tmp)
    tmp.seek(0)
    response = FileResponse(
        tmp,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response, count


def xlsx_response(filename: str, title: str, headers: list[str], rows: Iterable[list]):
    """A one-sheet workbook (see xlsx_workbook_response)."""
    return xlsx_workbook_response(filename, [(title, headers, rows)])
