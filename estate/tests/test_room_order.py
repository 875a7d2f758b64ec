"""Rooms in natural order (issue 10, item 17): building, unit and room number compared as numbers,
so 1-1-101 comes before 1-1-1001 and 2-1-101 before 10-1-101, on the rooms list page, in the rooms
API (an import's rooms: importer/tests/test_room_order.py)."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import make_room

pytestmark = pytest.mark.django_db

NATURAL = ["1-1-101", "1-1-201", "1-1-1001", "2-1-101", "3-2-1501", "3-2-1502", "10-1-101"]


@pytest.fixture
def rooms(world):
    # made out of order on purpose; world has 3-2-1501 and 3-2-1502 already
    for b, n in [("10", "101"), ("1", "1001"), ("2", "101"), ("1", "201"), ("1", "101")]:
        make_room(world.project, b, "1", n)


def listed(client) -> list[str]:
    page = client.get(reverse("estate:rooms")).content.decode()
    codes = re.findall(r'href="/estate/rooms/\d+/">([^<]+)</a>', page)
    assert codes, page[:2000]
    return codes


def test_the_rooms_list_is_in_natural_order(client, world, rooms):
    client.force_login(world.cs)
    assert listed(client) == NATURAL


def test_the_rooms_list_pages_in_natural_order(client, world, rooms, monkeypatch):
    from estate import views

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    client.force_login(world.cs)
    seen, url = [], reverse("estate:rooms")
    while url:
        page = client.get(url).content.decode()
        seen += re.findall(r'href="/estate/rooms/\d+/">([^<]+)</a>', page)
        after = re.search(r'href="(\?[^"]*after=[^"]+)"', page)
        url = reverse("estate:rooms") + after.group(1).replace("&amp;", "&") if after else None
    assert seen == NATURAL


def test_the_rooms_api_is_in_natural_order(world, rooms):
    client = APIClient()
    client.force_login(world.cs)
    response = client.get("/api/rooms/")
    assert [row["code"] for row in response.json()["results"]] == NATURAL
