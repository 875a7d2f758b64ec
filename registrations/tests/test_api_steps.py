"""The steps that make a move-in or a transfer ready, and the handover acceptance, over the API (/api/moveins/{id}/check/ …,
/api/transfers/{id}/settle/ …): a client gets either done through the API alone, from opening it to
completing it, each step through the service the page calls. A role the page refuses is 403, a
record the caller cannot see 404, bad input 400 with field errors, a step the service refuses 403
with its reason; in each case nothing changes. Who may call each URL at all is the access matrix's."""

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from desk.models import ServiceRequest
from estate.choices import Relation, RoomState
from estate.models import Occupancy, Room
from registrations.choices import HandoverState, MoveInState, TransferState
from registrations.models import Defect, Event, Handover, MoveIn, MoveInKey, Transfer, TransferItem
from registrations.tests.test_movein import open_movein
from registrations.tests.test_transfer_handover import open_transfer
from tests.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def post(api, user, name, record, body=None, **extra):
    api.force_authenticate(user)
    return api.post(reverse(f"api:{name}", args=[record.pk]), body or {}, format="json", **extra)


def events(record):
    return Event.objects.filter(kind=record.KIND, record_id=record.pk).count()


def ok(response):
    assert response.status_code == 200, response.data
    return response.data


# ---------------------------------------------------------------- done through the API alone


def test_a_move_in_is_done_through_the_api_alone(api, world, vacant_room, day):
    api.force_authenticate(world.cs)
    opened = api.post(
        reverse("api:movein-list"),
        {"room": vacant_room.pk, "person_name": "周杰", "person_phone": "13900002222", "move_in_on": str(day)},
        format="json",
    )
    assert opened.status_code == 201, opened.data
    movein = MoveIn.objects.get(pk=opened.data["id"])
    assert opened.data["checks"] and opened.data["missing"]  # what it takes, named by id
    for check in opened.data["checks"]:
        ok(post(api, world.cs, "movein-check", movein, {"check": check["id"], "note": "已核对原件"}))
    data = ok(post(api, world.cs, "movein-fees", movein, {"amount": "1200.00", "months": 6, "receipt": "SJ-0001"}))
    assert (data["fees_amount"], data["fees_months"], data["fees_receipt"]) == ("1200.00", 6, "SJ-0001")
    data = ok(post(api, world.cs, "movein-key", movein, {"kind": "entry", "count": 2, "receiver": "周杰"}))
    assert [(k["kind"], k["count"], k["receiver"]) for k in data["keys"]] == [("entry", 2, "周杰")]
    data = ok(post(api, world.cs, "movein-defect", movein, {"location": "主卧", "description": "窗框渗水"}))
    [defect] = data["defects"]
    data = ok(post(api, world.cs, "movein-repair", movein, {"defect": defect["id"]}))
    request = ServiceRequest.objects.get()
    assert data["defects"][0]["request"] == request.pk and request.room_id == vacant_room.pk
    ok(post(api, world.cs, "movein-rules", movein, {"note": "业主当面签署"}))
    data = ok(post(api, world.cs, "movein-inspect", movein, {"note": "墙面完好"}))
    assert data["missing"] == [] and data["inspection_note"] == "墙面完好"
    assert all(c["checked_at"] for c in data["checks"]) and data["rules_signed_at"]
    data = ok(post(api, world.cs, "movein-complete", movein, {"note": "钥匙已交付"}))
    assert data["state"] == MoveInState.COMPLETED
    assert Room.objects.get(pk=vacant_room.pk).state == RoomState.OCCUPIED
    assert Occupancy.objects.filter(room=vacant_room, resident__name="周杰", relation=Relation.OWNER).exists()
    assert events(movein) == 1 + len(opened.data["checks"]) + 7  # open, checks, fees … inspect, complete


