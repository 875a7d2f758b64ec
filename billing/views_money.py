"""The cashier side's pages: a room's account (bills, entries, balance, taking a payment), the
cashier's day, billing runs (new, preview, progress, reverse), receipts as PDF, the price table,
meter readings, and the simulated gateway's payer page and callback endpoint. Thin: reads from
billing/selectors.py, writes through billing/services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import rules, selectors, services
from billing.choices import (
    ONLINE_METHODS,
    RUN_ACTIVE,
    BillState,
    DayState,
    EntryKind,
    EntryState,
    Method,
    ReliefState,
    RunState,
)
from billing.forms_money import (
    ChargeForm,
    DayCloseForm,
    InvoiceForm,
    PaymentForm,
    RateForm,
    ReadingForm,
    ReasonForm,
    RefundForm,
    ReliefForm,
    RunForm,
    RunReverseForm,
)
from billing.gateway import SimulatedGateway, gateway_callback_receive, gateway_for
from billing.models import BillingRun, BillLine, CashierDay, Entry, FeeItem, FeeRate, MeterReading, Relief
from billing.money import yuan
from billing.receipts import amount_in_words
from billing.services.runs import STALE
from core.access import requires
from core.errors import ServiceError
from core.ids import parse_id
from core.models import Project
from core.pages import act, run_service

accounts_only = requires("billing.accounts", _lazy("只有客服、财务和项目管理人员可以查看房屋账户。"))
cashier_only = requires("billing.cashier", _lazy("您不能收款。"))
runs_only = requires("billing.runs", _lazy("只有财务人员和项目经理可以出账。"))


def _room(request, pk):
    room = selectors.account_room(request.user, pk)
    if room is None:
        raise Http404
    return room


def _simulated(method: str) -> bool:
    return settings.BILLING_SIMULATED_PAYMENTS and isinstance(gateway_for(method), SimulatedGateway)


# ---------------------------------------------------------------- a room's account


def _account_context(request, room, **forms) -> dict:
    user = request.user
    bills = selectors.account_bills(room)
    open_bills = [b for b in bills if b.state == BillState.OPEN]
    company_id = room.project.company_id
    may_pay = rules.may_take_payments(user, room.project_id, company_id=company_id)
    online = settings.BILLING_SIMULATED_PAYMENTS or any(
        not isinstance(gateway_for(m), SimulatedGateway) for m in ONLINE_METHODS
    )
    context = {
        "room": room,
        "bills": bills,
        "entries": selectors.account_entries(room),
        "balance": yuan(selectors.balance_fen(room.pk)),
        "owed": yuan(selectors.owed_fen(room.pk)),
        "monthly": yuan(services.monthly_charge_fen(room)),
        "may_pay": may_pay,
        "may_reverse": rules.may_reverse(user, room.project_id),
        "may_charge": rules.may_charge(user, room.project_id),
    }
    if may_pay:
        context["pay_form"] = forms.get("pay_form") or PaymentForm(open_bills=open_bills, online=online)
    if context["may_reverse"]:
        context["refund_form"] = forms.get("refund_form") or RefundForm(prefix="refund")
        context["reverse_form"] = forms.get("reverse_form") or ReasonForm(prefix="reverse")
    if context["may_charge"]:
        context["charge_form"] = forms.get("charge_form") or ChargeForm(prefix="charge", company_id=company_id)
        context["relief_form"] = forms.get("relief_form") or ReliefForm(prefix="relief", open_bills=open_bills)
    if may_pay:
        context["invoice_form"] = forms.get("invoice_form") or InvoiceForm(prefix="invoice")
    context["reliefs"] = list(
        Relief.objects.filter(room=room)
        .select_related("line__item", "line__bill", "proposed_by", "decided_by")
        .order_by("-proposed_at", "-id")[:20]
    )
    context["may_approve"] = rules.may_approve_relief(user, room.project_id)
    context["open_form"] = next(iter(forms), "")
    return context


@accounts_only
def account(request, pk):
    room = _room(request, pk)
    return render(request, "billing/account.html", _account_context(request, room))


def _redisplay(request, room, name, form, **extra):
    """The account page again with `name`'s form and its errors (the service's, put there by
    core.pages.run_service, or the form's own), answering 400. `extra`: more context (the entry a
    refused reversal was of, whose form comes back open)."""
    response = render(request, "billing/account.html", {**_account_context(request, room, **{name: form}), **extra})
    response.status_code = 400
    return response


@cashier_only
@require_POST
def account_pay(request, pk):
    room = _room(request, pk)
    open_bills = [b for b in selectors.account_bills(room, recent=0) if b.state == BillState.OPEN]
    form = PaymentForm(request.POST, open_bills=open_bills)
    if not form.is_valid():
        return _redisplay(request, room, "pay_form", form)
    data = form.cleaned_data

    def pay():
        if data["method"] in ONLINE_METHODS:
            return services.payment_start_online(
                actor=request.user,
                room=room,
                amount_fen=data["amount"],
                method=data["method"],
                payer_name=data["payer_name"],
                idempotency_key=data["key"],
            )
        return services.payment_post(
            actor=request.user,
            room=room,
            amount_fen=data["amount"],
            method=data["method"],
            bill_ids=data["bills"] or None,
            payer_name=data["payer_name"],
            note=data["note"],
            idempotency_key=data["key"],
        )

    done = run_service(request, pay, form=form)
    if not done:
        return _redisplay(request, room, "pay_form", form)
    entry = done.result
    if entry.state == EntryState.PENDING:
        if _simulated(entry.method):
            return redirect("billing:sim-pay", ref=entry.gateway_ref)
        messages.info(request, _("已发起线上支付，等待支付平台确认。"))
        return redirect("billing:account", pk=room.pk)
    if getattr(entry, "replayed", False):
        messages.info(request, _("这笔收款已经记过了（收据 %(n)s），没有重复收款。") % {"n": entry.number})
    else:
        messages.success(request, _("已收款 %(a)s 元，收据 %(n)s。") % {"a": yuan(entry.amount_fen), "n": entry.number})
    return redirect(reverse("billing:account", args=[room.pk]) + f"?receipt={entry.pk}")


@accounts_only
@require_POST
def entry_reverse(request, pk):
    entry = selectors.entry_for(request.user, pk)
    if entry is None:
        raise Http404
    room = selectors.account_room(request.user, entry.room_id)
    if room is None:
        raise Http404
    form = ReasonForm(request.POST, prefix="reverse")
    if not form.is_valid():
        return _redisplay(request, room, "reverse_form", form, reverse_entry=entry.pk)
    if run_service(
        request,
        lambda: services.entry_reverse(actor=request.user, entry=entry, reason=form.cleaned_data["reason"]),
        form=form,
        success=lambda reversal: _("已冲红：%(n)s。") % {"n": reversal.number},
    ):
        return redirect("billing:account", pk=room.pk)
    return _redisplay(request, room, "reverse_form", form, reverse_entry=entry.pk)


@accounts_only
@require_POST
def account_refund(request, pk):
    room = _room(request, pk)
    form = RefundForm(request.POST, prefix="refund")
    if not form.is_valid():
        return _redisplay(request, room, "refund_form", form)
    data = form.cleaned_data
    if run_service(
        request,
        lambda: services.balance_refund(
            actor=request.user,
            room=room,
            amount_fen=data["amount"],
            method=data["method"],
            reason=data["reason"],
            payer_name=data["payer_name"],
        ),
        form=form,
        success=lambda refund: _("已退费 %(a)s 元：%(n)s。") % {"a": yuan(-refund.amount_fen), "n": refund.number},
    ):
        return redirect("billing:account", pk=room.pk)
    return _redisplay(request, room, "refund_form", form)


@accounts_only
@require_POST
def account_charge(request, pk):
    room = _room(request, pk)
    form = ChargeForm(request.POST, prefix="charge", company_id=room.project.company_id)
    if not form.is_valid():
        return _redisplay(request, room, "charge_form", form)
    data = form.cleaned_data
    if run_service(
        request,
        lambda: services.charge_add(
            actor=request.user,
            room=room,
            item=data["item"],
            amount_fen=data["amount"],
            description=data["description"],
        ),
        form=form,
        success=lambda bill: _("已记收费：%(n)s。") % {"n": bill.number},
    ):
        return redirect("billing:account", pk=room.pk)
    return _redisplay(request, room, "charge_form", form)


@accounts_only
@require_POST
def account_relief(request, pk):
    room = _room(request, pk)
    open_bills = [b for b in selectors.account_bills(room, recent=0) if b.state == BillState.OPEN]
    form = ReliefForm(request.POST, prefix="relief", open_bills=open_bills)
    if not form.is_valid():
        return _redisplay(request, room, "relief_form", form)
    data = form.cleaned_data
    line = BillLine.objects.select_related("room").filter(pk=parse_id(data["line"]), room=room).first()
    if line is None:
        raise Http404
    if run_service(
        request,
        lambda: services.relief_propose(
            actor=request.user, line=line, kind=data["kind"], amount_fen=data["amount"], reason=data["reason"]
        ),
        form=form,
        success=_("已提交减免申请，待审批。"),
    ):
        return redirect("billing:account", pk=room.pk)
    return _redisplay(request, room, "relief_form", form)


@accounts_only
@require_POST
def relief_decide(request, pk):
    relief = Relief.objects.select_related("room").filter(pk=pk, state=ReliefState.PROPOSED).first()
    if relief is None or selectors.account_room(request.user, relief.room_id) is None:
        raise Http404
    return act(
        request,
        lambda: services.relief_decide(
            actor=request.user, relief=relief, approve=request.POST.get("decision") == "approve"
        ),
        success=_("已审批。"),
        to=reverse("billing:account", args=[relief.room_id]),
    )


@cashier_only
@require_POST
def entry_invoice(request, pk):
    entry = selectors.entry_for(request.user, pk)
    if entry is None:
        raise Http404
    room = selectors.account_room(request.user, entry.room_id)
    if room is None:
        raise Http404
    form = InvoiceForm(request.POST, prefix="invoice")
    if not form.is_valid():
        return _redisplay(request, room, "invoice_form", form)
    data = form.cleaned_data
    done = run_service(
        request,
        lambda: services.invoice_request(
            actor=request.user, entry=entry, title=data["title"], tax_number=data["tax_number"], email=data["email"]
        ),
        form=form,
    )
    if not done:
        return _redisplay(request, room, "invoice_form", form)
    invoice = done.result
    if invoice.invoice_number:
        messages.success(request, _("发票已开具：%(n)s。") % {"n": invoice.invoice_number})
    else:
        messages.error(request, _("发票开具失败：%(e)s") % {"e": invoice.error})
    return redirect("billing:account", pk=room.pk)


# ---------------------------------------------------------------- receipts


@accounts_only
def receipt_pdf(request, pk):
    entry = selectors.entry_for(request.user, pk)
    if entry is None or entry.state != EntryState.POSTED:
        raise Http404
    return receipt_response(request, entry)


def receipt_response(request, entry: Entry) -> HttpResponse:
    """The receipt PDF of a posted entry the caller has already checked `request.user` may see
    (the staff's page above; the residents' app, portal/views_money.py)."""
    # what the entry did when it was taken (later uses of its prepaid rest are not on its receipt)
    allocations = list(
        entry.allocations.filter(created_at=entry.posted_at)
        .select_related("line__item", "line__bill")
        .order_by("line__bill__period_start", "id")
    )
    context = {
        "entry": entry,
        "room": entry.room,
        "project": entry.room.project,
        "company": entry.room.project.company,
        "allocations": allocations,
        "amount": yuan(abs(entry.amount_fen)),
        "words": amount_in_words(abs(entry.amount_fen)),
        "rest": yuan(entry.amount_fen - sum(a.amount_fen for a in allocations))
        if entry.kind == EntryKind.PAYMENT
        else None,
        "printed_at": timezone.now(),
    }
    html = render_to_string("billing/receipt_pdf.html", context, request=request)
    from weasyprint import HTML  # slow to import: only when a PDF is asked for

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{entry.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- the cashier's day


@cashier_only
def cashier(request):
    user = request.user
    today = timezone.localdate()
    days = list(CashierDay.objects.filter(cashier=user, day=today).select_related("project"))
    for day in days:
        day.rows = selectors.day_entries(day)
        figures = services.day_totals(day)
        day.figures = {Method(m).label: yuan(v) for m, v in figures["totals"].items()}
        day.net = yuan(figures["net_fen"])
        day.count_now = figures["count"]
        if day.state == DayState.OPEN:
            day.form = DayCloseForm(day=day, prefix=f"d{day.pk}")
    received = list(
        CashierDay.objects.filter(handed_to=user).select_related("project", "cashier").order_by("-day", "-id")[:30]
    )
    own = list(CashierDay.objects.filter(cashier=user).exclude(day=today).order_by("-day", "-id")[:30])
    for day in received + own:
        day.figures = {Method(m).label: yuan(v) for m, v in (day.totals or {}).items()}
    online_today = (
        Entry.objects.filter(cashier=user, day__isnull=True, state=EntryState.POSTED, posted_at__date=today)
        .select_related("room")
        .order_by("posted_at")
    )
    return render(
        request,
        "billing/cashier.html",
        {"days": days, "received": received, "own": own, "online_today": list(online_today), "today": today},
    )


@cashier_only
@require_POST
def day_close(request, pk):
    day = get_object_or_404(CashierDay, pk=pk, cashier=request.user)
    form = DayCloseForm(request.POST, day=day, prefix=f"d{day.pk}")
    if form.is_valid():
        run_service(
            request,
            lambda: services.cashier_day_close(
                actor=request.user,
                day=day,
                handed_to=form.cleaned_data["handed_to"],
                signature=form.cleaned_data["signature"],
            ),
            success=_("已日结并交接。"),
        )
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("billing:cashier")


# ---------------------------------------------------------------- billing runs


@runs_only
def runs(request):
    return render(request, "billing/runs.html", {"runs": list(selectors.runs_for(request.user))})


@runs_only
def run_new(request):
    user = request.user
    form = RunForm(request.POST or None, user=user)
    preview = None
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        item_ids = [i.pk for i in data["items"]] or None
        period = {
            "project": data["project"],
            "period_start": data["period"],
            "cycle": data["cycle"],
            "item_ids": item_ids,
        }
        if request.POST.get("action") == "start":
            done = run_service(
                request,
                lambda: services.billing_run_start(actor=user, **period),
                form=form,
                success=_("出账已开始。"),
            )
            if done:
                return redirect("billing:run", pk=done.result.pk)
        else:
            done = run_service(request, lambda: services.billing_run_preview(actor=user, **period), form=form)
            preview = done.result
        status = 200 if done else 400
    elif request.method == "POST":
        status = 400
    return render(request, "billing/run_new.html", {"form": form, "preview": preview}, status=status)


def _run(request, pk) -> BillingRun:
    run = BillingRun.objects.select_related("project", "started_by", "reversed_by").filter(pk=pk).first()
    if run is None or not rules.may_run_billing(request.user, run.project_id):
        raise Http404
    run.percent = int(run.rooms_done * 100 / run.rooms_total) if run.rooms_total else 100
    run.stale = run.state == RunState.RUNNING and (
        run.heartbeat_at is None or run.heartbeat_at < timezone.now() - STALE
    )
    run.active = run.state in RUN_ACTIVE
    return run


@runs_only
def run_detail(request, pk):
    run = _run(request, pk)
    paid = run.bills.filter(paid_fen__gt=0).count() if run.state == RunState.DONE else 0
    first = list(run.bills.select_related("room").order_by("room__sort_key")[:20])
    return render(
        request,
        "billing/run.html",
        {"run": run, "paid_bills": paid, "first": first, "reverse_form": RunReverseForm(), "items": run.items.all()},
    )


@runs_only
def run_progress(request, pk):
    """Polled by the run's page while it bills; reloads the page when the run is done."""
    run = _run(request, pk)
    if not run.active:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "billing/_run_progress.html", {"run": run})


