"""Reads of the money side that pages, the API and exports share. Who sees what is decided here:
staff see the rooms of their projects (when billing.rules.may_view_accounts); a resident sees the
bills and money entries of the rooms they are linked to today, from the day their link began
(estate.selectors.resident_records: a new owner does not see the previous owner's payments)."""

from django.db.models import QuerySet, Sum

from billing.choices import BillState
from billing.models import Bill, Entry
from billing.rules import may_view_accounts
from estate.selectors import resident_records


def visible_bills(user) -> QuerySet[Bill]:
    if not user.is_authenticated:
        return Bill.objects.none()
    if user.is_superuser:
        return Bill.objects.all()
    if user.is_resident:
        return resident_records(Bill.objects.all(), user, at="period_end", dated=True)
    if not may_view_accounts(user):
        return Bill.objects.none()
    return Bill.objects.filter(project_id__in=user.project_ids())


def visible_entries(user) -> QuerySet[Entry]:
    if not user.is_authenticated:
        return Entry.objects.none()
    if user.is_superuser:
        return Entry.objects.all()
    if user.is_resident:
        return resident_records(Entry.objects.all(), user, at="created_at")
    if not may_view_accounts(user):
        return Entry.objects.none()
    return Entry.objects.filter(project_id__in=user.project_ids())


def owed_fen(room_id: int) -> int:
    """What a room owes now: the open rest of its bills that are not cancelled (disputed included)."""
    row = Bill.objects.filter(room_id=room_id, state=BillState.OPEN).aggregate(
        total=Sum("total_fen"), paid=Sum("paid_fen")
    )
    return (row["total"] or 0) - (row["paid"] or 0)


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
    value = BillingSettings.objects.filter(company_id=company_id).values_list(field, flat=True).first()
    return value or BillingSettings._meta.get_field(field).default
