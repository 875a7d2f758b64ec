"""The paid-repair panel (有偿维修) on the desk's request page (desk/panels.py): the price list to pick
from on site, the resident's yes or no, the charges already on the room's account for this request
and the refusals recorded. Three queries; staff of the project only."""

from django.template.loader import render_to_string
from django.urls import reverse

from billing.models import BillLine, PriceListItem
from billing.rules import may_charge_repair, may_view_accounts
from core.models import AuditEntry
from desk.choices import Kind, State
from desk.panels import request_panel


def price_list(sr) -> list[PriceListItem]:
    return list(PriceListItem.objects.filter(company_id=sr.project.company_id, active=True).order_by("name"))


@request_panel("repair_charges", order=10)
def repair_charges_panel(request, sr):
    from billing.forms_arrears import RepairChargeForm

    user = request.user
    if sr.kind != Kind.REPAIR or sr.room_id is None or user.is_resident:
        return ""
    may_charge = may_charge_repair(user, sr) and sr.state not in (State.CANCELLED, State.CLOSED)
    if not (may_charge or may_view_accounts(user, sr.project_id)):
        return ""
    charges = list(BillLine.objects.filter(request=sr).select_related("bill", "item").order_by("id"))
    refusals = list(
        AuditEntry.objects.filter(
            object_type=sr._meta.label, object_id=str(sr.pk), action__in=["charge", "charge_refused"]
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )
    prices = price_list(sr) if may_charge else []
    if not (charges or refusals or prices):
        return ""
    return render_to_string(
        "billing/arrears/_repair_panel.html",
        {
            "sr": sr,
            "charges": charges,
            "records": refusals,
            "form": RepairChargeForm(prices=prices) if prices else None,
            "action": reverse("billing:repair-charge", args=[sr.pk]),
            "total": sum(c.amount_fen for c in charges if not c.cancelled),
        },
        request=request,
    )
