"""The ledger's arithmetic, done under the room's Account lock (billing/services/_common.py): which
lines are open in which order, putting money of entries on lines, and drawing on the prepaid
balance. Every sum (BillLine.paid_fen, Bill.paid_fen and state, Entry.rest_fen, Account.balance_fen)
moves here and only here, in the same statement batch as the Allocation rows that explain it.

Allocation order (docs/decisions.md "Billing: allocation order"): the oldest open lines first, by
the bill's period, then the bill, then the item's order; disputed bills are left alone unless the
cashier picks them; cancelled bills never take money.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F
from django.utils import timezone

from billing.choices import BillState, EntryKind, EntryState
from billing.models import Allocation, Bill, BillLine, Entry
from billing.services._common import update_rows

LINE_ORDER = ("bill__period_start", "bill_id", "item__order", "id")


def open_lines(room_id: int, *, bill_ids=None) -> list[BillLine]:
    """The room's lines that still owe money, oldest first (with their bills loaded)."""
    qs = BillLine.objects.filter(
        room_id=room_id, bill__state=BillState.OPEN, cancelled=False, paid_fen__lt=F("amount_fen")
    ).select_related("bill")
    if bill_ids is None:
        qs = qs.filter(bill__disputed=False)
    else:
        qs = qs.filter(bill_id__in=list(bill_ids))
    return list(qs.order_by(*LINE_ORDER))


def plan(lines: list[BillLine], amount: int) -> list[tuple[BillLine, int]]:
    """Which line gets how much of `amount`, in the lines' order, none beyond what it owes."""
    out = []
    left = amount
    for line in lines:
        if left <= 0:
            break
        take = min(line.amount_fen - line.paid_fen, left)
        if take > 0:
            out.append((line, take))
            left -= take
    return out


def apply(moves: list[tuple[Entry, BillLine, int]], at=None) -> None:
    """Write the allocations `moves` (entry, line, fen; negative takes money back off a line) and move
    the lines' and bills' paid sums and the bills' states with them. Lines must carry `.bill`.
    `at`: their time (a payment's allocations carry its posting time: its receipt lists them)."""
    if not moves:
        return
    at = at or timezone.now()
    lines, bills = {}, {}
    allocations = []
    for entry, line, amount in moves:
        line = lines.setdefault(line.pk, line)
        line.paid_fen += amount
        bill = bills.setdefault(line.bill_id, line.bill)
        bill.paid_fen += amount
        allocations.append(Allocation(entry=entry, line=line, amount_fen=amount, created_at=at))
    for bill in bills.values():
        if bill.state != BillState.CANCELLED:
            bill.state = BillState.PAID if bill.paid_fen >= bill.total_fen else BillState.OPEN
    Allocation.objects.bulk_create(allocations, batch_size=1000)
    update_rows(BillLine, ["paid_fen"], [(line.paid_fen, line.pk) for line in lines.values()])
    update_rows(Bill, ["paid_fen", "state"], [(bill.paid_fen, int(bill.state), bill.pk) for bill in bills.values()])


def resting_entries(room_ids, *, newest_first: bool = False) -> dict[int, list[Entry]]:
    """The payments still holding prepaid money of each room, oldest first (or newest first)."""
    qs = Entry.objects.filter(
        room_id__in=list(room_ids), rest_fen__gt=0, kind=EntryKind.PAYMENT, state=EntryState.POSTED
    ).order_by("-id" if newest_first else "id")
    out: dict[int, list[Entry]] = defaultdict(list)
    for entry in qs:
        out[entry.room_id].append(entry)
    return out


def draw_balance(entries: list[Entry], lines: list[BillLine]) -> list[tuple[Entry, BillLine, int]]:
    """Put the prepaid money of `entries` (in their order) on `lines` (in theirs): the moves, with
    each entry's `rest_fen` lowered in memory (the caller saves the entries and the account)."""
    moves = []
    queue = [e for e in entries if e.rest_fen > 0]
    for line in lines:
        owed = line.amount_fen - line.paid_fen
        while owed > 0 and queue:
            entry = queue[0]
            take = min(owed, entry.rest_fen)
            moves.append((entry, line, take))
            entry.rest_fen -= take
            owed -= take
            if entry.rest_fen == 0:
                queue.pop(0)
        if not queue:
            break
    return moves
