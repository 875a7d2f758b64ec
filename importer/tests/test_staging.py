"""The dirty spreadsheets: exact errors by row and column, fixing and skipping, all-or-nothing commit."""

from decimal import Decimal

import pytest

from core.errors import ActionRefused
from estate.models import Building, Occupancy, Resident, Room, Unit
from importer import services
from importer.choices import ImportKind, SessionStatus
from importer.models import ImportRow
from importer.tests.conftest import errors_by_row
from importer.tests.sheets import dirty_residents, dirty_rooms, xlsx

pytestmark = pytest.mark.django_db


def row(session, number) -> ImportRow:
    return session.rows.get(number=number)


def test_dirty_rooms_sheet_errors_by_row_and_column(world, stage):
    session = stage(dirty_rooms())
    assert session.status == SessionStatus.REVIEW
    assert session.header_row == 2  # the merged title row above is passed over
    assert session.mapping == {"building": 0, "unit": 1, "number": 2, "floor": 3, "area": 4, "use": 5, "state": 6}
    assert session.total_rows == 7 and session.empty_rows == 1 and session.error_rows == 5
    assert errors_by_row(session) == {
        5: {"area": "“abc”不是面积数字（如 89.50）。"},
        6: {"number": "与第 3 行重复。"},
        8: {"number": "房屋 3-2-1502 已存在。"},
        9: {"area": "面积必须大于0且小于一千万平方米。", "use": "“别墅”不是可选值：住宅、商铺、办公、车位、储藏室。"},
        10: {"area": "面积最多保留两位小数。"},
    }
    # merged building/unit cells reach every row of the range; full-width digits and spaces are cleaned
    assert row(session, 4).data == {
        "building": "5",
        "unit": "1",
        "number": "102",
        "floor": "1",
        "area": "90.25",
        "use": "residential",
        "state": "vacant",
    }
    assert row(session, 5).data["number"] == "103"
    assert row(session, 3).data["area"] == "89.50" and row(session, 3).data["state"] == "occupied"
    assert row(session, 9).data["floor"] == "2"  # "2层"


def test_dirty_residents_sheet_errors_by_row_and_column(world, stage):
    session = stage(dirty_residents(), ImportKind.RESIDENTS)
    assert session.status == SessionStatus.REVIEW
    assert session.total_rows == 10 and session.empty_rows == 1
    assert errors_by_row(session) == {
        5: {"room_code": "楼栋 9 不存在。"},
        6: {"room_code": "房屋 3-2-1999 不存在。"},
        7: {"name": "张三 已登记在 3-2-1502。"},
        8: {"name": "与第 2 行重复。"},
        9: {"phone": "“12345”不是有效的电话号码。"},
        11: {"name": "必填。"},
        12: {"relation": "“朋友”不是可选值：业主、共有人、家庭成员、租户、紧急联系人。"},
    }
    assert row(session, 2).data["phone"] == "13900002222"  # +86 and dashes
    assert row(session, 2).data["name"] == "王五"  # trailing space
    assert row(session, 3).data["room_code"] == "3-2-1502"  # merged cell
    assert row(session, 3).data["relation"] == "family"  # 家属
    assert row(session, 4).data == {
        "room_code": "3-2-1501",
        "name": "赵七",
        "phone": "13700004444",
        "relation": "tenant",
        "room_id": str(world.room2.pk),
    }


