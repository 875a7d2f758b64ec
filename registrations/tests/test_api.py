"""The steps that close a move-in, a lease or a transfer over the API (/api/moveins/{id}/complete/
…): each through the service the page calls, for the staff the page lets act; a resident who sees
the record gets a 403, another project's record a 404, a step the service refuses a 403 with its
reason and nothing changed. Who may call each URL at all is the access matrix's."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from estate.choices import Relation, RoomState
from estate.models import Occupancy
from registrations.api import registrar
from registrations.choices import LeaseState, MoveInState, TransferState
from registrations.models import Event, Lease, MoveIn, Transfer
from registrations.tests.test_lease import confirm, register
from registrations.tests.test_movein import open_movein, ready
from registrations.tests.test_transfer_handover import open_transfer, settle_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def post(api, user, name, record, body=None, **extra):
    api.force_authenticate(user)
    return api.post(reverse(f"api:{name}", args=[record.pk]), body or {}, format="json", **extra)


def events(record):
    return Event.objects.filter(kind=record.KIND, record_id=record.pk).count()


# ---------------------------------------------------------------- each step goes through


def _ready_movein(world, vacant_room, day):
    return ready(world, open_movein(world, vacant_room, day))


def _settled_transfer(world, vacant_room, day):
    transfer = open_transfer(world, world.room)
    settle_all(world, transfer)
    return transfer


def _draft(world, vacant_room, day):
    return register(world)


def _confirmed(world, vacant_room, day):
    lease = register(world)
    confirm(world, lease)
    return lease


def _active(world, vacant_room, day):
    from registrations import services

    return services.lease_activate(actor=world.cs, lease=_confirmed(world, vacant_room, day))


STEPS = [
    ("movein-complete", _ready_movein, {"note": "钥匙已交付"}, MoveInState.COMPLETED),
    ("movein-cancel", lambda w, r, d: open_movein(w, r, d), {"reason": "业主改期"}, MoveInState.CANCELLED),
    ("transfer-complete", _settled_transfer, {}, TransferState.COMPLETED),
    ("transfer-cancel", lambda w, r, d: open_transfer(w, w.room), {"reason": "交易取消"}, TransferState.CANCELLED),
    ("lease-confirm-owner", _draft, {"owner_name": "张三", "method": "present"}, LeaseState.DRAFT),
    ("lease-activate", _confirmed, {}, LeaseState.ACTIVE),
    ("lease-move-out", _active, {"on": "2027-01-31", "note": "钥匙已收回"}, LeaseState.ENDED),
    ("lease-cancel", _draft, {"reason": "租客不租了"}, LeaseState.CANCELLED),
]


@pytest.mark.parametrize("name,setup,body,after", STEPS, ids=[s[0] for s in STEPS])
def test_each_step_goes_through_the_pages_service(api, world, vacant_room, day, name, setup, body, after):
    record = setup(world, vacant_room, day)
    before = events(record)
    response = post(api, world.cs, name, record, body)
    assert response.status_code == 200, response.data
    assert response.data["id"] == record.pk and response.data["state"] == after
    assert events(record) == before + 1


def test_what_the_steps_record(api, world, vacant_room, day):
    movein = _ready_movein(world, vacant_room, day)
    post(api, world.supervisor, "movein-complete", movein)
    assert RoomState.OCCUPIED == type(vacant_room).objects.get(pk=vacant_room.pk).state
    assert Occupancy.objects.filter(room=vacant_room, resident__name="周杰", relation=Relation.OWNER).exists()
    lease = register(world)
    response = post(api, world.cs, "lease-confirm-owner", lease, {"owner_name": "张三", "method": "phone"})
    assert response.data["confirmed_at"]
    lease = Lease.objects.get(pk=lease.pk)
    assert (lease.owner_name, lease.confirm_method, lease.confirm_recorded_by) == ("张三", "phone", world.cs)


# ---------------------------------------------------------------- who may not


@pytest.mark.parametrize("name", ["lease-cancel", "lease-confirm-owner", "transfer-cancel"])
def test_a_resident_who_sees_the_record_may_not_act_on_it(api, world, name):
    record = register(world) if name.startswith("lease") else open_transfer(world, world.room)
    api.force_authenticate(world.resident_user)
    detail = reverse(f"api:{name.split('-')[0]}-detail", args=[record.pk])
    assert api.get(detail).status_code == 200
    body = {"reason": "x", "owner_name": "张三", "method": "phone"}
    response = post(api, world.resident_user, name, record, body)
    assert response.status_code == 403 and response.data["detail"]
    assert type(record).objects.get(pk=record.pk).state == record.state


@pytest.mark.parametrize("who", ["tech", "finance"])
def test_staff_the_registrations_are_not_for_are_403(api, world, vacant_room, day, who):
    movein = open_movein(world, vacant_room, day)
    assert post(api, getattr(world, who), "movein-cancel", movein, {"reason": "x"}).status_code == 403
    assert MoveIn.objects.get(pk=movein.pk).state == MoveInState.OPEN


@pytest.mark.parametrize("name", ["movein-cancel", "lease-cancel", "transfer-cancel"])
def test_another_projects_record_is_404(api, world, vacant_room, day, name):
    record = {
        "movein-cancel": lambda: open_movein(world, vacant_room, day),
        "lease-cancel": lambda: register(world),
        "transfer-cancel": lambda: open_transfer(world, world.room),
    }[name]()
    assert post(api, world.outsider, name, record, {"reason": "x"}).status_code == 404
    assert type(record).objects.get(pk=record.pk).state == record.state


# ---------------------------------------------------------------- refused, bad input, replayed


@pytest.mark.parametrize(
    "name,setup,body",
    [
        ("movein-complete", lambda w, r, d: open_movein(w, r, d), {}),  # checks, rules, inspection missing
        ("transfer-complete", lambda w, r, d: open_transfer(w, w.room), {}),  # items unsettled, no meter readings
        ("lease-activate", _draft, {}),  # no owner's confirmation yet
        ("lease-move-out", _draft, {"on": "2027-01-31"}),  # not in effect
        ("lease-cancel", _active, {"reason": "x"}),  # only a draft is cancelled
    ],
    ids=["movein-missing", "transfer-missing", "unconfirmed", "draft-move-out", "active-cancel"],
)
def test_a_step_the_service_refuses_changes_nothing(api, world, vacant_room, day, name, setup, body):
    record = setup(world, vacant_room, day)
    before = events(record)
    response = post(api, world.cs, name, record, body)
    assert response.status_code == 403 and response.data["code"] == "refused" and response.data["detail"]
    assert type(record).objects.get(pk=record.pk).state == record.state and events(record) == before


def test_a_resident_refused_a_registration_reads_the_guards_message(api, world):
    # the guard is asked before the body is read; the 403's body is exactly the shared shape
    api.force_authenticate(world.resident_user)
    response = api.post(reverse("api:lease-list"), {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": str(registrar.message), "code": "permission_denied"}
    assert not Lease.objects.exists()


def test_bad_input_is_a_400_with_field_errors_and_nothing_changes(api, world):
    lease = register(world)
    response = post(api, world.cs, "lease-confirm-owner", lease, {"method": "app", "confirmed_at": "soon"})
    assert response.status_code == 400 and {"owner_name", "method", "confirmed_at"} <= set(response.data["errors"])
    assert post(api, world.cs, "lease-cancel", lease, {"reason": " "}).status_code == 400
    lease = Lease.objects.get(pk=lease.pk)
    assert lease.state == LeaseState.DRAFT and not lease.confirmed_at


def test_a_step_sent_twice_with_one_key_is_taken_once(api, world):
    transfer = open_transfer(world, world.room)
    before = events(transfer)
    first = post(api, world.cs, "transfer-cancel", transfer, {"reason": "交易取消"}, HTTP_IDEMPOTENCY_KEY="gh-1")
    again = post(api, world.cs, "transfer-cancel", transfer, {"reason": "交易取消"}, HTTP_IDEMPOTENCY_KEY="gh-1")
    assert first.status_code == again.status_code == 200 and first.data == again.data
    assert again["Idempotent-Replayed"] == "true"
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.CANCELLED and events(transfer) == before + 1