@runs_only
@require_POST
def run_reverse(request, pk):
    run = _run(request, pk)
    form = RunReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写撤销原因。"))
        return redirect("billing:run", pk=run.pk)
    return act(
        request,
        lambda: services.billing_run_reverse(actor=request.user, run=run, reason=form.cleaned_data["reason"]),
        success=_("已撤销这个批次的全部账单。"),
        to=reverse("billing:run", args=[run.pk]),
    )


@runs_only
@require_POST
def run_resume(request, pk):
    run = _run(request, pk)
    return act(
        request,
        lambda: services.billing_run_resume(actor=request.user, run=run),
        to=reverse("billing:run", args=[run.pk]),
    )


# ---------------------------------------------------------------- rates and readings


@accounts_only
def rates(request):
    user = request.user
    company_id = (
        user.company_id
        or Project.objects.filter(pk__in=user.project_ids()).values_list("company_id", flat=True).first()
    )
    if company_id is None:
        raise PermissionDenied(_("您不属于任何公司。"))
    may_add = any(rules.may_set_rates(user, pk, company_id=company_id) for pk in user.project_ids()) or (
        rules.may_set_rates(user, None, company_id=company_id)
    )
    form = None
    status = 200
    if may_add:
        form = RateForm(request.POST or None, user=user, company_id=company_id)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if run_service(
                request,
                lambda: services.fee_rate_add(
                    actor=user,
                    item=data["item"],
                    price=data["price"],
                    effective_from=data["effective_from"],
                    project=data["project"],
                    building=data["building"],
                    room_use=data["room_use"],
                ),
                form=form,
                success=_("已添加收费标准。"),
            ):
                return redirect("billing:rates")
            status = 400
        elif request.method == "POST":
            status = 400
    elif request.method == "POST":
        raise PermissionDenied(_("您不能设置收费标准。"))
    projects = set(user.project_ids())
    items = list(FeeItem.objects.filter(company_id=company_id).order_by("order", "pk"))
    rows = (
        FeeRate.objects.filter(item__company_id=company_id)
        .select_related("item", "project", "building", "created_by")
        .order_by("item__order", "item_id", "project_id", "building_id", "room_use", "-effective_from")
    )
    by_item = {item.pk: [] for item in items}
    for rate in rows:
        if rate.project_id and rate.project_id not in projects:
            continue
        by_item[rate.item_id].append(rate)
    for item in items:
        item.rate_rows = by_item[item.pk]
    return render(request, "billing/rates.html", {"items": items, "form": form}, status=status)


