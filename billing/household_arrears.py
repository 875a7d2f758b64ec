"""The money side's cards on the household page (一户一档, estate/panels.py): the account (what the
room owes, its prepaid balance, its latest bills and payments) and its arrears with the dunning
history. Both cards read one shared context, computed once per request and room, whose queries do
not grow with the room's history: the open bills (what is owed, overdue and disputed is summed from
them, not asked again), the latest others, the latest entries, the balance with whether a payment
plan is running (one query), the latest dunning steps. Registered in billing/household_panels.py.

The household timeline shows every dunning step as well (billing/timeline_arrears.py)."""

from django.db.models import Exists, OuterRef, Subquery
from django.template.loader import render_to_string
from django.utils import timezone

from billing import rules, selectors
from billing.choices import BillState, PlanState
from billing.models import Account, PaymentPlan
from billing.money import yuan
from estate.models import Room

HISTORY = 5  # dunning steps shown on the card; the room's arrears page has them all


def household_context(request, room) -> dict | None:
    """What the two cards show, or None when the user may not see accounts (residents never: they
    have their own pages). Kept on the request: the second card costs no query."""
    cache = request.__dict__.setdefault("_billing_household", {})
    key = (request.user.pk, room.pk)
    if key not in cache:
        cache[key] = _context(request, room)
    return cache[key]


def _context(request, room) -> dict | None:
    user = request.user
    if user.is_resident or not rules.may_view_accounts(user, room.project_id):
        return None
    bills = selectors.account_bills(room, recent=3)
    open_bills = [b for b in bills if b.state == BillState.OPEN]
    today = timezone.localdate()
    owed = sum(b.total_fen - b.paid_fen for b in open_bills)
    disputed = sum(b.total_fen - b.paid_fen for b in open_bills if b.disputed)
    overdue = sum(b.total_fen - b.paid_fen for b in open_bills if b.due_on < today and not b.disputed)
    balance, plan = (
        Room.objects.filter(pk=room.pk)
        .annotate(
            balance=Subquery(Account.objects.filter(room_id=OuterRef("pk")).values("balance_fen")[:1]),
            plan=Exists(PaymentPlan.objects.filter(room_id=OuterRef("pk"), state=PlanState.ACTIVE)),
        )
        .values_list("balance", "plan")
        .get()
    )
    return {
        "room": room,
        "owed": yuan(owed),
        "balance": yuan(balance or 0),
        "bills": bills[:6],
        "entries": selectors.account_entries(room, limit=5),
        "may_pay": rules.may_take_payments(
            user, room.project_id, company_id=room.project.company_id, read=rules.settings_read(user)
        ),
        "a": {"owed": owed, "overdue": overdue, "disputed": disputed},
        "plan": plan,
        "history": selectors.dunning_history(room, limit=HISTORY),
    }


# The cards are rendered without the request: they need no form token nor the user, and a render with
# it runs the context processors again (the top bar's unread count: one query per card).


def account_panel(request, room) -> str:
    context = household_context(request, room)
    return render_to_string("billing/_household_panel.html", context) if context else ""


def dunning_panel(request, room) -> str:
    """The room's arrears, aged, and its latest dunning steps ("" for who may not see accounts)."""
    context = household_context(request, room)
    return render_to_string("billing/arrears/_household_dunning.html", context) if context else ""
