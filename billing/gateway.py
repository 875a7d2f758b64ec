"""Online payments (WeChat Pay, Alipay) behind one interface.

A gateway makes a reference for a pending payment, tells where the payer pays, and verifies the
callback it later sends to `/billing/gateway/<method>/notify/`: the signature (a forged callback is
refused), a nonce seen once only (a replayed callback is refused: GatewayCallback keeps them all),
the amount (a callback for another amount posts nothing). A real gateway is a subclass named in
settings.BILLING_GATEWAYS; until one is written, both methods use `SimulatedGateway`, which signs
its callbacks with HMAC-SHA256 under settings.BILLING_GATEWAY_SECRET exactly as it verifies them,
and whose payer page (/billing/pay/<ref>/) plays the resident paying.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from billing.choices import ONLINE_METHODS
from billing.models import Entry, GatewayCallback
from core.audit import audit_refusal
from core.errors import Conflict, ServiceError

MAX_AGE_SECONDS = 600


class BadCallback(ServiceError):
    """A callback that is not the gateway's (signature, format, age): refused, nothing posted."""


@dataclass(frozen=True)
class Callback:
    ref: str
    nonce: str
    amount_fen: int
    paid: bool


class PaymentGateway(ABC):
    """What PropDesk needs of an online payment provider."""

    def __init__(self, method: str):
        self.method = method

    @abstractmethod
    def new_ref(self) -> str:
        """A new merchant order reference (out_trade_no) for a pending payment."""

    @abstractmethod
    def pay_url(self, entry: Entry) -> str:
        """Where the payer pays the pending `entry` (a QR code's target in production)."""

    @abstractmethod
    def verify(self, body: bytes, headers: Mapping[str, str]) -> Callback:
        """The callback's content when it is genuinely the gateway's; else raise BadCallback."""


def _secret() -> bytes:
    configured = getattr(settings, "BILLING_GATEWAY_SECRET", "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"billing-gateway", hashlib.sha256).digest()


class SimulatedGateway(PaymentGateway):
    """The development gateway: the same checks as a real one, and the payer played by a page."""

    SIGNATURE_HEADER = "X-Sim-Signature"

    def new_ref(self) -> str:
        return f"SIM{self.method[:2].upper()}{secrets.token_hex(10).upper()}"

    def pay_url(self, entry: Entry) -> str:
        return reverse("billing:sim-pay", args=[entry.gateway_ref])

    @staticmethod
    def sign(body: bytes) -> str:
        return hmac.new(_secret(), body, hashlib.sha256).hexdigest()

    def callback_for(self, entry: Entry, *, paid: bool = True, amount_fen: int | None = None, nonce: str | None = None):
        """(body, headers) of the callback this gateway sends when `entry` is paid (or not)."""
        body = json.dumps(
            {
                "out_trade_no": entry.gateway_ref,
                "amount_fen": entry.amount_fen if amount_fen is None else amount_fen,
                "status": "SUCCESS" if paid else "CLOSED",
                "nonce": nonce or secrets.token_hex(16),
                "timestamp": int(time.time()),
            }
        ).encode()
        return body, {self.SIGNATURE_HEADER: self.sign(body)}

    def verify(self, body: bytes, headers: Mapping[str, str]) -> Callback:
        given = headers.get(self.SIGNATURE_HEADER, "") or ""
        if not hmac.compare_digest(given.encode(), self.sign(body).encode()):
            raise BadCallback(_("回调签名不正确，已拒绝。"))
        try:
            data = json.loads(body)
            ref, nonce, amount = str(data["out_trade_no"]), str(data["nonce"]), data["amount_fen"]
            status, stamp = data["status"], int(data["timestamp"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadCallback(_("回调格式不正确，已拒绝。")) from exc
        if not isinstance(amount, int) or isinstance(amount, bool) or not (0 < len(nonce) <= 64) or len(ref) > 64:
            raise BadCallback(_("回调格式不正确，已拒绝。"))
        if abs(time.time() - stamp) > MAX_AGE_SECONDS:
            raise BadCallback(_("回调已过期，已拒绝。"))
        return Callback(ref=ref, nonce=nonce, amount_fen=amount, paid=status == "SUCCESS")


@cache
def _gateway_class(path: str):
    return import_string(path)


def gateway_for(method: str) -> PaymentGateway:
    if method not in ONLINE_METHODS:
        raise ServiceError(_("不支持的支付方式。"))
    path = getattr(settings, "BILLING_GATEWAYS", {}).get(method, "billing.gateway.SimulatedGateway")
    return _gateway_class(path)(method)


def gateway_callback_receive(*, method: str, body: bytes, headers: Mapping[str, str]) -> Entry:
    """A gateway's callback: verified, its nonce recorded once, then the pending payment posted (or
    marked failed). Raises BadCallback (forged, malformed, stale), Conflict (replayed) or the
    posting's refusal (an amount that is not the order's); each refusal is kept as evidence."""
    from billing.services.payments import payment_confirm_online

    gateway = gateway_for(method)
    text = body.decode("utf-8", "replace")[:10000]
    try:
        callback = gateway.verify(body, headers)
    except BadCallback as exc:
        GatewayCallback.objects.create(
            method=method, nonce=f"invalid-{uuid.uuid4().hex}", body=text, valid=False, outcome=exc.message[:200]
        )
        audit_refusal(
            actor=None, object_type="billing.GatewayCallback", object_id="", object_repr=method, reason=exc.message
        )
        raise
    try:
        with transaction.atomic():
            record = GatewayCallback.objects.create(
                method=method, nonce=callback.nonce, gateway_ref=callback.ref, body=text, valid=True, outcome=""
            )
    except IntegrityError:
        message = _("重复的回调（nonce 已使用过），已拒绝。")
        audit_refusal(
            actor=None,
            object_type="billing.GatewayCallback",
            object_id="",
            object_repr=callback.ref,
            reason=message,
            data={"nonce": callback.nonce},
        )
        raise Conflict(message) from None
    entry = Entry.objects.select_related("room__project").filter(method=method, gateway_ref=callback.ref).first()
    if entry is None:
        GatewayCallback.objects.filter(pk=record.pk).update(outcome=_("没有这笔订单。")[:200])
        raise ServiceError(_("没有这笔订单。"))
    try:
        entry = payment_confirm_online(
            entry=entry, amount_fen=callback.amount_fen, paid=callback.paid, gateway_ref=callback.ref
        )
    except ServiceError as exc:
        GatewayCallback.objects.filter(pk=record.pk).update(outcome=exc.message[:200])
        audit_refusal(
            actor=None,
            object_type="billing.Entry",
            object_id=str(entry.pk),
            object_repr=entry.number,
            reason=exc.message,
        )
        raise
    GatewayCallback.objects.filter(pk=record.pk).update(outcome=entry.get_state_display()[:200])
    return entry
