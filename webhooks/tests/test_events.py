"""The real services publish: registering a request, its transitions, a parcel logged and collected,
a visitor admitted, a goods pass released, a charge billed, a payment posted each give a delivery to
the endpoints that take the event, with a payload that masks what is private; nothing when the
transaction rolls back, when nobody subscribes, or to another company's endpoint."""

import pytest
from django.db import transaction
from django.utils import timezone

from billing.choices import Method
from billing.services import charge_add, payment_post
from billing.tests.conftest import Fees, make_bill
from core import events
from core.models import Company
from desk.choices import Action, Kind, Rating, State
from desk.services import Intake, request_dispatch, request_register, request_resolve, request_visit
from frontdesk import services as front
from webhooks.choices import Event
from webhooks.models import Delivery, Endpoint

ID_CARD = "11010519491231002X"


@pytest.fixture
def hook(world):
    def make(*names, company=None):
        return Endpoint.objects.create(
            company=company or world.company, name="对接", url="http://127.0.0.1:9/hook", events=list(names)
        )

    return make


def published(capture, call):
    """Run `call` in a transaction and the on-commit work it leaves; the deliveries it made."""
    before = set(Delivery.objects.values_list("pk", flat=True))
    with capture(execute=True):
        with transaction.atomic():
            result = call()
    return result, list(Delivery.objects.exclude(pk__in=before).order_by("pk"))


def register(world, **extra):
    data = dict(
        project_id=world.project.pk,
        kind=Kind.REPAIR,
        title="厨房水管漏水",
        room_id=world.room.pk,
        resident_id=world.resident.pk,
        caller_phone="13812345678",
        category_id=world.category.pk,
    )
    return request_register(actor=world.cs, data=Intake(**(data | extra)))


def test_registering_a_request_sends_its_public_fields_with_the_phone_masked(
    world, hook, kicks, django_capture_on_commit_callbacks
):
    endpoint = hook(Event.REQUEST_REGISTERED)
    sr, made = published(django_capture_on_commit_callbacks, lambda: register(world))
    (delivery,) = made
    assert delivery.endpoint == endpoint and delivery.event == "request.registered" and kicks
    body = delivery.payload
    assert body["event"] == "request.registered" and body["id"] == str(delivery.event_id)
    assert body["company"] == world.company.pk and body["occurred_at"]
    request = body["data"]["request"]
    assert request["id"] == sr.pk and request["number"] == sr.number and request["state"] == State.REGISTERED
    assert request["room_id"] == world.room.pk and request["title"] == "厨房水管漏水"
    assert request["caller_phone"] == "138****5678"
    assert "13812345678" not in str(body)


def test_transitions_resolve_and_rating_are_published(world, hook, django_capture_on_commit_callbacks):
    hook(Event.REQUEST_STATE_CHANGED, Event.REQUEST_RESOLVED, Event.REQUEST_RATED)
    sr = register(world)
    capture = django_capture_on_commit_callbacks
    _r, made = published(
        capture, lambda: request_dispatch(actor=world.cs, request=sr, department=world.dept["engineering"])
    )
    assert [d.event for d in made] == ["request.state_changed"]
    change = made[0].payload["data"]["change"]
    assert change == {"action": Action.DISPATCH, "from_state": State.REGISTERED, "to_state": State.DISPATCHED}
    from desk.services import request_accept

    request_accept(actor=world.tech, request=sr)
    _r, made = published(capture, lambda: request_resolve(actor=world.tech, request=sr, result="已更换阀门"))
    assert [d.event for d in made] == ["request.state_changed", "request.resolved"]
    assert made[1].payload["data"]["result"] == "已更换阀门"
    sr.refresh_from_db()
    assert sr.state == State.RESOLVED
    from desk.services import request_reply

    request_reply(actor=world.cs, request=sr, reply="已修好")
    _r, made = published(
        capture, lambda: request_visit(actor=world.cs, request=sr, rating=Rating.UNSATISFIED, comment="还在滴水")
    )
    events_sent = [d.event for d in made]
    assert "request.rated" in events_sent
    rated = next(d for d in made if d.event == "request.rated").payload["data"]
    assert rated["rating"] == Rating.UNSATISFIED and rated["comment"] == "还在滴水"
    # the visit and the reopen it causes are two changes of state
    assert events_sent.count("request.state_changed") == 2


def test_nothing_is_published_when_the_transaction_rolls_back(world, hook, kicks, django_capture_on_commit_callbacks):
    hook(Event.REQUEST_REGISTERED, Event.PARCEL_LOGGED)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            register(world)
            front.parcel_log(actor=world.cs, room_id=world.room.pk, tracking_number="SF100")
            raise RuntimeError("a later step failed")
    assert not Delivery.objects.exists() and not kicks


def test_nothing_is_built_when_nobody_subscribes(world, hook, django_capture_on_commit_callbacks):
    hook(Event.PARCEL_LOGGED)  # another event
    hook(Event.REQUEST_REGISTERED, company=Company.objects.create(name="别家", code="x"))  # another company
    built = []
    assert events.publish("request.registered", company_id=world.company.pk, payload=lambda: built.append(1)) is None
    _sr, made = published(django_capture_on_commit_callbacks, lambda: register(world))
    assert made == [] and built == []


