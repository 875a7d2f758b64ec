"""Pages of the duty desk. Thin: reads from selectors, writes through services, rights from rules."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from core.ids import parse_id
from core.pages import act, refusal_text, run_service
from core.paging import keyset_page
from duty import rules, selectors, services
from duty.choices import HandoverState, ItemAnswer, SwapState
from duty.forms import (
    AnswerForm,
    AssignForm,
    CountedThingForm,
    HandoverForm,
    KeyForm,
    LendForm,
    LogForm,
    NoteForm,
    ReasonForm,
    ShiftForm,
    SignInForm,
    StartHandoverForm,
    SwapForm,
)
from duty.models import Assignment, CountedThing, Handover, HandoverItem, Key, KeyLoan, LogEntry, Shift, SwapRequest

ITEMS_PER_PAGE = 200
LOG_PAGE = 50


@rules.viewer
def home(request):
    user = request.user
    projects = list(rules.user_projects(user))
    if len(projects) == 1:
        return redirect("duty:board", project_id=projects[0].pk)
    return render(request, "duty/home.html", {"projects": projects})


@login_required
def board(request, project_id: int):
    """The desk's duty page: who is on duty now, my handovers, refused items, keys out, the latest log."""
    user = request.user
    project = rules.project_for(user, project_id)
    context = {
        "project": project,
        "on_duty": selectors.on_duty(project),
        "mine": selectors.my_open_handovers(user, project),
        "refused": selectors.refused_items(project),
        "keys_out": selectors.keys_out(project),
        "latest_log": list(selectors.log_entries(project).order_by("-at", "-id")[:8]),
        "may_keep": rules.may_keep_duty(user),
        "may_edit": rules.may_edit_roster(user),
        "pending_swaps": selectors.pending_swaps_count(project) if rules.may_edit_roster(user) else 0,
        "now": timezone.now(),
        "projects": list(rules.user_projects(user)) if len(user.project_ids()) > 1 else [],
    }
    return render(request, "duty/board.html", context)


# ------------------------------------------------------------------ roster


def _week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _parse_day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@login_required
def roster(request, project_id: int):
    user = request.user
    project = rules.project_for(user, project_id)
    view = "month" if request.GET.get("view") == "month" else "week"
    anchor = _parse_day(request.GET.get("date"))
    if view == "month":
        first = anchor.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        days = [first + timedelta(days=i) for i in range((nxt - first).days)]
        previous, following = (first - timedelta(days=1)).replace(day=1), nxt
    else:
        first = _week_start(anchor)
        days = [first + timedelta(days=i) for i in range(7)]
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
    may_edit = rules.may_edit_roster(user)
    staff = selectors.staff_for_roster(project)
    context = {
        "project": project,
        "view": view,
        "days": days,
        "grid": selectors.roster_grid(project, days),
        "previous": previous,
        "following": following,
        "today": timezone.localdate(),
        "may_edit": may_edit,
        "assign_form": AssignForm(project=project, staff=staff, initial={"day": anchor}) if may_edit else None,
        "swaps": selectors.swaps(project),
        "history": selectors.roster_history(project),
        "on_duty": selectors.on_duty(project),
        "SwapState": SwapState,
    }
    return render(request, "duty/roster.html", context)


@login_required
@require_POST
def roster_assign(request, project_id: int):
    user = request.user
    project = rules.project_for(user, project_id)
    rules.roster_editor.check(user)
    form = AssignForm(request.POST, project=project, staff=selectors.staff_for_roster(project))
    back = reverse("duty:roster", args=[project.pk])
    if form.is_valid():
        d = form.cleaned_data
        return act(
            request,
            lambda: services.assignment_add(
                actor=user, project=project, day=d["day"], shift=d["shift"], user=d["user"]
            ),
            success=_("已安排 %(name)s %(day)s %(shift)s。")
            % {"name": d["user"].name, "day": d["day"].isoformat(), "shift": d["shift"].name},
            to=f"{back}?date={d['day'].isoformat()}",
        )
    messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(back)


def _assignment_for(user, pk) -> Assignment:
    a = Assignment.objects.select_related("shift", "user", "project").filter(pk=pk).first()
    if a is None or a.project_id not in user.project_ids():
        raise Http404(_("没有找到这条排班。"))
    rules.project_for(user, a.project_id)
    return a


