"""estate/selectors.py: the intake form's room lookup, and who may see which rooms."""

import datetime

import pytest
from django.utils import timezone

from estate.models import Occupancy
from estate.selectors import lookup_rooms, room_code_from_text, visible_residents, visible_rooms
from tests.factories import make_resident, make_room


def codes(rooms) -> list[str]:
    return [room.code for room in rooms]


@pytest.mark.parametrize(
    "text",
    [
        "3-2-1502",
        "3栋2单元1502室",
        "3幢2单元1502号",
        "3号楼2单元1502",
        "3#2-1502",
        "3 2 1502",
        "３-２-１５０２",
        "3/2/1502",
    ],
)
def test_room_code_from_text_understands_how_people_write_a_room(text):
    assert room_code_from_text(text) == "3-2-1502"


@pytest.mark.parametrize(
    "text",
    [
        "3-2-1502",
        "3栋2单元1502室",
        "３栋２单元１５０２室",
        " 3-2-1502 ",
        "1502",
        "13812345678",
        "138 1234 5678",
        "+86 138-1234-5678",
        "5678",
        "张三",
        "张",
    ],
)
def test_the_desk_finds_the_room_by_code_number_phone_or_name(world, text):
    rooms = lookup_rooms(world.cs, text)
    assert codes(rooms) == ["3-2-1502"]


@pytest.mark.parametrize("text", ["008613812345678", "8613812345678"])
def test_the_desk_finds_the_room_by_a_phone_with_country_code(world, text):
    assert codes(lookup_rooms(world.cs, text)) == ["3-2-1502"]


def test_the_found_room_carries_its_current_occupants(world):
    (room,) = lookup_rooms(world.cs, "1502")
    assert [o.resident.name for o in room.current] == ["张三"]


def test_a_partial_code_finds_every_room_under_it_in_order(world):
    assert codes(lookup_rooms(world.cs, "3-2")) == ["3-2-1501", "3-2-1502"]
    assert codes(lookup_rooms(world.cs, "3栋")) == ["3-2-1501", "3-2-1502"]
    assert codes(lookup_rooms(world.cs, "3-2-150")) == ["3-2-1501", "3-2-1502"]
    assert codes(lookup_rooms(world.cs, "3-2", limit=1)) == ["3-2-1501"]


def test_another_residents_phone_and_name_find_their_own_room(world):
    assert codes(lookup_rooms(world.cs, "13900001111")) == ["3-2-1501"]
    assert codes(lookup_rooms(world.cs, "1111")) == ["3-2-1501"]
    assert codes(lookup_rooms(world.cs, "李四")) == ["3-2-1501"]


@pytest.mark.parametrize("text", ["", "   ", "9-9-999", "王五", "0000", "13999999999"])
def test_nothing_matches_nothing(world, text):
    assert lookup_rooms(world.cs, text) == []


@pytest.mark.parametrize("text", ["1-1-101", "1栋1单元101室", "101", "13700002222", "2222", "赵六"])
def test_another_projects_room_is_never_returned(world, text):
    assert lookup_rooms(world.cs, text) == []
    # ...while staff of that project do find it, so the text itself is a match
    assert codes(lookup_rooms(world.outsider, text)) == ["1-1-101"]


def test_the_project_filter_narrows_to_one_project(world):
    assert codes(lookup_rooms(world.cs, "3-2-1502", project_id=world.project.pk)) == ["3-2-1502"]
    assert lookup_rooms(world.cs, "3-2-1502", project_id=world.other_project.pk) == []
    # asking for another project does not widen what the user may see
    assert lookup_rooms(world.cs, "1-1-101", project_id=world.other_project.pk) == []


def test_a_resident_only_sees_their_own_rooms(world):
    user = world.resident_user
    assert codes(lookup_rooms(user, "3-2-1502")) == ["3-2-1502"]
    assert codes(lookup_rooms(user, "3-2")) == ["3-2-1502"]
    for text in ["3-2-1501", "1501", "李四", "13900001111", "1111", "1-1-101", "赵六"]:
        assert lookup_rooms(user, text) == [], text
    assert list(visible_rooms(user)) == [world.room]
    assert set(visible_residents(user)) == {world.resident}


def test_staff_see_the_rooms_and_residents_of_their_projects_only(world):
    assert set(visible_rooms(world.cs)) == {world.room, world.room2}
    assert set(visible_rooms(world.tech)) == {world.room, world.room2}
    assert set(visible_residents(world.cs)) == {world.resident, world.neighbour}
    assert set(visible_rooms(world.outsider)) == {world.other_room}


def test_a_past_occupant_no_longer_finds_the_room(world):
    room = make_room(world.project, "5", "1", "801")
    former = make_resident(room, "周七", "13600003333")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Occupancy.objects.filter(resident=former).update(start=yesterday - datetime.timedelta(days=365), end=yesterday)
    assert lookup_rooms(world.cs, "13600003333") == []
    assert lookup_rooms(world.cs, "3333") == []
    assert lookup_rooms(world.cs, "周七") == []
    # the room itself is still found by its code
    assert codes(lookup_rooms(world.cs, "5-1-801")) == ["5-1-801"]
