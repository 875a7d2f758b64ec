"""Pages of the arrears side: the ledger and its export, a room's arrears with the dunning ladder,
disputes and payment plans, the notices as PDF, the lobby notice, the paid-repair panel's form, the
figures and finance's month. Thin: reads from billing.ledger / billing.figures / selectors, writes
through billing.services, permissions from billing.rules (named questions in billing/apps.py).

A project or a room outside the user's projects is a 404 (its existence is not confirmed); a role
without the right is a 403 with the reason."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from billing import figures as figs
from billing import services
from billing.choices import BillState, DunningStepKind, Payer, PlanState
from billing.forms_arrears import (
    CancelPlanForm,
    DisputeForm,
    DunningStepForm,
    LedgerFilterForm,
    MonthForm,
    PlanForm,
    RepairChargeForm,
    SettleForm,
)
from billing.ledger import BUCKETS, Filters, building_ledger, room_arrears, room_ledger
from billing.models import Bill, BillingSettings, PaymentPlan
from billing.money import month_add, yuan
from billing.plans import plan_progress
from billing.rules import may_dun, may_see_figures
from billing.selectors import dunning_history
from core.access import requires
from core.models import Project
from core.pages import run_service
from core.privacy import record_export
from core.redirects import safe_next
from core.sheets import stamp, xlsx_response
from desk.models import ServiceRequest
from estate.models import Building, Room

ledger_guard = requires("billing.ledger", _lazy("只有客服人员、项目经理和财务人员可以查看欠费台账。"))
dun_guard = requires("billing.dun", _lazy("只有客服人员、主管、经理和财务可以催缴。"))
# A paid repair is recorded by staff (billing.rules.may_charge_repair); a resident who sees their
# request is refused here, before the form, like every staff page.
staff_guard = requires("desk.staff", _lazy("业户请使用业主端。"))
figures_guard = requires("billing.figures", _lazy("只有财务、项目经理、客服主管和客服经理可以查看收缴率。"))
DEBTOR_LIST_LIMIT = 500


def _project(user, project_id: int) -> Project:
    if project_id not in user.project_ids():
        raise Http404(_("没有找到这个项目。"))
    try:
        return Project.objects.get(pk=project_id)
    except Project.DoesNotExist:
        raise Http404(_("没有找到这个项目。")) from None


def _room(user, room_id: int) -> Room:
    room = (
        Room.objects.select_related("project", "building", "unit")
        .filter(pk=room_id, project_id__in=user.project_ids())
        .first()
    )
    if room is None:
        raise Http404(_("没有找到这套房屋。"))
    return room


def _projects(user):
    return list(Project.objects.filter(pk__in=user.project_ids()).order_by("name"))


def _settings(company_id: int) -> BillingSettings:
    return BillingSettings.of(company_id)


def _pdf(request, template: str, context: dict, filename: str) -> HttpResponse:
    context["printed_at"] = timezone.now()
    html = render_to_string(template, context, request=request)
    from weasyprint import HTML  # slow to import: only when a PDF is asked for

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# ------------------------------------------------------------------ the ledger


@ledger_guard
def arrears_index(request):
    projects = _projects(request.user)
    if len(projects) == 1:
        return redirect("billing:arrears-project", project_id=projects[0].pk)
    return render(request, "billing/arrears/pick.html", {"projects": projects, "target": "billing:arrears-project"})


def _ledger_filters(request, project) -> tuple[LedgerFilterForm, Filters, str, list[Building]]:
    buildings = sorted(Building.objects.filter(project=project), key=lambda b: Room.make_sort_key(b.number))
    form = LedgerFilterForm(request.GET or None, buildings=buildings)
    filters, order = Filters(), "room"
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = Filters(building_id=d["building"], min_days=d["age"] or 0, min_fen=d["min_yuan"] or 0)
        order = d["order"] or "room"
    return form, filters, order, buildings


@ledger_guard
def arrears_project(request, project_id: int):
    user = request.user
    project = _project(user, project_id)
    form, filters, order, buildings = _ledger_filters(request, project)
    rooms_view = bool(filters.building_id) or request.GET.get("rooms") == "1"
    if rooms_view:
        ledger = room_ledger(
            project.pk, filters=filters, order=order, limit=None if filters.building_id else DEBTOR_LIST_LIMIT
        )
    else:
        ledger = building_ledger(project.pk, filters=filters)
    settings = _settings(project.company_id)
    chart = {
        "names": [str(b.label) for b in BUCKETS] + [_("有争议")],
        "values": [str(yuan(v)) for v in ledger.totals.cells] + [str(yuan(ledger.totals.disputed))],
    }
    return render(
        request,
        "billing/arrears/ledger.html",
        {
            "project": project,
            "projects": _projects(user) if len(user.project_ids()) > 1 else [],
            "form": form,
            "ledger": ledger,
            "rooms_view": rooms_view,
            "building": next((b for b in buildings if b.pk == filters.building_id), None),
            "lobby_notice": settings.lobby_notice_rooms and may_dun(user, project.pk),
            "may_dun": may_dun(user, project.pk),
            "chart": chart,
            "limit": DEBTOR_LIST_LIMIT,
        },
    )


@ledger_guard
def arrears_export(request, project_id: int):
    """The rooms in arrears as Excel for staff: rooms, owners' names, amounts by age, the last
    dunning step. No phone and no ID number; every export is recorded (core.privacy)."""
    user = request.user
    project = _project(user, project_id)
    _form, filters, order, _buildings = _ledger_filters(request, project)
    ledger = room_ledger(project.pk, filters=filters, order=order)
    headers = [
        _("房屋"),
        _("业主"),
        *[_("账龄 %(label)s(元)") % {"label": b.label} for b in BUCKETS],
        _("有争议(元)"),
        _("欠费合计(元)"),
        _("最早应缴日期"),
        _("最近催缴"),
        _("最近催缴时间"),
        _("分期"),
    ]

    def rows():
        for r in ledger.rows:
            step = r.last_step
            yield [
                r.name,
                r.owner,
                *[yuan(c) for c in r.cells],
                yuan(r.disputed),
                yuan(r.total),
                r.oldest_due,
                step.get_kind_display() if step else "",
                timezone.localtime(step.at).replace(tzinfo=None) if step else None,
                _("执行中") if r.plan else "",
            ]

    title = _("欠费台账")
    response, count = xlsx_response(f"{project.name}-{title}-{stamp()}.xlsx", title, headers, rows())
    record_export(user=user, what=title, filters={"project": project.pk, **filters.as_dict()}, rows=count)
    return response


# ------------------------------------------------------------------ one room


def _room_context(request, room, forms: dict | None = None) -> dict:
    user = request.user
    arrears = room_arrears(room)
    plan = PaymentPlan.objects.filter(room=room, state=PlanState.ACTIVE).prefetch_related("instalments").first()
    requests = list(ServiceRequest.objects.filter(room=room).order_by("-created_at").only("id", "number", "title")[:30])
    forms = forms or {}
    return {
        "room": room,
        "a": arrears,
        "history": dunning_history(room),
        "plan": plan,
        "progress": plan_progress(plan) if plan else None,
        "past_plans": list(
            PaymentPlan.objects.filter(room=room).exclude(state=PlanState.ACTIVE).order_by("-agreed_at")
        ),
        "may_dun": may_dun(user, room.project_id),
        "step_form": forms.get("step") or DunningStepForm(),
        "dispute_form": forms.get("dispute") or DisputeForm(requests=requests),
        "dispute_bill": forms.get("dispute_bill"),
        "settle_form": forms.get("settle") or SettleForm(),
        "settle_bill": forms.get("settle_bill"),
        "plan_form": forms.get("plan") or PlanForm(),
        "cancel_form": forms.get("cancel") or CancelPlanForm(),
        "open_form": next(iter(forms), None),
        "kinds": DunningStepKind,
    }


@ledger_guard
def arrears_room(request, room_id: int):
    room = _room(request.user, room_id)
    return render(request, "billing/arrears/room.html", _room_context(request, room))


def _room_act(request, room, name: str, form, do, extra: dict | None = None):
    """Run `do(form.cleaned_data)`; on a field error show the room page again with the form (400);
    on a refusal say why and go back."""
    back = reverse("billing:arrears-room", args=[room.pk])
    if form.is_valid():
        done = run_service(request, lambda: do(form.cleaned_data), form=form, flash_refusal=True, success=_("已保存。"))
        if done:
            return redirect(safe_next(request, back))
        if done.refused:  # a rule said no: back to the page with the reason flashed
            return redirect(back)
    context = _room_context(request, room, {name: form, **(extra or {})})
    return render(request, "billing/arrears/room.html", context, status=400)


@dun_guard
@require_POST
def arrears_dun(request, room_id: int):
    room = _room(request.user, room_id)
    form = DunningStepForm(request.POST)
    return _room_act(
        request,
        room,
        "step",
        form,
        lambda d: services.dunning_step_record(actor=request.user, room=room, kind=d["kind"], answer=d["answer"]),
    )


def _bill(room, bill_id: int) -> Bill:
    bill = Bill.objects.filter(pk=bill_id, room=room).first()
    if bill is None:
        raise Http404(_("没有找到这张账单。"))
    return bill


@dun_guard
@require_POST
def arrears_dispute(request, room_id: int, bill_id: int):
    room = _room(request.user, room_id)
    bill = _bill(room, bill_id)
    requests = list(ServiceRequest.objects.filter(room=room).order_by("-created_at").only("id", "number", "title")[:30])
    form = DisputeForm(request.POST, requests=requests)

    def do(d):
        sr = ServiceRequest.objects.filter(pk=d["request"], room=room).first() if d["request"] else None
        services.bill_dispute(actor=request.user, bill=bill, reason=d["reason"], request=sr)

    return _room_act(request, room, "dispute", form, do, {"dispute_bill": bill.pk})


@dun_guard
@require_POST
def arrears_settle(request, room_id: int, bill_id: int):
    room = _room(request.user, room_id)
    bill = _bill(room, bill_id)
    form = SettleForm(request.POST)
    return _room_act(
        request,
        room,
        "settle",
        form,
        lambda d: services.bill_dispute_settle(actor=request.user, bill=bill, outcome=d["outcome"]),
        {"settle_bill": bill.pk},
    )


@dun_guard
@require_POST
def arrears_plan(request, room_id: int):
    room = _room(request.user, room_id)
    form = PlanForm(request.POST)

    def do(d):
        rows = [services.InstalmentInput(due_on=due, amount_fen=amount) for due, amount in d["rows"]]
        services.payment_plan_agree(actor=request.user, room=room, instalments=rows, note=d["note"])

    return _room_act(request, room, "plan", form, do)


@dun_guard
@require_POST
def arrears_plan_cancel(request, room_id: int, plan_id: int):
    room = _room(request.user, room_id)
    plan = PaymentPlan.objects.filter(pk=plan_id, room=room).first()
    if plan is None:
        raise Http404(_("没有找到这份分期协议。"))
    form = CancelPlanForm(request.POST)
    return _room_act(
        request,
        room,
        "cancel",
        form,
        lambda d: services.payment_plan_cancel(actor=request.user, plan=plan, reason=d["reason"]),
    )


# ------------------------------------------------------------------ notices (PDF)


def _notice_room(room, bills) -> dict:
    """What a fee notice (收费通知单) shows of one room: its open bills with their lines, the ones
    in dispute apart, and the total to pay. The payer is named by role and room, never by phone."""
    to_pay = [b for b in bills if not b.disputed]
    disputed = [b for b in bills if b.disputed]
    payers = {b.payer for b in bills}
    return {
        "room": room,
        "bills": to_pay,
        "disputed": disputed,
        "total": sum(b.total_fen - b.paid_fen for b in to_pay),
        "payer": Payer.DEVELOPER.label if payers == {Payer.DEVELOPER} else Payer.OWNER.label,
    }


def _open_bills(**filters) -> list[Bill]:
    from django.db.models import Prefetch

    from billing.models import BillLine

    return list(
        Bill.objects.filter(state=BillState.OPEN, **filters)
        .prefetch_related(Prefetch("lines", queryset=BillLine.objects.filter(cancelled=False).select_related("item")))
        .order_by("room_id", "due_on", "id")
    )


@ledger_guard
def notice_room_pdf(request, room_id: int):
    room = _room(request.user, room_id)
    notices = [_notice_room(room, _open_bills(room=room))]
    context = {"project": room.project, "notices": notices, "today": timezone.localdate()}
    return _pdf(request, "billing/arrears/notice_pdf.html", context, f"notice-{room.pk}.pdf")


@ledger_guard
def notice_building_pdf(request, project_id: int, building_id: int):
    """A whole building's fee notices in one file for printing: one page per room with open bills."""
    project = _project(request.user, project_id)
    building = Building.objects.filter(pk=building_id, project=project).first()
    if building is None:
        raise Http404(_("没有找到这栋楼。"))
    bills = _open_bills(room__building=building)
    rooms = {r.pk: r for r in Room.objects.filter(pk__in={b.room_id for b in bills})}
    by_room: dict[int, list[Bill]] = {}
    for bill in bills:
        by_room.setdefault(bill.room_id, []).append(bill)
    notices = [
        _notice_room(rooms[room_id], room_bills)
        for room_id, room_bills in sorted(by_room.items(), key=lambda kv: rooms[kv[0]].sort_key)
    ]
    context = {"project": project, "notices": notices, "today": timezone.localdate(), "building": building}
    return _pdf(request, "billing/arrears/notice_pdf.html", context, f"notices-{project.code}-{building.number}.pdf")


