"""Renovation pages. Thin: reads from selectors, writes through services, rules from rules.py.
Another project's renovation is a 404; a role that may not act gets a 403."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import forbid
from core.auth import accepts_api_token
from core.calendar import current_calendar
from core.ids import parse_id
from core.models import CalendarDay
from core.pages import run_service
from core.paging import keyset_page
from core.uploads import file_response
from estate.models import Room
from renovation import hours, rules, selectors
from renovation.choices import Action, FeeKind, FileKind, State
from renovation.forms import ActionForm, ApplicationForm, FilterForm, InspectionForm
from renovation.models import Renovation, RenovationFile, RenovationSettings, Violation, WorkerPass
from renovation.services import (
    ACTION_SERVICES,
    paid_totals,
    renovation_apply,
    renovation_inspect,
    renovation_resubmit,
)


def _get(user, pk) -> Renovation:
    try:
        return selectors.renovation_detail(user, pk)
    except Renovation.DoesNotExist:
        raise Http404(_("没有找到这份装修申请。")) from None


@login_required
def renovation_list(request):
    user = request.user
    form = FilterForm(request.GET or None, user=user)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = selectors.filtered(
        user,
        project_id=filters["project"].pk if filters.get("project") else None,
        state=filters.get("state"),
        overdue=bool(filters.get("overdue")),
        q=filters.get("q", ""),
    )
    page = keyset_page(
        qs,
        request.GET.get("after"),
        size=25,
        order=("-created_at", "-id"),
        load=lambda ids: selectors.list_queryset(Renovation.objects.filter(pk__in=ids)),
    )
    may_apply = rules.may_apply_for_others(user) or (user.is_resident and bool(rules.owned_room_ids(user)))
    return render(request, "renovation/list.html", {"form": form, "page": page, "may_apply": may_apply})


@login_required
def renovation_new(request):
    user = request.user
    rooms = None
    if user.is_resident:
        rooms = list(Room.objects.filter(pk__in=rules.owned_room_ids(user)).order_by("code"))
        if not rooms:
            raise PermissionDenied(_("只有业主本人可以为自己的房屋申请装修。"))
    elif not rules.may_apply_for_others(user):
        raise PermissionDenied(_("只有客服人员可以代业主登记装修申请。"))
    initial = {}
    if not user.is_resident and len(user.project_ids()) >= 1:
        initial["project"] = min(user.project_ids())
    form = ApplicationForm(request.POST or None, request.FILES or None, user=user, rooms=rooms, initial=initial)
    if request.method == "POST":
        if form.is_valid() and (
            done := run_service(
                request,
                lambda: renovation_apply(
                    actor=user, data=form.application(), drawings=form.cleaned_data.get("drawings") or []
                ),
                form=form,
                success=lambda renovation: (
                    _("已提交装修申请 %(number)s，审核截止 %(due)s。")
                    % {
                        "number": renovation.number,
                        "due": timezone.localtime(renovation.review_due_at).strftime("%Y-%m-%d %H:%M"),
                    }
                ),
            )
        ):
            return redirect("renovation:detail", pk=done.result.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "renovation/apply.html", {"form": form}, status=status)


@login_required
def renovation_resubmit_view(request, pk):
    user = request.user
    renovation = _get(user, pk)
    forbid(rules.role_refusal(user, Action.RESUBMIT))
    reason = rules.refusal(user, renovation, Action.RESUBMIT)
    if reason:
        messages.error(request, reason)
        return redirect("renovation:detail", pk=pk)
    initial = {
        name: getattr(renovation, name)
        for name in (
            "scope",
            "planned_start",
            "planned_end",
            "contractor_name",
            "contractor_licence",
            "contractor_person",
        )
    }
    form = ApplicationForm(
        request.POST or None, request.FILES or None, user=user, renovation=renovation, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        done = run_service(
            request,
            lambda: renovation_resubmit(
                actor=user,
                renovation=renovation,
                data=form.application(room_id=renovation.room_id),
                drawings=form.cleaned_data.get("drawings") or [],
                # the version the page was drawn from; an unreadable one is a conflict (0 never matches)
                expected_version=parse_id(request.POST["version"]) or 0
                if request.POST.get("version")
                else renovation.version,
            ),
            form=form,
            success=_("已重新提交，等待审核。"),
            flash_refusal=True,
        )
        if done or done.refused:
            return redirect("renovation:detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "renovation/apply.html", {"form": form, "renovation": renovation, "resubmit": True}, status=status
    )


def _detail_context(request, renovation, forms=None):
    user = request.user
    allowed = rules.allowed_actions(user, renovation)
    action_forms = {a: ActionForm(action=a, renovation=renovation) for a in allowed if a in ActionForm.FIELDS}
    action_forms.update(forms or {})
    totals = paid_totals(renovation)
    settings = RenovationSettings.for_project(renovation.project_id)
    drawings = list(RenovationFile.objects.filter(renovation=renovation, kind=FileKind.DRAWING))
    return {
        "r": renovation,
        "timeline": selectors.timeline(renovation),
        "actions": [(a, Action(a).label, action_forms.get(a)) for a in allowed],
        "open_form": next(iter(forms or {}), None),
        "row_actions": rules.allowed_row_actions(user, renovation),
        "row_form": ActionForm(action=Action.RECTIFY, renovation=renovation),
        "drawings": drawings,
        "payments": list(renovation.payments.select_related("recorded_by")),
        "deductions": list(renovation.deductions.all()),
        "totals": totals,
        "workers": selectors.workers_with_passes(renovation),
        "inspections": selectors.inspections(renovation),
        "today": timezone.localdate(),
        "settings": settings,
        "allowed_text": hours.allowed_text(settings),
        "quiet_lines": hours.quiet_lines(settings),
        "steps": _steps(renovation),
        "FeeKind": FeeKind,
    }


def _steps(r) -> list[tuple[str, str]]:
    """The path through the workflow with where this renovation stands: done / current / todo."""
    order = [
        (State.SUBMITTED, _("申请")),
        (State.APPROVED, _("审核")),
        (State.PAID, _("缴费")),
        (State.IN_PROGRESS, _("发证施工")),
        (State.ACCEPTED, _("竣工验收")),
        (State.REFUNDED, _("退押金")),
    ]
    if r.state in (State.REJECTED, State.CANCELLED):
        return [(str(label), "done" if i == 0 else "todo") for i, (_s, label) in enumerate(order[:2])] + [
            (str(State(r.state).label), "stopped")
        ]
    current = State.SUBMITTED if r.state == State.RETURNED else r.state
    rank = [s for s, _l in order].index(current)
    return [
        (str(label), "done" if i < rank else ("current" if i == rank else "todo"))
        for i, (_s, label) in enumerate(order)
    ]


@login_required
def renovation_detail(request, pk):
    renovation = _get(request.user, pk)
    return render(request, "renovation/detail.html", _detail_context(request, renovation))


def _row_target(renovation, action, target):
    """The pass or violation a row action is about; another renovation's is a 404."""
    target = parse_id(target)
    if target is None:
        raise Http404
    if action == Action.REVOKE_PASS:
        wp = WorkerPass.objects.select_related("worker").filter(pk=target, worker__renovation=renovation).first()
        if wp is None:
            raise Http404
        return {"worker_pass": wp}
    violation = Violation.objects.filter(pk=target, renovation=renovation).first()
    if violation is None:
        raise Http404
    return {"violation": violation}


