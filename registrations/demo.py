"""Demo registrations, made through the same services the pages use so every history is real:
move-ins in every state (one defect already a repair request), leases (one ending soon), transfers
and handover acceptances."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from estate.choices import Relation, RoomState
from estate.models import Occupancy, Room
from registrations import services
from registrations.choices import KeyKind, Section
from registrations.models import RegistrationSettings

IDS = ["11010519491231002X", "110101199003077897", "440305198812120013", "330106199201011234"]


def _vacant(project, rng, n):
    rooms = list(Room.objects.filter(project=project, state=RoomState.VACANT).order_by("id")[:200])
    rng.shuffle(rooms)
    return rooms[:n]


def _water_reading(room, day) -> Decimal:
    """A water reading on `day` that fits the room's readings (the money side's demo reads the meters
    monthly): the one of that day if read then, else a little over the last one before."""
    from billing.models import MeterReading

    readings = MeterReading.objects.filter(room=room, item__meter="water")
    last = readings.filter(read_on__lte=day).order_by("-read_on").first()
    after = readings.filter(read_on__gt=day).order_by("read_on").first()
    value = Decimal("356.20") if last is None else last.value
    if last is None or last.read_on != day:
        value += Decimal("6.20")
    return min(value, after.value) if after else value


def _owned(project, rng, n):
    tenanted = Occupancy.objects.current().filter(relation=Relation.TENANT).values("room_id")
    rooms = list(
        Room.objects.filter(project=project, state=RoomState.OCCUPIED).exclude(pk__in=tenanted).order_by("id")[:300]
    )
    rng.shuffle(rooms)
    return rooms[:n]


def _owner_name(room) -> str:
    occ = services.current_owners(room).order_by("id").first()
    return occ.resident.name if occ else "业主"


def seed(*, company, projects, users, rng):
    today = timezone.localdate()
    cuihu, jinjiang = projects["cuihu"], projects["jinjiang"]
    kefu, zhuguan, pm = users["kefu"], users["zhuguan"], users["xmjingli"]
    RegistrationSettings.objects.get_or_create(company=company, project=None, defaults={"lease_reminder_days": 30})

    # ---- move-ins: completed, half-way, just opened
    rooms = _vacant(cuihu, rng, 3)
    for i, room in enumerate(rooms):
        movein = services.movein_open(
            actor=kefu,
            room=room,
            person_name=["陈思远", "林晓雯", "黄建国"][i],
            person_phone=["13912345001", "13912345002", ""][i],
            relation="owner",
            move_in_on=today - timedelta(days=[5, 0, -3][i]),
        )
        if i == 2:
            continue
        checks = list(movein.checks.all())
        for check in checks[: len(checks) if i == 0 else 3]:
            services.movein_check(actor=kefu, movein=movein, check_id=check.pk)
        services.movein_note_fees(
            actor=kefu, movein=movein, amount=Decimal("3456.00"), months=12, receipt=f"SJ{room.pk}"
        )
        services.movein_add_key(actor=kefu, movein=movein, kind=KeyKind.ENTRY, count=3, receiver=movein.person_name)
        services.movein_add_key(actor=kefu, movein=movein, kind=KeyKind.CARD, count=2, receiver=movein.person_name)
        defect = services.defect_add(actor=kefu, movein=movein, location="主卫", description="墙砖空鼓两块")
        if i == 0:
            services.defect_add(actor=kefu, movein=movein, location="客厅", description="入户门门吸缺失")
            services.movein_sign_rules(actor=kefu, movein=movein)
            services.movein_inspect(actor=kefu, movein=movein, note="水电正常，发现两处缺陷已记录")
            services.defect_to_repair(actor=kefu, defect=defect)
            services.movein_complete(actor=zhuguan, movein=movein)

    # ---- leases: one active ending soon (the reminder will fire), one waiting for the owner, one ended
    owned = _owned(cuihu, rng, 4)
    if len(owned) >= 3:
        soon = services.lease_register(
            actor=kefu,
            room=owned[0],
            tenant_name="吴海波",
            id_type="id_card",
            id_number=IDS[1],
            tenant_phone="13600001111",
            start=today - timedelta(days=340),
            end=today + timedelta(days=25),
            contract_no="ZL-2025-088",
            emergency_name="吴建军",
            emergency_phone="13600002222",
        )
        services.lease_confirm_owner(actor=kefu, lease=soon, owner_name=_owner_name(owned[0]), method="present")
        services.lease_activate(actor=kefu, lease=soon)
        draft = services.lease_register(
            actor=kefu,
            room=owned[1],
            tenant_name="Smith John",
            id_type="passport",
            id_number="E12345678",
            tenant_phone="13600003333",
            start=today + timedelta(days=7),
            end=today + timedelta(days=372),
            contract_no="ZL-2026-019",
        )
        services.lease_confirm_owner(
            actor=kefu, lease=draft, owner_name=_owner_name(owned[1]), method="phone", note="业主在外地，电话确认"
        )
        ended = services.lease_register(
            actor=kefu,
            room=owned[2],
            tenant_name="郑小梅",
            id_type="id_card",
            id_number=IDS[2],
            tenant_phone="13600004444",
            start=today - timedelta(days=400),
            end=today + timedelta(days=100),
        )
        services.lease_confirm_owner(actor=kefu, lease=ended, owner_name=_owner_name(owned[2]), method="written")
        services.lease_activate(actor=kefu, lease=ended)
        services.lease_move_out(
            actor=zhuguan,
            lease=ended,
            on=today - timedelta(days=3),
            note="提前退租",
            override_reason="欠费由业主承担，已与业主电话确认",
        )

        # ---- transfers: one completed, one waiting for items
        for room in owned[3:4]:
            transfer = services.transfer_open(
                actor=kefu,
                room=room,
                new_owner_name="何志明",
                new_owner_phone="13788886666",
                effective_on=today - timedelta(days=2),
            )
            _settle(kefu, room)  # a transfer cannot complete while the room owes money
            for item in transfer.items.all():
                services.transfer_settle_item(actor=kefu, transfer=transfer, item_id=item.pk, note="已核实无欠费")
            services.transfer_read_meters(
                actor=kefu,
                transfer=transfer,
                water=_water_reading(room, transfer.effective_on),
                electricity=Decimal("8123.5"),
                gas=Decimal("912.07"),
            )
            services.transfer_complete(actor=zhuguan, transfer=transfer)
    more = _owned(cuihu, rng, 1)
    if more:
        transfer = services.transfer_open(
            actor=kefu, room=more[0], new_owner_name="马丽娟", effective_on=today + timedelta(days=5)
        )
        first = transfer.items.filter(account_check=False).first()  # the account is checked, not ticked
        services.transfer_settle_item(actor=kefu, transfer=transfer, item_id=first.pk, note="收据 WY20261120")

    # ---- handover acceptance: one signed for a building, one in progress for the project
    building = cuihu.buildings.order_by("-number").first()
    signed = services.handover_open(
        actor=kefu,
        project=cuihu,
        building=building,
        developer="翠湖置业有限公司",
        developer_contact="周工",
        accepted_on=today - timedelta(days=30),
    )
    for section, name, result, qty in [
        (Section.BUILDING, "外墙及屋面", "ok", None),
        (Section.EQUIPMENT, "1号电梯", "ok", None),
        (Section.EQUIPMENT, "消防水泵", "defect", None),
        (Section.KEYS, "设备房钥匙", "", 24),
        (Section.DOCUMENTS, "竣工图纸", "", 6),
    ]:
        services.handover_add_item(actor=kefu, handover=signed, section=section, name=name, result=result, quantity=qty)
    defect = services.defect_add(actor=kefu, handover=signed, location="地下泵房", description="消防水泵压力表损坏")
    services.defect_to_repair(actor=kefu, defect=defect)
    services.handover_sign(actor=pm, handover=signed, note="同意接管，遗留缺陷由开发商限期整改")
    services.handover_open(actor=kefu, project=cuihu, developer="翠湖置业有限公司", accepted_on=today)

    # ---- the other project
    jj = _owned(jinjiang, rng, 1)
    if jj:
        services.lease_register(
            actor=users["jj_kefu"],
            room=jj[0],
            tenant_name="孙立",
            id_type="id_card",
            id_number=IDS[3],
            tenant_phone="13500005555",
            start=today,
            end=today + timedelta(days=365),
        )


def _settle(actor, room) -> None:
    """Pay what the room owes at the desk (the demo's seller settles before the transfer)."""
    from billing.selectors import owed_fen
    from billing.services import payment_post

    owed = owed_fen(room.pk)
    if owed > 0:
        payment_post(actor=actor, room=room, amount_fen=owed, method="cash", payer_name="原业主", note="过户前结清")
