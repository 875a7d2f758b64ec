"""What counts as a spreadsheet is decided by the content, not the name."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from importer import reader, services
from importer.choices import SessionStatus
from importer.models import ImportSession
from importer.reader import FileRefused
from importer.tests.conftest import errors_by_row
from importer.tests.sheets import csv_file, xlsx

pytestmark = pytest.mark.django_db


def upload(world, f, kind="rooms"):
    return services.session_upload(actor=world.supervisor, project=world.project, kind=kind, upload=f)


def test_text_renamed_xlsx_is_refused_and_nothing_is_stored(world):
    fake = SimpleUploadedFile("rooms.xlsx", "这不是表格，只是一段文字。\n".encode())
    with pytest.raises(FileRefused, match="扩展名是 Excel，但内容不是 Excel 工作簿"):
        upload(world, fake)
    assert not ImportSession.objects.exists()


def test_prose_named_csv_is_refused(world):
    with pytest.raises(FileRefused, match="不是表格文件"):
        upload(world, SimpleUploadedFile("a.csv", "只有一行文字\n第二行也是文字\n".encode()))


def test_other_zip_and_old_xls_and_binary_are_refused(world):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    with pytest.raises(FileRefused, match="不是 Excel 工作簿"):
        upload(world, SimpleUploadedFile("a.xlsx", buf.getvalue()))
    with pytest.raises(FileRefused, match="旧版 Excel"):
        upload(world, SimpleUploadedFile("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100))
    with pytest.raises(FileRefused, match="不是表格文件"):
        upload(world, SimpleUploadedFile("a.csv", b"\x89PNG\r\n\x1a\n\x00\x00"))


def test_too_large_is_refused(world, monkeypatch):
    monkeypatch.setattr(reader, "MAX_BYTES", 1000)
    big = csv_file([["楼栋", "房号"]] + [["1", str(i)] for i in range(300)])
    with pytest.raises(FileRefused, match="太大"):
        upload(world, big)


def test_empty_file_is_refused(world):
    with pytest.raises(FileRefused, match="是空的"):
        upload(world, SimpleUploadedFile("a.csv", b""))


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_and_utf8(world, stage, encoding):
    f = csv_file(
        [["楼栋", "单元", "房号", "产权面积"], ["１２栋", "1", "101 ", "88.5"], ["12", "1", "101", "90"]],
        encoding=encoding,
    )
    session = stage(f)
    assert session.file_format == "csv" and session.status == SessionStatus.REVIEW
    assert session.rows.get(number=2).data == {"building": "12", "unit": "1", "number": "101", "area": "88.50"}
    assert errors_by_row(session) == {3: {"number": "与第 2 行重复。"}}


def test_tab_separated_csv(world, stage):
    f = SimpleUploadedFile("a.csv", "楼栋\t房号\n1\t101\n".encode("gbk"))
    session = stage(f)
    assert session.rows.get().data == {"building": "1", "number": "101"}


def test_header_row_missing(world):
    with pytest.raises(FileRefused, match="列名行"):
        upload(world, xlsx([["只有一列"], ["1"]]))


def test_a_sheet_with_no_data_rows_fails_with_a_reason(world, stage):
    session = stage(xlsx([["楼栋", "房号"], [None, None]]))
    assert session.status == SessionStatus.FAILED and session.message == "文件中没有数据行。"


def test_cell_text():
    from datetime import datetime

    assert reader.cell_text(1502.0) == "1502"
    assert reader.cell_text(89.55) == "89.55"
    assert reader.cell_text("  ３－２－１５０２　") == "3-2-1502"
    assert reader.cell_text(datetime(2024, 3, 1)) == "2024-03-01"
    assert reader.cell_text(None) == ""
