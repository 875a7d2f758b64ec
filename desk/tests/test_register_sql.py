"""Registering in hand-written SQL (desk/services/intake.py, core/sql.py): the one statement PostgreSQL
runs writes exactly what the ORM path writes; references and the time-limit policy are read in
one statement; an API registration costs three statements on PostgreSQL."""

import datetime
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from desk import sla
from desk.choices import Kind, Severity
from desk.models import NumberSequence, RequestEvent, ServiceRequest, SlaPolicy
from desk.services import Intake
from desk.services import intake as services

UTC = datetime.UTC
SKIP = {"id", "number", "request_id"}


def row(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields if f.attname not in SKIP}


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement registration is PostgreSQL's")


def prepared(world, monkeypatch, **kw):
    """The request and first entry request_register builds, before they are written."""
    made = []
    with monkeypatch.context() as patch:
        patch.setattr(services, "_insert_registration", lambda sr, event: made.append((sr, event)))
        patch.setattr(services, "_insert_registration_portably", lambda sr, event: made.append((sr, event)))
        world.register(**kw)
    return made[0]


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"kind": Kind.REPAIR, "paid": True, "category_id": None, "resident_id": None},
        {"kind": Kind.ENQUIRY, "room_id": None, "resident_id": None, "location": "东门岗亭", "caller_phone": ""},
        {"severity": Severity.URGENT, "description": "", "caller_name": "王先生", "caller_phone": "+86 138-0000-1111"},
    ],
)
def test_the_one_statement_writes_what_the_orm_writes(world, kw, monkeypatch):
    postgresql_only()
    sla.install_default_policies(world.company)
    with time_machine.travel(datetime.datetime(2026, 11, 27, 2, 0, tzinfo=UTC), tick=False):
        one_sr, one_event = prepared(world, monkeypatch, **kw)
        orm_sr, orm_event = prepared(world, monkeypatch, **kw)
        services._insert_registration(one_sr, one_event)
        services._insert_registration_portably(orm_sr, orm_event)
    one, orm = ServiceRequest.objects.get(pk=one_sr.pk), ServiceRequest.objects.get(pk=orm_sr.pk)
    assert row(one) == row(orm)
    assert row(RequestEvent.objects.get(pk=one_event.pk)) == row(RequestEvent.objects.get(pk=orm_event.pk))
    assert RequestEvent.objects.get(pk=one_event.pk).request_id == one.pk
    assert (one.number, orm.number) == (one_sr.number, orm_sr.number)
    assert sorted([one.number, orm.number]) == [f"{one.number[:10]}0001", f"{one.number[:10]}0002"]
    assert one_sr._state.adding is False and one_event.request is one_sr


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


def test_the_references_and_the_policy_come_in_one_statement(world):
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
        (Intake(project_id=world.project.pk, kind=Kind.COMPLAINT, title="x", room_id=world.room.pk,
                resident_id=world.resident.pk, category_id=world.category.pk), specific),
        (Intake(project_id=world.project.pk, kind=Kind.COMPLAINT, title="x"), "company"),
        (Intake(project_id=world.other_project.pk, kind=Kind.COMPLAINT, title="x", category_id=world.category.pk),
         "company"),
        (Intake(project_id=world.project.pk, kind=Kind.REPAIR, severity=Severity.URGENT, title="x"), "company"),
    ]  # fmt: skip
    for data, expected in cases:
        with CaptureQueriesContext(connection) as queries:
            project, room, resident, category, policy = services._intake_refs(data)
        assert len(queries) == 1
        assert project.pk == data.project_id
        assert policy == sla.policy_for(project, data.kind, data.severity, data.category_id)
        if expected == "company":
            assert policy.project_id is None and policy.category_id is None and policy.kind == data.kind
        else:
            assert policy == expected
    # References from another project come back empty; the project's own come back whole.
    project, room, resident, category, _policy = services._intake_refs(
        Intake(
            project_id=world.other_project.pk,
            kind=Kind.COMPLAINT,
            title="x",
            room_id=world.room.pk,
            resident_id=world.resident.pk,
        )
    )
    assert (room, resident) == (None, None) and project == world.other_project
    _project, room, resident, category, _policy = services._intake_refs(
        Intake(
            project_id=world.project.pk,
            kind=Kind.COMPLAINT,
            title="x",
            room_id=world.room.pk,
            resident_id=world.resident.pk,
            category_id=world.category.pk,
        )
    )
    assert (room, resident, category) == (world.room, world.resident, world.category)
    assert room.project == world.project  # read with the project: no further query for the deadlines


def test_a_stopped_category_is_not_found(world):
    world.category.active = False
    world.category.save()
    refs = services._intake_refs(Intake(project_id=world.project.pk, kind="complaint", title="x", category_id=1))
    assert refs[3] is None


def test_an_api_registration_costs_three_statements_on_postgresql(world):
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
