"""Rooms written in bulk by an import take their place in natural order (issue 10, item 17)."""

import pytest

from estate.models import Room
from estate.tests.test_room_order import NATURAL, listed
from importer import services as importer
from importer.choices import SessionStatus
from importer.tests.sheets import xlsx

pytestmark = pytest.mark.django_db


def test_imported_rooms_take_their_place_in_natural_order(client, world, stage):
    upload = xlsx(
        [
            ["楼栋", "单元", "房号", "楼层", "产权面积(m²)", "用途", "状态"],
            ["1", "1", "1001", 10, 90, "住宅", "空置"],
            ["1", "1", "101", 1, 90, "住宅", "空置"],
            ["10", "1", "101", 1, 90, "住宅", "空置"],
            ["2", "1", "101", 1, 90, "住宅", "空置"],
            ["1", "1", "201", 2, 90, "住宅", "空置"],
        ],
        name="rooms.xlsx",
    )
    session = stage(upload)
    session = importer.session_commit(actor=world.supervisor, session=session)
    session = importer.session_commit_run(session_id=session.pk)
    assert session.status == SessionStatus.DONE, session.message
    assert Room.objects.get(project=world.project, code="1-1-1001").sort_key == Room.make_sort_key("1-1-1001")
    client.force_login(world.cs)
    assert listed(client) == NATURAL
