"""Money rows for the arrears side's tests, made directly with the ORM (the cashier side's services
are built in parallel). They keep the invariants the services keep: a bill's total is the sum of its
lines, a line's and a bill's paid amounts are the sums of their allocations, a bill fully paid is
PAID, a payment's unallocated rest is the room's prepaid balance."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from billing.choices import Basis, BillState, EntryKind, EntryState, Method
from billing.models import Account, Allocation, Bill, BillingSettings, BillLine, Entry, FeeItem

_numbers = itertools.count(1)


def fee_item(company, code="wuye", name="物业服务费", *, account_code="6001", basis=Basis.AREA, periodic=True):
    item, _created = FeeItem.objects.get_or_create(
        company=company,
        code=code,
        defaults={"name": name, "basis": basis, "account_code": account_code, "periodic": periodic},
    )
    return item


def settings_for(company, **values) -> BillingSettings:
    obj, _created = BillingSettings.objects.get_or_create(company=company)
    for key, value in values.items():
        setattr(obj, key, value)
    obj.save()
    return obj


def make_bill(
    room,
    lines,
    *,
    period_start: date,
    due_on: date | None = None,
    issued_on: date | None = None,
    disputed: bool = False,
    dispute_reason: str = "",
    request=None,
) -> Bill:
    """A bill of `room` with `lines`, each (FeeItem, amount_fen) or (FeeItem, amount_fen, request).
    A period the room is already billed for (same item) moves a month back until it is free: the
    tests speak of due dates, the one-line-per-period constraint must hold all the same."""
    items = [spec[0] for spec in lines if len(spec) < 3 and request is None]
    while BillLine.objects.filter(room=room, item__in=items, period_start=period_start, cancelled=False).exists():
        period_start = month_start(period_start, 1)
    period_end = (period_start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    issued_on = issued_on or period_start
    bill = Bill.objects.create(
        project_id=room.project_id,
        room=room,
        number=f"T{next(_numbers):08d}",
        period_start=period_start,
        period_end=period_end,
        issued_on=issued_on,
        due_on=due_on or issued_on + timedelta(days=15),
        disputed=disputed,
        dispute_reason=dispute_reason,
    )
    total = 0
    for spec in lines:
        item, amount = spec[0], spec[1]
        line_request = spec[2] if len(spec) > 2 else request
        BillLine.objects.create(
            bill=bill,
            room=room,
            item=item,
            period_start=period_start,
            quantity=Decimal("1"),
            price=Decimal(amount) / 100,
            amount_fen=amount,
            request=line_request,
        )
        total += amount
    bill.total_fen = total
    if total == 0:
        bill.state = BillState.PAID
    bill.save(update_fields=["total_fen", "state"])
    Account.objects.get_or_create(room=room, defaults={"project_id": room.project_id})
    return bill


def _moment(at) -> datetime:
    if at is None:
        return timezone.now()
    if isinstance(at, datetime):
        return at
    return timezone.make_aware(datetime.combine(at, time(10, 0)))


def pay(room, amount_fen: int, *, at=None, bills=None, method=Method.CASH, cashier=None) -> Entry:
    """A posted payment allocated to the room's open bills oldest first (or to `bills` in order);
    what is left over becomes prepaid balance."""
    moment = _moment(at)
    entry = Entry.objects.create(
        project_id=room.project_id,
        room=room,
        number=f"R{next(_numbers):08d}",
        kind=EntryKind.PAYMENT,
        method=method,
        amount_fen=amount_fen,
        state=EntryState.POSTED,
        cashier=cashier,
        created_at=moment,
        posted_at=moment,
    )
    rest = amount_fen
    targets = bills or list(Bill.objects.filter(room=room, state=BillState.OPEN).order_by("due_on", "id"))
    for bill in targets:
        for line in bill.lines.filter(cancelled=False).order_by("id"):
            take = min(rest, line.amount_fen - line.paid_fen)
            if take <= 0:
                continue
            Allocation.objects.create(entry=entry, line=line, amount_fen=take, created_at=moment)
            line.paid_fen += take
            line.save(update_fields=["paid_fen"])
            rest -= take
        _resum(bill)
    if rest:
        account = Account.objects.get(room=room)
        account.balance_fen += rest
        account.save(update_fields=["balance_fen"])
    return entry


def reverse(entry: Entry, *, at=None, reason="收错了") -> Entry:
    """A reversal (冲红) of a payment: the negated allocations on the same lines."""
    moment = _moment(at)
    reversal = Entry.objects.create(
        project_id=entry.project_id,
        room_id=entry.room_id,
        number=f"R{next(_numbers):08d}",
        kind=EntryKind.REVERSAL,
        method=entry.method,
        amount_fen=-entry.amount_fen,
        state=EntryState.POSTED,
        reverses=entry,
        reason=reason,
        created_at=moment,
        posted_at=moment,
    )
    for alloc in entry.allocations.select_related("line"):
        Allocation.objects.create(entry=reversal, line=alloc.line, amount_fen=-alloc.amount_fen, created_at=moment)
        line = alloc.line
        line.paid_fen -= alloc.amount_fen
        line.save(update_fields=["paid_fen"])
        _resum(line.bill)
    return reversal


def _resum(bill: Bill) -> None:
    bill.refresh_from_db()
    bill.paid_fen = sum(bill.lines.filter(cancelled=False).values_list("paid_fen", flat=True))
    bill.state = BillState.PAID if bill.paid_fen >= bill.total_fen else BillState.OPEN
    bill.save(update_fields=["paid_fen", "state"])


def month_start(day: date, back: int = 0) -> date:
    total = day.year * 12 + day.month - 1 - back
    return date(total // 12, total % 12 + 1, 1)
