"""Fees: what has been paid, and taking a payment."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from renovation.choices import Action, FeeKind, State
from renovation.models import Payment
from renovation.services._common import _allowed, _money, _transition


def paid_totals(renovation) -> dict[str, Decimal]:
    rows = Payment.objects.filter(renovation=renovation).values("kind").annotate(total=Sum("amount"))
    totals = {kind: Decimal("0.00") for kind in FeeKind.values}
    totals.update({row["kind"]: row["total"] for row in rows})
    return totals


@transaction.atomic
def renovation_pay(
    *, actor, renovation, kind="", amount=None, paid_at=None, receipt_number="", note="", expected_version=None
) -> Payment:
    _allowed(actor, renovation, Action.PAY)
    errors = {}
    if kind not in FeeKind.values:
        errors["kind"] = [_("请选择费用类型。")]
    try:
        amount = _money(amount, "amount")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    receipt_number = (receipt_number or "").strip()
    if not receipt_number:
        errors["receipt_number"] = [_("请填写收据号。")]
    paid_at = paid_at or timezone.now()
    if paid_at > timezone.now() + timedelta(minutes=5):
        errors["paid_at"] = [_("缴费时间不能晚于现在。")]
    if errors:
        raise ValidationError(errors)
    payment = Payment.objects.create(
        renovation=renovation,
        kind=kind,
        amount=amount,
        paid_at=paid_at,
        receipt_number=receipt_number[:50],
        note=(note or "").strip()[:200],
        recorded_by=actor,
    )
    totals = paid_totals(renovation)
    settled = totals[FeeKind.DEPOSIT] >= (renovation.deposit_due or 0) and totals[FeeKind.DEPOSIT] > 0
    settled = settled and totals[FeeKind.MANAGEMENT] >= (renovation.fee_due or 0)
    to_state = State.PAID if renovation.state == State.APPROVED and settled else renovation.state
    _transition(
        actor=actor,
        renovation=renovation,
        action=Action.PAY,
        to_state=to_state,
        note=payment.note,
        data={"kind": kind, "amount": str(amount), "receipt": payment.receipt_number, "payment": payment.pk},
        expected_version=expected_version,
    )
    return payment