def test_fix_a_cell_and_skip_rows_then_commit_rooms(world, stage):
    session = stage(dirty_rooms())
    services.row_fix(actor=world.supervisor, row=row(session, 5), field="area", value="９１．５ ㎡")
    assert row(session, 5).errors == {} and row(session, 5).data["area"] == "91.50" and row(session, 5).edited
    # skipping the first of two duplicates clears the second
    services.row_skip(actor=world.supervisor, row=row(session, 3))
    assert row(session, 6).errors == {}
    services.row_skip(actor=world.supervisor, row=row(session, 8))
    services.row_fix(actor=world.supervisor, row=row(session, 9), field="area", value="150")
    services.row_fix(actor=world.supervisor, row=row(session, 9), field="use", value="商铺")
    session.refresh_from_db()
    assert session.error_rows == 1 and session.skipped_rows == 2
    with pytest.raises(ActionRefused, match="还有 1 行有错误"):
        services.session_commit(actor=world.supervisor, session=session)
    services.row_fix(actor=world.supervisor, row=row(session, 10), field="area", value="100.12")
    session = services.session_commit(actor=world.supervisor, session=session)
    session = services.session_commit_run(session_id=session.pk)
    assert session.status == SessionStatus.DONE, session.message
    assert session.imported_rows == 5
    assert session.created_counts == {"buildings": 2, "units": 1, "rooms": 5}
    b5 = Building.objects.get(project=world.project, number="5")
    assert Unit.objects.filter(building=b5, number="1").exists()
    r = Room.objects.get(project=world.project, code="5-1-101")
    assert (r.area, r.state, r.floor) == (Decimal("80.00"), "vacant", 1)  # row 6 (row 3 skipped)
    assert Room.objects.get(project=world.project, code="6-201").use == "shop"
    assert Building.objects.get(project=world.project, number="6").floors == 2
    assert not Room.objects.filter(code="3-2-1502", project=world.project).exclude(pk=world.room.pk).exists()


def test_fixing_one_duplicate_rechecks_the_other(world, stage):
    session = stage(dirty_rooms())
    services.row_fix(actor=world.supervisor, row=row(session, 3), field="number", value="109")
    assert row(session, 6).errors == {}
    services.row_fix(actor=world.supervisor, row=row(session, 6), field="number", value="109")
    assert row(session, 6).errors == {"number": "与第 3 行重复。"}


def test_commit_is_all_or_nothing(world, stage, monkeypatch):
    session = stage(dirty_residents(), ImportKind.RESIDENTS)
    for number in (5, 6, 7, 8, 9, 11, 12):
        services.row_skip(actor=world.supervisor, row=row(session, number))
    residents, occupancies = Resident.objects.count(), Occupancy.objects.count()

    real = services.fast_insert

    def broken(model, fields, rows):
        if model is Occupancy:  # residents and their name index are written first, then this fails
            raise RuntimeError("disk full")
        return real(model, fields, rows)

    monkeypatch.setattr(services, "fast_insert", broken)
    session = services.session_commit(actor=world.supervisor, session=session)
    session = services.session_commit_run(session_id=session.pk)
    assert session.status == SessionStatus.REVIEW
    assert session.message == "导入失败，没有写入任何数据：disk full"
    assert (Resident.objects.count(), Occupancy.objects.count()) == (residents, occupancies)
    monkeypatch.undo()
    session = services.session_commit(actor=world.supervisor, session=session)
    session = services.session_commit_run(session_id=session.pk)
    assert session.status == SessionStatus.DONE
    assert session.created_counts == {"residents": 3, "linked": 0, "occupancies": 3}
    wang = Resident.objects.get(project=world.project, name="王五")
    assert wang.phone == "13900002222" and wang.phone_last4 == "2222"
    assert Occupancy.objects.get(resident=wang).relation == "family"
    assert Occupancy.objects.get(resident__name="赵七").room == world.room2
    assert (wang.name_initials, wang.name_pinyin) == ("ww", "wangwu")  # the bulk path fills the search columns


def test_a_known_resident_gets_a_second_room_not_a_second_record(world, stage):
    upload = xlsx([["房屋编号", "姓名", "手机"], ["3-2-1501", "张三", "138 1234 5678"]])
    session = stage(upload, ImportKind.RESIDENTS)
    assert session.error_rows == 0
    services.session_commit(actor=world.supervisor, session=session)
    session = services.session_commit_run(session_id=session.pk)
    assert session.created_counts == {"residents": 0, "linked": 1, "occupancies": 1}
    assert set(world.resident.occupancies.values_list("room_id", flat=True)) == {world.room.pk, world.room2.pk}


