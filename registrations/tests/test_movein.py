"""Move-in (收楼/入住): the checklist, fees, rules, keys, inspection, defects and completion."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.errors import ActionRefused
from desk.choices import Kind
from desk.models import ServiceRequest
from estate.choices import Relation, RoomState
from estate.models import Occupancy
from registrations import services
from registrations.choices import KeyKind, MoveInState
from registrations.models import Event, MoveIn

pytestmark = pytest.mark.django_db


def open_movein(world, room, day, **kw):
    data = dict(actor=world.cs, room=room, person_name="周杰", person_phone="139 0000 2222", move_in_on=day)
    data.update(kw)
    return services.movein_open(**data)


def ready(world, movein):
    for check in movein.checks.filter(mandatory=True):
        services.movein_check(actor=world.cs, movein=movein, check_id=check.pk)
    services.movein_sign_rules(actor=world.cs, movein=movein)
    services.movein_inspect(actor=world.cs, movein=movein, note="墙面完好")
    return MoveIn.objects.get(pk=movein.pk)


def test_it_opens_with_the_companys_checklist(world, vacant_room, day):
    movein = open_movein(world, vacant_room, day)
    assert movein.state == MoveInState.OPEN
    assert movein.person_phone == "13900002222"
    labels = list(movein.checks.values_list("label", "mandatory"))
    assert ("业主身份证明", True) in labels and ("装修须知（已领取）", False) in labels
    assert Event.objects.filter(kind="movein", record_id=movein.pk, action="open").exists()


def test_a_project_setting_replaces_the_checklist(world, vacant_room, day):
    from registrations.models import RegistrationSettings

    RegistrationSettings.objects.create(company=world.company, movein_checklist="*公司清单")
    RegistrationSettings.objects.create(company=world.company, project=world.project, movein_checklist="*甲\n乙\n\n")
    movein = open_movein(world, vacant_room, day)
    assert list(movein.checks.values_list("label", "mandatory")) == [("甲", True), ("乙", False)]


def test_it_refuses_a_move_in_of_an_occupied_room(world, day):
    assert world.room.state == RoomState.OCCUPIED
    with pytest.raises(ActionRefused, match="已入住"):
        open_movein(world, world.room, day)
    assert not MoveIn.objects.exists()


def test_it_refuses_a_second_open_move_in_of_the_same_room(world, vacant_room, day):
    open_movein(world, vacant_room, day)
    with pytest.raises(ActionRefused):
        open_movein(world, vacant_room, day)


def test_bad_input_names_the_fields(world, vacant_room):
    with pytest.raises(ValidationError) as exc:
        services.movein_open(actor=world.cs, room=vacant_room, person_name=" ", person_phone="12", move_in_on=None)
    assert set(exc.value.message_dict) == {"person_name", "person_phone", "move_in_on"}


@pytest.mark.parametrize("who", ["tech", "guard", "finance", "lead", "resident_user", "outsider"])
def test_people_who_may_not_register_are_refused(world, vacant_room, day, who):
    with pytest.raises(ActionRefused):
        open_movein(world, vacant_room, day, actor=getattr(world, who))


@pytest.mark.parametrize("who", ["cs", "supervisor", "manager", "pm"])
def test_the_desk_and_its_managers_may_register(world, vacant_room, day, who):
    assert open_movein(world, vacant_room, day, actor=getattr(world, who)).pk


def test_completing_with_an_unchecked_mandatory_item_is_refused(world, vacant_room, day):
    movein = ready(world, open_movein(world, vacant_room, day))
    first = movein.checks.filter(mandatory=True).first()
    services.movein_check(actor=world.cs, movein=movein, check_id=first.pk, checked=False, note="证件过期")
    with pytest.raises(ActionRefused, match=first.label):
        services.movein_complete(actor=world.cs, movein=movein)
    vacant_room.refresh_from_db()
    assert vacant_room.state == RoomState.VACANT
    assert not Occupancy.objects.filter(room=vacant_room).exists()


def test_completing_needs_rules_signed_and_the_inspection(world, vacant_room, day):
    movein = open_movein(world, vacant_room, day)
    for check in movein.checks.filter(mandatory=True):
        services.movein_check(actor=world.cs, movein=movein, check_id=check.pk)
    with pytest.raises(ActionRefused) as exc:
        services.movein_complete(actor=world.cs, movein=movein)
    assert "管理规约尚未签署" in exc.value.message and "尚未验房" in exc.value.message


def test_completion_makes_the_person_an_occupant_and_the_room_occupied(world, vacant_room, day):
    movein = open_movein(world, vacant_room, day, relation="family")
    services.movein_note_fees(actor=world.cs, movein=movein, amount=Decimal("3600.50"), months=12, receipt="R-1")
    services.movein_add_key(actor=world.cs, movein=movein, kind=KeyKind.ENTRY, count=3, receiver="周杰")
    movein = ready(world, movein)
    services.movein_complete(actor=world.supervisor, movein=movein)
    movein.refresh_from_db()
    assert movein.state == MoveInState.COMPLETED and movein.completed_by == world.supervisor
    occ = Occupancy.objects.get(room=vacant_room)
    assert occ.relation == Relation.FAMILY and occ.start == day and occ.end is None
    assert occ.resident.name == "周杰" and occ.resident.phone == "13900002222"
    vacant_room.refresh_from_db()
    assert vacant_room.state == RoomState.OCCUPIED
    with pytest.raises(ActionRefused):  # a completed move-in no longer changes
        services.movein_add_key(actor=world.cs, movein=movein, kind=KeyKind.CARD, count=1, receiver="周杰")
    actions = list(Event.objects.filter(kind="movein", record_id=movein.pk).values_list("action", flat=True))
    assert actions[0] == "open" and actions[-1] == "complete" and "key" in actions and "fees" in actions


def test_completion_is_refused_when_the_room_became_occupied_meanwhile(world, vacant_room, day):
    movein = ready(world, open_movein(world, vacant_room, day))
    vacant_room.state = RoomState.RENTED
    vacant_room.save()
    with pytest.raises(ActionRefused):
        services.movein_complete(actor=world.cs, movein=movein)


def test_key_and_fee_input_is_checked(world, vacant_room, day):
    movein = open_movein(world, vacant_room, day)
    with pytest.raises(ValidationError) as exc:
        services.movein_add_key(actor=world.cs, movein=movein, kind="x", count=0, receiver="")
    assert set(exc.value.message_dict) == {"kind", "count", "receiver"}
    with pytest.raises(ValidationError):
        services.movein_note_fees(actor=world.cs, movein=movein, amount=Decimal("-1"))


def test_a_defect_becomes_a_repair_request_linked_back_once(world, vacant_room, day):
    movein = open_movein(world, vacant_room, day)
    defect = services.defect_add(actor=world.cs, movein=movein, location="主卧", description="窗框渗水")
    sr = services.defect_to_repair(actor=world.cs, defect=defect)
    defect.refresh_from_db()
    assert defect.request == sr
    assert sr.kind == Kind.REPAIR and sr.room_id == vacant_room.pk and sr.paid is False
    assert sr.channel == "walk_in" and "主卧" in sr.title and sr.description == "窗框渗水"
    assert sr.caller_phone == "13900002222" and sr.receiver == world.cs
    with pytest.raises(ActionRefused, match=sr.number):
        services.defect_to_repair(actor=world.cs, defect=defect)
    assert ServiceRequest.objects.count() == 1


def test_a_worker_cannot_turn_a_defect_into_a_request(world, vacant_room, day):
    movein = open_movein(world, vacant_room, day)
    defect = services.defect_add(actor=world.cs, movein=movein, location="厨房", description="地漏堵")
    with pytest.raises(ActionRefused):
        services.defect_to_repair(actor=world.tech, defect=defect)
    assert not ServiceRequest.objects.exists()


def test_cancel_needs_a_reason(world, vacant_room, day):
    movein = open_movein(world, vacant_room, day)
    with pytest.raises(ValidationError):
        services.movein_cancel(actor=world.cs, movein=movein, reason=" ")
    services.movein_cancel(actor=world.cs, movein=movein, reason="业主改期")
    movein.refresh_from_db()
    assert movein.state == MoveInState.CANCELLED
    open_movein(world, vacant_room, day)  # a new one may start


def test_an_owner_already_on_file_is_not_duplicated(world, vacant_room, day):
    from estate.models import Resident

    owner = Resident.objects.create(project=world.project, name="周杰", phone="")
    Occupancy.objects.create(room=vacant_room, resident=owner, relation=Relation.OWNER)
    movein = ready(world, open_movein(world, vacant_room, day))
    services.movein_complete(actor=world.cs, movein=movein)
    movein.refresh_from_db()
    owner.refresh_from_db()
    assert Occupancy.objects.filter(room=vacant_room).count() == 1
    assert movein.resident == owner and owner.phone == "13900002222"
