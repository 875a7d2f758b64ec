"""The demo's money: a year and more of bills made by the runs, paid as households pay (most on time,
some months behind, a few more than a year), closed cashier days; the books balance."""

import pytest
from django.utils import timezone

from billing.choices import BillState, DayState, EntryKind, RunState
from billing.models import Bill, BillingRun, CashierDay, Entry
from billing.money import month_add
from billing.tests.books import check_books
from desk.demo import seed_demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_year_of_bills_with_realistic_arrears():
    seed_demo(requests_per_project=5)
    this_month = timezone.localdate().replace(day=1)
    cuihu = BillingRun.objects.filter(project__code="cuihu")
    assert cuihu.count() == 14 and set(cuihu.values_list("state", flat=True)) == {RunState.DONE}
    open_bills = Bill.objects.filter(project__code="cuihu", state=BillState.OPEN)
    total = Bill.objects.filter(project__code="cuihu").count()
    assert 0.05 < open_bills.count() / total < 0.4
    year_ago = month_add(this_month, -12)
    assert open_bills.filter(period_start__lt=year_ago).values("room").distinct().count() >= 3
    assert Bill.objects.filter(payer="developer").exists()
    assert CashierDay.objects.filter(state=DayState.CLOSED).count() > 100
    assert CashierDay.objects.filter(state=DayState.OPEN).exists()  # today's, to close in the demo
    assert Entry.objects.filter(kind=EntryKind.REVERSAL).count() == 1
    assert Entry.objects.filter(kind=EntryKind.REFUND).count() == 1
    assert Entry.objects.filter(rest_fen__gt=0).exists()
    check_books()
