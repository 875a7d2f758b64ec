"""Whatever the cast does, in whatever order, a handover never ends up completed with an item
unanswered or a signature missing, and a refused action changes nothing."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.errors import ServiceError
from duty import services
from duty.choices import HandoverState, ItemAnswer
from duty.models import CountedThing, Handover, HandoverItem

# None = the person whose action it is (the outgoing cs or the incoming cs2), most of the time;
# the others check that they are refused.
ACTORS = [None, None, None, None, "cs", "cs2", "supervisor", "tech", "outsider"]
OWNER = {"accept": "cs2", "refuse": "cs2", "refuse_blank": "cs2", "ack_all": "cs2", "sign_in": "cs2"}
ACTIONS = [
    "save_ok",
    "save_short",
    "sign_out",
    "sign_out",
    "accept",
    "refuse",
    "refuse_blank",
    "ack_all",
    "sign_in",
    "sign_in",
    "cancel",
]


def snapshot(h):
    h.refresh_from_db()
    return (
        h.state,
        h.notes,
        h.outgoing_signed_at,
        h.incoming_signed_at,
        tuple(h.items.order_by("id").values_list("answer", "reason")),
        tuple(h.counts.order_by("id").values_list("counted", "explanation")),
    )


def act(action, actor, h, item, count):
    if action in ("save_ok", "save_short"):
        counted = Decimal(4) if action == "save_ok" else Decimal(3)
        services.handover_save(actor=actor, handover=h, notes=action, counts={count.pk: (counted, "")})
    elif action == "sign_out":
        services.handover_sign_out(actor=actor, handover=h)
    elif action == "accept":
        services.handover_answer(actor=actor, item=item, accept=True)
    elif action in ("refuse", "refuse_blank"):
        services.handover_answer(actor=actor, item=item, accept=False, reason="对不上" if action == "refuse" else "")
    elif action == "ack_all":
        services.handover_acknowledge_all(actor=actor, handover=h)
    elif action == "sign_in":
        services.handover_sign_in(actor=actor, handover=h)
    else:
        services.handover_cancel(actor=actor, handover=h, reason="作废")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(ACTORS), st.sampled_from(ACTIONS), st.integers(0, 2)), max_size=16))
@example(steps=[(None, "save_ok", 0), (None, "sign_out", 0), (None, "sign_in", 0)])
@example(steps=[(None, "save_short", 0), (None, "sign_out", 0), (None, "accept", 0), ("cs", "sign_in", 0)])
@example(
    steps=[
        (None, "save_ok", 0),
        (None, "sign_out", 0),
        (None, "refuse_blank", 1),
        (None, "refuse", 1),
        (None, "ack_all", 0),
        ("cs", "refuse", 2),
        (None, "sign_in", 0),
        (None, "save_ok", 0),
    ]
)
def test_handover_invariants(world, steps):
    with transaction.atomic():
        CountedThing.objects.create(project=world.project, name="对讲机", expected=4)
        world.register(actor=world.cs, title="甲")
        world.register(actor=world.cs, title="乙")
        world.register(actor=world.cs, title="丙")
        h = services.handover_start(actor=world.cs, project=world.project, incoming=world.cs2)
        items = list(h.items.order_by("order"))
        assert len(items) == 3
        count = h.counts.get()
        for who, action, n in steps:
            who = who or OWNER.get(action, "cs")
            actor = getattr(world, who)
            item = items[n]
            before = snapshot(h)
            try:
                with transaction.atomic():
                    act(action, actor, h, item, count)
            except (ServiceError, ValidationError):
                assert snapshot(h) == before, (who, action)
            h.refresh_from_db()
            pending = h.items.filter(answer=ItemAnswer.PENDING).count()
            if h.state == HandoverState.COMPLETED:
                assert h.outgoing_signed_at and h.incoming_signed_at and pending == 0
            if h.state != HandoverState.DRAFT and h.outgoing_signed_at:
                c = h.counts.get()
                assert c.counted is not None and (c.counted == c.expected or c.explanation)
            # Only the incoming person ever answers, and only after the outgoing signed.
            answered = HandoverItem.objects.filter(handover=h).exclude(answer=ItemAnswer.PENDING)
            if answered.exists():
                assert h.outgoing_signed_at is not None
            assert not answered.filter(answer=ItemAnswer.REFUSED, reason="").exists()
        assert Handover.objects.filter(pk=h.pk).exists()
        transaction.set_rollback(True)
