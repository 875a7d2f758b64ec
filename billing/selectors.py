"""Reads of the money side that pages, the API and exports share. Who sees what is decided here:
staff see the rooms of their projects (when billing.rules.may_view_accounts); a resident sees the
bills and money entries of the rooms they pay for today (owner, co-owner, tenant; not a family
member), from the day their link began (estate.selectors.resident_records: a new owner does not
see the previous owner's payments)."""

from django.db.models import Exists, OuterRef, QuerySet, Sum

from billing import rules
from billing.choices import BillState
from billing.models import Bill, Entry
from billing.rules import may_view_accounts
from estate.selectors import occupancy_period, resident_scope


def paying_rooms(scope) -> list[int]:
    """The rooms a resident pays for today (owner, co-owner, tenant: billing.rules PAYING_RELATIONS),
    from their occupancy scope (estate.selectors.resident_scope): a family member or an emergency
    contact sees no money."""
    return sorted({room for room, relation, _start, _rid in scope.links if relation in rules.PAYING_RELATIONS})


def _resident_money(qs: QuerySet, user, *, at: str, dated: bool = False) -> QuerySet:
    """`qs` (bills or entries) narrowed to the resident's occupancy period on the rooms they pay
    for: the scope read once (or not at all when the page keeps it)."""
    scope = resident_scope(user)
    return qs.filter(occupancy_period(scope, at=at, dated=dated), room_id__in=paying_rooms(scope))


def visible_bills(user) -> QuerySet[Bill]:
    if not user.is_authenticated:
        return Bill.objects.none()
    if user.is_superuser:
        return Bill.objects.all()
    if user.is_resident:  # the rooms they pay for (billing.rules.pays_for_room), their period
        return _resident_money(Bill.objects.all(), user, at="period_end", dated=True)
    if not may_view_accounts(user):
        return Bill.objects.none()
    return Bill.objects.filter(project_id__in=user.project_ids())


def visible_entries(user) -> QuerySet[Entry]:
    if not user.is_authenticated:
        return Entry.objects.none()
    if user.is_superuser:
        return Entry.objects.all()
    if user.is_resident:
        return _resident_money(Entry.objects.all(), user, at="created_at")
    if not may_view_accounts(user):
        return Entry.objects.none()
    return Entry.objects.filter(project_id__in=user.project_ids())


def owed_fen(room_id: int) -> int:
    """What a room owes now: the open rest of its bills that are not cancelled (disputed included)."""
    row = Bill.objects.filter(room_id=room_id, state=BillState.OPEN).aggregate(
        total=Sum("total_fen"), paid=Sum("paid_fen")
    )
    return (row["total"] or 0) - (row["paid"] or 0)


# ================================================================ the cashier side (helper "money")


def account_room(user, pk):
    """The room whose account `user` may see on the staff pages (None: not theirs, or none)."""
    from estate.models import Room

    if not user.is_authenticated or user.is_resident:
        return None
    room = Room.objects.select_related("project__company", "building", "unit").filter(pk=pk).first()
    if room is None or not may_view_accounts(user, room.project_id):
        return None
    return room


def balance_fen(room_id: int) -> int:
    from billing.models import Account

    return Account.objects.filter(room_id=room_id).values_list("balance_fen", flat=True).first() or 0


def account_bills(room, *, recent: int = 24) -> list[Bill]:
    """The room's open bills (all of them) and its `recent` latest others, newest first, with their
    lines and items: what the account page shows."""
    from django.db.models import Prefetch, prefetch_related_objects

    from billing.models import BillLine

    lines = Prefetch("lines", queryset=BillLine.objects.select_related("item").order_by("item__order", "id"))
    open_bills = list(Bill.objects.filter(room=room, state=BillState.OPEN).order_by("-period_start", "-id"))
    others = list(
        Bill.objects.filter(room=room).exclude(state=BillState.OPEN).order_by("-period_start", "-id")[:recent]
    )
    bills = open_bills + others
    prefetch_related_objects(bills, lines)  # the lines of both in one query
    return bills


def account_entries(room, *, limit: int = 50) -> list[Entry]:
    """The room's latest money entries (pending online payments included), newest first, each with
    whether it was reversed (`is_reversed`, asked in the same query)."""
    return list(
        Entry.objects.filter(room=room)
        .annotate(is_reversed=Exists(Entry.objects.filter(reverses_id=OuterRef("pk"))))
        .select_related("cashier", "reverses", "day")
        .prefetch_related("invoices")
        .order_by("-created_at", "-id")[:limit]
    )


def entry_for(user, pk) -> Entry | None:
    """A money entry `user` may see (its receipt, its reversal)."""
    return (
        visible_entries(user)
        .select_related("room__project__company", "cashier", "reverses", "day")
        .filter(pk=pk)
        .first()
    )


def runs_for(user, *, limit: int = 50):
    from billing.models import BillingRun

    if not user.is_authenticated or user.is_resident:
        return BillingRun.objects.none()
    return (
        BillingRun.objects.filter(project_id__in=user.project_ids())
        .select_related("project", "started_by", "reversed_by")
        .order_by("-created_at", "-id")[:limit]
    )


def day_entries(day) -> list[Entry]:
    return list(Entry.objects.filter(day=day).select_related("room", "reverses").order_by("created_at", "id"))


def cashier_days(user, *, limit: int = 30):
    """The user's own days, newest first, and the days handed to them (finance)."""
    from django.db.models import Q

    from billing.models import CashierDay

    return (
        CashierDay.objects.filter(Q(cashier=user) | Q(handed_to=user))
        .select_related("project", "cashier", "handed_to")
        .order_by("-day", "-id")[:limit]
    )


# ------------------------------------------------------------------ the arrears side (helper "arrears")


def dunning_history(room, *, limit: int = 50) -> list:
    """The dunning steps taken for a room, newest first, with who took them (one query). Shown on
    the household page and the room's arrears page (staff only: the callers check may_view_ledger)."""
    from billing.models import DunningStep

    return list(DunningStep.objects.filter(room_id=room.pk).select_related("by").order_by("-at", "-id")[:limit])


def arrears_policy(company_id: int | None, what: str) -> str:
    """The company's policy (billing.choices.ArrearsPolicy) for a room in arrears at a goods pass
    (`what="goods_pass"`) or a tenant's move-out (`what="move_out"`); the model's default when the
    company has no settings row yet."""
    from billing.models import BillingSettings

    field = {"goods_pass": "goods_pass_arrears", "move_out": "move_out_arrears"}[what]
    return getattr(BillingSettings.of(company_id), field)
