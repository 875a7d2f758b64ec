"""Billing runs: who is charged what, from when, by whom; idempotent, resumable, reversible."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.choices import BillState, Cycle, Method, Payer, RunState
from billing.models import Account, Bill, BillingRun, BillingSettings, BillLine, FeeRate, MeterReading
from billing.services import (
    billing_run_execute,
    billing_run_preview,
    billing_run_resume,
    billing_run_reverse,
    billing_run_start,
    meter_reading_record,
    payment_post,
)
from billing.tests.books import check_books
from core.errors import ActionRefused
from core.models import AuditEntry
from estate.choices import Relation, RoomState
from estate.models import Occupancy, ParkingSpace, Room
from tests.factories import make_room

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)


def run(world, start=MARCH, cycle=Cycle.MONTH, actor=None, items=None, **kw):
    r = billing_run_start(
        actor=actor or world.finance, project=world.project, period_start=start, cycle=cycle, item_ids=items
    )
    return billing_run_execute(run_id=r.pk, **kw)


def lines_of(room, item=None):
    qs = BillLine.objects.filter(room=room, cancelled=False)
    return list(qs.filter(item=item) if item else qs)


def test_a_month_bills_every_room_by_area_and_its_parking_space(world, fees):
    ParkingSpace.objects.create(project=world.project, number="B-001", room=world.room)
    done = run(world)
    assert done.state == RunState.DONE and done.rooms_done == done.rooms_total == 2
    bill = Bill.objects.get(room=world.room)
    assert (bill.period_start, bill.period_end, bill.payer) == (MARCH, date(2026, 3, 31), Payer.OWNER)
    amounts = {line.item.code: line.amount_fen for line in bill.lines.all()}
    assert amounts == {"wy": 25000, "cw": 15000}  # 100 m² × 2.50; one space × 150
    assert bill.total_fen == 40000 and bill.number.startswith("ZD")
    assert Bill.objects.get(room=world.room2).total_fen == 25000
    assert not Bill.objects.filter(room=world.other_room).exists()  # the other project is not billed
    assert done.bills_created == 2 and done.total_fen == 65000
    check_books()


def test_a_shop_is_charged_its_own_rate_and_a_building_rate_beats_the_projects(world, fees):
    shop = make_room(world.project, "9", "1", "S1", area="50.00")
    Room.objects.filter(pk=shop.pk).update(use="shop")
    FeeRate.objects.create(
        item=fees.property, project=world.project, price=Decimal("2.80"), effective_from=date(2025, 1, 1)
    )
    FeeRate.objects.create(
        item=fees.property, building=world.room.building, price=Decimal("3.10"), effective_from=date(2025, 6, 1)
    )
    run(world, items=[fees.property.pk])
    amount = {line.room_id: line.amount_fen for line in BillLine.objects.all()}
    assert amount[world.room.pk] == 31000  # building 3 rate: 100 × 3.10
    assert amount[shop.pk] == 14000  # the project's rate (any use) beats the company's shop rate: 50 × 2.80


def test_a_rate_change_applies_from_the_first_period_starting_on_or_after_its_date(world, fees):
    FeeRate.objects.create(
        item=fees.property, price=Decimal("3.00"), effective_from=date(2026, 3, 15), room_use="residential"
    )
    run(world, items=[fees.property.pk])  # March: the rate in force on March 1st
    run(world, start=date(2026, 4, 1), items=[fees.property.pk])
    by_month = {line.period_start: line.amount_fen for line in lines_of(world.room)}
    assert by_month == {MARCH: 25000, date(2026, 4, 1): 30000}


def test_a_room_delivered_in_the_period_is_prorated_by_day(world, fees):
    Room.objects.filter(pk=world.room.pk).update(delivered_on=date(2026, 3, 11))
    run(world, items=[fees.property.pk])
    (line,) = lines_of(world.room)
    assert line.amount_fen == 16935  # 100 × 2.50 × 21/31 = 169.354… → 169.35
    assert line.months == Decimal("0.6774") and "2026-03-11" in line.description


def test_the_owner_pays_from_the_later_of_delivery_and_their_own_start(world, fees):
    Room.objects.filter(pk=world.room.pk).update(delivered_on=date(2025, 1, 1))
    Occupancy.objects.filter(room=world.room, relation=Relation.OWNER).update(start=date(2026, 3, 21))
    run(world, items=[fees.property.pk])
    (line,) = lines_of(world.room)
    assert line.amount_fen == 8871  # 100 × 2.50 × 11/31 = 88.709… → 88.71


def test_a_room_not_yet_delivered_is_not_billed(world, fees):
    Room.objects.filter(pk=world.room.pk).update(delivered_on=date(2026, 4, 2))
    preview = billing_run_preview(actor=world.finance, project=world.project, period_start=MARCH, cycle=Cycle.MONTH)
    assert preview.rooms_billed == 1 and list(preview.skipped.values()) == [1]
    run(world)
    assert not Bill.objects.filter(room=world.room).exists()


def test_an_unsold_room_is_billed_to_the_developer_from_delivery(world, fees):
    Room.objects.filter(pk=world.room.pk).update(state=RoomState.UNSOLD, delivered_on=date(2026, 3, 1))
    Occupancy.objects.filter(room=world.room).update(start=date(2026, 3, 20))  # the owner's date does not matter
    run(world, items=[fees.property.pk])
    bill = Bill.objects.get(room=world.room)
    assert bill.payer == Payer.DEVELOPER and bill.total_fen == 25000


def test_a_vacant_room_gets_the_vacancy_discount_on_its_area_fee(world, fees):
    BillingSettings.objects.filter(company=world.company).update(vacancy_discount_percent=30)
    Room.objects.filter(pk=world.room.pk).update(state=RoomState.VACANT)
    ParkingSpace.objects.create(project=world.project, number="B-001", room=world.room)
    run(world)
    amounts = {line.item.code: line for line in lines_of(world.room)}
    assert amounts["wy"].amount_fen == 17500 and "30%" in amounts["wy"].description  # 250 × 70 %
    assert amounts["cw"].amount_fen == 15000  # a parking space is not discounted
    assert lines_of(world.room2)[0].amount_fen == 25000


def test_metered_items_charge_the_consumption_between_readings(world, fees):
    for day, value in [(date(2026, 2, 25), "100"), (date(2026, 3, 10), "108.5"), (date(2026, 3, 25), "112")]:
        meter_reading_record(actor=world.cs, room=world.room, item=fees.water, read_on=day, value=value)
    meter_reading_record(actor=world.tech, room=world.room2, item=fees.water, read_on=date(2026, 3, 25), value="7")
    run(world, items=[fees.water.pk])
    (line,) = lines_of(world.room)
    assert (line.quantity, line.amount_fen) == (Decimal("12.00"), 4200)  # 12 t × 3.50
    assert "100" in line.description and "112" in line.description
    assert lines_of(world.room2) == []  # its first reading: nothing to compare with yet


def test_meter_readings_are_checked(world, fees):
    meter_reading_record(actor=world.cs, room=world.room, item=fees.water, read_on=date(2026, 3, 1), value="100")
    with pytest.raises(ValidationError, match="小于"):
        meter_reading_record(actor=world.cs, room=world.room, item=fees.water, read_on=date(2026, 3, 5), value="99")
    with pytest.raises(ValidationError, match="抄过"):
        meter_reading_record(actor=world.cs, room=world.room, item=fees.water, read_on=date(2026, 3, 1), value="101")
    with pytest.raises(ValidationError):
        meter_reading_record(actor=world.cs, room=world.room, item=fees.property, read_on=date(2026, 3, 2), value="1")
    with pytest.raises(ActionRefused):
        meter_reading_record(
            actor=world.outsider, room=world.room, item=fees.water, read_on=date(2026, 3, 2), value="101"
        )
    with pytest.raises(ActionRefused):
        meter_reading_record(
            actor=world.resident_user, room=world.room, item=fees.water, read_on=date(2026, 3, 2), value="101"
        )
    assert MeterReading.objects.count() == 1


def test_a_quarter_bills_three_months(world, fees):
    run(world, start=date(2026, 4, 1), cycle=Cycle.QUARTER, items=[fees.property.pk])
    (line,) = lines_of(world.room)
    assert (line.months, line.amount_fen) == (Decimal("3.0000"), 75000)
    assert Bill.objects.get(room=world.room).period_end == date(2026, 6, 30)


def test_running_the_same_period_again_creates_nothing_twice(world, fees):
    run(world)
    first = set(BillLine.objects.values_list("pk", flat=True))
    again = run(world)
    assert again.state == RunState.DONE and again.bills_created == 0
    assert set(BillLine.objects.values_list("pk", flat=True)) == first
    new_room = make_room(world.project, "3", "2", "1601")
    third = run(world)
    assert third.bills_created == 1 and Bill.objects.get(room=new_room).total_fen == 25000
    check_books()


def test_a_period_overlapping_a_billed_one_or_a_bad_start_is_refused(world, fees):
    run(world, start=date(2026, 4, 1), cycle=Cycle.QUARTER, items=[fees.property.pk])
    with pytest.raises(ValidationError, match="重叠"):
        billing_run_start(actor=world.finance, project=world.project, period_start=date(2026, 5, 1), cycle=Cycle.MONTH)
    # another item may be billed monthly beside it
    assert run(world, start=date(2026, 5, 1), items=[fees.parking.pk]).state == RunState.DONE
    with pytest.raises(ValidationError, match="1 日"):
        billing_run_start(actor=world.finance, project=world.project, period_start=date(2026, 7, 2), cycle=Cycle.MONTH)
    assert BillingRun.objects.count() == 2


def test_who_may_run_billing(world, fees):
    for user in (world.cs, world.supervisor, world.manager, world.tech, world.outsider, world.resident_user):
        with pytest.raises(ActionRefused):
            billing_run_start(actor=user, project=world.project, period_start=MARCH, cycle=Cycle.MONTH)
        with pytest.raises(ActionRefused):
            billing_run_preview(actor=user, project=world.project, period_start=MARCH, cycle=Cycle.MONTH)
    assert run(world, actor=world.pm).state == RunState.DONE


def test_the_preview_shows_what_the_run_then_creates(world, fees):
    make_room(world.project, "4", "1", "101", area="0")
    preview = billing_run_preview(actor=world.finance, project=world.project, period_start=MARCH, cycle=Cycle.MONTH)
    assert (preview.rooms_total, preview.rooms_billed, preview.total_fen) == (3, 2, 50000)
    assert preview.by_item == {"物业服务费": 50000}
    assert [c.code for c in preview.first] == ["3-2-1502", "3-2-1501"]
    assert not Bill.objects.exists()
    done = run(world)
    assert done.total_fen == preview.total_fen and done.bills_created == preview.rooms_billed


def test_a_run_killed_half_way_goes_on_from_its_last_chunk(world, fees):
    for n in range(5):
        make_room(world.project, "5", "1", f"{n + 1}01")
    started = billing_run_start(actor=world.finance, project=world.project, period_start=MARCH, cycle=Cycle.MONTH)
    half = billing_run_execute(run_id=started.pk, chunk=3, stop_after=1)  # the worker dies after a chunk
    assert half.state == RunState.RUNNING and half.rooms_done == 3 and Bill.objects.count() == 3
    # another worker cannot take it while it might still be alive
    assert billing_run_execute(run_id=started.pk, chunk=3).rooms_done == 3
    with pytest.raises(ActionRefused):
        billing_run_resume(actor=world.finance, run=half)
    BillingRun.objects.filter(pk=half.pk).update(heartbeat_at=half.heartbeat_at.replace(year=2020))
    billing_run_resume(actor=world.finance, run=half)
    done = billing_run_execute(run_id=started.pk, chunk=3)
    assert done.state == RunState.DONE and done.rooms_done == 7 and done.bills_created == 7
    assert Bill.objects.count() == 7 and BillLine.objects.count() == 7
    check_books()


def test_a_run_reversed_before_payment_cancels_its_bills_and_may_be_run_again(world, fees):
    done = run(world)
    with pytest.raises(ValidationError):
        billing_run_reverse(actor=world.finance, run=done, reason="")
    with pytest.raises(ActionRefused):
        billing_run_reverse(actor=world.cs, run=done, reason="单价错了")
    reversed_run = billing_run_reverse(actor=world.finance, run=done, reason="单价错了")
    assert reversed_run.state == RunState.REVERSED and reversed_run.reverse_reason == "单价错了"
    assert set(Bill.objects.values_list("state", flat=True)) == {BillState.CANCELLED}
    assert AuditEntry.objects.filter(action="run_reversed", object_id=str(done.pk)).exists()
    with pytest.raises(ActionRefused):
        billing_run_reverse(actor=world.finance, run=reversed_run, reason="再来")
    assert run(world).bills_created == 2
    check_books()


def test_a_run_with_a_payment_cannot_be_reversed(world, fees):
    done = run(world)
    payment_post(actor=world.cs, room=world.room, amount_fen=100, method=Method.CASH)
    with pytest.raises(ActionRefused, match="已有收款"):
        billing_run_reverse(actor=world.finance, run=done, reason="错")
    assert not Bill.objects.filter(state=BillState.CANCELLED).exists()


def test_new_bills_take_the_prepaid_balance_oldest_payment_first_and_a_reversal_gives_it_back(world, fees):
    first = payment_post(actor=world.cs, room=world.room, amount_fen=10000, method=Method.CASH)
    second = payment_post(actor=world.cs, room=world.room, amount_fen=30000, method=Method.CASH)
    done = run(world)
    bill = Bill.objects.get(room=world.room, run=done)
    assert (bill.paid_fen, bill.state) == (25000, BillState.PAID)
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.rest_fen, second.rest_fen) == (0, 15000)
    assert Account.objects.get(room=world.room).balance_fen == 15000
    check_books()
    billing_run_reverse(actor=world.finance, run=done, reason="错")
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.rest_fen, second.rest_fen) == (10000, 30000)
    assert Account.objects.get(room=world.room).balance_fen == 40000
    check_books()
