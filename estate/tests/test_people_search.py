"""ONE people search (issue 10, 14): the top bar, the desk's intake lookup and /api/residents/?q=
find the same people for every kind of term (a name, part of it, pinyin initials, full pinyin, a
phone, its last four digits, a room in any common form, a plate), and never another project's."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from estate import services
from estate.models import Vehicle
from tests.factories import make_resident, make_room

pytestmark = pytest.mark.django_db

TERMS = [
    "张三丰",  # the whole name
    "三丰",  # part of it
    "zsf",  # pinyin initials
    "ZSF",
    "zhangsanfeng",  # full pinyin
    "zhangsanf",  # the start of the full pinyin
    "13955556666",  # the phone
    "139 5555 6666",
    "6666",  # its last four digits
    "5-1-801",  # the room in every common form
    "5栋1单元801室",
    "５-１-８０１",
    "浙b 55501",  # the plate, any case or spacing
    "B55501",
]


@pytest.fixture
def people(world):
    room = make_room(world.project, "5", "1", "801")
    ours = make_resident(room, "张三丰", "13955556666")
    services.vehicle_add(actor=world.cs, room=room, plate="浙B55501", resident=ours)
    # another project: the same name, the same last four digits, the same room code and plate
    other_room = make_room(world.other_project, "5", "1", "801")
    theirs = make_resident(other_room, "张三丰", "13755556666")
    Vehicle.objects.create(project=world.other_project, room=other_room, plate="浙B55501")
    return room, ours, other_room, theirs


def top_bar(client, q) -> set[tuple[int, int]]:
    """(resident, room) of the people the top-bar search lists."""
    page = client.get(reverse("estate:search"), {"q": q}).content.decode()
    card = page[page.index('id="result-people"') : page.index('id="result-vehicles"')]
    return {(int(pk), int(room)) for pk, room in re.findall(r'data-person="(\d+)" data-room="(\d+)"', card)}


def intake(client, q) -> set[tuple[int, int]]:
    """(resident, room) of the intake lookup's results."""
    html = client.get(reverse("desk:lookup"), {"q": q}).content.decode()
    return {(int(pk), int(room)) for room, pk in re.findall(r'data-room="(\d+)" data-resident="(\d+)"', html)}


def api(user, q) -> set[int]:
    client = APIClient()
    client.force_login(user)
    response = client.get("/api/residents/", {"q": q})
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("q", TERMS)
def test_every_entry_point_finds_the_same_people(client, world, people, q):
    room, ours, other_room, theirs = people
    client.force_login(world.cs)
    assert top_bar(client, q) == {(ours.pk, room.pk)}
    assert intake(client, q) == {(ours.pk, room.pk)}
    assert api(world.cs, q) == {ours.pk}


@pytest.mark.parametrize("q", TERMS)
def test_another_projects_people_never_appear(client, world, people, q):
    room, ours, other_room, theirs = people
    client.force_login(world.outsider)  # staff of the other project only
    theirs_found = {(theirs.pk, other_room.pk)} if q not in ("13955556666", "139 5555 6666") else set()
    assert top_bar(client, q) == theirs_found
    assert intake(client, q) == theirs_found
    assert api(world.outsider, q) == {pk for pk, _room in theirs_found}


def test_a_household_named_by_its_room_or_plate_lists_all_its_people(client, world, people):
    room, ours, _other_room, _theirs = people
    wife = make_resident(room, "李梅", "13600007777", relation="family")
    client.force_login(world.cs)
    for q in ["5-1-801", "浙B55501"]:
        want = {(ours.pk, room.pk), (wife.pk, room.pk)}
        assert top_bar(client, q) == want and intake(client, q) == want
        assert api(world.cs, q) == {ours.pk, wife.pk}
    # a person's own name finds that person only
    assert api(world.cs, "lm") == {wife.pk} and top_bar(client, "limei") == {(wife.pk, room.pk)}
