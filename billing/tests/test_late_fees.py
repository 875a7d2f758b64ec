"""Late fees (滞纳金): only where the company turns them on; rate, grace period and cap; a computed
figure, and the monthly task charges what accrued as a one-off line, once."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.choices import BillState
from billing.ledger import LATE_FEE_CODE, LateFeeTerms, late_fee_fen, room_arrears
from billing.models import Bill, BillLine
from billing.services import late_fees_charge
from billing.services.late_fees import accrued_in_month
from billing.tests.arrears_factories import fee_item, make_bill, settings_for

TERMS = LateFeeTerms(daily_permille=Fraction(1, 2), grace_days=30, cap_percent=10)


@pytest.fixture
def item(world):
    return fee_item(world.company)


def test_the_figure_counts_days_past_the_grace_period_and_stops_at_the_cap():
    assert late_fee_fen(100000, 30, TERMS) == 0  # inside the grace period
    assert late_fee_fen(100000, 31, TERMS) == 50  # 1,000 yuan × 0.5‰ × 1 day = 0.50 yuan
    assert late_fee_fen(100000, 70, TERMS) == 2000
    assert late_fee_fen(100000, 400, TERMS) == 10000  # 10 % of the rest at most
    assert late_fee_fen(333, 33, TERMS) == 0  # 0.4995 fen rounds half up to 0
    assert late_fee_fen(1000, 33, TERMS) == 2  # 1.5 fen rounds half up to 2


@given(
    rest=st.integers(min_value=0, max_value=10**9),
    due=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    months=st.integers(min_value=1, max_value=30),
    permille=st.fractions(min_value=0, max_value=3, max_denominator=1000),
    grace=st.integers(min_value=0, max_value=90),
    cap=st.integers(min_value=0, max_value=100),
)
def test_monthly_charges_add_up_to_the_capped_figure(rest, due, months, permille, grace, cap):
    terms = LateFeeTerms(permille, grace, cap)
    first = due.replace(day=1)
    total = 0
    month = first
    for _ in range(months):
        charged = accrued_in_month(rest, due, month, terms)
        assert charged >= 0
        total += charged
        month = (month + timedelta(days=32)).replace(day=1)
    last_day = month - timedelta(days=1)
    assert total == late_fee_fen(rest, (last_day - due).days, terms)
    assert total <= rest * cap // 100 + 1


def test_off_by_default_no_figure_and_no_charge(world, item):
    make_bill(world.room, [(item, 100000)], period_start=date(2026, 1, 1), due_on=date(2026, 1, 15))
    assert room_arrears(world.room, today=date(2026, 12, 1)).late_fee is None
    settings_for(world.company)  # the settings row exists, late fees still off
    assert room_arrears(world.room, today=date(2026, 12, 1)).late_fee is None
    assert late_fees_charge(month=date(2026, 11, 1)) == {"rooms": 0, "fen": 0}
    assert not BillLine.objects.filter(item__code=LATE_FEE_CODE).exists()


def test_on_the_figure_is_shown_and_the_month_is_charged_once(world, item):
    settings_for(
        world.company,
        late_fee_enabled=True,
        late_fee_daily_permille=Decimal("0.5"),
        late_fee_grace_days=30,
        late_fee_cap_percent=10,
    )
    make_bill(world.room, [(item, 100000)], period_start=date(2026, 9, 1), due_on=date(2026, 9, 15))
    disputed = make_bill(
        world.room2, [(item, 100000)], period_start=date(2026, 9, 1), due_on=date(2026, 9, 15), disputed=True
    )
    # 2026-11-30 is 76 days past 09-15: 46 days beyond the grace period, 1,000 yuan × 0.5‰ × 46
    assert room_arrears(world.room, today=date(2026, 11, 30)).late_fee == 2300
    assert room_arrears(world.room2, today=date(2026, 11, 30)).late_fee == 0  # disputed: none
    result = late_fees_charge(month=date(2026, 10, 1))  # October: 10-16 … 10-31 beyond grace = 16 days
    assert result == {"rooms": 1, "fen": 800}
    result = late_fees_charge(month=date(2026, 11, 1))  # November: 30 days
    assert result == {"rooms": 1, "fen": 1500}
    assert late_fees_charge(month=date(2026, 11, 1)) == {"rooms": 0, "fen": 0}  # a second run: nothing
    lines = BillLine.objects.filter(item__code=LATE_FEE_CODE).order_by("period_start")
    assert [(x.period_start, x.amount_fen, x.room_id) for x in lines] == [
        (date(2026, 10, 1), 800, world.room.pk),
        (date(2026, 11, 1), 1500, world.room.pk),
    ]
    bill = lines[0].bill
    assert bill.total_fen == 800 and bill.state == BillState.OPEN and not lines[0].item.periodic
    assert disputed.pk not in Bill.objects.filter(lines__item__code=LATE_FEE_CODE).values_list("pk", flat=True)
    # late-fee bills bear no late fee themselves: January charges the September bill only
    assert late_fees_charge(month=date(2027, 1, 1)) == {"rooms": 1, "fen": 5400 - 3850}
    # the cap (10 % = 100 yuan) is reached in May 2027: nothing more after it
    assert late_fees_charge(month=date(2027, 5, 1))["fen"] == 10000 - 9850  # 04-30 is 227 days past due: 197 × 50 fen
    assert late_fees_charge(month=date(2027, 8, 1)) == {"rooms": 0, "fen": 0}
    assert not BillLine.objects.filter(item__code=LATE_FEE_CODE, room=world.room2).exists()


def test_the_task_wraps_the_service(world, monkeypatch):
    from billing import tasks_arrears

    called = {}
    monkeypatch.setattr(tasks_arrears.services, "late_fees_charge", lambda **kw: called.setdefault("yes", kw))
    tasks_arrears.charge_late_fees.call_local()
    assert called == {"yes": {}}
