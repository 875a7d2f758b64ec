"""Payments at the desk, reversals (冲红), refunds (退费) and the cashier's day (日结), through the
services, with the cast of tests/factories.py."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing.choices import BillState, DayState, EntryKind, Method
from billing.models import Account, Allocation, BillingSettings, CashierDay, Entry
from billing.services import (
    balance_refund,
    cashier_day_close,
    entry_reverse,
    payment_post,
)
from billing.tests.books import check_books
from billing.tests.conftest import make_bill
from core.errors import ActionRefused, Conflict
from core.models import AuditEntry

pytestmark = pytest.mark.django_db


def pay(world, amount, *, actor=None, room=None, method=Method.CASH, **kw):
    return payment_post(actor=actor or world.cs, room=room or world.room, amount_fen=amount, method=method, **kw)


def balance(room) -> int:
    return Account.objects.filter(room=room).values_list("balance_fen", flat=True).first() or 0


def test_a_payment_goes_to_the_oldest_open_lines_first(world, fees):
    old = make_bill(world.room, 10000, 5000, start=date(2026, 1, 1))
    new = make_bill(world.room, 8000, start=date(2026, 2, 1))
    entry = pay(world, 12000, payer_name="张三")
    old.refresh_from_db(), new.refresh_from_db()
    assert old.paid_fen == 12000 and old.state == BillState.OPEN  # 100.00, then 20.00 of 50.00
    assert [a.amount_fen for a in Allocation.objects.filter(entry=entry).order_by("id")] == [10000, 2000]
    assert new.paid_fen == 0
    assert entry.number.startswith("SK") and entry.rest_fen == 0 and entry.day.cashier == world.cs
    check_books()


def test_a_payment_covering_everything_pays_every_bill_and_the_rest_is_prepaid(world, fees):
    world.room.area = Decimal("100.00")
    world.room.save()
    a, b = make_bill(world.room, 10000), make_bill(world.room, 5000, start=date(2026, 2, 1))
    entry = pay(world, 20000)
    a.refresh_from_db(), b.refresh_from_db()
    assert a.state == b.state == BillState.PAID
    assert entry.rest_fen == 5000 and balance(world.room) == 5000
    check_books()


def test_the_cashier_may_pick_the_bills(world, fees):
    old = make_bill(world.room, 10000, start=date(2026, 1, 1))
    new = make_bill(world.room, 8000, start=date(2026, 2, 1))
    pay(world, 8000, bill_ids=[new.pk])
    old.refresh_from_db(), new.refresh_from_db()
    assert (old.paid_fen, new.paid_fen, new.state) == (0, 8000, BillState.PAID)
    check_books()


def test_a_partial_payment_leaves_the_rest_owed(world, fees):
    bill = make_bill(world.room, 10000)
    pay(world, 3000)
    pay(world, 3000)
    bill.refresh_from_db()
    assert (bill.paid_fen, bill.open_fen, bill.state) == (6000, 4000, BillState.OPEN)
    check_books()


def test_overpayment_beyond_the_prepayment_cap_is_refused_with_what_may_be_taken(world, fees):
    # 100 m² at 2.50 = 250.00 a month; the cap 12 months = 3,000.00
    make_bill(world.room, 10000)
    with pytest.raises(ValidationError) as err:
        pay(world, 10000 + 300001)
    assert "最多可多收 3000.00 元" in str(err.value)
    pay(world, 10000 + 300000)
    assert balance(world.room) == 300000
    with pytest.raises(ValidationError, match="最多可多收 0.00 元"):
        pay(world, 1)
    BillingSettings.objects.filter(company=world.company).update(prepay_cap_months=0)
    room2_bill = make_bill(world.room2, 500)
    with pytest.raises(ValidationError, match="预存上限"):
        pay(world, 600, room=world.room2)
    room2_bill.refresh_from_db()
    assert room2_bill.paid_fen == 0 and not Entry.objects.filter(room=world.room2).exists()
    check_books()


@pytest.mark.parametrize("amount", [0, -100, Decimal("1.5"), 1.5, "100", True])
def test_a_zero_negative_or_non_integer_amount_is_refused(world, fees, amount):
    make_bill(world.room, 10000)
    with pytest.raises(ValidationError):
        pay(world, amount)
    assert not Entry.objects.exists()


def test_a_cancelled_or_paid_or_foreign_bill_cannot_be_picked(world, fees):
    cancelled = make_bill(world.room, 1000, state=BillState.CANCELLED)
    with pytest.raises(ValidationError, match="已作废"):
        pay(world, 1000, bill_ids=[cancelled.pk])
    other = make_bill(world.room2, 1000)
    with pytest.raises(ValidationError, match="不属于这个房屋"):
        pay(world, 1000, bill_ids=[other.pk])
    paid = make_bill(world.room, 1000)
    pay(world, 1000, bill_ids=[paid.pk])
    with pytest.raises(ValidationError, match="已缴清"):
        pay(world, 1000, bill_ids=[paid.pk])
    assert Entry.objects.count() == 1


def test_online_methods_are_not_posted_at_the_desk(world, fees):
    make_bill(world.room, 1000)
    with pytest.raises(ValidationError, match="线上支付"):
        pay(world, 1000, method=Method.WECHAT)


def test_who_may_take_payments(world, fees):
    make_bill(world.room, 100000)
    for user in (world.cs, world.supervisor, world.manager, world.finance):
        pay(world, 100, actor=user)
    for user in (world.tech, world.guard, world.lead, world.resident_user, world.outsider):
        with pytest.raises(ActionRefused):
            pay(world, 100, actor=user)
    # the desk collects only where the company lets it
    BillingSettings.objects.filter(company=world.company).update(desk_collects=False)
    with pytest.raises(ActionRefused):
        pay(world, 100, actor=world.cs)
    pay(world, 100, actor=world.finance)
    # another project's room
    make_bill(world.other_room, 1000)
    with pytest.raises(ActionRefused):
        pay(world, 100, actor=world.finance, room=world.other_room)
    assert Entry.objects.count() == 5
    check_books()


def test_every_payment_is_in_the_audit_log(world, fees):
    make_bill(world.room, 1000)
    entry = pay(world, 1000)
    row = AuditEntry.objects.get(object_type="billing.Entry", object_id=str(entry.pk))
    assert row.action == "payment" and row.actor == world.cs and row.changes["amount_fen"] == 1000


# ---------------------------------------------------------------- idempotency


def test_the_same_key_and_request_returns_the_first_payment(world, fees):
    make_bill(world.room, 10000)
    first = pay(world, 5000, idempotency_key="k-1")
    again = pay(world, 5000, idempotency_key="k-1")
    assert again.pk == first.pk and again.replayed
    assert Entry.objects.count() == 1
    with pytest.raises(Conflict, match="另一笔"):
        pay(world, 6000, idempotency_key="k-1")
    with pytest.raises(Conflict):
        pay(world, 5000, idempotency_key="k-1", room=world.room2)
    assert Entry.objects.count() == 1
    check_books()


def test_a_key_too_long_is_refused(world, fees):
    make_bill(world.room, 10000)
    with pytest.raises(ValidationError):
        pay(world, 100, idempotency_key="x" * 65)


# ---------------------------------------------------------------- reversal


def test_a_reversal_takes_the_money_back_off_every_line_and_the_balance(world, fees):
    jan = make_bill(world.room, 10000)
    entry = pay(world, 15000, payer_name="张三")
    assert balance(world.room) == 5000
    reversal = entry_reverse(actor=world.finance, entry=entry, reason="收错房号")
    jan.refresh_from_db()
    assert (jan.paid_fen, jan.state) == (0, BillState.OPEN)
    assert reversal.amount_fen == -15000 and reversal.kind == EntryKind.REVERSAL and reversal.reverses == entry
    assert reversal.number.startswith("CH") and reversal.reason == "收错房号"
    assert balance(world.room) == 0
    entry.refresh_from_db()
    assert entry.rest_fen == 0 and entry.amount_fen == 15000  # the original is kept as it was taken
    assert AuditEntry.objects.filter(action="reversal", object_id=str(reversal.pk)).exists()
    check_books()


def test_a_reversal_also_takes_back_the_prepaid_balance_later_bills_used(world, fees):
    entry = pay(world, 20000)  # all prepaid
    from billing.services import _ledger
    from billing.services._common import lock_account

    later = make_bill(world.room, 7000, start=date(2026, 3, 1))
    from django.db import transaction

    with transaction.atomic():
        account = lock_account(world.room)
        moves = _ledger.draw_balance(
            _ledger.resting_entries([world.room.pk])[world.room.pk], _ledger.open_lines(world.room.pk)
        )
        _ledger.apply(moves)
        Entry.objects.bulk_update([m[0] for m in moves], ["rest_fen"])
        Account.objects.filter(pk=account.pk).update(balance_fen=account.balance_fen - 7000)
    later.refresh_from_db()
    assert later.state == BillState.PAID
    check_books()
    entry_reverse(actor=world.finance, entry=entry, reason="退回")
    later.refresh_from_db()
    assert (later.paid_fen, later.state) == (0, BillState.OPEN)
    assert balance(world.room) == 0
    check_books()


def test_a_reversal_of_a_reversal_and_a_second_reversal_are_refused(world, fees):
    make_bill(world.room, 1000)
    entry = pay(world, 1000)
    reversal = entry_reverse(actor=world.finance, entry=entry, reason="错")
    with pytest.raises(ActionRefused, match="冲红记录不能再冲红"):
        entry_reverse(actor=world.finance, entry=reversal, reason="再错")
    with pytest.raises(ActionRefused, match="已经冲红"):
        entry_reverse(actor=world.finance, entry=entry, reason="又错")
    assert Entry.objects.count() == 2
    check_books()


def test_who_may_reverse(world, fees):
    make_bill(world.room, 1000)
    entry = pay(world, 1000)
    for user in (world.cs, world.supervisor, world.manager, world.outsider, world.resident_user):
        with pytest.raises(ActionRefused):
            entry_reverse(actor=user, entry=entry, reason="错")
    with pytest.raises(ValidationError):
        entry_reverse(actor=world.finance, entry=entry, reason="  ")
    entry_reverse(actor=world.pm, entry=entry, reason="错")


def test_a_reversal_of_a_closed_days_payment_goes_on_todays_day(world, fees):
    make_bill(world.room, 1000)
    yesterday = timezone.now() - timedelta(days=1)
    with time_machine.travel(yesterday, tick=False):
        entry = pay(world, 1000, actor=world.finance)
        cashier_day_close(actor=world.finance, day=entry.day, handed_to=make_finance(world), signature="财务")
    reversal = entry_reverse(actor=world.finance, entry=entry, reason="错")
    assert reversal.day != entry.day and reversal.day.day == timezone.localdate()
    entry.day.refresh_from_db()
    assert entry.day.state == DayState.CLOSED and entry.day.net_fen == 1000


# ---------------------------------------------------------------- refunds


def test_a_refund_pays_out_prepaid_balance_and_not_more(world, fees):
    pay(world, 30000)
    with pytest.raises(ValidationError, match="超过预存余额"):
        balance_refund(actor=world.finance, room=world.room, amount_fen=30001, method=Method.CASH, reason="退房")
    with pytest.raises(ActionRefused):
        balance_refund(actor=world.cs, room=world.room, amount_fen=100, method=Method.CASH, reason="退房")
    refund = balance_refund(
        actor=world.finance, room=world.room, amount_fen=20000, method=Method.TRANSFER, reason="过户退预存"
    )
    assert refund.amount_fen == -20000 and refund.kind == EntryKind.REFUND and refund.number.startswith("TF")
    assert balance(world.room) == 10000
    check_books()


def test_a_payment_whose_prepaid_money_was_refunded_cannot_be_reversed_whole(world, fees):
    old = pay(world, 10000)
    new = pay(world, 10000)
    balance_refund(actor=world.finance, room=world.room, amount_fen=8000, method=Method.CASH, reason="退")
    old.refresh_from_db(), new.refresh_from_db()
    assert (old.rest_fen, new.rest_fen) == (10000, 2000)  # the newest prepayment is paid back first
    with pytest.raises(ActionRefused, match="已退费"):
        entry_reverse(actor=world.finance, entry=new, reason="错")
    entry_reverse(actor=world.finance, entry=old, reason="错")
    assert balance(world.room) == 2000
    check_books()


# ---------------------------------------------------------------- the day close


def make_finance(world, name="fin2"):
    from core.choices import Role
    from tests.factories import make_user

    return make_user(name, Role.FINANCE, [world.project], company=world.company)


def test_the_day_close_counts_by_method_and_freezes_the_day(world, fees):
    make_bill(world.room, 100000)
    pay(world, 1000)
    pay(world, 2000, method=Method.CARD)
    pay(world, 3000)
    day = CashierDay.objects.get(cashier=world.cs)
    with pytest.raises(ValidationError):
        cashier_day_close(actor=world.cs, day=day, handed_to=world.cs2, signature="王丽")  # not finance
    with pytest.raises(ValidationError):
        cashier_day_close(actor=world.cs, day=day, handed_to=world.finance, signature="")
    with pytest.raises(ActionRefused):
        cashier_day_close(actor=world.cs2, day=day, handed_to=world.finance, signature="李娜")  # not theirs
    day = cashier_day_close(actor=world.cs, day=day, handed_to=world.finance, signature="王丽")
    assert day.state == DayState.CLOSED
    assert day.totals == {"cash": 4000, "card": 2000} and day.count == 3 and day.net_fen == 6000
    with pytest.raises(ActionRefused, match="已日结"):
        pay(world, 500)
    with pytest.raises(ActionRefused, match="已经日结"):
        cashier_day_close(actor=world.cs, day=day, handed_to=world.finance, signature="王丽")
    assert Entry.objects.count() == 3
    pay(world, 500, actor=world.cs2)  # another cashier takes it
    assert AuditEntry.objects.filter(action="day_closed", object_id=str(day.pk)).exists()


# ---------------------------------------------------------------- what a payment costs the database


def _statements(actor, room, amount_fen, key):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.models import User
    from estate.models import Room

    room = Room.objects.select_related("project__company").get(pk=room.pk)  # as the pages load it
    actor = User.objects.get(pk=actor.pk)
    actor.project_ids()  # read once a request, before any service
    with CaptureQueriesContext(connection) as q:
        entry = payment_post(actor=actor, room=room, amount_fen=amount_fen, method=Method.CASH, idempotency_key=key)
    statements = [s["sql"] for s in q.captured_queries if not s["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    return entry, statements


def test_a_payments_statements_do_not_grow_with_the_bills_it_pays(world, fees):
    """The lock, the replay check, the day, the open lines, the number, the entry, its allocations,
    the lines' and bills' sums (one statement each, sent for every row), the audit row; a desk
    clerk's payment adds the company's setting (may the desk collect?)."""
    make_bill(world.room, 10000)
    for month in range(1, 7):
        make_bill(world.room2, 10000, 2550, start=date(2026, month, 1))
    for room in (world.room, world.room2):  # the room's account and the cashier's day exist from now on
        payment_post(actor=world.finance, room=room, amount_fen=1, method=Method.CASH)
    _entry, one = _statements(world.finance, world.room, 9999, "one")
    _entry, six = _statements(world.finance, world.room2, 6 * 12550 - 1, "six")
    assert len(one) == len(six) <= 12, six
    _entry, desk = _statements(world.cs, world.room2, 100, "desk")  # nothing left to pay: all prepaid
    check_books()
    assert sum("billing_billingsettings" in s for s in desk) == 1  # read once, for the rule and the cap


def test_a_desk_payment_ahead_reads_the_settings_once(world, fees):
    make_bill(world.room, 10000)
    entry, statements = _statements(world.cs, world.room, 15000, "ahead")
    assert entry.rest_fen == 5000
    assert sum("billing_billingsettings" in s for s in statements) == 1  # the rule's read serves the cap
