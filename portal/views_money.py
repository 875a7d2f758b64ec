"""The residents' money pages (/my/bills/ …): the chosen room's bills, paying them online through the
payment gateway (the same services and callback as the desk's online payments), the result page,
receipts, and each resident's own notification choices. Only the room's paying residents (owners,
co-owners, tenants: billing.rules.pays_for_room) see its money; a family member is told to ask them.
Reads go through billing's resident scoping (billing.selectors.visible_bills / visible_entries)."""

from __future__ import annotations

import uuid
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing import rules as billing_rules
from billing.choices import ONLINE_METHODS, BillState, EntryKind, EntryState, Method
from billing.gateway import SimulatedGateway, gateway_callback_receive, gateway_for
from billing.models import BillLine
from billing.money import yuan
from billing.selectors import balance_fen, visible_bills, visible_entries
from billing.services import payment_start_online
from billing.views_money import receipt_response
from core.errors import ServiceError
from core.pages import run_service
from core.paging import keyset_page
from portal.views import resident_page

METHOD_CHOICES = [(Method.WECHAT.value, gettext_lazy("微信支付")), (Method.ALIPAY.value, gettext_lazy("支付宝"))]


def payer_page(view):
    """A resident page for the room's paying residents; others of the household get a page saying
    who pays (403)."""

    @resident_page
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not billing_rules.pays_for_room(request.user, request.room.pk):
            return render(request, "portal/money_not_payer.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _lines():
    return Prefetch("lines", queryset=BillLine.objects.select_related("item").order_by("item__order", "id"))


def open_bills(user, room) -> list:
    """The room's open bills the resident sees, oldest first, with their lines."""
    return list(
        visible_bills(user)
        .filter(room=room, state=BillState.OPEN)
        .prefetch_related(_lines())
        .order_by("period_start", "id")
    )


def bill_due(user, room) -> dict | None:
    """The home page's card: what the room owes now and the nearest due date (None: nothing, or the
    resident is not one who pays)."""
    if not billing_rules.pays_for_room(user, room.pk):
        return None
    bills = list(
        visible_bills(user)
        .filter(room=room, state=BillState.OPEN)
        .order_by("due_on", "id")
        .values_list("total_fen", "paid_fen", "due_on")[:200]
    )
    owed = sum(total - paid for total, paid, _due in bills)
    if owed <= 0:
        return None
    return {"owed": yuan(owed), "count": len(bills), "due_on": bills[0][2]}


class PayForm(forms.Form):
    bills = forms.MultipleChoiceField(
        label=gettext_lazy("要缴的账单"), widget=forms.CheckboxSelectMultiple, required=True
    )
    method = forms.ChoiceField(
        label=gettext_lazy("支付方式"), choices=METHOD_CHOICES, widget=forms.RadioSelect, initial=Method.WECHAT
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, bills, **kwargs):
        super().__init__(*args, **kwargs)
        self.open = {str(b.pk): b for b in bills}
        self.fields["bills"].choices = [(str(b.pk), b.number) for b in bills]
        self.fields["bills"].error_messages["required"] = _("请至少选一张账单。")
        if not self.is_bound:
            self.initial.setdefault("bills", list(self.open))
            self.initial.setdefault("key", uuid.uuid4().hex)

    def amount_fen(self) -> int:
        return sum(self.open[b].open_fen for b in self.cleaned_data["bills"])


def _simulated(method: str) -> bool:
    return settings.BILLING_SIMULATED_PAYMENTS and isinstance(gateway_for(method), SimulatedGateway)


def _bills_context(request, form=None) -> dict:
    bills = open_bills(request.user, request.room)
    owed = sum(b.open_fen for b in bills)
    online = settings.BILLING_SIMULATED_PAYMENTS or any(
        not isinstance(gateway_for(m), SimulatedGateway) for m in ONLINE_METHODS
    )
    return {
        "bills": bills,
        "owed": yuan(owed),
        "owes": owed > 0,
        "balance": yuan(balance_fen(request.room.pk)),
        "form": (form or PayForm(bills=bills)) if bills and online else None,
        "pending": list(
            visible_entries(request.user)
            .filter(room=request.room, state=EntryState.PENDING, paid_by=request.user)
            .order_by("-created_at", "-id")[:3]
        ),
    }


@payer_page
def bills(request):
    return render(request, "portal/bills.html", _bills_context(request))


@payer_page
def bills_paid(request):
    """The room's settled bills, newest first, 20 a page (keyset paging)."""
    qs = visible_bills(request.user).filter(room=request.room, state=BillState.PAID)
    page = keyset_page(
        qs,
        request.GET.get("after"),
        size=20,
        order=("-period_start", "-id"),
        load=lambda ids: visible_bills(request.user).filter(pk__in=ids).prefetch_related(_lines()),
    )
    payments = list(
        visible_entries(request.user)
        .filter(room=request.room, kind=EntryKind.PAYMENT, state=EntryState.POSTED)
        .order_by("-created_at", "-id")[:20]
    )
    return render(request, "portal/bills_paid.html", {"page": page, "payments": payments})


@require_POST
@payer_page
def pay(request):
    """Start an online payment of the picked bills and go to the gateway's page."""
    bills_open = open_bills(request.user, request.room)
    form = PayForm(request.POST, bills=bills_open)
    if form.is_valid():
        d = form.cleaned_data
        done = run_service(
            request,
            lambda: payment_start_online(
                actor=request.user,
                room=request.room,
                amount_fen=form.amount_fen(),
                method=d["method"],
                payer_name=_payer_name(request.user),
                idempotency_key=f"my-{d['key']}",
                bill_ids=[int(b) for b in d["bills"]],
            ),
            form=form,
        )
        if done.ok:
            entry = done.result
            if entry.state != EntryState.PENDING:  # the same button pressed twice: already settled
                return redirect("portal:payment", pk=entry.pk)
            if _simulated(entry.method):
                return redirect("portal:sim-pay", pk=entry.pk)
            return redirect(gateway_for(entry.method).pay_url(entry))
        form.data = form.data.copy()
        form.data["key"] = uuid.uuid4().hex  # refused: a new try is a new payment
    return render(request, "portal/bills.html", _bills_context(request, form), status=400)


def _payer_name(user) -> str:
    from estate.models import Resident

    name = Resident.objects.filter(user=user).values_list("name", flat=True).first()
    return (name or user.get_full_name() or user.username)[:50]


def _my_entry(request, pk):
    entry = (
        visible_entries(request.user)
        .select_related("room__project__company", "cashier", "reverses", "day")
        .filter(pk=pk, room=request.room)
        .first()
    )
    if entry is None:
        raise Http404
    return entry


@payer_page
def sim_pay(request, pk):
    """The development gateway's payer page, as a resident sees it in WeChat after "去支付": paying
    here makes the simulated gateway send its signed callback, verified like a real one."""
    entry = _my_entry(request, pk)
    if entry.method not in ONLINE_METHODS or entry.paid_by_id != request.user.pk or not _simulated(entry.method):
        raise Http404
    if request.method == "POST":
        if entry.state == EntryState.PENDING:
            gateway = gateway_for(entry.method)
            body, headers = gateway.callback_for(entry, paid=request.POST.get("action") == "pay")
            try:
                gateway_callback_receive(method=entry.method, body=body, headers=headers)
            except ServiceError as exc:
                messages.error(request, exc.message)
        return redirect("portal:payment", pk=entry.pk)
    return render(request, "portal/sim_pay.html", {"entry": entry, "amount": yuan(entry.amount_fen)})


@payer_page
def payment(request, pk):
    """Where the gateway sends the payer back: waiting (the page refreshes itself until the callback
    lands), paid with its receipt, or not paid."""
    entry = _my_entry(request, pk)
    if entry.kind != EntryKind.PAYMENT:
        raise Http404
    return render(
        request,
        "portal/payment.html",
        {
            "entry": entry,
            "amount": yuan(entry.amount_fen),
            "pending": entry.state == EntryState.PENDING,
            "paid": entry.state == EntryState.POSTED,
        },
    )


@payer_page
def receipt(request, pk):
    entry = _my_entry(request, pk)
    if entry.state != EntryState.POSTED or entry.kind != EntryKind.PAYMENT:
        raise Http404
    return receipt_response(request, entry)
