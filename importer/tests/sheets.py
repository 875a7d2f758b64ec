"""Spreadsheets built in the tests, dirty the way real ones are."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(rows, *, name="data.xlsx", merges=(), title_row=None) -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "房屋"
    if title_row:
        ws.append([title_row])
    for row in rows:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=XLSX_TYPE)


def csv_file(rows, *, encoding="utf-8-sig", name="data.csv") -> SimpleUploadedFile:
    text = "\r\n".join(",".join(str(c) for c in row) for row in rows) + "\r\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def dirty_rooms() -> SimpleUploadedFile:
    """Row numbers as Excel shows them: 1 title (merged), 2 headers, data from 3."""
    rows = [
        ["楼栋 ", "单元", "房号", "楼层", "产权面积(m²)", "用途", "状态"],  # 2
        ["5栋", "1单元", "101", 1, 89.5, "住宅", "已入住"],  # 3
        [None, None, "102", 1, "９０.２５", "住宅", "空置"],  # 4: building/unit merged from row 3, full-width area
        [None, None, "１０３ ", 1, "abc", "住宅", "空置"],  # 5: full-width + trailing space room, bad area
        ["5", "1", "101", 1, 80, "住宅", "空置"],  # 6: duplicate of row 3 in the file
        [None, None, None, None, None, None, None],  # 7: empty
        ["3", "2", "1502", 15, 120, "住宅", "已入住"],  # 8: exists in the database (world.room)
        ["6", "", "201", "2层", "-5", "别墅", "已入住"],  # 9: negative area, unknown use
        ["6", "", "202", 2, "100.123", "商铺", "出租"],  # 10: three decimals
    ]
    return xlsx(rows, merges=["A1:G1", "A3:A5", "B3:B5"], title_row="翠湖花园房屋台账", name="rooms.xlsx")


def dirty_residents() -> SimpleUploadedFile:
    rows = [
        ["房屋编号", "姓名", "手机", "关系", "备注"],  # 1
        ["3-2-1502", "王五 ", "+86 139-0000-2222", "家庭成员", ""],  # 2
        [None, "王小五", "139 0000 3333", "家属", ""],  # 3: room merged from row 2; alias of 家庭成员
        ["3栋2单元1501室", "赵七", "１３７００００４４４４", "租户", ""],  # 4: full-width phone
        ["9-1-101", "钱八", "13800005555", "业主", ""],  # 5: unknown building
        ["3-2-1999", "孙九", "13800006666", "业主", ""],  # 6: unknown room in a known building
        ["3-2-1502", "张三", "13812345678", "业主", ""],  # 7: already lives there (world.resident)
        ["3-2-1502", "王五", "13900002222", "家庭成员", ""],  # 8: duplicate of row 2
        ["3-2-1501", "周十", "12345", "业主", ""],  # 9: bad phone
        ["", "", "", "", ""],  # 10: empty
        ["3-2-1501", "", "13800007777", "业主", ""],  # 11: no name
        ["3-2-1501", "吴一", "", "朋友", ""],  # 12: unknown relation
    ]
    return xlsx(rows, merges=["A2:A3"], name="residents.xlsx")