@ledger_guard
def letter_pdf(request, room_id: int):
    """The written notice (催缴函) of a room: its overdue bills not in dispute, politely, with how to
    pay and whom to ask; lawful words only (billing/tests/test_lawful_texts.py)."""
    room = _room(request.user, room_id)
    arrears = room_arrears(room)
    if arrears.overdue == 0:
        messages.error(request, _("该户没有逾期且无争议的欠费，不需要催缴函。"))
        return redirect("billing:arrears-room", room_id=room.pk)
    context = {"project": room.project, "room": room, "a": arrears, "today": timezone.localdate()}
    return _pdf(request, "billing/arrears/letter_pdf.html", context, f"letter-{room.pk}.pdf")


def _lobby_rows(request, project):
    user = request.user
    if not may_dun(user, project.pk):
        raise PermissionDenied(_("只有客服人员、主管、经理和财务可以打印欠费公示。"))
    if not _settings(project.company_id).lobby_notice_rooms:
        raise PermissionDenied(_("本公司没有开启欠费公示（收费设置）。"))
    form, filters, _order, _b = _ledger_filters(request, project)
    ledger = room_ledger(project.pk, filters=filters, details=False)
    planned = set(PaymentPlan.objects.filter(project=project, state=PlanState.ACTIVE).values_list("room_id", flat=True))
    # rooms and what they owe (not in dispute) only: never a name, a phone or an ID number
    rows = [{"room": r.name, "owed": r.undisputed} for r in ledger.rows if r.undisputed and r.key not in planned]
    return form, rows