def test_rows_that_became_wrong_since_staging_stop_the_commit(world, stage):
    session = stage(xlsx([["楼栋", "房号"], ["8", "101"], ["8", "102"]]))
    services.session_commit(actor=world.supervisor, session=session)
    b = Building.objects.create(project=world.project, number="8")
    Room.objects.create(project=world.project, building=b, number="102")  # someone added it meanwhile
    session = services.session_commit_run(session_id=session.pk)
    assert session.status == SessionStatus.REVIEW
    assert "第 3 行" in session.message
    assert row(session, 3).errors == {"number": "房屋 8-102 已存在。"} and session.error_rows == 1
    assert not Room.objects.filter(code="8-101").exists()


def test_only_importing_roles_of_the_project_may_act(world, stage):

    for user in (world.cs, world.tech, world.finance, world.resident_user):
        with pytest.raises(ActionRefused):
            services.session_upload(actor=user, project=world.project, kind="rooms", upload=dirty_rooms())
    with pytest.raises(ActionRefused, match="不负责"):
        services.session_upload(actor=world.supervisor, project=world.other_project, kind="rooms", upload=dirty_rooms())
    session = stage(dirty_rooms())
    with pytest.raises(ActionRefused):
        services.row_skip(actor=world.cs, row=row(session, 3))
    for user in (world.manager, world.pm):
        services.row_skip(actor=user, row=row(session, 3), skip=False)


def test_the_background_job_path(world, settings, django_capture_on_commit_callbacks, client):
    """A file above the inline limit is staged and committed by the Huey task; the page polls."""
    from huey.contrib.djhuey import HUEY

    settings.IMPORTER_INLINE_MAX_BYTES = 0
    immediate = HUEY.immediate
    HUEY.immediate = True
    try:
        client.force_login(world.supervisor)
        upload = xlsx([["楼栋", "单元", "房号", "面积"], ["7", "1", "101", "88"], ["7", "1", "102", "89"]])
        response = client.post("/import/", {"project": world.project.pk, "kind": "rooms", "file": upload})
        session = world.project.import_sessions.get()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            client.post(f"/import/{session.pk}/map/", {"building": "0", "unit": "1", "number": "2", "area": "3"})
        session.refresh_from_db()
        assert session.status == SessionStatus.STAGING
        assert "every 1s" in client.get(f"/import/{session.pk}/").content.decode()
        progress = client.get(f"/import/{session.pk}/progress/")
        assert progress.status_code == 200 and "0 / " in progress.content.decode()
        for cb in callbacks:
            cb()
        session.refresh_from_db()
        assert session.status == SessionStatus.REVIEW and session.total_rows == 2
        assert client.get(f"/import/{session.pk}/progress/")["HX-Refresh"] == "true"
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/import/{session.pk}/commit/")
        session.refresh_from_db()
        assert session.status == SessionStatus.DONE
        assert Room.objects.filter(project=world.project, code__startswith="7-1-").count() == 2
        assert world.supervisor.notifications.filter(title__contains="导入完成").exists()
        assert response.status_code == 302
    finally:
        HUEY.immediate = immediate


def test_optional_columns_filled_on_some_rows_only(world, stage):
    """Some rooms with an orientation and some without: each gets its own value or the default."""
    upload = xlsx([["楼栋", "房号", "朝向", "户型"], ["11", "101", "南北通透", "三室两厅"], ["11", "102", "", ""]])
    session = stage(upload)
    services.session_commit(actor=world.supervisor, session=session)
    session = services.session_commit_run(session_id=session.pk)
    assert session.status == SessionStatus.DONE, session.message
    a, b = Room.objects.filter(code__in=["11-101", "11-102"]).order_by("code")
    if hasattr(a, "orientation"):
        assert (a.orientation, b.orientation) == ("SN", "")
        assert (a.layout, b.layout) == ("三室两厅", "")
