"""The books checked against their rows: every denormalised sum equals what its rows say, and no fen
appears or disappears."""

from collections import defaultdict

from django.db.models import Sum

from billing.choices import BillState, EntryKind, EntryState
from billing.models import Account, Allocation, Bill, BillLine, Entry


def check_books(room_ids=None) -> dict:
    """Assert the invariants over the rooms (all rooms by default); return a few totals."""
    bills = Bill.objects.all()
    lines = BillLine.objects.all()
    entries = Entry.objects.filter(state=EntryState.POSTED)
    allocations = Allocation.objects.all()
    accounts = Account.objects.all()
    if room_ids is not None:
        bills, lines = bills.filter(room_id__in=room_ids), lines.filter(room_id__in=room_ids)
        entries, accounts = entries.filter(room_id__in=room_ids), accounts.filter(room_id__in=room_ids)
        allocations = allocations.filter(line__room_id__in=room_ids)

    by_line = defaultdict(int)
    by_entry = defaultdict(int)
    for line_id, entry_id, amount in allocations.values_list("line_id", "entry_id", "amount_fen"):
        by_line[line_id] += amount
        by_entry[entry_id] += amount
    line_sums = defaultdict(lambda: [0, 0])
    for line in lines:
        assert line.paid_fen == by_line[line.pk], f"line {line.pk}: paid {line.paid_fen} ≠ allocated"
        assert 0 <= line.paid_fen <= line.amount_fen
        assert line.amount_fen >= 0
        if line.cancelled:
            assert line.paid_fen == 0
        line_sums[line.bill_id][0] += line.amount_fen
        line_sums[line.bill_id][1] += line.paid_fen
    for bill in bills:
        total, paid = line_sums[bill.pk]
        assert bill.total_fen == total, f"bill {bill.number}: total ≠ sum of lines"
        assert bill.paid_fen == paid, f"bill {bill.number}: paid ≠ sum of lines"
        if bill.state == BillState.CANCELLED:
            assert paid == 0
        elif paid == total:
            assert bill.state == BillState.PAID
        else:
            assert bill.state == BillState.OPEN
        assert bill.open_fen + bill.paid_fen == (0 if bill.state == BillState.CANCELLED else bill.total_fen)

    rest_by_room = defaultdict(int)
    for entry in entries:
        if entry.kind == EntryKind.PAYMENT:
            assert entry.rest_fen >= 0
            assert entry.amount_fen >= by_entry[entry.pk] + entry.rest_fen
            rest_by_room[entry.room_id] += entry.rest_fen
        else:
            assert entry.rest_fen == 0
        if entry.kind == EntryKind.REVERSAL:
            assert entry.amount_fen == -entry.reverses.amount_fen
    balances = {a.room_id: a.balance_fen for a in accounts}
    for room_id, balance in balances.items():
        assert balance >= 0
        assert balance == rest_by_room[room_id], f"room {room_id}: balance ≠ payments' rests"
    for room_id, rest in rest_by_room.items():
        assert balances.get(room_id, 0) == rest

    entries_sum = entries.aggregate(s=Sum("amount_fen"))["s"] or 0
    alloc_sum = sum(by_entry.values())
    balance_sum = sum(balances.values())
    assert entries_sum == alloc_sum + balance_sum, "a fen appeared or disappeared"
    # what each reversed payment put on lines is all taken back
    for entry in entries.filter(kind=EntryKind.REVERSAL):
        assert by_entry[entry.pk] + by_entry[entry.reverses_id] == 0
    return {"entries": entries_sum, "allocated": alloc_sum, "balance": balance_sum}
