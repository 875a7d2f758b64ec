"""The household file over the API: read-only, staff of the room's project, ID numbers masked."""

from rest_framework.test import APIClient

from estate import services
from estate.choices import IdType


def get(user, room, **params):
    client = APIClient()
    if user:
        client.force_login(user)
    return client.get(f"/api/households/{room.pk}/", params)


def test_household_detail(world):
    r = world.resident
    r.id_type, r.id_number = IdType.ID_CARD, "11010519491231002X"
    r.save()
    services.vehicle_add(actor=world.cs, room=world.room, plate="浙A12345")
    services.note_add(actor=world.cs, room=world.room, text="备注一")
    world.register()
    response = get(world.cs, world.room)
    assert response.status_code == 200
    data = response.json()
    assert data["code"] == "3-2-1502"
    assert data["people"][0]["name"] == "张三" and data["people"][0]["id_number"] == "1101**********002X"
    assert data["vehicles"][0]["plate"] == "浙A12345"
    assert {e["source"] for e in data["timeline"]} == {"requests", "notes", "household"}  # the vehicle
    only = get(world.cs, world.room, source="notes").json()["timeline"]
    assert [e["title"] for e in only] == ["备注一"]
    assert "11010519491231002X" not in response.content.decode()


def test_household_detail_masks_phones_for_technicians(world):
    data = get(world.tech, world.room).json()
    assert data["people"][0]["phone"] == "138****5678"


def test_household_detail_scoped(world):
    assert get(world.outsider, world.room).status_code == 404
    assert get(world.resident_user, world.room).status_code == 404
    assert get(None, world.room).status_code == 401


def test_household_is_read_only(world):
    client = APIClient()
    client.force_login(world.cs)
    assert client.patch(f"/api/households/{world.room.pk}/", {"layout": "x"}).status_code == 405
