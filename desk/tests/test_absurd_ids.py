"""Ids no row can have, wherever an id comes in from outside: a field error (400) or nothing
found, never a server error, on SQLite and PostgreSQL alike (core/ids.py)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.ids import ID_MESSAGE
from desk.models import ServiceRequest
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ABSURD = ["99999999999999999999", str(2**63), "-1", "0", "²", "1e3", " 1", "0x10", ""]
ABSURD_NOT_BLANK = [value for value in ABSURD if value]


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize("value", ABSURD_NOT_BLANK)
@pytest.mark.parametrize(
    "url,field",
    [
        ("/api/requests/?room=", "room"),
        ("/api/requests/?project=", "project"),
        ("/api/requests/?category=", "category"),
        ("/api/requests/?assignee=", "assignee"),
        ("/api/rooms/?project=", "project"),
        ("/api/rooms/?building=", "building"),
        ("/api/residents/?room=", "room"),
        ("/api/residents/?project=", "project"),
    ],
)
def test_an_absurd_id_in_a_list_filter_is_a_field_error(world, url, field, value):
    response = api(world.cs).get(url + value)

    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize("url", ["/api/requests/?room=", "/api/rooms/?project=", "/api/residents/?room="])
def test_a_blank_id_filter_filters_nothing(world, url):
    assert api(world.cs).get(url).status_code == 200


@pytest.mark.parametrize("value", ABSURD)
@pytest.mark.parametrize("field", ["room", "resident", "category", "project"])
def test_an_absurd_id_in_the_request_body_is_a_field_error_and_nothing_is_saved(world, field, value):
    data = {
        "project": world.project.pk,
        "kind": "repair",
        "title": "水管漏水",
        "location": "地下车库",
        field: value,
    }

    response = api(world.cs).post("/api/requests/", data, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["errors"][field] == [str(ID_MESSAGE)]
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("value", [10**20, 2**63, -1, 0])
@pytest.mark.parametrize("field", ["room", "resident", "category"])
def test_an_absurd_json_number_in_the_request_body_is_a_field_error(world, field, value):
    data = {"project": world.project.pk, "kind": "repair", "title": "水管漏水", "location": "地下车库", field: value}

    response = api(world.cs).post("/api/requests/", data, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("value", [10**20, "²", "1e3", -3])
@pytest.mark.parametrize("field", ["assignee", "department"])
def test_an_absurd_id_in_an_action_is_a_field_error(world, field, value):
    sr = world.register()

    response = api(world.cs).post(f"/api/requests/{sr.pk}/dispatch/", {field: value}, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    sr.refresh_from_db()
    assert sr.version == 1


# ---------------------------------------------------------------- pages


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("value", ABSURD_NOT_BLANK)
@pytest.mark.parametrize("field", ["room", "resident"])
def test_the_intake_page_refuses_an_absurd_household_id(client, world, field, value):
    data = {
        "project": world.project.pk,
        "room": world.room.pk,
        "resident": world.resident.pk,
        "kind": "complaint",
        "channel": "phone",
        "severity": "general",
        "validity": "valid",
        "paid": "unknown",
        "title": "楼上漏水",
        "location": "",
        field: value,
    }

    response = login(client, world.cs).post(reverse("desk:intake"), data)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [str(ID_MESSAGE)]
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("value", ABSURD)
def test_the_request_list_page_refuses_an_absurd_room_as_the_api_does(client, world, value):
    world.register()
    response = login(client, world.cs).get(reverse("desk:list"), {"room": value})
    if value:  # a field error, as the API answers (core/filters.py); never a server error
        assert response.status_code == 400
        assert response.context["filter"].errors["room"] == [str(ID_MESSAGE)]
    else:  # a blank filter filters nothing
        assert response.status_code == 200


@pytest.mark.parametrize("value", ABSURD)
def test_the_household_lookups_find_nothing_for_an_absurd_id(client, world, value):
    login(client, world.cs)
    household = client.get(reverse("desk:household"), {"room": value})
    lookup = client.get(reverse("desk:lookup"), {"q": "1502", "project": value})
    registered = client.get(reverse("desk:intake"), {"registered": value})

    assert household.status_code == 200 and household.content == b""
    assert lookup.status_code == 200 and "1502" in lookup.content.decode()
    assert registered.status_code == 200


def test_the_schema_gives_the_range_of_an_id(world):
    schema = api(world.cs).get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    room = schema["IntakeRequest"]["properties"]["room"]
    assert (room["minimum"], room["maximum"]) == (1, 2**63 - 1)
