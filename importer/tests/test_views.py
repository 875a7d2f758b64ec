"""The pages, with the cast of who may and who may not."""

import io

import openpyxl
import pytest

from core.choices import Role
from estate.models import Room
from importer.choices import SessionStatus
from importer.tests.sheets import dirty_rooms, xlsx
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(world, stage):
    return stage(dirty_rooms())


def test_who_may_open_the_importer(world, client):
    admin = make_user("boss", Role.COMPANY_ADMIN, company=world.company)
    for user, status in [
        (world.cs, 403),
        (world.cs2, 403),
        (world.tech, 403),
        (world.lead, 403),
        (world.finance, 403),
        (world.outsider, 403),
        (world.resident_user, 403),
        (world.supervisor, 200),
        (world.manager, 200),
        (world.pm, 200),
        (admin, 200),
    ]:
        client.force_login(user)
        assert client.get("/import/").status_code == status, user
    client.logout()
    assert client.get("/import/").status_code == 302


def test_nav_shows_the_entry_only_to_importers(world, client):
    client.force_login(world.supervisor)
    assert "/import/" in client.get("/", follow=True).content.decode()  # (a supervisor lands on the board)
    client.force_login(world.cs)
    assert 'href="/import/"' not in client.get("/").content.decode()


def test_another_projects_session_is_404(world, session, client):
    other_sup = make_user("sup2", Role.CS_SUPERVISOR, [world.other_project], company=world.company)
    client.force_login(other_sup)
    row = session.rows.get(number=5)
    assert client.get(f"/import/{session.pk}/").status_code == 404
    assert client.post(f"/import/row/{row.pk}/skip/").status_code == 404
    assert client.post(f"/import/row/{row.pk}/cell/area/", {"value": "1"}).status_code == 404
    assert client.post(f"/import/{session.pk}/commit/").status_code == 404
    client.force_login(world.cs)
    assert client.get(f"/import/{session.pk}/").status_code == 403


def test_upload_refusal_is_shown_on_the_form(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.supervisor)
    fake = SimpleUploadedFile("a.xlsx", b"hello, this is text")
    response = client.post("/import/", {"project": world.project.pk, "kind": "rooms", "file": fake})
    assert response.status_code == 200
    assert "扩展名是 Excel，但内容不是 Excel 工作簿" in response.content.decode()
    # a project the user does not work in is not offered
    response = client.post("/import/", {"project": world.other_project.pk, "kind": "rooms", "file": dirty_rooms()})
    assert "project" in response.context["form"].errors


def test_upload_map_review_fix_skip_commit_through_the_pages(world, client):
    client.force_login(world.supervisor)
    response = client.post("/import/", {"project": world.project.pk, "kind": "rooms", "file": dirty_rooms()})
    session = world.project.import_sessions.get()
    assert response.url == f"/import/{session.pk}/"
    page = client.get(response.url).content.decode()
    assert "产权面积(m2)" in page and 'name="area"' in page
    client.post(
        f"/import/{session.pk}/map/",
        {"building": "0", "unit": "1", "number": "2", "floor": "3", "area": "4", "use": "5", "state": "6"},
    )
    session.refresh_from_db()
    assert session.status == SessionStatus.REVIEW
    page = client.get(f"/import/{session.pk}/").content.decode()
    assert "E列：“abc”不是面积数字（如 89.50）。" in page  # row and column named
    assert "5 行有错误" in page
    row5 = session.rows.get(number=5)
    edit = client.get(f"/import/row/{row5.pk}/cell/area/", HTTP_HX_REQUEST="true")
    assert 'name="value"' in edit.content.decode() and 'value="abc"' in edit.content.decode()
    fixed = client.post(f"/import/row/{row5.pk}/cell/area/", {"value": "95"}, HTTP_HX_REQUEST="true")
    assert fixed["HX-Trigger"] == "importer-counts"
    assert "95.00" in fixed.content.decode() and "table-danger" not in fixed.content.decode()
    for number in (6, 8, 9, 10):
        r = client.post(
            f"/import/row/{session.rows.get(number=number).pk}/skip/", {"skip": "1"}, HTTP_HX_REQUEST="true"
        )
        assert "text-decoration-line-through" in r.content.decode()
    counts = client.get(f"/import/{session.pk}/counts/").content.decode()
    assert "0 行有错误" in counts and "跳过 4 行" in counts
    response = client.post(f"/import/{session.pk}/commit/", follow=True)
    assert "导入完成：3 行。" in response.content.decode()
    assert set(Room.objects.filter(project=world.project, building__number="5").values_list("number", flat=True)) == {
        "101",
        "102",
        "103",
    }
    assert "已导入" in client.get("/import/").content.decode()