@login_required
@require_POST
def assignment_remove(request, pk: int):
    a = _assignment_for(request.user, pk)
    form = ReasonForm(request.POST)
    back = reverse("duty:roster", args=[a.project_id]) + f"?date={a.day.isoformat()}"
    if not form.is_valid():
        messages.error(request, _("请填写撤销原因。"))
        return redirect(back)
    return act(
        request,
        lambda: services.assignment_remove(actor=request.user, assignment=a, reason=form.cleaned_data["reason"]),
        success=_("已撤销这条排班。"),
        to=back,
    )


@login_required
def swap_new(request, pk: int):
    user = request.user
    a = _assignment_for(user, pk)
    form = SwapForm(request.POST or None, staff=selectors.cover_candidates(a))
    status = 200
    if request.method == "POST":
        if form.is_valid() and run_service(
            request,
            lambda: services.swap_request(
                actor=user, assignment=a, cover=form.cleaned_data["cover"], reason=form.cleaned_data["reason"]
            ),
            form=form,
            success=_("调班申请已提交，等待主管审批。"),
        ):
            return redirect(reverse("duty:roster", args=[a.project_id]) + f"?date={a.day.isoformat()}#swaps")
        status = 400
    return render(request, "duty/swap_form.html", {"a": a, "form": form, "project": a.project}, status=status)


@login_required
@require_POST
def swap_decide(request, pk: int, decision: str):
    user = request.user
    swap = SwapRequest.objects.select_related("assignment").filter(pk=pk).first()
    if swap is None or swap.assignment.project_id not in user.project_ids():
        raise Http404(_("没有找到这条调班申请。"))
    back = reverse("duty:roster", args=[swap.assignment.project_id]) + f"?date={swap.assignment.day.isoformat()}#swaps"
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    if decision == "approve":
        call, success = lambda: services.swap_decide(actor=user, swap=swap, approve=True, note=note), _("已批准调班。")
    elif decision == "reject":
        call, success = lambda: services.swap_decide(actor=user, swap=swap, approve=False, note=note), _("已驳回调班。")
    elif decision == "withdraw":
        call, success = lambda: services.swap_withdraw(actor=user, swap=swap), _("已撤回调班申请。")
    else:
        raise Http404
    return act(request, call, success=success, to=back)


# ------------------------------------------------------------------ setup: shifts, counted things, keys

SETUP_FORMS = {
    "shift": (Shift, ShiftForm, services.shift_save, "shift"),
    "thing": (CountedThing, CountedThingForm, services.counted_thing_save, "thing"),
    "key": (Key, KeyForm, services.key_save, "key"),
}


@login_required
def setup(request, project_id: int):
    user = request.user
    project = rules.project_for(user, project_id)
    rules.roster_editor.check(user)
    forms = {}
    status = 200
    editing = {}
    for name, (model, form_class, _service, _arg) in SETUP_FORMS.items():
        pk = parse_id(request.GET.get(f"edit_{name}"))
        obj = model.objects.filter(project=project, pk=pk).first() if pk else None
        editing[name] = obj
        initial = {f: getattr(obj, f) for f in form_class.base_fields} if obj else None
        forms[name] = form_class(initial=initial)
    if request.method == "POST":
        which = request.POST.get("form")
        if which not in SETUP_FORMS:
            raise Http404
        model, form_class, service, arg = SETUP_FORMS[which]
        pk = request.POST.get("pk", "")
        obj = model.objects.filter(project=project, pk=parse_id(pk)).first() if parse_id(pk) else None
        if pk and obj is None:
            raise Http404
        form = form_class(request.POST)
        forms[which] = form
        editing[which] = obj
        if form.is_valid() and run_service(
            request,
            lambda: service(actor=user, project=project, **{arg: obj}, **form.cleaned_data),
            form=form,
            success=_("已保存。"),
        ):
            return redirect("duty:setup", project_id=project.pk)
        status = 400
    context = {
        "project": project,
        "forms": forms,
        "editing": editing,
        "shifts": selectors.shifts(project, active_only=False),
        "things": list(CountedThing.objects.filter(project=project).order_by("order", "id")),
        "keys": selectors.keys(project, active_only=False),
    }
    return render(request, "duty/setup.html", context, status=status)


# ------------------------------------------------------------------ duty log