@requires("billing.readings", _lazy("您不能抄表。"))
def readings(request):
    user = request.user
    form = ReadingForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if run_service(
                request,
                lambda: services.meter_reading_record(
                    actor=user,
                    room=data["room"],
                    item=data["item"],
                    read_on=data["read_on"],
                    value=data["value"],
                    source=data["source"],
                ),
                form=form,
                success=lambda reading: (
                    _("已记录 %(room)s 的读数 %(v)s。") % {"room": reading.room.code, "v": reading.value}
                ),
            ):
                return redirect("billing:readings")
            status = 400
        else:
            status = 400
    recent = (
        MeterReading.objects.filter(room__project_id__in=user.project_ids())
        .select_related("room", "item", "read_by")
        .order_by("-created_at", "-id")[:30]
    )
    return render(request, "billing/readings.html", {"form": form, "recent": list(recent)}, status=status)


# ---------------------------------------------------------------- online payments


def _pending(request, ref) -> Entry:
    entry = Entry.objects.select_related("room__project").filter(gateway_ref=ref).first()
    if entry is None or entry.method not in ONLINE_METHODS:
        raise Http404
    if not rules.may_take_payments(request.user, entry.project_id, company_id=entry.room.project.company_id):
        raise Http404
    return entry


@cashier_only
def sim_pay(request, ref):
    """The development gateway's payer page: what the resident sees after scanning the code. Paying
    here makes the simulated gateway send its signed callback, verified like a real one."""
    entry = _pending(request, ref)
    if not _simulated(entry.method):
        raise Http404
    if request.method == "POST":
        if entry.state == EntryState.PENDING:
            gateway = gateway_for(entry.method)
            body, headers = gateway.callback_for(entry, paid=request.POST.get("action") == "pay")
            try:
                entry = gateway_callback_receive(method=entry.method, body=body, headers=headers)
            except ServiceError as exc:
                messages.error(request, exc.message)
                return redirect("billing:sim-pay", ref=ref)
        if entry.state == EntryState.POSTED:
            messages.success(
                request, _("线上支付成功 %(a)s 元，收据 %(n)s。") % {"a": yuan(entry.amount_fen), "n": entry.number}
            )
            return redirect(reverse("billing:account", args=[entry.room_id]) + f"?receipt={entry.pk}")
        messages.info(request, _("支付已取消。"))
        return redirect("billing:account", pk=entry.room_id)
    return render(request, "billing/sim_pay.html", {"entry": entry, "amount": yuan(entry.amount_fen)})


@csrf_exempt
def gateway_notify(request, method):
    """Where a gateway sends its callbacks (no session: the signature is the authentication)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if method not in ONLINE_METHODS:
        raise Http404
    try:
        entry = gateway_callback_receive(method=method, body=request.body, headers=request.headers)
    except ServiceError as exc:
        return JsonResponse({"code": "FAIL", "message": exc.message}, status=exc.status)
    return JsonResponse({"code": "SUCCESS", "state": int(entry.state)})
