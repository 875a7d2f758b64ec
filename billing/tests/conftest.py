"""Fixtures of the money side's tests: the company's fee items and rates, bills made quickly."""

from datetime import date
from decimal import Decimal

import pytest

from billing.choices import Basis, BillState, Counts, Cycle
from billing.models import Bill, BillingSettings, BillLine, FeeItem, FeeRate
from desk.services import take_number


class Fees:
    """物业服务费 by area (2.50 a m² for homes, 6.00 for shops), 车位管理费 per parking space (150), 水费
    metered (3.50 a tonne), and a one-off item for charges (有偿服务)."""

    def __init__(self, world):
        c = world.company
        self.settings = BillingSettings.objects.create(company=c)
        self.property = FeeItem.objects.create(company=c, code="wy", name="物业服务费", basis=Basis.AREA, order=1)
        self.parking = FeeItem.objects.create(
            company=c, code="cw", name="车位管理费", basis=Basis.UNIT, counts=Counts.PARKING, order=2
        )
        self.water = FeeItem.objects.create(company=c, code="sf", name="水费", basis=Basis.METERED, order=3)
        self.service = FeeItem.objects.create(
            company=c, code="yc", name="有偿服务", basis=Basis.ONE_OFF, periodic=False, order=9
        )
        since = date(2020, 1, 1)
        FeeRate.objects.create(item=self.property, price=Decimal("2.50"), effective_from=since, room_use="residential")
        FeeRate.objects.create(item=self.property, price=Decimal("6.00"), effective_from=since, room_use="shop")
        FeeRate.objects.create(item=self.parking, price=Decimal("150"), effective_from=since)
        FeeRate.objects.create(item=self.water, price=Decimal("3.50"), effective_from=since)


@pytest.fixture
def fees(world):
    return Fees(world)


def make_bill(room, *amounts, item=None, start=date(2026, 1, 1), state=BillState.OPEN) -> Bill:
    """A bill of the room with one line per amount (fen), each of its own one-off item line."""
    from billing.models import FeeItem

    item = item or FeeItem.objects.get(company=room.project.company, code="yc")
    bill = Bill.objects.create(
        project=room.project,
        room=room,
        number=take_number("ZD"),
        period_start=start,
        period_end=start,
        due_on=start,
        total_fen=sum(amounts),
        state=state,
    )
    for amount in amounts:
        BillLine.objects.create(
            bill=bill,
            room=room,
            item=item,
            period_start=start,
            quantity=1,
            price=Decimal(amount) / 100,
            amount_fen=amount,
            periodic=False,
        )
    return bill


@pytest.fixture
def bill_for():
    return make_bill


MONTH = Cycle.MONTH
