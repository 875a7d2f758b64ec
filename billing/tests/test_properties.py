"""Property tests (hypothesis) of allocation and proration: whatever the bills, payments, reversals,
refunds and runs, paid + open = billed on every line and bill, no fen appears or disappears
(entries = allocations + balances), the balance is never negative, and a refused action changes
nothing."""

from datetime import date, timedelta
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from billing.choices import Cycle, EntryKind, EntryState, Method, RunState
from billing.models import Account, Allocation, Bill, BillingRun, BillLine, CashierDay, Entry
from billing.money import line_fen, month_add, prorated_months
from billing.services import (
    _ledger,
    balance_refund,
    billing_run_execute,
    billing_run_reverse,
    billing_run_start,
    entry_reverse,
    payment_post,
)
from billing.tests.books import check_books
from billing.tests.conftest import Fees, make_bill
from core.errors import ServiceError

# ---------------------------------------------------------------- pure: proration and rounding

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(start=days, months=st.sampled_from([1, 3, 12]), a=days, b=days)
def test_proration_is_additive_and_bounded(start, months, a, b):
    start = start.replace(day=1)
    end = month_add(start, months) - timedelta(days=1)
    lo, hi = min(a, b), max(a, b)
    whole = prorated_months(start, end, lo, hi)
    assert 0 <= whole <= months
    assert prorated_months(start, end, start, end) == months
    assert prorated_months(start, end, date(1900, 1, 1), date(2100, 1, 1)) == months
    cut = lo + (hi - lo) / 2
    assert prorated_months(start, end, lo, cut) + prorated_months(start, end, cut + timedelta(days=1), hi) == whole


@given(
    qty=st.decimals(min_value=0, max_value=100000, places=2),
    price=st.decimals(min_value=0, max_value=10000, places=4),
    num=st.integers(0, 400),
    den=st.integers(1, 31),
)
def test_a_line_is_rounded_once_to_the_nearest_fen(qty, price, num, den):
    months = Fraction(num, den)
    exact = Fraction(qty) * Fraction(price) * months * 100
    fen = line_fen(qty, price, months=months)
    assert isinstance(fen, int) and abs(fen - exact) <= Fraction(1, 2)
    assert fen >= 0


class FakeLine:
    def __init__(self, pk, amount, paid):
        self.pk, self.amount_fen, self.paid_fen = pk, amount, paid


@given(
    st.lists(st.tuples(st.integers(1, 10000), st.integers(0, 10000)), max_size=8),
    st.integers(0, 60000),
)
def test_a_plan_fills_lines_in_order_and_never_beyond_what_they_owe(raw, amount):
    lines = [FakeLine(i, a, min(p, a)) for i, (a, p) in enumerate(raw)]
    plan = _ledger.plan(lines, amount)
    given_to = {line.pk: m for line, m in plan}
    owed = [line.amount_fen - line.paid_fen for line in lines]
    assert sum(given_to.values()) == min(amount, sum(owed))
    for i, line in enumerate(lines):
        assert 0 <= given_to.get(line.pk, 0) <= owed[i]
        if given_to.get(line.pk, 0) and i:
            assert all(given_to.get(lines[j].pk, 0) == owed[j] for j in range(i))  # earlier lines full first


# ---------------------------------------------------------------- the services, any sequence


def wipe():
    Allocation.objects.all().delete()
    Entry.objects.filter(kind=EntryKind.REVERSAL).delete()
    Entry.objects.all().delete()
    BillLine.objects.all().delete()
    Bill.objects.all().delete()
    BillingRun.objects.all().delete()
    Account.objects.all().delete()
    CashierDay.objects.all().delete()


def snapshot():
    return (
        list(Bill.objects.order_by("pk").values_list("pk", "paid_fen", "state")),
        list(Entry.objects.order_by("pk").values_list("pk", "rest_fen", "state")),
        list(Account.objects.order_by("pk").values_list("pk", "balance_fen")),
        Allocation.objects.count(),
    )


@pytest.mark.django_db
def test_the_books_balance_whatever_happens(world):
    Fees(world)
    rooms = [world.room, world.room2]
    cashiers = [world.cs, world.finance]

    class Books(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            wipe()
            self.month = date(2026, 1, 1)

        def _try(self, action):
            before = snapshot()
            try:
                action()
            except (ServiceError, ValidationError):
                assert snapshot() == before  # refused: nothing half-written

        @rule(room=st.sampled_from([0, 1]), amounts=st.lists(st.integers(1, 50000), min_size=1, max_size=3))
        def bill(self, room, amounts):
            make_bill(rooms[room], *amounts, start=self.month)

        @rule(
            room=st.sampled_from([0, 1]),
            amount=st.integers(1, 120000),
            who=st.sampled_from([0, 1]),
            pick=st.booleans(),
            method=st.sampled_from([Method.CASH, Method.CARD, Method.TRANSFER]),
        )
        def pay(self, room, amount, who, pick, method):
            bill_ids = None
            if pick:
                bill_ids = list(Bill.objects.filter(room=rooms[room], state=10).values_list("pk", flat=True)[:1])
            self._try(
                lambda: payment_post(
                    actor=cashiers[who], room=rooms[room], amount_fen=amount, method=method, bill_ids=bill_ids
                )
            )

        @precondition(lambda self: Entry.objects.filter(kind=EntryKind.PAYMENT).exists())
        @rule(pick=st.integers(0, 1000))
        def reverse(self, pick):
            entries = list(Entry.objects.filter(state=EntryState.POSTED).order_by("pk"))
            entry = entries[pick % len(entries)]
            self._try(lambda: entry_reverse(actor=world.finance, entry=entry, reason="错"))

        @rule(room=st.sampled_from([0, 1]), amount=st.integers(1, 60000))
        def refund(self, room, amount):
            self._try(
                lambda: balance_refund(
                    actor=world.finance, room=rooms[room], amount_fen=amount, method=Method.CASH, reason="退"
                )
            )

        @rule()
        def run(self):
            started = billing_run_start(
                actor=world.finance, project=world.project, period_start=self.month, cycle=Cycle.MONTH
            )
            assert billing_run_execute(run_id=started.pk).state == RunState.DONE
            self.month = month_add(self.month, 1)

        @precondition(lambda self: BillingRun.objects.filter(state=RunState.DONE).exists())
        @rule()
        def reverse_run(self):
            last = BillingRun.objects.filter(state=RunState.DONE).order_by("-pk").first()
            self._try(lambda: billing_run_reverse(actor=world.finance, run=last, reason="重出"))

        @invariant()
        def books_balance(self):
            check_books()

    Books.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    Books.TestCase().runTest()
