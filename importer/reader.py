"""Reading an uploaded spreadsheet: what kind of file it really is (by content, not by name), and
its rows as text, with merged cells filled in and Excel's numbers and dates turned into what the
user saw. .xlsx is read with openpyxl in read-only mode (streaming, a 100k-row sheet fits in
memory); .csv may be UTF-8 (with or without BOM) or GBK/GB18030, which Chinese Excel writes."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ServiceError
from core.sheets import sheet_text_back

XLSX, CSV = "xlsx", "csv"
MAX_BYTES = getattr(settings, "IMPORTER_MAX_BYTES", 20 * 1024 * 1024)
# A zip that inflates beyond this is refused before openpyxl opens it (a "zip bomb").
MAX_INFLATED_BYTES = getattr(settings, "IMPORTER_MAX_INFLATED_BYTES", 600 * 1024 * 1024)
NOTES_SHEET = "说明"  # the notes sheet of our templates: never read as data
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]+)(\d+):([A-Z]+)(\d+)\"")
_SPACES = re.compile(r"\s+")


class FileRefused(ServiceError):
    """The upload is not a spreadsheet we can read; nothing was stored."""


@dataclass
class Table:
    header_row: int  # spreadsheet row number of the headers (1-based)
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number, cells as text) after the header row
    estimated_rows: int
    sheet: str = ""


def check_file(upload) -> str:
    """The format of an uploaded file judged by its content (XLSX or CSV); FileRefused otherwise."""
    name = getattr(upload, "name", "") or ""
    size = upload.size
    if size > MAX_BYTES:
        raise FileRefused(
            _("文件“%(name)s”太大（%(size)s MB），上限为 %(limit)s MB。")
            % {"name": name, "size": round(size / 1048576, 1), "limit": round(MAX_BYTES / 1048576, 1)}
        )
    if size == 0:
        raise FileRefused(_("文件“%(name)s”是空的。") % {"name": name})
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    lower = name.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            _("“%(name)s”是旧版 Excel（.xls）或加密的文件：请在 Excel 中另存为 .xlsx 后再上传。") % {"name": name}
        )
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
                inflated = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError):
            names, inflated = set(), 0
        finally:
            upload.seek(0)
        if "xl/workbook.xml" not in names:
            raise FileRefused(_("“%(name)s”不是 Excel 工作簿（.xlsx）。") % {"name": name})
        if inflated > MAX_INFLATED_BYTES:
            raise FileRefused(_("“%(name)s”解压后太大，无法读取。") % {"name": name})
        return XLSX
    if lower.endswith((".xlsx", ".xlsm", ".xls", ".et")):
        raise FileRefused(_("“%(name)s”的扩展名是 Excel，但内容不是 Excel 工作簿。") % {"name": name})
    text = _decode(upload.read(), name)
    upload.seek(0)
    rows = [r for r in csv.reader(io.StringIO(text[:65536], newline=""), _dialect(text)) if any(c.strip() for c in r)]
    if not rows or max(len([c for c in r if c.strip()]) for r in rows[:20]) < 2:
        raise FileRefused(
            _("“%(name)s”不是表格文件：请上传 .xlsx 或 .csv（第一行为列名，每行一条记录）。") % {"name": name}
        )
    return CSV


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:65536]:
        raise FileRefused(
            _("“%(name)s”不是表格文件：请上传 .xlsx 或 .csv（第一行为列名，每行一条记录）。") % {"name": name}
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused(_("无法识别“%(name)s”的文字编码：请保存为 UTF-8 或 GBK 编码的 CSV。") % {"name": name})


def _dialect(text: str):
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=",\t;")
    except csv.Error:
        return csv.excel


def cell_text(value) -> str:
    """A cell as the text the user saw: full-width characters made half-width (NFKC), spaces trimmed,
    whole numbers without '.0', dates as YYYY-MM-DD; the quote our exports put before text such
    as '=…' or '-…' is taken off (core.sheets)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    text = sheet_text_back(unicodedata.normalize("NFKC", str(value)))
    return _SPACES.sub(" ", text).strip()


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _merged_ranges(ws) -> list[tuple[int, int, int, int]]:
    """(first row, first column, last row, last column) of each merged range, 0-based columns.
    Read-only worksheets don't parse <mergeCells>: scan the sheet's XML for them."""
    ranges = []
    tail = b""
    with ws.parent._archive.open(ws._worksheet_path) as src:
        while chunk := src.read(1 << 20):
            data = tail + chunk
            for m in _MERGE.finditer(data):
                c1, r1, c2, r2 = m.groups()
                ranges.append((int(r1), _column_index(c1.decode()), int(r2), _column_index(c2.decode())))
            tail = data[-200:]  # a tag cut by the chunk border is found in the next round
    return sorted(set(ranges))


def _fill_merged(rows: Iterator[tuple[int, list]], ranges) -> Iterator[tuple[int, list]]:
    """Give every cell of a merged range the value of its top-left cell (a room number merged over
    the rows of its residents, a building number over its rooms)."""
    if not ranges:
        yield from rows
        return
    starts: dict[int, list] = {}
    for rng in ranges:
        starts.setdefault(rng[0], []).append(rng)
    active: list[tuple[int, int, int, object]] = []  # (last row, first col, last col, value)
    for number, cells in rows:
        active = [a for a in active if a[0] >= number]
        for _r1, c1, r2, c2 in starts.get(number, ()):
            value = cells[c1] if c1 < len(cells) else None
            active.append((r2, c1, c2, value))
        if active:
            width = max([len(cells)] + [a[2] + 1 for a in active])
            cells = list(cells) + [None] * (width - len(cells))
            for _last, c1, c2, value in active:
                for c in range(c1, c2 + 1):
                    if cells[c] in (None, ""):
                        cells[c] = value
        yield number, cells


def _with_header(rows: Iterator[tuple[int, list]], estimated: int, sheet: str = "") -> Table:
    """The header is the first row with at least two different non-empty cells (a title merged over
    the columns above it is passed over)."""
    for number, cells in rows:
        texts = [cell_text(c) for c in cells]
        if len({t for t in texts if t}) >= 2:
            while texts and not texts[-1]:
                texts.pop()
            width = len(texts)

            def data_rows(width=width):
                for n, cs in rows:
                    values = [cell_text(c) for c in cs[:width]]
                    yield n, values + [""] * (width - len(values))

            return Table(number, texts, data_rows(), max(0, estimated - number), sheet)
    raise FileRefused(_("文件中没有找到列名行（至少两列有标题）。"))


def open_table(fileobj, fmt: str) -> Table:
    """The data sheet of a workbook (the first that is not our notes sheet), or the CSV, as a Table."""
    if fmt == XLSX:
        import openpyxl

        try:
            wb = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise FileRefused(_("无法读取 Excel 文件：%(error)s") % {"error": exc.__class__.__name__}) from exc
        sheets = [ws for ws in wb.worksheets if ws.title != NOTES_SHEET and hasattr(ws, "_worksheet_path")]
        if not sheets:
            raise FileRefused(_("工作簿中没有数据表。"))
        ws = sheets[0]
        estimated = ws.max_row or 0
        ranges = _merged_ranges(ws)
        ws.reset_dimensions()  # some programs write a wrong <dimension>: read every cell that is there
        rows = ((i, list(r)) for i, r in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1))
        return _with_header(_fill_merged(rows, ranges), estimated, ws.title)
    data = fileobj.read()
    text = _decode(data, getattr(fileobj, "name", ""))
    lines = text.count("\n") + 1
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    rows = ((i, r) for i, r in enumerate(reader, start=1))
    return _with_header(rows, lines)
