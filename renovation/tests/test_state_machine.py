"""A hypothesis state machine over the renovation services: any sequence of actions by any of
the cast leaves the renovation in a state the rules allow, each refused action changes nothing,
and the room's state follows the permit and the acceptance."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from core.errors import ServiceError
from estate.choices import RoomState
from renovation import rules, services
from renovation.choices import Action, FeeKind, InspectionResult, State
from renovation.models import Renovation, RenovationEvent, Violation
from renovation.services import DeductionInput, ViolationInput
from renovation.tests.helpers import apply

CAST = ["cs", "supervisor", "pm", "lead", "tech", "guard", "finance", "resident_user", "outsider"]


# action -> (service, kwargs builder)
def _kwargs(action, r, world):
    if action == Action.APPROVE:
        return {"deposit": "1000", "fee": "200"}
    if action in (Action.SEND_BACK, Action.REJECT, Action.CANCEL):
        return {"note": "理由"}
    if action == Action.PAY:
        return {
            "kind": FeeKind.DEPOSIT if not r.payments.filter(kind=FeeKind.DEPOSIT).exists() else FeeKind.MANAGEMENT,
            "amount": Decimal("1000") if not r.payments.filter(kind=FeeKind.DEPOSIT).exists() else Decimal("200"),
            "paid_at": timezone.now(),
            "receipt_number": "R",
        }
    if action == Action.INSPECT:
        return {"result": InspectionResult.VIOLATION, "violations": [ViolationInput(description="噪声")]}
    if action == Action.RECTIFY:
        return {"violation": Violation.objects.filter(renovation=r, rectified_at__isnull=True).first(), "note": "好了"}
    if action == Action.REFUND:
        return {"deductions": [DeductionInput("10", "清洁")], "receipt_number": "TK"}
    return {}


ACTIONS = [
    Action.APPROVE,
    Action.SEND_BACK,
    Action.REJECT,
    Action.CANCEL,
    Action.PAY,
    Action.ISSUE_PERMIT,
    Action.INSPECT,
    Action.RECTIFY,
    Action.ACCEPT,
    Action.REFUND,
]


@pytest.mark.django_db
def test_renovation_state_machine(world):
    class Machine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            Renovation.objects.filter(room=world.room, state__lt=State.REFUNDED).update(state=State.CANCELLED)
            world.room.state = RoomState.OCCUPIED
            world.room.save()
            self.r = apply(world)

        @rule(action=st.sampled_from(ACTIONS), who=st.sampled_from(CAST))
        def act(self, action, who):
            r = Renovation.objects.get(pk=self.r.pk)
            if r.state == State.ACCEPTED:
                Renovation.objects.filter(pk=r.pk).update(refund_due_on=timezone.localdate())
                r.refresh_from_db()
            actor = getattr(world, who)
            before = (r.state, r.version, RenovationEvent.objects.filter(renovation=r).count())
            expected_ok = rules.refusal(actor, r, action) is None
            try:
                services.ACTION_SERVICES[action](actor=actor, renovation=r, **_kwargs(action, r, world))
            except (ServiceError, ValidationError):
                r.refresh_from_db()
                assert (r.state, r.version, RenovationEvent.objects.filter(renovation=r).count()) == before
            else:
                assert expected_ok, (action, who, State(before[0]).label)
                r.refresh_from_db()
                assert r.version == before[1] + 1
                assert r.state in rules.FROM_STATES.get(action, {r.state}) | _TO[action]
            self.r = r
            REACHED.add(r.state)

        @rule()
        def advance(self):
            """The next step of the usual path, by someone allowed to take it."""
            r = Renovation.objects.get(pk=self.r.pk)
            step = NEXT.get(r.state)
            if step is None:
                return
            action, who = step
            if action == Action.PAY and r.payments.count() >= 2:
                action, who = Action.ISSUE_PERMIT, "cs"
            if action == Action.REFUND:
                Renovation.objects.filter(pk=r.pk).update(refund_due_on=timezone.localdate())
                r.refresh_from_db()
            if action == Action.ACCEPT and Violation.objects.filter(renovation=r, rectified_at__isnull=True).exists():
                action, who = Action.RECTIFY, "tech"
            self.act(action=action, who=who)

        @invariant()
        def room_follows(self):
            r = Renovation.objects.get(pk=self.r.pk)
            world.room.refresh_from_db()
            if r.state == State.IN_PROGRESS:
                assert world.room.state == RoomState.RENOVATING
            else:
                assert world.room.state == RoomState.OCCUPIED
            if r.state >= State.ACCEPTED and r.state != State.CANCELLED and r.state != State.REJECTED:
                assert not Violation.objects.filter(renovation=r, rectified_at__isnull=True).exists()
            if r.state == State.IN_PROGRESS:
                assert r.payments.filter(kind=FeeKind.DEPOSIT).exists() and r.permit_number

    Machine.TestCase.settings = settings(
        max_examples=15, stateful_step_count=20, deadline=None, suppress_health_check=list(HealthCheck)
    )
    Machine.TestCase().runTest()
    # the walk got past the permit, not only through the refusals
    assert {State.APPROVED, State.IN_PROGRESS} <= REACHED, REACHED


REACHED: set[int] = set()


NEXT = {
    State.SUBMITTED: (Action.APPROVE, "supervisor"),
    State.APPROVED: (Action.PAY, "finance"),
    State.PAID: (Action.ISSUE_PERMIT, "cs"),
    State.IN_PROGRESS: (Action.ACCEPT, "lead"),
    State.ACCEPTED: (Action.REFUND, "finance"),
}

_TO = {
    Action.APPROVE: {State.APPROVED},
    Action.SEND_BACK: {State.RETURNED},
    Action.REJECT: {State.REJECTED},
    Action.CANCEL: {State.CANCELLED},
    Action.PAY: {State.PAID},
    Action.ISSUE_PERMIT: {State.IN_PROGRESS},
    Action.INSPECT: set(),
    Action.RECTIFY: set(),
    Action.ACCEPT: {State.ACCEPTED},
    Action.REFUND: {State.REFUNDED},
}
