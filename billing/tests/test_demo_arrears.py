"""The demo has a dunning history, one payment plan and one disputed bill, made through the services
(so the ladder's rules held), after the cashier side's demo (or on a small year of its own)."""

import pytest

from billing.choices import PlanState
from billing.ledger import room_ledger
from billing.models import Bill, DunningStep, PaymentPlan, PriceListItem
from desk.demo import seed_demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_dunning_history_a_plan_and_a_dispute():
    seed_demo(requests_per_project=5)
    assert DunningStep.objects.count() >= 6
    assert set(DunningStep.objects.values_list("kind", flat=True)) >= {10, 20, 30, 40}
    plan = PaymentPlan.objects.get()
    assert plan.state == PlanState.ACTIVE and plan.instalments.count() == 3
    assert plan.total_fen == sum(plan.instalments.values_list("amount_fen", flat=True))
    disputed = Bill.objects.get(disputed=True)
    assert disputed.dispute_request is not None and disputed.dispute_request.room_id == disputed.room_id
    assert PriceListItem.objects.filter(active=True).count() >= 5
    ledger = room_ledger(disputed.project_id)
    assert ledger.totals.disputed > 0 and ledger.totals.undisputed > 0
    for bill in Bill.objects.prefetch_related("lines"):
        assert bill.total_fen == sum(line.amount_fen for line in bill.lines.all())
        assert bill.paid_fen == sum(line.paid_fen for line in bill.lines.all())