def _action_done(action, renovation, result) -> str:
    if action == Action.TO_REQUEST:
        return _("已转为工单 %(number)s。") % {"number": result.number}
    return _("%(action)s成功，装修申请现在是“%(state)s”。") % {
        "action": Action(action).label,
        "state": State(renovation.state).label,
    }


@login_required
@require_POST
def renovation_act(request, pk, action):
    user = request.user
    renovation = _get(user, pk)
    if action not in ACTION_SERVICES or action == Action.INSPECT:
        raise Http404
    forbid(rules.role_refusal(user, action))
    service = ACTION_SERVICES[action]
    form = ActionForm(request.POST, request.FILES, action=action, renovation=renovation)
    if form.is_valid():
        kwargs = form.service_kwargs()
        if action == Action.ISSUE_PASS:
            kwargs["worker"] = renovation.workers.filter(pk=kwargs["worker"]).first()
        if action in rules.ROW_ACTIONS:
            kwargs.update(_row_target(renovation, action, request.POST.get("target")))
        row = action in rules.ROW_ACTIONS  # a row's button has no form on the page: its refusal is flashed
        done = run_service(
            request,
            lambda: service(actor=user, renovation=renovation, **kwargs),
            form=None if row else form,
            success=lambda result: _action_done(action, renovation, result),
            flash_refusal=True,
        )
        if done or done.refused or row:
            return redirect("renovation:detail", pk=pk)
    elif action in rules.ROW_ACTIONS:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect("renovation:detail", pk=pk)
    renovation = _get(user, pk)
    return render(request, "renovation/detail.html", _detail_context(request, renovation, {action: form}), status=400)


