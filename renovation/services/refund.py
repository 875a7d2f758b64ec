"""Deposit refund, with deductions for damage."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionRefused
from renovation.choices import Action, FeeKind, State
from renovation.models import Deduction
from renovation.services._common import _allowed, _money, _transition
from renovation.services.fees import paid_totals


@dataclass
class DeductionInput:
    amount: Decimal | str
    reason: str


@transaction.atomic
def renovation_refund(*, actor, renovation, deductions=(), receipt_number="", note="", expected_version=None):
    """The deposit back, minus deductions with reasons, once the holding period is over."""
    _allowed(actor, renovation, Action.REFUND)
    today = timezone.localdate()
    if renovation.refund_due_on and today < renovation.refund_due_on:
        raise ActionRefused(
            _("押金保留期未满：%(day)s 起才能退还（还有 %(n)s 天）。")
            % {"day": renovation.refund_due_on, "n": (renovation.refund_due_on - today).days}
        )
    errors: dict[str, list] = {}
    clean = []
    for i, d in enumerate(deductions or (), start=1):
        reason = (d.reason or "").strip()
        try:
            amount = _money(d.amount, "deductions")
        except ValidationError:
            errors.setdefault("deductions", []).append(_("第 %(n)s 项扣款金额无效。") % {"n": i})
            continue
        if not reason:
            errors.setdefault("deductions", []).append(_("第 %(n)s 项扣款须写明原因。") % {"n": i})
        clean.append((amount, reason[:200]))
    receipt_number = (receipt_number or "").strip()
    if not receipt_number:
        errors["receipt_number"] = [_("请填写退款凭证号。")]
    deposit = paid_totals(renovation)[FeeKind.DEPOSIT]
    deducted = sum((a for a, _r in clean), Decimal("0.00"))
    if deducted > deposit:
        errors.setdefault("deductions", []).append(
            _("扣款合计 %(d)s 元超过已缴押金 %(p)s 元。") % {"d": deducted, "p": deposit}
        )
    if errors:
        raise ValidationError(errors)
    for amount, reason in clean:
        Deduction.objects.create(renovation=renovation, amount=amount, reason=reason, recorded_by=actor)
    refund = deposit - deducted
    return _transition(
        actor=actor,
        renovation=renovation,
        action=Action.REFUND,
        to_state=State.REFUNDED,
        note=(note or "").strip(),
        changes={"refunded_at": timezone.now(), "refund_amount": refund, "refund_receipt": receipt_number[:50]},
        data={
            "deposit": str(deposit),
            "deducted": str(deducted),
            "refund": str(refund),
            "deductions": [[str(a), r] for a, r in clean],
        },
        expected_version=expected_version,
    )
