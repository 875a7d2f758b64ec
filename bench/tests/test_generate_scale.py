"""The scale generator (`manage.py generate_scale`) at a tiny size: counts, numbers, timelines."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from bench.management.commands.generate_scale import Writer
from core.models import User
from desk import rules, services
from desk.choices import KIND_PREFIX, OPEN_STATES, Action, Kind, State
from desk.models import NumberSequence, RequestEvent, ServiceRequest
from desk.search import grams
from estate.models import Occupancy, Resident, Room
from estate.normalize import name_initials, name_pinyin

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^(TS|BX|ZX|JY|BY)(\d{8})(\d{4,})$")


def generate(**options):
    out = StringIO()
    call_command(
        "generate_scale",
        households=options.pop("households", 50),
        requests=options.pop("requests", 500),
        days=options.pop("days", 3),
        seed=options.pop("seed", 7),
        batch=options.pop("batch", 200),
        stdout=out,
        **options,
    )
    return out.getvalue()


def scale_requests():
    return ServiceRequest.objects.filter(project__company__code="scale")


def test_it_fills_the_estate_and_the_requests():
    output = generate()
    assert "rows/s" in output
    assert Room.objects.filter(project__company__code="scale").count() == 50
    residents = Resident.objects.filter(project__company__code="scale")
    assert residents.count() > 40
    assert Occupancy.objects.filter(room__project__company__code="scale").count() == residents.count()
    assert all(r.phone_last4 == r.phone[-4:] for r in residents)
    rooms = Room.objects.filter(project__company__code="scale")
    assert all(r.sort_key == Room.make_sort_key(r.code) for r in rooms)  # natural order, as save() keeps it
    # what Resident.save() fills for the search: pinyin initials and full pinyin
    assert all(r.name_initials == name_initials(r.name) and r.name_pinyin == name_pinyin(r.name) for r in residents)
    assert scale_requests().count() == 500
    assert User.objects.filter(username="s001_kefu1", role="cs_staff").exists()
    kinds = set(scale_requests().values_list("kind", flat=True))
    assert {Kind.REPAIR, Kind.COMPLAINT} <= kinds
    states = set(scale_requests().values_list("state", flat=True))
    assert len(states & set(OPEN_STATES)) >= 3 and State.CLOSED in states
    if connection.vendor == "postgresql":  # foreign-key triggers are back on for what follows
        with connection.cursor() as cursor:
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"


def test_it_makes_unique_numbers_in_the_services_format():
    generate()
    rows = list(scale_requests().values_list("number", "kind", "created_at"))
    numbers = [n for n, _k, _c in rows]
    assert len(set(numbers)) == len(numbers) == 500
    for number, kind, created in rows:
        match = NUMBER.match(number)
        assert match, number
        assert match[1] == KIND_PREFIX[Kind(kind)]
        assert match[2] == f"{timezone.localtime(created):%Y%m%d}"


def test_timelines_chain_consistently_to_the_request_state():
    generate()
    now = timezone.now()
    sample = list(scale_requests().order_by("?")[:150])
    events = {}
    for event in RequestEvent.objects.filter(request__in=sample).order_by("at", "id"):
        events.setdefault(event.request_id, []).append(event)
    for sr in sample:
        timeline = events[sr.pk]
        assert 1 <= len(timeline) <= 6
        first = timeline[0]
        assert (first.action, first.from_state, first.to_state) == (Action.REGISTER, None, State.REGISTERED)
        assert first.at == sr.created_at and first.actor_id == sr.receiver_id
        for before, after in zip(timeline, timeline[1:], strict=False):
            assert after.from_state == before.to_state, (sr.number, [e.action for e in timeline])
            assert after.from_state in rules.FROM_STATES[after.action], (sr.number, after.action)
            assert before.at <= after.at
        assert timeline[-1].to_state == sr.state
        assert timeline[-1].at == sr.updated_at <= now
        assert sr.version == len(timeline)
        assert sr.search_grams == grams(sr.title, sr.description, sr.location)
        actions = [e.action for e in timeline]
        if sr.state in (State.CLOSED, State.CANCELLED):
            assert sr.closed_at == timeline[-1].at
        if Action.DISPATCH in actions and Action.RETURN not in actions:
            assert sr.assignee_id and sr.department_id and sr.dispatched_at
        if Action.RESOLVE in actions:
            assert sr.resolved_at and sr.implementer_id and sr.result
            if hasattr(sr, "first_resolved_at"):
                assert sr.first_resolved_at == next(e.at for e in timeline if e.action == Action.RESOLVE)
        if sr.state == State.CLOSED and Action.RESOLVE in actions and sr.needs_return_visit:
            assert Action.VISIT in actions and sr.rating
        if sr.kind == Kind.REPAIR and sr.state == State.CLOSED and Action.VISIT not in actions:
            assert not sr.needs_return_visit  # not sampled for a visit: closed once resolved
        if sr.state == State.PAUSED and hasattr(sr, "paused_at"):
            assert sr.paused_at == timeline[-1].at and sr.pause_reason
        if sr.room_id:
            assert sr.room.project_id == sr.project_id
            assert sr.resident.project_id == sr.project_id


def test_a_request_registered_afterwards_gets_a_fresh_number():
    generate(days=2)
    kefu = User.objects.get(username="s001_kefu1")
    room = Room.objects.filter(project__company__code="scale", project__code="s001").first()
    key = f"BX{timezone.localtime():%Y%m%d}"
    generated_today = scale_requests().filter(number__startswith=key).count()
    assert generated_today > 0  # the generator did number requests today
    sr = services.request_register(
        actor=kefu,
        data=services.Intake(project_id=room.project_id, kind=Kind.REPAIR, title="卫生间漏水", room_id=room.pk),
    )
    assert not ServiceRequest.objects.filter(number=sr.number).exclude(pk=sr.pk).exists()
    assert int(sr.number[len(key) :]) == generated_today + 1
    assert NumberSequence.objects.get(key=key).value == generated_today + 1


def test_numbers_continue_after_requests_already_registered(world):
    before = services.request_register(
        actor=world.cs,
        data=services.Intake(project_id=world.project.pk, kind=Kind.REPAIR, title="楼道灯不亮", location="1栋楼道"),
    )
    generate(days=1, requests=200)
    numbers = list(ServiceRequest.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 201
    after = services.request_register(
        actor=world.cs,
        data=services.Intake(project_id=world.project.pk, kind=Kind.REPAIR, title="楼道灯不亮", location="2栋楼道"),
    )
    assert after.number not in numbers and after.number > before.number


def test_it_refuses_to_generate_twice():
    generate(households=5, requests=10)
    with pytest.raises(CommandError):
        generate(households=5, requests=10)


def test_copy_text_escapes_values_that_need_it():
    writer = Writer(Resident, ["id", "project_id", "name", "phone", "note"])
    _sql, plain = writer.copy_data([(1, 2, "王伟", "13812345678", None)])
    assert plain.startswith("1\t2\t王伟\t13812345678\t\\N")
    _sql, tricky = writer.copy_data([(1, 2, "王\t伟", "1381\\N", "第一行\n第二行")])
    assert tricky.startswith("1\t2\t王\\t伟\t1381\\\\N\t第一行\\n第二行")
    assert tricky.count("\n") == 1
