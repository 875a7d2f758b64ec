"""Online payments through the gateway interface: the simulated gateway's callbacks are verified like
a real one's: signature, nonce once, amount, age."""

import json
import time

import pytest
from django.core.exceptions import ValidationError

from billing.choices import BillState, EntryState, Method
from billing.gateway import BadCallback, SimulatedGateway, gateway_callback_receive
from billing.models import Account, Entry, GatewayCallback
from billing.services import payment_start_online
from billing.tests.books import check_books
from billing.tests.conftest import make_bill
from core.errors import ActionRefused, Conflict, ServiceError

pytestmark = pytest.mark.django_db


def start(world, amount=10000, method=Method.WECHAT, **kw):
    return payment_start_online(actor=world.cs, room=world.room, amount_fen=amount, method=method, **kw)


def send(entry, **kw):
    gateway = SimulatedGateway(entry.method)
    body, headers = gateway.callback_for(entry, **kw)
    return gateway_callback_receive(method=entry.method, body=body, headers=headers), body, headers


def test_an_online_payment_counts_only_when_the_signed_callback_comes(world, fees):
    bill = make_bill(world.room, 10000)
    entry = start(world)
    assert entry.state == EntryState.PENDING and entry.gateway_ref.startswith("SIMWE")
    bill.refresh_from_db()
    assert bill.paid_fen == 0
    check_books()
    posted, _body, _headers = send(entry)
    assert posted.state == EntryState.POSTED and posted.number.startswith("SK") and posted.day is None
    bill.refresh_from_db()
    assert bill.state == BillState.PAID
    assert GatewayCallback.objects.get(nonce__regex=r"^[0-9a-f]{32}$").valid
    check_books()


def test_a_wrong_signature_is_refused_and_kept(world, fees):
    make_bill(world.room, 10000)
    entry = start(world)
    gateway = SimulatedGateway(entry.method)
    body, headers = gateway.callback_for(entry)
    with pytest.raises(BadCallback, match="签名"):
        gateway_callback_receive(method=entry.method, body=body, headers={gateway.SIGNATURE_HEADER: "0" * 64})
    forged = body.replace(b'"amount_fen": 10000', b'"amount_fen": 1')
    with pytest.raises(BadCallback):
        gateway_callback_receive(method=entry.method, body=forged, headers=headers)
    with pytest.raises(BadCallback):
        gateway_callback_receive(method=entry.method, body=body, headers={})
    entry.refresh_from_db()
    assert entry.state == EntryState.PENDING
    assert GatewayCallback.objects.filter(valid=False).count() == 3
    # the genuine callback still goes through afterwards
    gateway_callback_receive(method=entry.method, body=body, headers=headers)
    entry.refresh_from_db()
    assert entry.state == EntryState.POSTED


def test_a_replayed_callback_is_refused(world, fees):
    make_bill(world.room, 30000)
    entry = start(world)
    _posted, body, headers = send(entry)
    with pytest.raises(Conflict, match="重复"):
        gateway_callback_receive(method=entry.method, body=body, headers=headers)
    assert Entry.objects.get(pk=entry.pk).state == EntryState.POSTED
    assert Account.objects.get(room=world.room).balance_fen == 0
    # a second genuine callback (a new nonce) for a payment already posted changes nothing
    again, _b, _h = send(entry)
    assert again.state == EntryState.POSTED
    check_books()


def test_an_amount_that_is_not_the_orders_posts_nothing(world, fees):
    make_bill(world.room, 10000)
    entry = start(world)
    with pytest.raises(ActionRefused, match="不符"):
        send(entry, amount_fen=1)
    entry.refresh_from_db()
    assert entry.state == EntryState.PENDING
    assert GatewayCallback.objects.get().outcome.startswith("回调金额")


def test_a_stale_or_malformed_callback_is_refused(world, fees):
    entry = start(world, amount=100)
    gateway = SimulatedGateway(entry.method)
    stale = json.dumps(
        {"out_trade_no": entry.gateway_ref, "amount_fen": 100, "status": "SUCCESS", "nonce": "n1",
         "timestamp": int(time.time()) - 3600}
    ).encode()  # fmt: skip
    with pytest.raises(BadCallback, match="过期"):
        gateway_callback_receive(
            method=entry.method, body=stale, headers={gateway.SIGNATURE_HEADER: gateway.sign(stale)}
        )
    junk = b"not json"
    with pytest.raises(BadCallback, match="格式"):
        gateway_callback_receive(method=entry.method, body=junk, headers={gateway.SIGNATURE_HEADER: gateway.sign(junk)})
    with pytest.raises(ServiceError):
        gateway_callback_receive(method="cash", body=junk, headers={})


def test_a_closed_order_fails_the_payment(world, fees):
    entry = start(world, amount=100)
    failed, _b, _h = send(entry, paid=False)
    assert failed.state == EntryState.FAILED
    check_books()


def test_starting_an_online_payment_is_checked_like_a_desk_payment(world, fees):
    with pytest.raises(ValidationError, match="微信"):
        start(world, method=Method.CASH)
    with pytest.raises(ValidationError, match="预存上限"):
        start(world, amount=10_000_000)
    with pytest.raises(ActionRefused):
        payment_start_online(actor=world.tech, room=world.room, amount_fen=100, method=Method.ALIPAY)
    first = start(world, amount=100, idempotency_key="web-1")
    assert start(world, amount=100, idempotency_key="web-1").pk == first.pk
    assert Entry.objects.count() == 1
