"""Transfer of ownership (过户) and handover acceptance from the developer (接管验收)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.errors import ActionRefused
from desk.models import ServiceRequest
from estate.choices import Relation
from estate.models import Occupancy, Resident
from registrations import services
from registrations.choices import HandoverState, Section, TransferState
from registrations.models import Event, TransferItem

pytestmark = pytest.mark.django_db

DAY = date(2026, 12, 1)


@pytest.fixture
def owned(world):
    """world.room's owner 张三 since 2020-05-01, with a family member."""
    Occupancy.objects.filter(room=world.room).update(start=date(2020, 5, 1))
    wife = Resident.objects.create(project=world.project, name="张妻", phone="13811110000")
    Occupancy.objects.create(room=world.room, resident=wife, relation=Relation.FAMILY, start=date(2021, 1, 1))
    return world.room


def open_transfer(world, room, **kw):
    data = dict(actor=world.cs, room=room, new_owner_name="郑新", new_owner_phone="13588889999", effective_on=DAY)
    data.update(kw)
    return services.transfer_open(**data)


def settle_all(world, transfer):
    for item in transfer.items.all():
        services.transfer_settle_item(actor=world.cs, transfer=transfer, item_id=item.pk, note="无欠费")
    services.transfer_read_meters(
        actor=world.cs, transfer=transfer, water=Decimal("123.45"), electricity=Decimal("4567.8"), gas=None
    )


def test_open_lists_old_owners_and_the_default_items(world, owned):
    transfer = open_transfer(world, owned)
    assert transfer.old_owners == "张三" and transfer.state == TransferState.OPEN
    assert transfer.items.count() == 5


def test_the_fees_are_checked_on_the_rooms_account_not_ticked(world, owned):
    from billing.tests.arrears_factories import fee_item, make_bill, pay

    transfer = open_transfer(world, owned)
    check = transfer.items.get(account_check=True)
    assert [i.label for i in transfer.items.all()][0] == check.label
    bill = make_bill(owned, [(fee_item(world.company), 45600)], period_start=date(2026, 10, 1))
    with pytest.raises(ActionRefused, match="456.00"):
        services.transfer_settle_item(actor=world.cs, transfer=transfer, item_id=check.pk, note="已结清")
    for item in transfer.items.filter(account_check=False):
        services.transfer_settle_item(actor=world.cs, transfer=transfer, item_id=item.pk, note="无")
    services.transfer_read_meters(actor=world.cs, transfer=transfer, water=Decimal("1"), electricity=Decimal("2"))
    transfer.refresh_from_db()
    assert any("456.00" in m for m in services.transfer_missing(transfer))
    with pytest.raises(ActionRefused, match="456.00"):
        services.transfer_complete(actor=world.cs, transfer=transfer)
    assert TransferItem.objects.get(pk=check.pk).settled_at is None
    pay(owned, 45600, bills=[bill])
    assert services.transfer_missing(transfer) == []
    services.transfer_complete(actor=world.cs, transfer=transfer)  # the check passes now and is recorded
    check.refresh_from_db()
    assert check.settled_at is not None and check.settled_by == world.cs and "无欠费" in check.note


def test_a_disputed_bill_also_stands_in_the_way_of_a_transfer(world, owned):
    from billing.tests.arrears_factories import fee_item, make_bill

    transfer = open_transfer(world, owned)
    make_bill(owned, [(fee_item(world.company), 100)], period_start=date(2026, 10, 1), disputed=True)
    settle_all_but_fees(world, transfer)
    with pytest.raises(ActionRefused, match="1.00"):
        services.transfer_complete(actor=world.cs, transfer=transfer)


def settle_all_but_fees(world, transfer):
    for item in transfer.items.filter(account_check=False):
        services.transfer_settle_item(actor=world.cs, transfer=transfer, item_id=item.pk, note="无")
    services.transfer_read_meters(actor=world.cs, transfer=transfer, water=Decimal("1"), electricity=Decimal("2"))