def test_an_inactive_endpoint_gets_nothing(world, hook, django_capture_on_commit_callbacks):
    endpoint = hook(Event.REQUEST_REGISTERED)
    endpoint.active = False
    endpoint.save()
    _sr, made = published(django_capture_on_commit_callbacks, lambda: register(world))
    assert made == []


def test_parcels_logged_and_collected(world, hook, django_capture_on_commit_callbacks):
    hook(Event.PARCEL_LOGGED, Event.PARCEL_COLLECTED)
    capture = django_capture_on_commit_callbacks
    parcel, made = published(
        capture,
        lambda: front.parcel_log(actor=world.cs, room_id=world.room.pk, tracking_number="SF1234", carrier="顺丰"),
    )
    (logged,) = made
    data = logged.payload["data"]["parcel"]
    assert logged.event == "parcel.logged" and data["id"] == parcel.pk and data["tracking_number"] == "SF1234"
    assert parcel.pickup_code not in str(logged.payload)  # the code opens the shelf: never sent
    _p, made = published(capture, lambda: front.parcel_hand_over(actor=world.cs, parcel=parcel, collector_name="张三"))
    (collected,) = made
    assert collected.event == "parcel.collected" and collected.payload["data"]["parcel"]["collector_name"] == "张三"


def test_a_visitor_checked_in_has_phone_and_id_masked(world, hook, django_capture_on_commit_callbacks):
    hook(Event.VISITOR_CHECKED_IN)
    data = front.WalkIn(
        room_id=world.room.pk, name="周七", purpose="探亲", agreed_by="张三", agreed_via="phone",
        id_number=ID_CARD, phone="13955556666",
    )  # fmt: skip
    visit, made = published(django_capture_on_commit_callbacks, lambda: front.visit_register(actor=world.cs, data=data))
    (delivery,) = made
    sent = delivery.payload["data"]["visit"]
    assert sent["id"] == visit.pk and sent["phone"] == "139****6666" and sent["id_number"] == "1101**********002X"
    assert ID_CARD not in str(delivery.payload) and "13955556666" not in str(delivery.payload)


def test_a_goods_pass_released_at_the_gate(world, hook, django_capture_on_commit_callbacks):
    hook(Event.PASS_VERIFIED)
    gp = front.goods_pass_apply(
        actor=world.resident_user,
        data=front.PassApplication(
            room_id=world.room.pk, valid_on=timezone.localdate(), carrier_name="老李",
            carrier_id_number=ID_CARD, items=[("沙发", 1)],
        ),
    )  # fmt: skip
    item = gp.items.get()
    _c, made = published(
        django_capture_on_commit_callbacks,
        lambda: front.goods_pass_verify(actor=world.guard, goods_pass=gp, released={item.pk: 1}),
    )
    (delivery,) = made
    assert delivery.event == "pass.verified" and delivery.payload["data"]["pass"]["id"] == gp.pk
    assert gp.code not in str(delivery.payload) and ID_CARD not in str(delivery.payload)


def test_a_bill_and_a_payment(world, hook, django_capture_on_commit_callbacks):
    fees = Fees(world)
    hook(Event.BILL_ISSUED, Event.PAYMENT_POSTED)
    capture = django_capture_on_commit_callbacks
    bill, made = published(
        capture,
        lambda: charge_add(actor=world.cs, room=world.room, item=fees.service, amount_fen=5000, description="清运"),
    )
    (issued,) = made
    assert issued.event == "bill.issued" and issued.payload["data"]["bill"]["total_fen"] == 5000
    assert issued.payload["data"]["bill"]["number"] == bill.number
    make_bill(world.room, 10000)
    entry, made = published(
        capture, lambda: payment_post(actor=world.cs, room=world.room, amount_fen=3000, method=Method.CASH)
    )
    (paid,) = made
    assert paid.event == "payment.posted" and paid.payload["data"]["payment"]["amount_fen"] == 3000
    assert paid.payload["data"]["payment"]["number"] == entry.number


def test_a_billing_run_publishes_each_bill(world, hook, django_capture_on_commit_callbacks):
    from datetime import date

    from billing.choices import Cycle
    from billing.models import Bill
    from billing.services import billing_run_start
    from billing.services.runs import billing_run_execute

    Fees(world)
    hook(Event.BILL_ISSUED)
    run = billing_run_start(
        actor=world.finance, project=world.project, period_start=date(2026, 3, 1), cycle=Cycle.MONTH
    )
    _r, made = published(django_capture_on_commit_callbacks, lambda: billing_run_execute(run_id=run.pk))
    bills = set(Bill.objects.filter(run=run).values_list("pk", flat=True))
    assert bills and {d.payload["data"]["bill"]["id"] for d in made} == bills
    assert all(d.event == "bill.issued" and d.payload["data"]["bill"]["run_id"] == run.pk for d in made)