@login_required
def renovation_inspect_view(request, pk):
    """The phone page for an inspection on site: result, violation, photos from the camera."""
    user = request.user
    renovation = _get(user, pk)
    forbid(rules.role_refusal(user, Action.INSPECT))
    reason = rules.refusal(user, renovation, Action.INSPECT)
    if reason:
        messages.error(request, reason)
        return redirect("renovation:detail", pk=pk)
    form = InspectionForm(request.POST or None, request.FILES or None, renovation=renovation)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            request,
            lambda: renovation_inspect(actor=user, renovation=renovation, **form.service_kwargs()),
            form=form,
            success=_("巡查记录已保存。"),
            flash_refusal=True,
        )
        if done or done.refused:
            return redirect("renovation:detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    open_violations = list(selectors.open_violations(renovation))
    return render(
        request,
        "renovation/inspect.html",
        {"r": renovation, "form": form, "open_violations": open_violations},
        status=status,
    )


def _pdf(request, template, context, filename):
    html = render_to_string(template, context, request=request)
    if request.GET.get("html"):  # the same page for the browser's print dialog
        return HttpResponse(html)
    from weasyprint import HTML  # slow to import: only when a PDF is asked for

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response


def permit_context(renovation) -> dict:
    settings = RenovationSettings.for_project(renovation.project_id)
    names = dict(
        CalendarDay.objects.filter(date__range=(renovation.planned_start, renovation.planned_end)).values_list(
            "date", "name"
        )
    )
    return {
        "r": renovation,
        "settings": settings,
        "allowed_text": hours.allowed_text(settings),
        "quiet_lines": hours.quiet_lines(settings),
        "calendar": hours.calendar_notes(renovation.planned_start, renovation.planned_end, current_calendar(), names),
        "printed_at": timezone.localtime(),
    }


@login_required
def permit_pdf(request, pk):
    user = request.user
    renovation = _get(user, pk)
    if renovation.state not in (State.IN_PROGRESS, State.ACCEPTED, State.REFUNDED) or not renovation.permit_number:
        messages.error(request, _("装修许可证尚未发放。"))
        return redirect("renovation:detail", pk=pk)
    return _pdf(request, "renovation/permit_pdf.html", permit_context(renovation), f"{renovation.permit_number}.pdf")


@login_required
def passes_pdf(request, pk):
    """The temporary passes to print: all valid ones, or one (?pass=id). ID numbers stay masked."""
    user = request.user
    renovation = _get(user, pk)
    if user.is_resident:
        raise PermissionDenied(_("出入证由物业打印。"))
    qs = WorkerPass.objects.filter(worker__renovation=renovation, revoked_at__isnull=True).select_related("worker")
    one = parse_id(request.GET.get("pass", ""))
    if one is not None:
        qs = qs.filter(pk=one)
    passes = [p for p in qs.order_by("id") if p.is_valid()]
    if not passes:
        messages.error(request, _("没有有效的出入证可以打印。"))
        return redirect("renovation:detail", pk=pk)
    context = {"r": renovation, "passes": passes, "printed_at": timezone.localtime()}
    return _pdf(request, "renovation/passes_pdf.html", context, f"passes-{renovation.number}.pdf")


@accepts_api_token
@login_required
def renovation_file(request, pk):
    """Drawings and photos are served only to those who may see their renovation."""
    try:
        row = RenovationFile.objects.get(pk=pk, renovation__in=selectors.visible_renovations(request.user))
    except RenovationFile.DoesNotExist:
        raise Http404 from None
    return file_response(row.file, content_type=row.content_type, name=row.name)


def detail_url(pk) -> str:
    return reverse("renovation:detail", args=[pk])