def test_a_date_on_or_before_the_current_owners_start_is_refused(world, owned):
    for day in (date(2020, 4, 30), date(2020, 5, 1)):
        with pytest.raises(ActionRefused, match="2020-05-01"):
            open_transfer(world, owned, effective_on=day)
    assert open_transfer(world, owned, effective_on=date(2020, 5, 2)).pk


def test_completing_with_unsettled_items_is_refused(world, owned):
    transfer = open_transfer(world, owned)
    services.transfer_add_item(actor=world.cs, transfer=transfer, label="车位管理费")
    settle_all(world, transfer)
    extra = services.transfer_add_item(actor=world.cs, transfer=transfer, label="维修基金")
    with pytest.raises(ActionRefused, match="维修基金"):
        services.transfer_complete(actor=world.cs, transfer=transfer)
    assert Occupancy.objects.filter(room=owned, end__isnull=True).count() == 2
    with pytest.raises(ValidationError):  # settling needs a note
        services.transfer_settle_item(actor=world.cs, transfer=transfer, item_id=extra.pk, note="")
    services.transfer_settle_item(actor=world.cs, transfer=transfer, item_id=extra.pk, note="收据 88")
    with pytest.raises(ActionRefused):  # not twice
        services.transfer_settle_item(actor=world.cs, transfer=transfer, item_id=extra.pk, note="again")
    services.transfer_complete(actor=world.cs, transfer=transfer)


def test_completing_without_meter_readings_is_refused(world, owned):
    transfer = open_transfer(world, owned)
    for item in transfer.items.all():
        services.transfer_settle_item(actor=world.cs, transfer=transfer, item_id=item.pk, note="无")
    with pytest.raises(ActionRefused, match="抄表"):
        services.transfer_complete(actor=world.cs, transfer=transfer)
    with pytest.raises(ValidationError) as exc:
        services.transfer_read_meters(actor=world.cs, transfer=transfer, water=None, electricity=Decimal("-1"))
    assert set(exc.value.message_dict) == {"water", "electricity"}


def test_completion_ends_the_old_household_the_day_before_and_keeps_history(world, owned):
    transfer = open_transfer(world, owned)
    settle_all(world, transfer)
    services.transfer_complete(actor=world.supervisor, transfer=transfer)
    transfer.refresh_from_db()
    assert transfer.state == TransferState.COMPLETED and transfer.water == Decimal("123.45")
    rows = {o.resident.name: o for o in Occupancy.objects.filter(room=owned).select_related("resident")}
    assert rows["张三"].end == DAY - timedelta(days=1) and rows["张妻"].end == DAY - timedelta(days=1)
    assert rows["郑新"].relation == Relation.OWNER and rows["郑新"].start == DAY and rows["郑新"].end is None
    current = Occupancy.objects.current(DAY).filter(room=owned)
    assert [o.resident.name for o in current] == ["郑新"]
    before = Occupancy.objects.current(DAY - timedelta(days=1)).filter(room=owned)
    assert {o.resident.name for o in before} == {"张三", "张妻"}
    assert Event.objects.filter(kind="transfer", record_id=transfer.pk, action="complete").exists()


def test_a_tenants_lease_runs_on_through_a_transfer(world, owned):
    tenant = Resident.objects.create(project=world.project, name="租客", phone="13700000000")
    Occupancy.objects.create(room=owned, resident=tenant, relation=Relation.TENANT, start=date(2026, 1, 1))
    transfer = open_transfer(world, owned)
    settle_all(world, transfer)
    services.transfer_complete(actor=world.cs, transfer=transfer)
    assert Occupancy.objects.get(resident=tenant).end is None


def test_people_who_may_not_register_are_refused(world, owned):
    for who in (world.tech, world.finance, world.resident_user, world.outsider):
        with pytest.raises(ActionRefused):
            open_transfer(world, owned, actor=who)
    transfer = open_transfer(world, owned)
    with pytest.raises(ActionRefused):
        services.transfer_complete(actor=world.lead, transfer=transfer)