@login_required
def log(request, project_id: int):
    user = request.user
    project = rules.project_for(user, project_id)
    corrects = None
    cid = parse_id(request.GET.get("correct") or request.POST.get("corrects"))
    if cid:
        corrects = LogEntry.objects.filter(project=project, pk=cid).first()
    form = LogForm(request.POST or None, initial={"corrects": corrects.pk if corrects else None})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            if run_service(
                request,
                lambda: services.log_add(
                    actor=user,
                    project=project,
                    category=d["category"],
                    text=d["text"],
                    at=d["at"],
                    hand_over=d["hand_over"],
                    corrects=corrects,
                ),
                form=form,
                success=_("已记录。"),
            ):
                return redirect("duty:log", project_id=project.pk)
        status = 400
    qs = selectors.log_entries(project)
    category = request.GET.get("category", "")
    if category:
        qs = qs.filter(category=category)
    page = keyset_page(qs, request.GET.get("after"), size=LOG_PAGE, order=("-at", "-id"))
    context = {
        "project": project,
        "form": form,
        "corrects": corrects,
        "entries": page.rows,
        "page": page,
        "category": category,
        "categories": LogForm.base_fields["category"].choices,
    }
    return render(request, "duty/log.html", context, status=status)


# ------------------------------------------------------------------ keys


@login_required
def keys(request, project_id: int):
    user = request.user
    project = rules.project_for(user, project_id)
    may_keep = rules.may_keep_duty(user)
    form = LendForm(
        request.POST or None, project=project, initial={"due_back": timezone.localtime() + timedelta(hours=2)}
    )
    status = 200
    if request.method == "POST":
        rules.keeper.check(user)
        if form.is_valid() and run_service(
            request,
            lambda: services.key_lend(actor=user, **form.cleaned_data),
            form=form,
            success=lambda loan: _("已借出 %(key)s。") % {"key": str(loan.key)},
        ):
            return redirect("duty:keys", project_id=project.pk)
        status = 400
    context = {
        "project": project,
        "form": form,
        "may_keep": may_keep,
        "out": selectors.keys_out(project),
        "returned": selectors.key_loans_recent(project),
        "keys": selectors.keys(project),
        "now": timezone.now(),
    }
    return render(request, "duty/keys.html", context, status=status)


@login_required
@require_POST
def key_return(request, pk: int):
    user = request.user
    loan = KeyLoan.objects.filter(pk=pk, project_id__in=user.project_ids()).first()
    if loan is None:
        raise Http404(_("没有找到这条借用记录。"))
    rules.project_for(user, loan.project_id)
    return act(
        request,
        lambda: services.key_return(actor=user, loan=loan, note=request.POST.get("note", "")),
        success=_("已登记归还。"),
        to=reverse("duty:keys", args=[loan.project_id]),
    )


# ------------------------------------------------------------------ handovers


@login_required
def handover_list(request, project_id: int):
    user = request.user
    project = rules.project_for(user, project_id)
    may_keep = rules.may_keep_duty(user)
    form = StartHandoverForm(request.POST or None, project=project, user=user)
    status = 200
    if request.method == "POST":
        rules.handover_starter.check(user)
        if form.is_valid() and (
            done := run_service(
                request,
                lambda: services.handover_start(actor=user, project=project, incoming=form.cleaned_data["incoming"]),
                form=form,
                success=lambda h: (
                    _("已发起交接班，带入 %(n)s 项未完事项。请清点、填写说明后签字。") % {"n": h.item_count}
                ),
            )
        ):
            return redirect("duty:handover", pk=done.result.pk)
        status = 400
    page = keyset_page(selectors.handovers(project), request.GET.get("after"), size=30, order=("-started_at", "-id"))
    context = {"project": project, "form": form, "may_keep": may_keep, "handovers": page.rows, "page": page}
    return render(request, "duty/handovers.html", context, status=status)


def _handover_for(user, pk):
    try:
        h = selectors.handover_detail(user, pk)
    except Handover.DoesNotExist:  # not in the user's projects, or no such handover
        raise Http404(_("没有找到这次交接班。")) from None
    rules.project_for(user, h.project_id)
    return h


def _handover_context(request, h, *, form=None, sign_form=None):
    user = request.user
    items_qs = h.items.all()
    show = request.GET.get("show", "")
    if show == "pending":
        items_qs = items_qs.filter(answer=ItemAnswer.PENDING)
    elif show == "refused":
        items_qs = items_qs.filter(answer=ItemAnswer.REFUSED)
    page = keyset_page(items_qs, request.GET.get("after"), size=ITEMS_PER_PAGE, order=("order", "id"))
    is_out = user.pk == h.outgoing_id
    is_in = user.pk == h.incoming_id
    counts = list(h.counts.all())
    if form is None and is_out and h.state == HandoverState.DRAFT:
        form = HandoverForm(counts=counts, initial={"notes": h.notes})
    return {
        "h": h,
        "project": h.project,
        "page": page,
        "show": show,
        "summary": selectors.item_summary(h),
        "kinds": _kind_counts(h),
        "counts": counts,
        "count_problems": services.count_problems(counts),
        "log_lines": list(h.log_lines.all()),
        "form": form,
        "sign_form": sign_form or (SignInForm() if is_in and h.state == HandoverState.OUTGOING_SIGNED else None),
        "is_out": is_out,
        "is_in": is_in,
        "may_answer": is_in and h.state == HandoverState.OUTGOING_SIGNED,
        "may_cancel": h.is_open and (is_out or (rules.may_edit_roster(user))),
        "States": HandoverState,
        "Answers": ItemAnswer,
    }


