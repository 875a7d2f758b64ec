"""Rates (which one applies, who may add one, what a rate may be) and one-off charges."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.choices import BillState
from billing.models import BillLine, FeeRate
from billing.services import charge_add, fee_rate_add, monthly_charge_fen, payment_post, rate_for
from billing.tests.books import check_books
from core.choices import Role
from core.errors import ActionRefused
from estate.models import Building, ParkingSpace
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_most_specific_rate_wins_then_the_latest(world, fees):
    room = world.room
    assert rate_for(fees.property, room, date(2026, 1, 1)).price == Decimal("2.50")
    FeeRate.objects.create(item=fees.property, price=Decimal("2.70"), effective_from=date(2026, 1, 1))  # any use
    assert rate_for(fees.property, room, date(2026, 1, 1)).price == Decimal("2.50")  # a use's rate beats any use's
    FeeRate.objects.create(
        item=fees.property, project=world.project, price=Decimal("2.60"), effective_from=date(2025, 1, 1)
    )
    assert rate_for(fees.property, room, date(2026, 1, 1)).price == Decimal("2.60")  # project beats company
    later = FeeRate.objects.create(
        item=fees.property, project=world.project, price=Decimal("2.90"), effective_from=date(2026, 7, 1)
    )
    assert rate_for(fees.property, room, date(2026, 6, 30)).price == Decimal("2.60")
    assert rate_for(fees.property, room, date(2026, 7, 1)) == later
    FeeRate.objects.create(
        item=fees.property, building=room.building, price=Decimal("3.00"), effective_from=date(2026, 1, 1)
    )
    assert rate_for(fees.property, room, date(2026, 7, 1)).price == Decimal("3.00")
    other_building = Building.objects.create(project=world.project, number="99")
    FeeRate.objects.create(
        item=fees.property, building=other_building, price=Decimal("9"), effective_from=date(2026, 1, 1)
    )
    assert rate_for(fees.property, world.room2, date(2026, 7, 1)).price == Decimal("3.00")  # same building 3
    assert rate_for(fees.property, world.other_room, date(2026, 7, 1)).price == Decimal("2.50")  # another project
    assert rate_for(fees.property, room, date(2019, 12, 31)) is None


def test_a_rate_is_added_from_a_date_by_whoever_may(world, fees):
    rate = fee_rate_add(
        actor=world.finance, item=fees.property, price="2.6543", effective_from=date(2027, 1, 1), project=world.project
    )
    assert rate.price == Decimal("2.6543") and rate.created_by == world.finance
    with pytest.raises(ValidationError, match="四位小数"):
        fee_rate_add(
            actor=world.finance,
            item=fees.property,
            price="2.65432",
            effective_from=date(2027, 1, 1),
            project=world.project,
        )
    with pytest.raises(ValidationError, match="负数"):
        fee_rate_add(
            actor=world.finance, item=fees.property, price="-1", effective_from=date(2027, 1, 1), project=world.project
        )
    with pytest.raises(ValidationError):
        fee_rate_add(
            actor=world.finance, item=fees.service, price="1", effective_from=date(2027, 1, 1), project=world.project
        )
    for user in (world.cs, world.supervisor, world.outsider, world.resident_user):
        with pytest.raises(ActionRefused):
            fee_rate_add(
                actor=user, item=fees.property, price="3", effective_from=date(2027, 1, 1), project=world.project
            )
    with pytest.raises(ActionRefused):  # the company-wide rate is the administrator's
        fee_rate_add(actor=world.finance, item=fees.property, price="3", effective_from=date(2027, 1, 1))
    admin = make_user("boss", Role.COMPANY_ADMIN, company=world.company)
    fee_rate_add(actor=admin, item=fees.property, price="3", effective_from=date(2027, 1, 1))
    assert FeeRate.objects.filter(created_by__isnull=False).count() == 2


def test_the_monthly_charge_counts_area_and_units_at_todays_rate(world, fees):
    assert monthly_charge_fen(world.room) == 25000
    ParkingSpace.objects.create(project=world.project, number="B1", room=world.room)
    assert monthly_charge_fen(world.room) == 40000


# ---------------------------------------------------------------- one-off charges


def test_a_paid_repair_is_charged_on_the_room_linked_to_its_request(world, fees):
    sr = world.register(kind="repair", title="换水龙头")
    bill = charge_add(
        actor=world.tech,
        room=world.room,
        item=fees.service,
        quantity="2",
        price="35.5",
        request=sr,
        description="更换水龙头",
    )
    assert bill.total_fen == 7100 and bill.state == BillState.OPEN and bill.line.request == sr
    assert bill.line.periodic is False and sr.charges.get() == bill.line
    # another the same day, same item: one-off charges are as many as there are
    second = charge_add(actor=world.cs, room=world.room, item=fees.service, amount_fen=5000, description="装修垃圾清运")
    assert second.total_fen == 5000
    payment_post(actor=world.cs, room=world.room, amount_fen=12100, method="cash")
    bill.refresh_from_db()
    assert bill.state == BillState.PAID
    check_books()


def test_charges_refuse_what_cannot_be_meant(world, fees):
    with pytest.raises(ValidationError):
        charge_add(actor=world.cs, room=world.room, item=fees.service, amount_fen=0, description="x")
    with pytest.raises(ValidationError):
        charge_add(actor=world.cs, room=world.room, item=fees.service, quantity="1", price="1.00001", description="x")
    with pytest.raises(ValidationError):
        charge_add(actor=world.cs, room=world.room, item=fees.service, amount_fen=100, description=" ")
    with pytest.raises(ValidationError, match="批量出账"):
        charge_add(actor=world.cs, room=world.room, item=fees.property, amount_fen=100, description="x")
    with pytest.raises(ActionRefused):
        charge_add(actor=world.tech, room=world.room, item=fees.service, amount_fen=100, description="x")  # no request
    with pytest.raises(ActionRefused):
        charge_add(actor=world.outsider, room=world.room, item=fees.service, amount_fen=100, description="x")
    other_sr = world.register_other()
    with pytest.raises(ActionRefused):
        charge_add(
            actor=world.cs, room=world.room, item=fees.service, amount_fen=100, request=other_sr, description="x"
        )
    assert not BillLine.objects.exists()