def test_a_transfer_is_done_through_the_api_alone(api, world):
    api.force_authenticate(world.cs)
    opened = api.post(
        reverse("api:transfer-list"),
        {
            "room": world.room.pk,
            "new_owner_name": "郑新",
            "new_owner_phone": "13588889999",
            "effective_on": "2026-12-01",
        },
        format="json",
    )
    assert opened.status_code == 201, opened.data
    transfer = Transfer.objects.get(pk=opened.data["id"])
    data = ok(post(api, world.cs, "transfer-item", transfer, {"label": "车位管理费"}))
    assert data["items"][-1]["label"] == "车位管理费"
    for item in data["items"]:
        note = "" if item["account_check"] else "收据 SJ-0002"  # the room's account is checked, not noted
        ok(post(api, world.cs, "transfer-settle", transfer, {"item": item["id"], "note": note}))
    data = ok(post(api, world.cs, "transfer-meters", transfer, {"water": "123.45", "electricity": "4567.80"}))
    assert (data["water"], data["electricity"], data["gas"]) == ("123.45", "4567.80", None)
    assert data["missing"] == [] and all(i["settled_at"] for i in data["items"])
    data = ok(post(api, world.cs, "transfer-complete", transfer))
    assert data["state"] == TransferState.COMPLETED
    current = Occupancy.objects.current(date(2026, 12, 1)).filter(room=world.room, relation=Relation.OWNER)
    assert [o.resident.name for o in current] == ["郑新"]


# ---------------------------------------------------------------- who may not, and whose record

MOVEIN_STEPS = {
    "movein-check": lambda m: {"check": m.checks.first().pk},
    "movein-fees": lambda m: {"amount": "100"},
    "movein-rules": lambda m: {},
    "movein-key": lambda m: {"kind": "entry", "count": 1, "receiver": "周杰"},
    "movein-inspect": lambda m: {},
    "movein-defect": lambda m: {"location": "厨房", "description": "地漏堵"},
    "movein-repair": lambda m: {
        "defect": Defect.objects.create(movein=m, location="厨房", description="地漏堵", created_by=m.created_by).pk
    },
}
TRANSFER_STEPS = {
    "transfer-item": lambda t: {"label": "车位管理费"},
    "transfer-settle": lambda t: {"item": t.items.filter(account_check=False).first().pk, "note": "无欠费"},
    "transfer-meters": lambda t: {"water": "1", "electricity": "2"},
}


def _record(world, vacant_room, day, name):
    return open_movein(world, vacant_room, day) if name.startswith("movein") else open_transfer(world, world.room)


def _body(name, record):
    return {**MOVEIN_STEPS, **TRANSFER_STEPS}[name](record)


def _unchanged(record, before):
    assert events(record) == before
    assert not ServiceRequest.objects.exists() and not MoveInKey.objects.exists()


@pytest.mark.parametrize("name", [*MOVEIN_STEPS, *TRANSFER_STEPS])
@pytest.mark.parametrize("who", ["outsider", "tech"])
def test_a_record_the_caller_cannot_see_is_404_a_role_the_page_refuses_403(api, world, vacant_room, day, name, who):
    record = _record(world, vacant_room, day, name)
    body, before = _body(name, record), events(record)
    response = post(api, getattr(world, who), name, record, body)
    assert response.status_code == (404 if who == "outsider" else 403), response.data
    _unchanged(record, before)


@pytest.mark.parametrize("name", list(TRANSFER_STEPS))
def test_a_resident_who_sees_the_transfer_may_not_take_its_steps(api, world, name):
    transfer = open_transfer(world, world.room)
    body, before = _body(name, transfer), events(transfer)
    api.force_authenticate(world.resident_user)
    assert api.get(reverse("api:transfer-detail", args=[transfer.pk])).status_code == 200
    response = post(api, world.resident_user, name, transfer, body)
    assert response.status_code == 403 and response.data["detail"]
    _unchanged(transfer, before)


# ---------------------------------------------------------------- bad input, refused, replayed


BAD = [
    ("movein-check", lambda w, r: {"check": "abc"}, {"check"}),
    ("movein-check", lambda w, r: {"check": 10**6}, {"check"}),  # not one of this move-in's
    ("movein-fees", lambda w, r: {"amount": "abc", "months": 40}, {"amount", "months"}),
    ("movein-fees", lambda w, r: {"amount": "-1"}, {"amount"}),  # the service's rule
    ("movein-key", lambda w, r: {"kind": "x", "count": 0}, {"kind", "count", "receiver"}),
    ("movein-key", lambda w, r: {"kind": "entry", "receiver": " "}, {"receiver"}),
    ("movein-defect", lambda w, r: {"location": "长" * 101}, {"location", "description"}),
    ("movein-repair", lambda w, r: {"defect": 10**6}, {"defect"}),
    ("movein-inspect", lambda w, r: {"note": "长" * 5000}, {"note"}),
    ("transfer-item", lambda w, r: {"label": ""}, {"label"}),
    ("transfer-settle", lambda w, r: {"item": 10**6}, {"item"}),
    ("transfer-settle", lambda w, r: {"item": r.items.filter(account_check=False).first().pk}, {"note"}),
    ("transfer-meters", lambda w, r: {}, {"water", "electricity"}),
    ("transfer-meters", lambda w, r: {"water": "-1", "electricity": "2"}, {"water"}),
]


