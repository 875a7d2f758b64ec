"""How far a payment plan (分期) has been paid: read from the allocations, never typed in.

The rule (docs/decisions.md, "An instalment's paid state follows the payments"): money allocated,
after the plan was agreed, to the bills the plan covers (the room's bills issued on or before the
day it was agreed) counts towards the instalments in due order, the earliest first; a reversal of
such money (a negative allocation) counts against them. So a payment of this month's new bill does
not pay an instalment, and a payment made before the plan does not either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone

from billing.models import Allocation, Instalment, PaymentPlan

PLAN_GRACE_DAYS = 15  # an instalment this many days past due and not covered breaks the plan


@dataclass
class PlanProgress:
    plan: PaymentPlan
    instalments: list[Instalment]
    paid: list[int]  # per instalment, in due order
    paid_total: int
    today: date

    @property
    def done(self) -> bool:
        return self.paid_total >= self.plan.total_fen

    @property
    def late(self) -> list[Instalment]:
        """Instalments more than the grace days past due and not fully covered."""
        cutoff = self.today - timedelta(days=PLAN_GRACE_DAYS)
        return [i for i, p in zip(self.instalments, self.paid, strict=True) if i.due_on < cutoff and p < i.amount_fen]

    @property
    def overdue(self) -> list[Instalment]:
        return [
            i for i, p in zip(self.instalments, self.paid, strict=True) if i.due_on < self.today and p < i.amount_fen
        ]

    def rows(self):
        return [
            {"inst": i, "paid": p, "rest": i.amount_fen - p, "overdue": i.due_on < self.today and p < i.amount_fen}
            for i, p in zip(self.instalments, self.paid, strict=True)
        ]


def paid_towards(plan: PaymentPlan) -> int:
    """Net money allocated since the agreement to the bills the plan covers."""
    agreed_day = timezone.localtime(plan.agreed_at).date()
    total = Allocation.objects.filter(
        line__bill__room_id=plan.room_id,
        line__bill__issued_on__lte=agreed_day,
        created_at__gte=plan.agreed_at,
    ).aggregate(s=Sum("amount_fen"))["s"]
    return max(int(total or 0), 0)


def spread(amount: int, instalments: list[Instalment]) -> list[int]:
    """`amount` over the instalments in due order, each filled before the next."""
    out = []
    for inst in instalments:
        take = min(amount, inst.amount_fen)
        out.append(take)
        amount -= take
    return out


def plan_progress(plan: PaymentPlan, *, today: date | None = None) -> PlanProgress:
    instalments = sorted(plan.instalments.all(), key=lambda i: (i.due_on, i.pk))
    paid_total = min(paid_towards(plan), plan.total_fen)
    return PlanProgress(
        plan=plan,
        instalments=instalments,
        paid=spread(paid_total, instalments),
        paid_total=paid_total,
        today=today or timezone.localdate(),
    )
