"""Free text has a limit, the same in the model, the page, the API, its schema and the service
(core/text.py; the numbers in docs/decisions.md)."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from rest_framework.test import APIClient

from desk.choices import Kind
from desk.models import RequestEvent, ServiceRequest
from desk.services import request_accept, request_arrive, request_dispatch, request_resolve
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

MEGABYTE = "漏" * (1024 * 1024)


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_the_api_refuses_a_megabyte_description_naming_the_limit_and_saves_nothing(world):
    data = {"project": world.project.pk, "kind": "repair", "title": "水管漏水", "location": "车库"}

    response = api(world.cs).post("/api/requests/", {**data, "description": MEGABYTE}, format="json")

    assert response.status_code == 400
    [message] = response.json()["errors"]["description"]
    assert "2000" in message
    assert not ServiceRequest.objects.exists()
    assert api(world.cs).post("/api/requests/", {**data, "description": "漏" * 2000}, format="json").status_code == 201


def test_the_intake_page_refuses_a_megabyte_description_naming_the_limit_and_saves_nothing(client, world):
    assert client.login(username=world.cs.username, password=PASSWORD)
    data = {
        "project": world.project.pk,
        "kind": "complaint",
        "channel": "phone",
        "severity": "general",
        "validity": "valid",
        "paid": "unknown",
        "title": "楼上漏水",
        "location": "2号楼大堂",
        "description": MEGABYTE,
    }

    response = client.post(reverse("desk:intake"), data)

    assert response.status_code == 400
    [message] = response.context["form"].errors["description"]
    assert "2000" in message
    assert not ServiceRequest.objects.exists()


def test_the_service_refuses_an_over_long_description(world):
    with pytest.raises(ValidationError) as refused:
        world.register(description="漏" * 2001)
    assert "2000" in refused.value.message_dict["description"][0]
    assert not ServiceRequest.objects.exists()


def _on_site(world):
    sr = world.register(kind=Kind.REPAIR)
    request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    request_arrive(actor=world.tech, request=sr)
    return sr


def test_an_action_with_an_over_long_text_is_refused_by_the_api_the_page_and_the_service(client, world):
    sr = _on_site(world)
    version = ServiceRequest.objects.get(pk=sr.pk).version

    by_api = api(world.tech).post(f"/api/requests/{sr.pk}/resolve/", {"result": MEGABYTE}, format="json")
    assert client.login(username=world.tech.username, password=PASSWORD)
    by_page = client.post(reverse("desk:act", args=[sr.pk, "resolve"]), {"version": version, "result": MEGABYTE})
    with pytest.raises(ValidationError) as by_service:
        request_resolve(actor=world.tech, request=sr, result="换" * 2001)

    assert by_api.status_code == 400 and "2000" in by_api.json()["errors"]["result"][0]
    assert by_page.status_code == 400
    assert "2000" in dict((a, f) for a, _label, f in by_page.context["actions"])["resolve"].errors["result"][0]
    assert "2000" in by_service.value.message_dict["result"][0]
    assert ServiceRequest.objects.get(pk=sr.pk).version == version


def test_a_reason_longer_than_the_timeline_takes_is_refused(world):
    sr = world.register()
    response = api(world.cs).post(f"/api/requests/{sr.pk}/cancel/", {"note": "重" * 2001}, format="json")
    assert response.status_code == 400 and "note" in response.json()["errors"]
    assert RequestEvent.objects.filter(request=sr).count() == 1


def test_the_schema_gives_the_limits(world):
    schema = api(world.cs).get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert schema["IntakeRequest"]["properties"]["description"]["maxLength"] == 2000
    assert schema["ResolveActionRequest"]["properties"]["result"]["maxLength"] == 2000
    assert schema["CancelActionRequest"]["properties"]["note"]["maxLength"] == 2000
    assert schema["VisitActionRequest"]["properties"]["comment"]["maxLength"] == 500


# Written by the system, never typed by a user: an import's row message, a notification's body.
SYSTEM_TEXT = {("importer", "message"), ("core", "body"), ("core", "text")}  # rendered by the product, not typed


def test_every_free_text_field_a_user_types_into_has_a_limit():
    unlimited = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label not in {"admin", "auth", "contenttypes", "sessions", "authtoken", "axes"}
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField)
        and field.max_length is None
        and (model._meta.app_label, field.name) not in SYSTEM_TEXT
    ]
    assert unlimited == []