@pytest.mark.parametrize("name,body,fields", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_is_a_400_with_field_errors_and_nothing_changes(api, world, vacant_room, day, name, body, fields):
    record = _record(world, vacant_room, day, name)
    before = events(record)
    response = post(api, world.cs, name, record, body(world, record))
    assert response.status_code == 400 and fields <= set(response.data["errors"]), response.data
    _unchanged(record, before)
    if name.startswith("transfer"):
        assert not TransferItem.objects.filter(transfer=record, settled_at__isnull=False).exists()
        assert Transfer.objects.get(pk=record.pk).meters_read_at is None


def test_another_records_check_or_item_is_not_taken(api, world, vacant_room, day):
    movein = open_movein(world, vacant_room, day)
    room = make_room(world.other_project, "2", "1", "201")
    Room.objects.filter(pk=room.pk).update(state=RoomState.VACANT)
    other = open_movein(world, room, day, actor=world.outsider)
    response = post(api, world.cs, "movein-check", movein, {"check": other.checks.first().pk})
    assert response.status_code == 400 and "check" in response.data["errors"]
    assert not other.checks.filter(checked_at__isnull=False).exists()


def _signed(world, vacant_room, day):
    from registrations import services

    movein = open_movein(world, vacant_room, day)
    services.movein_sign_rules(actor=world.cs, movein=movein)
    return movein


def _cancelled_transfer(world, vacant_room, day):
    from registrations import services

    return services.transfer_cancel(actor=world.cs, transfer=open_transfer(world, world.room), reason="交易取消")


def _cancelled_movein(world, vacant_room, day):
    from registrations import services

    return services.movein_cancel(actor=world.cs, movein=open_movein(world, vacant_room, day), reason="业主改期")


def _settled(world, vacant_room, day):
    from registrations import services

    transfer = open_transfer(world, world.room)
    item = transfer.items.filter(account_check=False).first()
    services.transfer_settle_item(actor=world.cs, transfer=transfer, item_id=item.pk, note="无欠费")
    return transfer


REFUSED = [
    ("movein-rules", _signed, lambda r: {}),  # signed already
    ("movein-key", _cancelled_movein, lambda r: MOVEIN_STEPS["movein-key"](r)),  # no longer open
    ("movein-check", _cancelled_movein, lambda r: MOVEIN_STEPS["movein-check"](r)),
    ("transfer-settle", _settled, lambda r: {"item": r.items.filter(account_check=False).first().pk, "note": "再"}),
    ("transfer-meters", _cancelled_transfer, lambda r: TRANSFER_STEPS["transfer-meters"](r)),
    ("transfer-item", _cancelled_transfer, lambda r: {"label": "车位管理费"}),
]


@pytest.mark.parametrize("name,setup,body", REFUSED, ids=[f"{r[0]}-{r[1].__name__}" for r in REFUSED])
def test_a_step_the_service_refuses_changes_nothing(api, world, vacant_room, day, name, setup, body):
    record = setup(world, vacant_room, day)
    payload, before = body(record), events(record)
    response = post(api, world.cs, name, record, payload)
    assert response.status_code == 403 and response.data["code"] == "refused" and response.data["detail"]
    assert events(record) == before


def test_a_key_sent_twice_with_one_idempotency_key_is_handed_over_once(api, world, vacant_room, day):
    movein = open_movein(world, vacant_room, day)
    body = MOVEIN_STEPS["movein-key"](movein)
    first = post(api, world.cs, "movein-key", movein, body, HTTP_IDEMPOTENCY_KEY="key-1")
    again = post(api, world.cs, "movein-key", movein, body, HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == again.status_code == 200 and first.data == again.data
    assert again["Idempotent-Replayed"] == "true" and MoveInKey.objects.filter(movein=movein).count() == 1
    other = post(api, world.cs, "movein-key", movein, {**body, "count": 3}, HTTP_IDEMPOTENCY_KEY="key-1")
    assert other.status_code == 409 and MoveInKey.objects.filter(movein=movein).count() == 1


# ---------------------------------------------------------------- the handover acceptance (接管验收)


def _handover(world):
    from registrations import services

    return services.handover_open(
        actor=world.cs, project=world.project, developer="翠湖置业", accepted_on=date(2026, 11, 1)
    )


def test_a_handover_is_accepted_and_signed_through_the_api_alone(api, world):
    api.force_authenticate(world.cs)
    building = world.room.building
    opened = api.post(
        reverse("api:handover-list"),
        {"project": world.project.pk, "building": building.pk, "developer": "翠湖置业", "accepted_on": "2026-11-01"},
        format="json",
    )
    assert opened.status_code == 201, opened.data
    assert opened.data["building"] == building.pk and opened.data["missing"]
    handover = Handover.objects.get(pk=opened.data["id"])
    ok(post(api, world.cs, "handover-item", handover, {"section": "building", "name": "外墙", "result": "defect"}))
    ok(post(api, world.cs, "handover-item", handover, {"section": "keys", "name": "单元门钥匙", "quantity": 12}))
    data = ok(post(api, world.cs, "handover-defect", handover, {"location": "3栋外墙", "description": "空鼓"}))
    data = ok(post(api, world.cs, "handover-repair", handover, {"defect": data["defects"][0]["id"]}))
    assert data["defects"][0]["request"] == ServiceRequest.objects.get().pk and data["missing"] == []
    refused = post(api, world.cs, "handover-sign", handover, {"note": "同意接管"})  # the project manager signs
    assert refused.status_code == 403 and refused.data["code"] == "refused"
    data = ok(post(api, world.pm, "handover-sign", handover, {"note": "同意接管"}))
    assert data["state"] == HandoverState.SIGNED and data["sign_note"] == "同意接管"


def test_a_handover_is_the_desks_only(api, world):
    handover = _handover(world)
    api.force_authenticate(world.resident_user)
    assert api.get(reverse("api:handover-list")).status_code == 403
    assert post(api, world.resident_user, "handover-cancel", handover, {"reason": "x"}).status_code == 403
    assert post(api, world.outsider, "handover-cancel", handover, {"reason": "x"}).status_code == 404
    api.force_authenticate(world.outsider)
    other = api.post(
        reverse("api:handover-list"),
        {"project": world.project.pk, "developer": "翠湖置业", "accepted_on": "2026-11-01"},
        format="json",
    )
    assert other.status_code == 404 and Handover.objects.count() == 1
    assert Handover.objects.get(pk=handover.pk).state == HandoverState.OPEN and events(handover) == 1


HANDOVER_BAD = [
    ("handover-item", {"section": "x", "name": ""}, {"section", "name"}),
    ("handover-item", {"section": "building", "name": "外墙"}, {"result"}),  # the service's rule
    ("handover-item", {"section": "keys", "name": "钥匙"}, {"quantity"}),
    ("handover-item", {"section": "keys", "name": "钥匙", "quantity": 10**20}, {"quantity"}),  # past the column
    ("handover-item", {"section": "keys", "name": "钥匙", "quantity": 2**31}, {"quantity"}),  # PostgreSQL's integer
    ("handover-defect", {}, {"location", "description"}),
    ("handover-repair", {"defect": 10**6}, {"defect"}),
    ("handover-cancel", {"reason": " "}, {"reason"}),
]


@pytest.mark.parametrize("name,body,fields", HANDOVER_BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(HANDOVER_BAD)])
def test_bad_handover_input_is_a_400_and_nothing_changes(api, world, name, body, fields):
    handover = _handover(world)
    response = post(api, world.cs, name, handover, body)
    assert response.status_code == 400 and fields <= set(response.data["errors"]), response.data
    assert events(handover) == 1 and not handover.items.exists() and not handover.defects.exists()
    assert Handover.objects.get(pk=handover.pk).state == HandoverState.OPEN


def test_a_building_of_another_project_is_a_400(api, world):
    api.force_authenticate(world.cs)
    response = api.post(
        reverse("api:handover-list"),
        {
            "project": world.project.pk,
            "building": world.other_room.building_id,
            "developer": "翠湖置业",
            "accepted_on": "2026-11-01",
        },
        format="json",
    )
    assert response.status_code == 400 and "building" in response.data["errors"] and not Handover.objects.exists()
