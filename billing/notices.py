"""What residents are told about their money (core/notify.py notify_events; the texts are
core.NotificationTemplate rows, the channels each resident's preferences):

- "bill_issued": a room's paying residents (rules.PAYING_RELATIONS) when a bill is issued. A billing
  run tells its rooms from the task queue once it is done (`run_bills_notify`, one task per run,
  a few thousand rooms per bulk write), so 100,000 rooms do not slow the run; a one-off charge
  (charges.charge_create) tells its room in the charge's own transaction (an outbox row).
- "payment_posted": the resident who paid online, when the gateway's callback posts the payment;
  for a payment taken at the desk, the room's paying residents (a receipt notice: someone paid
  for their home, and here is its number).
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from billing.choices import BillState, Payer, RunState
from billing.models import Bill, BillingRun, Entry
from billing.money import yuan
from billing.rules import PAYING_RELATIONS
from core.models import User
from core.notify import notify_events

BATCH = 2000


def payers(room_ids) -> dict[int, list[User]]:
    """Each room's paying residents with an active account today, in one query each."""
    from estate.models import Occupancy

    pairs = list(
        Occupancy.objects.current()
        .filter(room_id__in=list(room_ids), relation__in=PAYING_RELATIONS, resident__user__isnull=False)
        .values_list("room_id", "resident__user_id")
    )
    users = User.objects.filter(is_active=True).in_bulk({u for _r, u in pairs})
    out: dict[int, list[User]] = defaultdict(list)
    for room_id, user_id in pairs:
        if user_id in users:
            out[room_id].append(users[user_id])
    return out


def period_text(start, end) -> str:
    """'2026-11' for a whole calendar month, else '2026-11-01 – 2026-12-31'."""
    if start.day == 1 and end.year == start.year and end.month == start.month:
        if end.day == monthrange(end.year, end.month)[1]:
            return f"{start:%Y-%m}"
    if start == end:
        return f"{start:%Y-%m-%d}"
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"


def _context(bill: Bill) -> dict:
    return {
        "room": bill.room.code,
        "period": period_text(bill.period_start, bill.period_end),
        "amount": yuan(bill.total_fen - bill.paid_fen),
        "number": bill.number,
        "due_on": f"{bill.due_on:%Y-%m-%d}",
    }


def bills_issued_notify(bills) -> int:
    """Tell the paying residents of each open, resident-paid bill (loaded with its room)."""
    bills = [b for b in bills if b.state == BillState.OPEN and b.payer != Payer.DEVELOPER and b.total_fen > b.paid_fen]
    if not bills:
        return 0
    who = payers({b.room_id for b in bills})
    url = reverse("portal:bills")
    items = [(who[b.room_id], _context(b), url) for b in bills if who.get(b.room_id)]
    return notify_events("bill_issued", items) if items else 0


def bill_issued_on_commit(bill: Bill) -> None:
    """A one-off bill: its room is told when the charge commits (nothing is said of a charge that
    rolled back)."""
    bill_id = bill.pk
    transaction.on_commit(
        lambda: bills_issued_notify(Bill.objects.select_related("room").filter(pk=bill_id)), robust=True
    )


def run_bills_notify(run_id: int, *, batch: int = BATCH) -> int:
    """A finished run's bills told to their rooms, once (the run is claimed with a compare-and-swap
    of `notified_at`), a batch of bills per transaction. A run reversed meanwhile tells nothing."""
    claimed = BillingRun.objects.filter(pk=run_id, state=RunState.DONE, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return 0
    told, after = 0, 0
    while True:
        bills = list(
            Bill.objects.filter(run_id=run_id, state=BillState.OPEN, pk__gt=after)
            .exclude(payer=Payer.DEVELOPER)
            .select_related("room")
            .order_by("pk")[:batch]
        )
        if not bills:
            return told
        with transaction.atomic():
            told += bills_issued_notify(bills)
        after = bills[-1].pk


def run_done_on_commit(run_id: int) -> None:
    """Queue the run's notices once its last chunk commits (billing/tasks.py)."""
    from billing.tasks import notify_run_bills

    transaction.on_commit(lambda: notify_run_bills(run_id), robust=True)


def payment_notice_on_commit(entry_id: int) -> None:
    """Queue a desk payment's notice once its transaction commits (billing/tasks.py): the desk's
    payment keeps its statements; a lost notice is a courtesy missed, the printed receipt the record."""
    from billing.tasks import notify_payment

    transaction.on_commit(lambda: notify_payment(entry_id), robust=True)


def payment_posted_notify(entry: Entry) -> int:
    """The short receipt notice (in the posting's transaction: an outbox row): to the resident who
    paid online, or for a payment at the desk to the room's paying residents."""
    if entry.paid_by_id:
        users = list(User.objects.filter(pk=entry.paid_by_id, is_active=True))
    else:
        users = payers([entry.room_id]).get(entry.room_id, [])
    if not users:
        return 0
    context = {"room": entry.room.code, "amount": yuan(entry.amount_fen), "number": entry.number}
    return notify_events("payment_posted", [(users, context, reverse("portal:payment", args=[entry.pk]))])