@ledger_guard
def lobby_notice(request, project_id: int):
    project = _project(request.user, project_id)
    form, rows = _lobby_rows(request, project)
    return render(
        request,
        "billing/arrears/lobby.html",
        {
            "project": project,
            "rows": rows,
            "form": form,
            "today": timezone.localdate(),
            "query": request.GET.urlencode(),
        },
    )


@ledger_guard
def lobby_notice_pdf(request, project_id: int):
    project = _project(request.user, project_id)
    _form, rows = _lobby_rows(request, project)
    context = {"project": project, "rows": rows, "today": timezone.localdate()}
    return _pdf(request, "billing/arrears/lobby_pdf.html", context, f"lobby-{project.code}.pdf")


# ------------------------------------------------------------------ paid repairs (the desk's panel posts here)


@staff_guard
@require_POST
def repair_charge(request, pk: int):
    from desk.selectors import request_detail

    try:
        sr = request_detail(request.user, pk)
    except ServiceRequest.DoesNotExist:
        raise Http404(_("没有找到这张工单。")) from None
    from billing.request_panels import price_list

    form = RepairChargeForm(request.POST, prices=price_list(sr))
    back = reverse("desk:detail", args=[sr.pk]) + "#repair-charges"
    if form.is_valid():
        done = run_service(
            request,
            lambda: services.paid_repair_record(
                actor=request.user,
                request=sr,
                picks=form.picks(),
                agreed=form.cleaned_data["agreed"],
                reason=form.cleaned_data["reason"],
            ),
            form=form,
            flash_refusal=True,
            success=lambda bill: (
                _("已计入房屋账户：账单 %(number)s，%(amount)s 元。")
                % {"number": bill.number, "amount": yuan(bill.total_fen)}
                if bill
                else _("已记录业户不同意有偿服务。")
            ),
        )
        if done or done.refused:
            return redirect(back)
    messages.error(request, _("有偿维修没有保存：") + " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(back)


# ------------------------------------------------------------------ figures and finance


def _month(request) -> date:
    form = MonthForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["month"]
    return timezone.localdate().replace(day=1)


@figures_guard
def figures_index(request):
    projects = [p for p in _projects(request.user) if may_see_figures(request.user, p.pk)]
    if len(projects) == 1:
        return redirect("billing:figures", project_id=projects[0].pk)
    return render(request, "billing/arrears/pick.html", {"projects": projects, "target": "billing:figures"})


@figures_guard
def figures_page(request, project_id: int):
    project = _project(request.user, project_id)
    month = _month(request)
    data = figs.collection_figures(project.pk, month)
    return render(
        request,
        "billing/arrears/figures.html",
        {
            "project": project,
            "projects": _projects(request.user) if len(request.user.project_ids()) > 1 else [],
            "month": month,
            "f": data,
            "charts": figs.chart_data(data),
            "previous_month": month_add(month, -1),
            "next_month": month_add(month, 1),
        },
    )


@figures_guard
def finance_month(request, project_id: int):
    project = _project(request.user, project_id)
    month = _month(request)
    return render(
        request,
        "billing/arrears/finance.html",
        {
            "project": project,
            "month": month,
            "work": figs.paid_and_free_work(project.pk, month),
            "previous_month": month_add(month, -1),
            "next_month": month_add(month, 1),
        },
    )


@figures_guard
def finance_ledger_export(request, project_id: int):
    """The month's bill lines and money allocations as an accounting package imports them."""
    project = _project(request.user, project_id)
    month = _month(request)
    sheets = figs.accounting_sheets(project.pk, month)
    from core.sheets import xlsx_workbook_response

    filename = f"{project.name}-{_('收费凭证')}-{month:%Y-%m}.xlsx"
    response, count = xlsx_workbook_response(filename, sheets)
    record_export(
        user=request.user,
        what=_("收费凭证导出"),
        filters={"project": project.pk, "month": f"{month:%Y-%m}"},
        rows=count,
    )
    return response
