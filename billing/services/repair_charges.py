"""Paid repairs (有偿维修): services picked from the published price list on site, the resident's
answer recorded, and, when they agree, the charge put on the room's account through the one bill
writer (billing/services/charges.py `charge_create`)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from billing.models import PriceListItem
from billing.money import line_fen, yuan
from billing.rules import may_charge_repair
from billing.services.charges import ChargeLine, charge_create
from core.audit import audit_record
from core.errors import ActionRefused
from core.text import too_long_message
from desk.choices import Kind, State
from estate.models import Room

MAX_QUANTITY = Decimal("9999")


# ------------------------------------------------------------------ paid repairs (有偿维修)


def _quantity(text) -> Decimal | None:
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value <= 0 or value > MAX_QUANTITY or value.as_tuple().exponent < -2:
        return None
    return value


def paid_repair_record(*, actor, request, picks: list[tuple[int | None, object]], agreed: bool, reason: str = ""):
    """The implementer picks services from the published price list on site and records the
    resident's answer: agreed, the charge lands on the room's account as one bill whose lines point
    at the request; refused (with the resident's reason), nothing is charged and the refusal is kept
    in the request's money history (the audit trail). Returns the bill, or None when refused."""
    if not may_charge_repair(actor, request):
        raise ActionRefused(_("只有这张工单的维修人员、派单部门主管和客服主管可以录入有偿维修。"))
    if request.kind != Kind.REPAIR or request.room_id is None:
        raise ActionRefused(_("只有关联房屋的报修可以录入有偿维修。"))
    if request.state in (State.CANCELLED, State.CLOSED):
        raise ActionRefused(_("已取消或已结案的工单不能再录入有偿维修。"))
    company_id = request.project.company_id
    errors: dict[str, list[str]] = {}
    prices = PriceListItem.objects.filter(company_id=company_id, active=True).select_related("item")
    known = {p.pk: p for p in prices}
    chosen: list[tuple[PriceListItem, Decimal]] = []
    for price_id, qty in picks:
        if price_id is None and qty in (None, ""):
            continue
        item = known.get(price_id)
        if item is None:
            errors.setdefault("picks", []).append(_("请从价目表中选择服务项目。"))
            continue
        quantity = _quantity(qty)
        if quantity is None:
            errors.setdefault("picks", []).append(
                _("“%(name)s”的数量须大于零、不超过 9999，最多两位小数。") % {"name": item.name}
            )
            continue
        chosen.append((item, quantity))
    if not chosen and "picks" not in errors:
        errors["picks"] = [_("请至少选择一项服务。")]
    reason = (reason or "").strip()
    if not agreed and not reason:
        errors["reason"] = [_("业户不同意时，请记录原因。")]
    if len(reason) > 200:
        errors["reason"] = [too_long_message(200)]
    if errors:
        raise ValidationError(errors)
    picked = [
        {"name": p.name, "unit": p.unit, "price": str(p.price), "quantity": str(q), "fen": line_fen(q, p.price)}
        for p, q in chosen
    ]
    total = sum(p["fen"] for p in picked)
    with transaction.atomic():
        if not agreed:
            audit_record(
                actor=actor,
                obj=request,
                action="charge_refused",
                changes={"items": picked, "total_fen": total, "reason": reason},
            )
            return None
        room = Room.objects.select_related("project").get(pk=request.room_id)
        lines = [
            ChargeLine(
                item=p.item,
                quantity=q,
                price=p.price,
                description=_("%(name)s %(qty)s%(unit)s（工单 %(number)s）")
                % {"name": p.name, "qty": q.normalize(), "unit": p.unit, "number": request.number},
            )
            for p, q in chosen
        ]
        bill = charge_create(room=room, lines=lines, request=request)
        audit_record(
            actor=actor,
            obj=request,
            action="charge",
            changes={"items": picked, "total_fen": total, "bill": bill.number, "yuan": str(yuan(total))},
        )
        audit_record(actor=actor, obj=bill, action="charge", changes={"request": request.number, "total_fen": total})
    return bill