def _kind_counts(h):
    return list(h.items.values("kind", "kind_label").annotate(n=Count("id")).order_by("kind_label"))


@login_required
def handover_page(request, pk: int):
    h = _handover_for(request.user, pk)
    return render(request, "duty/handover.html", _handover_context(request, h))


@login_required
@require_POST
def handover_act(request, pk: int, action: str):
    user = request.user
    h = _handover_for(user, pk)
    back = reverse("duty:handover", args=[h.pk])
    if action == "save" or action == "sign-out":
        form = HandoverForm(request.POST, counts=h.counts.all())
        if not form.is_valid():
            return render(request, "duty/handover.html", _handover_context(request, h, form=form), status=400)

        def save():
            services.handover_save(actor=user, handover=h, notes=form.cleaned_data["notes"], counts=form.counts())
            if action == "sign-out":
                services.handover_sign_out(actor=user, handover=h)

        done = run_service(
            request,
            save,
            form=form,
            success=_("已签字交班，等待接班人逐项确认。") if action == "sign-out" else _("已保存。"),
            flash_refusal=True,
        )
        if isinstance(done.error, ValidationError):
            # The counts and notes are saved (nothing is signed); show what is missing.
            h.refresh_from_db()
            return render(request, "duty/handover.html", _handover_context(request, h, form=form), status=400)
        return redirect(back)
    if action == "ack-all":
        call = lambda: services.handover_acknowledge_all(actor=user, handover=h)  # noqa: E731
        success = lambda n: _("已确认 %(n)s 项。") % {"n": n}  # noqa: E731
    elif action == "sign-in":
        form = SignInForm(request.POST)
        if not form.is_valid():  # an over-long comment: shown again, not dropped
            return render(request, "duty/handover.html", _handover_context(request, h, sign_form=form), status=400)
        call = lambda: services.handover_sign_in(actor=user, handover=h, comment=form.cleaned_data["comment"])  # noqa: E731
        success = _("已签字接班，交接完成。")
    elif action == "cancel":
        form = ReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        call = lambda: services.handover_cancel(actor=user, handover=h, reason=reason)  # noqa: E731
        success = _("交接班已作废。")
    else:
        raise Http404
    return act(request, call, success=success, to=back)


@login_required
@require_POST
def item_answer(request, pk: int):
    user = request.user
    item = HandoverItem.objects.filter(pk=pk, handover__project_id__in=user.project_ids()).first()
    if item is None:
        raise Http404(_("没有找到这一项。"))
    h = _handover_for(user, item.handover_id)
    accept = "refuse" not in request.POST
    form = AnswerForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    error = None
    try:  # by hand: on the htmx row the refusal is drawn in the row, not flashed
        item = services.handover_answer(actor=user, item=item, accept=accept, reason=reason)
    except (ServiceError, ValidationError) as exc:
        error = refusal_text(exc)
        item.refresh_from_db()
    if request.htmx:
        context = {"it": item, "h": h, "may_answer": True, "error": error}
        response = render(request, "duty/_item_row.html", context, status=200 if error is None else 400)
        if error is None and not h.items.filter(answer=ItemAnswer.PENDING).exists():
            # The last answer: reload the page so the incoming signature (rendered disabled while
            # items were pending) and the counters are current.
            response["HX-Refresh"] = "true"
        return response
    if error:
        messages.error(request, error)
    return redirect(reverse("duty:handover", args=[h.pk]) + f"#item-{item.pk}")


@login_required
def handover_pdf(request, pk: int):
    h = _handover_for(request.user, pk)
    context = {
        "h": h,
        "project": h.project,
        "items": selectors.handover_items(h),
        "summary": selectors.item_summary(h),
        "counts": list(h.counts.all()),
        "log_lines": list(h.log_lines.all()),
        "printed_at": timezone.now(),
        "States": HandoverState,
    }
    html = render_to_string("duty/handover_pdf.html", context, request=request)
    from weasyprint import HTML  # slow to import: only when a PDF is asked for

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    stamp = timezone.localtime(h.started_at).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'inline; filename="handover-{h.project.code}-{stamp}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
