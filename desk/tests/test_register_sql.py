"""Registering in hand-written SQL (desk/services/intake.py, core/sql.py): on PostgreSQL one
statement takes the number and writes the request and its first timeline entry, another reads the
references and the time-limit policy; SQLite writes through the ORM. Either way what is stored is
what registering built and answered with, the policy is the most specific one, and references of
another project are refused; an API registration costs three statements on PostgreSQL."""

import datetime
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from desk import sla
from desk.choices import Kind, Severity
from desk.models import NumberSequence, RequestEvent, ServiceRequest, SlaPolicy

UTC = datetime.UTC


def row(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement registration is PostgreSQL's")


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"kind": Kind.REPAIR, "paid": True, "category_id": None, "resident_id": None},
        {"kind": Kind.ENQUIRY, "room_id": None, "resident_id": None, "location": "东门岗亭", "caller_phone": ""},
        {"severity": Severity.URGENT, "description": "", "caller_name": "王先生", "caller_phone": "+86 138-0000-1111"},
    ],
)
def test_what_is_stored_is_what_registering_built(world, kw):
    """Every column of the request and of its first timeline entry, as read back, equals the
    objects registering answered with (the API answers from them without reading back): on
    PostgreSQL this checks the one hand-written statement against the model, NULLs included."""
    sla.install_default_policies(world.company)
    with time_machine.travel(datetime.datetime(2026, 11, 27, 2, 0, tzinfo=UTC), tick=False):
        first = world.register(**kw)
        sr = world.register(**kw)
    event = sr.registered_event
    assert row(ServiceRequest.objects.get(pk=sr.pk)) == row(sr)
    assert row(RequestEvent.objects.get(pk=event.pk)) == row(event)
    assert event.request is sr and event.request_id == sr.pk
    assert (first.number[-12:], sr.number) == ("202611270001", f"{first.number[:-4]}0002")
    assert sr._state.adding is False and event._state.adding is False


def test_numbers_past_9999_keep_every_digit(world):
    with time_machine.travel(datetime.datetime(2026, 11, 27, 2, 0, tzinfo=UTC), tick=False):
        NumberSequence.objects.create(key="TS20261127", value=9998)
        numbers = [world.register().number for _ in range(2)]
    assert numbers == ["TS202611279999", "TS2026112710000"]


def test_the_first_registration_of_a_day_starts_the_counter(world):
    with time_machine.travel(datetime.datetime(2026, 11, 27, 2, 0, tzinfo=UTC), tick=False):
        assert not NumberSequence.objects.exists()
        assert world.register(kind=Kind.PRAISE, title="感谢保安").number == "BY202611270001"
    assert NumberSequence.objects.get().value == 1


def test_registering_takes_the_most_specific_time_limit_policy(world):
    sla.install_default_policies(world.company)
    specific = SlaPolicy.objects.create(
        company=world.company,
        project=world.project,
        category=world.category,
        kind=Kind.COMPLAINT,
        severity=Severity.GENERAL,
        resolve_limit="2wd",
    )
    cases = [
        ({}, specific),
        ({"category_id": None}, "company"),
        ({"project_id": world.other_project.pk, "room_id": world.other_room.pk, "resident_id": None}, "company"),
        ({"kind": Kind.REPAIR, "severity": Severity.URGENT, "category_id": None}, "company"),
    ]
    for kw, expected in cases:
        sr = world.register(actor=world.outsider if "project_id" in kw else None, **kw)
        assert sr.sla_policy == sla.policy_for(sr.project, sr.kind, sr.severity, sr.category_id)
        if expected == "company":
            assert sr.sla_policy.project_id is None and sr.sla_policy.category_id is None
            assert sr.sla_policy.kind == sr.kind
        else:
            assert sr.sla_policy == expected
        assert ServiceRequest.objects.get(pk=sr.pk).sla_policy_id == sr.sla_policy.pk


def test_references_of_another_project_or_a_stopped_category_are_refused(world):
    world.category.active = False
    world.category.save()
    with pytest.raises(ValidationError) as refused:
        world.register(project_id=world.other_project.pk, actor=world.outsider)
    assert {"room", "resident", "category"} <= set(refused.value.message_dict)
    assert "不属于这个项目" in refused.value.message_dict["room"][0]
    assert "已停用" in refused.value.message_dict["category"][0]
    assert not ServiceRequest.objects.exists() and not NumberSequence.objects.exists()


def test_an_api_registration_costs_three_statements_on_postgresql(world):
    """The documented contract (docs/decisions.md, "Registering in hand-written SQL"): the token
    with the user's projects, the references with the time-limit policy, and the one statement
    that numbers and writes. A fourth statement is a regression of the registering speed target."""
    postgresql_only()
    sla.install_default_policies(world.company)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.cs).key}")
    body = {"project": world.project.pk, "kind": "complaint", "title": "楼上漏水", "room": world.room.pk}
    client.post("/api/requests/", body, format="json")  # first: connection set-up, caches
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/requests/", body, format="json")
    assert response.status_code == 201, response.content
    assert len(queries) == 3, [q["sql"][:80] for q in queries]
    sr = ServiceRequest.objects.get(pk=response.json()["id"])
    assert sr.sla_policy is not None and sr.due_at is not None
    assert response.json()["number"] == sr.number
    assert json.loads(json.dumps(response.json()["events"]))[0]["action"] == "register"