def test_commit_refused_with_errors_shows_the_message(world, session, client):
    client.force_login(world.supervisor)
    response = client.post(f"/import/{session.pk}/commit/", follow=True)
    assert "还有 5 行有错误" in response.content.decode()
    assert not Room.objects.filter(building__number="5").exists()


def test_bad_fix_value_is_shown_in_place(world, session, client):
    client.force_login(world.supervisor)
    row = session.rows.get(number=5)
    response = client.post(f"/import/row/{row.pk}/cell/area/", {"value": "zero"}, HTTP_HX_REQUEST="true")
    assert "“zero”不是面积数字" in response.content.decode()


def test_mapping_errors_redisplay_the_form(world, client):
    client.force_login(world.supervisor)
    client.post("/import/", {"project": world.project.pk, "kind": "rooms", "file": dirty_rooms()})
    session = world.project.import_sessions.get()
    response = client.post(f"/import/{session.pk}/map/", {"building": "0"})
    assert response.status_code == 400
    assert "必须指定“房号”对应的列" in response.content.decode()


def test_templates_have_headers_a_sample_and_notes(world, client):
    client.force_login(world.supervisor)
    for kind, first in (("rooms", "楼栋*"), ("residents", "房屋编号")):
        response = client.get(f"/import/template/{kind}.xlsx")
        assert response.status_code == 200
        wb = openpyxl.load_workbook(io.BytesIO(response.content))
        data, notes = wb.worksheets
        assert data.cell(1, 1).value == first
        assert data.max_row == 2
        assert notes.title == "说明" and notes.cell(1, 1).value == "列名"
    wb = openpyxl.load_workbook(io.BytesIO(client.get("/import/template/residents.xlsx").content))
    headers = [c.value for c in wb.worksheets[0][1]]
    assert "姓名*" in headers and "手机" in headers
    assert client.get("/import/template/cars.xlsx").status_code == 404


def test_the_template_imports_cleanly(world, stage, client):
    """A template filled in with its own sample row maps every column by itself."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.supervisor)
    content = client.get("/import/template/rooms.xlsx").content
    session = stage(SimpleUploadedFile("t.xlsx", content))
    assert session.error_rows == 0 and session.total_rows == 1
    assert len(session.mapping) == len(session.headers)


def test_list_and_review_pages_have_bounded_queries(world, stage, client, django_assert_max_num_queries):
    for i in range(5):
        stage(xlsx([["楼栋", "房号"]] + [[str(20 + i), str(100 + n)] for n in range(60)]))
    session = world.project.import_sessions.first()
    client.force_login(world.supervisor)
    with django_assert_max_num_queries(12):
        assert client.get("/import/").status_code == 200
    with django_assert_max_num_queries(12):
        page = client.get(f"/import/{session.pk}/?show=all")
    assert page.content.decode().count('id="row-') == 50 and "更多" in page.content.decode()
    with django_assert_max_num_queries(8):
        more = client.get(f"/import/{session.pk}/rows/?show=all&after=51")
    assert more.content.decode().count('id="row-') == 10
