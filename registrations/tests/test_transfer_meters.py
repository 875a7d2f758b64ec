"""The meter readings taken at a transfer (过户抄表) are the room's readings for billing: the next run
bills the metered fees up to them, the one after from them."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing.choices import Cycle
from billing.models import BillLine, MeterReading
from billing.services import billing_run_execute, billing_run_start, meter_reading_record
from billing.tests.conftest import Fees
from estate.models import Occupancy
from registrations import services

pytestmark = pytest.mark.django_db

ON = date(2026, 3, 15)


@pytest.fixture
def fees(world):
    fees = Fees(world)
    fees.water.meter = "water"  # the water fee reads the water meter; no item reads electricity here
    fees.water.save(update_fields=["meter"])
    Occupancy.objects.filter(room=world.room).update(start=date(2020, 5, 1))
    meter_reading_record(actor=world.cs, room=world.room, item=fees.water, read_on=date(2026, 2, 25), value="100")
    return fees


def transfer_of(world):
    return services.transfer_open(actor=world.cs, room=world.room, new_owner_name="郑新", effective_on=ON)


def water_lines(world, fees, start):
    run = billing_run_start(
        actor=world.finance, project=world.project, period_start=start, cycle=Cycle.MONTH, item_ids=[fees.water.pk]
    )
    billing_run_execute(run_id=run.pk)
    return list(BillLine.objects.filter(room=world.room, item=fees.water, period_start=start))


def test_a_transfers_readings_are_billed_up_to_and_then_from(world, fees):
    transfer = transfer_of(world)
    services.transfer_read_meters(
        actor=world.cs, transfer=transfer, water=Decimal("112.50"), electricity=Decimal("4567.8")
    )
    reading = MeterReading.objects.get(room=world.room, item=fees.water, read_on=ON)
    assert (reading.value, reading.source, reading.read_by) == (Decimal("112.50"), "transfer", world.cs)
    assert MeterReading.objects.filter(room=world.room).count() == 2  # electricity: no fee item reads it

    (march,) = water_lines(world, fees, date(2026, 3, 1))
    assert (march.quantity, march.amount_fen) == (Decimal("12.50"), 4375)  # 12.5 t × 3.50, up to the transfer
    assert "112.50" in march.description and ON.isoformat() in march.description

    meter_reading_record(actor=world.tech, room=world.room, item=fees.water, read_on=date(2026, 4, 25), value="120")
    (april,) = water_lines(world, fees, date(2026, 4, 1))
    assert (april.quantity, april.amount_fen) == (Decimal("7.50"), 2625)  # from the transfer's reading on


def test_a_transfer_reading_below_the_last_one_is_refused_and_nothing_is_recorded(world, fees):
    transfer = transfer_of(world)
    with pytest.raises(ValidationError) as refused:
        services.transfer_read_meters(actor=world.cs, transfer=transfer, water=Decimal("99"), electricity=Decimal("1"))
    assert "水费" in refused.value.message_dict["water"][0] and "100" in refused.value.message_dict["water"][0]
    transfer.refresh_from_db()
    assert transfer.meters_read_at is None and transfer.water is None
    assert not MeterReading.objects.filter(read_on=ON).exists()


def test_the_meters_form_shows_the_refusal_on_the_water_field(client, world, fees):
    transfer = transfer_of(world)
    client.force_login(world.cs)
    response = client.post(
        reverse("registrations:act", args=["transfers", transfer.pk, "meters"]),
        {"water": "99", "electricity": "1", "gas": ""},
    )
    assert response.status_code == 400
    assert "读数小于 2026-02-25 的读数 100" in response.content.decode()
    assert not MeterReading.objects.filter(read_on=ON).exists()


def test_a_slip_is_corrected_until_a_bill_counts_the_reading(world, fees):
    transfer = transfer_of(world)
    services.transfer_read_meters(actor=world.cs, transfer=transfer, water=Decimal("121"), electricity=Decimal("1"))
    services.transfer_read_meters(actor=world.cs, transfer=transfer, water=Decimal("112"), electricity=Decimal("1"))
    assert MeterReading.objects.get(room=world.room, read_on=ON).value == Decimal("112")
    water_lines(world, fees, date(2026, 3, 1))
    with pytest.raises(ValidationError, match="已有读数 112"):
        services.transfer_read_meters(actor=world.cs, transfer=transfer, water=Decimal("113"), electricity=Decimal("1"))
    assert MeterReading.objects.get(room=world.room, read_on=ON).value == Decimal("112")


def test_a_reading_of_that_day_by_someone_else_stands(world, fees):
    meter_reading_record(actor=world.tech, room=world.room, item=fees.water, read_on=ON, value="110")
    transfer = transfer_of(world)
    with pytest.raises(ValidationError, match="已有读数 110"):
        services.transfer_read_meters(actor=world.cs, transfer=transfer, water=Decimal("111"), electricity=Decimal("1"))
    services.transfer_read_meters(actor=world.cs, transfer=transfer, water=Decimal("110"), electricity=Decimal("1"))
    transfer.refresh_from_db()
    assert transfer.meters_read_at is not None