def test_one_open_transfer_per_room_and_cancel_needs_reason(world, owned):
    transfer = open_transfer(world, owned)
    with pytest.raises(ActionRefused):
        open_transfer(world, owned)
    with pytest.raises(ValidationError):
        services.transfer_cancel(actor=world.cs, transfer=transfer, reason="")
    services.transfer_cancel(actor=world.cs, transfer=transfer, reason="买方违约")
    assert open_transfer(world, owned).pk
    assert TransferItem.objects.filter(transfer=transfer).count() == 5  # nothing deleted


# ------------------------------------------------------------------ handover acceptance


def open_handover(world, **kw):
    data = dict(actor=world.cs, project=world.project, developer="翠湖置业", accepted_on=DAY)
    data.update(kw)
    return services.handover_open(**data)


def test_handover_items_need_a_result_or_a_count(world):
    handover = open_handover(world, building=world.room.building)
    with pytest.raises(ValidationError) as exc:
        services.handover_add_item(actor=world.cs, handover=handover, section=Section.EQUIPMENT, name="电梯")
    assert "result" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.handover_add_item(actor=world.cs, handover=handover, section=Section.KEYS, name="单元门钥匙")
    assert "quantity" in exc.value.message_dict
    with pytest.raises(ValidationError):
        open_handover(world, building=world.other_room.building)


def test_the_project_manager_signs_off_and_nobody_else(world):
    handover = open_handover(world)
    with pytest.raises(ActionRefused, match="尚未记录"):
        services.handover_sign(actor=world.pm, handover=handover)
    services.handover_add_item(
        actor=world.cs, handover=handover, section=Section.EQUIPMENT, name="2号电梯", result="defect", note="异响"
    )
    services.handover_add_item(actor=world.cs, handover=handover, section=Section.KEYS, name="设备房钥匙", quantity=12)
    services.handover_add_item(actor=world.cs, handover=handover, section=Section.DOCUMENTS, name="竣工图", quantity=3)
    with pytest.raises(ActionRefused, match="遗留缺陷"):
        services.handover_sign(actor=world.pm, handover=handover)
    defect = services.defect_add(actor=world.cs, handover=handover, location="2号电梯", description="运行异响")
    for who in (world.cs, world.supervisor, world.manager, world.tech):
        with pytest.raises(ActionRefused, match="项目经理"):
            services.handover_sign(actor=who, handover=handover)
    services.handover_sign(actor=world.pm, handover=handover, note="同意接管，缺陷限期整改")
    handover.refresh_from_db()
    assert handover.state == HandoverState.SIGNED and handover.signed_by == world.pm
    with pytest.raises(ActionRefused):
        services.handover_add_item(actor=world.cs, handover=handover, section=Section.KEYS, name="x", quantity=1)
    sr = services.defect_to_repair(actor=world.cs, defect=defect)  # after sign-off too
    assert sr.room_id is None and "2号电梯" in sr.location and sr.channel == "patrol" and sr.paid is False
    assert ServiceRequest.objects.get(pk=sr.pk).title.startswith("接管验收")


def test_handover_is_scoped_to_the_project(world):
    with pytest.raises(ActionRefused):
        open_handover(world, actor=world.outsider)
    handover = open_handover(world)
    other_pm = world.pm.__class__.objects.create(username="pm2", role="project_manager")
    other_pm.projects.set([world.other_project])
    services.handover_add_item(actor=world.cs, handover=handover, section=Section.BUILDING, name="外墙", result="ok")
    services.handover_add_item(actor=world.cs, handover=handover, section=Section.KEYS, name="钥匙", quantity=1)
    with pytest.raises(ActionRefused):
        services.handover_sign(actor=other_pm, handover=handover)
