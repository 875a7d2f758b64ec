"""Rooms and residents over the API: scoped to the user's projects, a resident to their own
household, phone numbers masked for those who may not see them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from estate.choices import Relation
from estate.models import Occupancy
from tests.factories import make_resident, make_room

ROOMS = "/api/rooms/"
RESIDENTS = "/api/residents/"


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def codes(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


# ---------------------------------------------------------------- rooms


def test_staff_see_the_rooms_of_their_projects(world):
    assert codes(client_for(world.cs).get(ROOMS)) == ["3-2-1501", "3-2-1502"]
    assert codes(client_for(world.tech).get(ROOMS)) == ["3-2-1501", "3-2-1502"]
    assert codes(client_for(world.outsider).get(ROOMS)) == ["1-1-101"]


def test_a_room_of_another_project_is_not_found(world):
    assert client_for(world.cs).get(f"{ROOMS}{world.other_room.pk}/").status_code == 404
    assert client_for(world.outsider).get(f"{ROOMS}{world.room.pk}/").status_code == 404


def test_the_room_detail_lists_its_occupants(world):
    make_resident(world.room, "张小明", "13600001234", relation=Relation.FAMILY)

    body = client_for(world.cs).get(f"{ROOMS}{world.room.pk}/").json()

    assert body["code"] == "3-2-1502"
    assert body["project"] == world.project.pk and body["project_name"] == "翠湖花园"
    assert (body["building"], body["unit"], body["number"]) == ("3", "2", "1502")
    assert body["area"] == "100.00"
    assert body["state_display"] == "已入住"
    assert [(o["name"], o["relation_display"], o["phone"]) for o in body["occupants"]] == [
        ("张小明", "家庭成员", "13600001234"),
        ("张三", "业主", "13812345678"),
    ]


def test_a_technician_sees_masked_phones(world):
    body = client_for(world.tech).get(f"{ROOMS}{world.room.pk}/").json()

    assert body["occupants"][0]["phone"] == "138****5678"
    resident = client_for(world.tech).get(f"{RESIDENTS}{world.resident.pk}/").json()
    assert resident["phone"] == "138****5678"


def test_a_past_occupant_is_not_listed(world):
    Occupancy.objects.filter(resident=world.neighbour).update(end="2020-01-01")

    body = client_for(world.cs).get(f"{ROOMS}{world.room2.pk}/").json()

    assert body["occupants"] == []


@pytest.mark.parametrize(
    "q, expected",
    [
        ("3-2-1502", ["3-2-1502"]),
        ("3栋2单元1502室", ["3-2-1502"]),
        ("3-2", ["3-2-1501", "3-2-1502"]),
        ("13812345678", ["3-2-1502"]),
        ("138 1234 5678", ["3-2-1502"]),
        ("1111", ["3-2-1501"]),
        ("李四", ["3-2-1501"]),
        ("1-1-101", []),  # another project's room
        ("13700002222", []),  # another project's resident
        ("9-9-9999", []),
    ],
)
def test_rooms_are_found_by_number_phone_or_name(world, q, expected):
    assert codes(client_for(world.cs).get(ROOMS, {"q": q})) == expected


def test_rooms_filter_by_project_and_building(world):
    make_room(world.project, "5", "1", "201")
    client = client_for(world.cs)
    building = world.room.building_id

    assert codes(client.get(ROOMS, {"building": building})) == ["3-2-1501", "3-2-1502"]
    assert codes(client.get(ROOMS, {"project": world.other_project.pk})) == []


def test_rooms_are_cursor_paged(world):
    for number in range(1, 6):
        make_room(world.project, "9", "1", f"{number:03d}")
    client = client_for(world.cs)

    page1 = client.get(ROOMS, {"page_size": 4}).json()
    page2 = client.get(page1["next"]).json()

    assert [r["code"] for r in page1["results"]] == ["3-2-1501", "3-2-1502", "9-1-001", "9-1-002"]
    assert [r["code"] for r in page2["results"]] == ["9-1-003", "9-1-004", "9-1-005"]
    assert "count" not in page1


def test_the_room_list_costs_the_same_queries_for_3_rooms_as_for_20(world):
    client = client_for(world.cs)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(ROOMS)
        assert response.status_code == 200
        return len(queries)

    make_room(world.project, "7", "1", "100")
    few = count()
    for number in range(101, 118):
        room = make_room(world.project, "7", "1", str(number))
        make_resident(room, f"住户{number}", f"1391111{number:04d}")
    many = count()

    assert few == many


# ---------------------------------------------------------------- residents


def test_staff_see_the_residents_of_their_projects(world):
    assert sorted(names(client_for(world.cs).get(RESIDENTS))) == ["张三", "李四"]
    assert names(client_for(world.outsider).get(RESIDENTS)) == ["赵六"]
    assert client_for(world.cs).get(f"{RESIDENTS}{world.other_resident.pk}/").status_code == 404


def test_the_resident_detail_lists_their_rooms(world):
    body = client_for(world.cs).get(f"{RESIDENTS}{world.resident.pk}/").json()

    assert body["name"] == "张三"
    assert body["phone"] == "13812345678"
    assert body["rooms"] == [
        {"room": world.room.pk, "code": "3-2-1502", "relation": "owner", "relation_display": "业主"}
    ]


@pytest.mark.parametrize(
    "q, expected",
    [("张", ["张三"]), ("李四", ["李四"]), ("1111", ["李四"]), ("13812345678", ["张三"]), ("138", []), ("赵六", [])],
)
def test_residents_are_found_by_name_or_phone(world, q, expected):
    assert names(client_for(world.cs).get(RESIDENTS, {"q": q})) == expected


def test_residents_filter_by_room(world):
    make_resident(world.room, "张小明", "13600001234", relation=Relation.FAMILY)

    found = names(client_for(world.cs).get(RESIDENTS, {"room": world.room.pk}))

    assert sorted(found) == ["张三", "张小明"]


# ---------------------------------------------------------------- a resident and an anonymous client


def test_a_resident_sees_only_their_own_rooms_and_household(world):
    make_resident(world.room, "张小明", "13600001234", relation=Relation.FAMILY)
    client = client_for(world.resident_user)

    assert codes(client.get(ROOMS)) == ["3-2-1502"]
    assert client.get(f"{ROOMS}{world.room2.pk}/").status_code == 404
    assert codes(client.get(ROOMS, {"q": "3-2"})) == ["3-2-1502"]
    assert sorted(names(client.get(RESIDENTS))) == ["张三", "张小明"]
    assert client.get(f"{RESIDENTS}{world.neighbour.pk}/").status_code == 404
    household = client.get(f"{ROOMS}{world.room.pk}/").json()["occupants"]
    assert {o["phone"] for o in household} == {"138****5678", "136****1234"}


def test_a_resident_with_two_rooms_sees_both_once(world):
    Occupancy.objects.create(room=world.room2, resident=world.resident, relation=Relation.OWNER)
    client = client_for(world.resident_user)

    assert codes(client.get(ROOMS)) == ["3-2-1501", "3-2-1502"]
    assert sorted(names(client.get(RESIDENTS))) == ["张三", "李四"]


@pytest.mark.parametrize("path", [ROOMS, RESIDENTS, f"{ROOMS}1/", f"{RESIDENTS}1/"])
def test_anonymous_clients_are_turned_away(world, path):
    response = APIClient().get(path)

    assert response.status_code == 401


def test_the_api_is_read_only(world):
    client = client_for(world.cs)

    assert client.post(ROOMS, {"number": "1"}, format="json").status_code == 405
    assert client.delete(f"{RESIDENTS}{world.resident.pk}/").status_code == 405
