"""The front desk's pages. Thin: reads come from selectors, writes go through services."""

import re
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from billing.rules import may_override_arrears
from core.access import requires
from core.errors import ServiceError
from core.ids import parse_id
from core.pages import act, run_service
from core.redirects import safe_next
from estate.selectors import rooms_from_list, visible_rooms, with_occupants
from frontdesk import rules, selectors, services
from frontdesk.choices import CARRIERS, ParcelState, PassState, VisitState
from frontdesk.forms import (
    AdmitForm,
    ArrearsOverrideForm,
    CodeForm,
    ConfirmForm,
    ContractorPassForm,
    GoodsPassForm,
    ParcelForm,
    PreregisterForm,
    ReturnForm,
    SignatureForm,
    VerifyForm,
    WalkInForm,
    applicant_choices,
)

front_only = requires("frontdesk.front", _lazy("只有前台、客服和秩序部人员可以使用这个页面。"))


def _projects(request):
    """The projects of the page and the one in use (?project= or the first)."""
    projects = list(selectors.front_projects(request.user))
    if not projects:
        raise PermissionDenied(_("您没有负责的项目。"))
    wanted = request.POST.get("project") or request.GET.get("project") or ""
    current = next((p for p in projects if str(p.pk) == wanted), projects[0])
    return projects, current


@login_required
def home(request):
    if request.user.is_resident:
        return redirect("frontdesk:mine")
    front_only.check(request.user)
    if rules.is_guard(request.user):
        return redirect("frontdesk:gate")
    return redirect("frontdesk:parcels")


# ---------------------------------------------------------------- parcels


@front_only
def parcels(request):
    """The arrival screen: scan, pick the room, Enter; the shelf of waiting parcels below."""
    projects, project = _projects(request)
    sticky = {k: request.GET.get(k, "") for k in ("carrier", "kind", "shelf")}
    form = ParcelForm(request.POST or None, initial={k: v for k, v in sticky.items() if v})
    status = 200
    room = None
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            done = run_service(
                request,
                lambda: services.parcel_log(
                    actor=request.user,
                    room_id=d["room"],
                    kind=d["kind"],
                    tracking_number=d["tracking_number"],
                    carrier=d["carrier"],
                    shelf=d["shelf"],
                ),
                form=form,
            )
            if done:
                parcel = done.result
                query = {"logged": parcel.pk, "carrier": d["carrier"], "kind": d["kind"], "shelf": d["shelf"]}
                if len(projects) > 1:
                    query["project"] = parcel.project_id
                return redirect(reverse("frontdesk:parcels") + "?" + urlencode(query))
        status = 400
        room_id = parse_id(form.data.get("room"))
        if room_id:
            room = visible_rooms(request.user).filter(pk=room_id).first()
    logged = None
    if logged_id := parse_id(request.GET.get("logged", "")):
        logged = selectors.visible_parcels(request.user).select_related("room").filter(pk=logged_id).first()
    ids = [project.pk]
    context = {
        "projects": projects,
        "project": project,
        "form": form,
        "room": room,
        "logged": logged,
        "carriers": CARRIERS,
        "code_form": CodeForm(),
        "waiting": selectors.waiting_parcels(request.user, ids),
        "recent": selectors.recent_parcels(request.user, ids, limit=15),
        "now": timezone.now(),
    }
    return render(request, "frontdesk/parcels.html", context, status=status)


@front_only
@require_POST
def parcel_collect(request):
    """Hand over against a pickup code."""
    _projects_list, project = _projects(request)
    form = CodeForm(request.POST)
    back = reverse("frontdesk:parcels") + f"?project={project.pk}"
    if not form.is_valid():
        messages.error(request, _("请输入取件码。"))
        return redirect(safe_next(request, back))
    return act(
        request,
        lambda: services.parcel_collect_by_code(
            actor=request.user,
            project_id=project.pk,
            code=form.cleaned_data["code"],
            collector_name=form.cleaned_data["collector_name"],
        ),
        success=lambda parcel: (
            _("取件码正确：%(room)s 的%(kind)s（货架 %(shelf)s）已交付。")
            % {"room": parcel.room.code, "kind": parcel.get_kind_display(), "shelf": parcel.shelf or "—"}
        ),
        to=back,
    )


def _parcel(request, pk):
    return get_object_or_404(
        selectors.visible_parcels(request.user).select_related(
            "room", "project", "logged_by", "handed_by", "returned_by"
        ),
        pk=pk,
    )


@login_required
def parcel_page(request, pk):
    parcel = _parcel(request, pk)
    if request.user.is_resident:
        raise PermissionDenied
    front_only.check(request.user)
    return render(request, "frontdesk/parcel.html", _parcel_context(parcel))


def _parcel_context(parcel, sign_form=None, return_form=None):
    return {
        "parcel": parcel,
        "events": list(parcel.events.select_related("actor")),
        "attempts": list(parcel.failed_attempts.select_related("actor")[:20]),
        "sign_form": sign_form or SignatureForm(),
        "return_form": return_form or ReturnForm(),
        "now": timezone.now(),
    }


@login_required
@require_POST
def parcel_sign(request, pk):
    parcel = _parcel(request, pk)
    front_only.check(request.user)
    form = SignatureForm(request.POST)
    if form.is_valid():
        done = run_service(
            request,
            lambda: services.parcel_hand_over(
                actor=request.user, parcel=parcel, collector_name=form.cleaned_data["collector_name"]
            ),
            form=form,
            success=_("已签字交付。"),
            flash_refusal=True,
        )
        if done:
            return redirect(safe_next(request, reverse("frontdesk:parcel", args=[parcel.pk])))
        if done.refused:
            return redirect("frontdesk:parcel", pk=parcel.pk)
    return render(request, "frontdesk/parcel.html", _parcel_context(parcel, sign_form=form), status=400)


@login_required
@require_POST
def parcel_return(request, pk):
    parcel = _parcel(request, pk)
    front_only.check(request.user)
    form = ReturnForm(request.POST)
    form.is_valid()
    return act(
        request,
        lambda: services.parcel_return(actor=request.user, parcel=parcel, note=form.cleaned_data.get("note", "")),
        success=_("已记录退回快递公司。"),
        to=reverse("frontdesk:parcel", args=[parcel.pk]),
    )


@front_only
def parcels_overdue(request):
    projects, project = _projects(request)
    rows, days = selectors.overdue_parcels(request.user, project)
    return render(
        request, "frontdesk/overdue.html", {"projects": projects, "project": project, "rows": rows, "days": days}
    )


@front_only
def room_parcels(request, room_id):
    """A room's waiting parcels (also the htmx fragment under the arrival form)."""
    room = get_object_or_404(visible_rooms(request.user).select_related("building"), pk=room_id)
    rows = selectors.room_waiting_parcels(request.user, room.pk)
    template = "frontdesk/_room_parcels.html" if request.htmx else "frontdesk/room_parcels.html"
    return render(request, template, {"room": room, "rows": rows, "now": timezone.now()})


# ---------------------------------------------------------------- visitors


@front_only
def visitors(request):
    projects, project = _projects(request)
    form = WalkInForm(request.POST or None)
    status = 200
    room = None
    if request.method == "POST":
        if form.is_valid() and (
            done := run_service(
                request,
                lambda: services.visit_register(actor=request.user, data=form.walk_in()),
                form=form,
                success=lambda visit: (
                    _("已登记访客 %(name)s，前往 %(room)s。") % {"name": visit.name, "room": visit.room.code}
                ),
            )
        ):
            return redirect(reverse("frontdesk:visitors") + f"?project={done.result.project_id}")
        status = 400
        room_id = parse_id(form.data.get("room"))
        if room_id:
            room = with_occupants(visible_rooms(request.user).filter(pk=room_id)).first()
    ids = [project.pk]
    context = {
        "projects": projects,
        "project": project,
        "form": form,
        "room": room,
        "on_site": selectors.on_site_visits(request.user, ids),
        "expected": selectors.expected_visits(request.user, ids),
        "recent": selectors.recent_visits(request.user, ids, limit=20),
        "admit_form": AdmitForm(),
    }
    return render(request, "frontdesk/visitors.html", context, status=status)


@front_only
@require_POST
def visit_leave(request, pk):
    visit = get_object_or_404(selectors.visible_visits(request.user), pk=pk)
    return act(
        request,
        lambda: services.visit_checkout(actor=request.user, visit=visit),
        success=_("已登记 %(name)s 离开。") % {"name": visit.name},
        to=reverse("frontdesk:visitors") + f"?project={visit.project_id}",
    )


@login_required
@require_POST
def visit_cancel(request, pk):
    visit = get_object_or_404(selectors.visible_visits(request.user), pk=pk)
    default = reverse("frontdesk:mine") if request.user.is_resident else reverse("frontdesk:visitors")
    return act(
        request, lambda: services.visit_cancel(actor=request.user, visit=visit), success=_("预约已取消。"), to=default
    )


@front_only
def contractors(request):
    projects, project = _projects(request)
    form = ContractorPassForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            room_ids, missing = rooms_from_list(project, d["rooms"])
            if missing:
                form.add_error("rooms", _("没有这些房屋：%(codes)s") % {"codes": "、".join(missing)})
            elif run_service(
                request,
                lambda: services.contractor_pass_issue(
                    actor=request.user,
                    project_id=project.pk,
                    company_name=d["company_name"],
                    people=d["people"],
                    purpose=d["purpose"],
                    valid_from=d["valid_from"],
                    valid_to=d["valid_to"],
                    contact_phone=d["contact_phone"],
                    room_ids=room_ids,
                    areas=d["areas"],
                ),
                form=form,
                success=_("已签发施工临时出入证。"),
            ):
                return redirect(reverse("frontdesk:contractors") + f"?project={project.pk}")
        status = 400
    context = {
        "projects": projects,
        "project": project,
        "form": form,
        "passes": selectors.current_contractor_passes(request.user, [project.pk]),
        "now": timezone.now(),
    }
    return render(request, "frontdesk/contractors.html", context, status=status)


@front_only
@require_POST
def contractor_revoke(request, pk):
    item = get_object_or_404(selectors.visible_contractor_passes(request.user), pk=pk)
    return act(
        request,
        lambda: services.contractor_pass_revoke(actor=request.user, item=item),
        success=_("出入证已作废。"),
        to=reverse("frontdesk:contractors") + f"?project={item.project_id}",
    )


# ---------------------------------------------------------------- the gate (guards' phone page)


@front_only
def gate(request):
    projects, project = _projects(request)
    context = {
        "projects": projects,
        "project": project,
        "admit_form": AdmitForm(),
        "on_site_count": len(selectors.on_site_visits(request.user, [project.pk])),
        "today_passes": selectors.passes_for_day(request.user, [project.pk], timezone.localdate()),
        "contractor_passes": selectors.current_contractor_passes(request.user, [project.pk], limit=20),
        "now": timezone.now(),
    }
    return render(request, "frontdesk/gate.html", context)


@front_only
@require_POST
def gate_admit(request):
    _projects_list, project = _projects(request)
    form = AdmitForm(request.POST)
    back = reverse("frontdesk:gate") + f"?project={project.pk}"
    if not form.is_valid():
        messages.error(request, _("请输入预约码。"))
        return redirect(safe_next(request, back))
    d = form.cleaned_data
    return act(
        request,
        lambda: services.visit_admit_by_code(
            actor=request.user, project_id=project.pk, code=d["code"], id_type=d["id_type"], id_number=d["id_number"]
        ),
        success=lambda visit: (
            _("预约码有效：%(name)s（%(n)s 人）前往 %(room)s，已记录到达。")
            % {"name": visit.name, "n": visit.people, "room": visit.room.code}
        ),
        to=back,
    )


@front_only
def gate_pass(request):
    """The guard enters or scans a goods pass code and sees its items."""
    _projects_list, project = _projects(request)
    scanned = run_service(
        request,
        lambda: services.goods_pass_scan(actor=request.user, project_id=project.pk, code=request.GET.get("code", "")),
    )
    if not scanned:
        return redirect(reverse("frontdesk:gate") + f"?project={project.pk}")
    scan = scanned.result
    if scan.goods_pass.state == PassState.RELEASED:  # a used pass shown again (the scan recorded it)
        messages.error(request, _("不予放行：%(reason)s") % {"reason": scan.refusal})
    # any other reason it cannot leave (not its day, waiting for the owner) is shown on the pass page
    return redirect("frontdesk:pass", pk=scan.goods_pass.pk)


# ---------------------------------------------------------------- goods release passes


def _goods_pass(request, pk):
    return get_object_or_404(
        selectors.visible_goods_passes(request.user).select_related("room", "project", "released_by"), pk=pk
    )


@front_only
def passes(request):
    projects, project = _projects(request)
    today = timezone.localdate()
    year, week, _weekday = today.isocalendar()
    context = {
        "projects": projects,
        "project": project,
        "today": today,
        "today_passes": selectors.passes_for_day(request.user, [project.pk], today),
        "awaiting": selectors.awaiting_owner_passes(request.user, [project.pk]),
        "week": f"{year}-W{week:02d}",
    }
    return render(request, "frontdesk/passes.html", context)


@front_only
def pass_new(request):
    projects, project = _projects(request)
    room = None
    room_id = parse_id(request.POST.get("room"))
    if room_id:
        room = with_occupants(visible_rooms(request.user).filter(pk=room_id)).first()
    form = GoodsPassForm(request.POST or None, applicants=selectors.pass_applicants(room.pk if room else None))
    status = 200
    if request.method == "POST":
        if form.is_valid() and (
            done := run_service(
                request,
                lambda: services.goods_pass_apply(actor=request.user, data=form.application()),
                form=form,
                success=lambda goods_pass: _("放行单已登记，放行码 %(code)s。") % {"code": goods_pass.code},
            )
        ):
            return redirect("frontdesk:pass", pk=done.result.pk)
        status = 400
    return render(
        request,
        "frontdesk/pass_new.html",
        {"projects": projects, "project": project, "form": form, "room": room},
        status=status,
    )


@front_only
def pass_applicants(request):
    """htmx: the options of the applicant select for the chosen room: its people today."""
    room_id = parse_id(request.GET.get("room"))
    room = visible_rooms(request.user).filter(pk=room_id).first() if room_id else None
    applicants = selectors.pass_applicants(room.pk) if room else []
    return render(request, "frontdesk/_applicant_options.html", {"choices": applicant_choices(applicants)})


def _pass_context(request, goods_pass, verify_form=None, confirm_form=None, override_form=None):
    user = request.user
    front = rules.is_front(user)
    refusal = services.goods_pass_refusal(goods_pass) if front else ""
    arrears = services.goods_pass_arrears(goods_pass) if front else None
    return {
        "arrears": arrears,
        "may_override": bool(arrears and arrears.blocked and may_override_arrears(user, goods_pass.project_id)),
        "override_form": override_form or ArrearsOverrideForm(),
        "gp": goods_pass,
        "items": list(goods_pass.items.all()),
        "checks": list(goods_pass.checks.select_related("guard")),
        "front": front,
        "verify_form": verify_form or (VerifyForm(goods_pass=goods_pass) if front else None),
        "confirm_form": confirm_form or ConfirmForm(),
        "today": timezone.localdate(),
        "refusal": refusal,
        "may_verify": front and goods_pass.state == PassState.AUTHORISED and not refusal,
        "may_confirm": goods_pass.state == PassState.AWAITING_OWNER,
        # whom the gate rings while the pass waits for the owner (frontdesk/calls.py)
        "owners": selectors.pass_owners(goods_pass) if rules.may_call_owner(user, goods_pass) else [],
    }


@login_required
def pass_page(request, pk):
    goods_pass = _goods_pass(request, pk)
    template = "frontdesk/pass_print.html" if request.GET.get("print") else "frontdesk/pass.html"
    return render(request, template, _pass_context(request, goods_pass))


@login_required
@require_POST
def pass_verify(request, pk):
    goods_pass = _goods_pass(request, pk)
    front_only.check(request.user)
    form = VerifyForm(request.POST, goods_pass=goods_pass)
    if not form.is_valid():
        return render(request, "frontdesk/pass.html", _pass_context(request, goods_pass, verify_form=form), status=400)
    # By hand, not core.pages.run_service: a refusal here reads "不予放行：<why>" to the guard.
    try:
        check = services.goods_pass_verify(
            actor=request.user,
            goods_pass=goods_pass,
            released=form.released(),
            extra_items=form.cleaned_data["extra"],
            note=form.cleaned_data["note"],
        )
    except ServiceError as exc:
        messages.error(request, _("不予放行：%(reason)s") % {"reason": exc.message})
    else:
        if check.differences:
            messages.warning(request, _("已放行，与放行单有差异，已记录。"))
        else:
            messages.success(request, _("核对无误，已放行。"))
    return redirect("frontdesk:pass", pk=goods_pass.pk)


@login_required
@require_POST
def pass_confirm(request, pk):
    goods_pass = _goods_pass(request, pk)
    if request.user.is_resident:
        form = None
        call = lambda: services.goods_pass_confirm(actor=request.user, goods_pass=goods_pass)  # noqa: E731
    else:
        front_only.check(request.user)
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            return render(
                request, "frontdesk/pass.html", _pass_context(request, goods_pass, confirm_form=form), status=400
            )
        call = lambda: services.goods_pass_confirm(  # noqa: E731
            actor=request.user,
            goods_pass=goods_pass,
            via=form.cleaned_data["via"],
            owner_name=form.cleaned_data["owner_name"],
        )
    done = run_service(request, call, form=form, success=_("业主已确认，放行单生效。"), flash_refusal=True)
    if form is not None and isinstance(done.error, ValidationError):  # the desk's form again, with its errors
        return render(request, "frontdesk/pass.html", _pass_context(request, goods_pass, confirm_form=form), status=400)
    default = reverse("frontdesk:mine") if request.user.is_resident else reverse("frontdesk:pass", args=[goods_pass.pk])
    return redirect(safe_next(request, default))


@login_required
@require_POST
def pass_override_arrears(request, pk):
    """A supervisor lets a tenant's pass through although the room owes money, with a reason."""
    goods_pass = _goods_pass(request, pk)
    front_only.check(request.user)
    form = ArrearsOverrideForm(request.POST)
    if form.is_valid():
        try:
            services.goods_pass_override_arrears(
                actor=request.user, goods_pass=goods_pass, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("frontdesk:pass", pk=goods_pass.pk)
        else:
            messages.success(request, _("已批准放行，原因已记录。"))
            return redirect("frontdesk:pass", pk=goods_pass.pk)
    return render(request, "frontdesk/pass.html", _pass_context(request, goods_pass, override_form=form), status=400)


_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")


@front_only
def passes_week(request):
    """The weekly archive (按周归档): every pass of one ISO week, printable."""
    projects, project = _projects(request)
    today = timezone.localdate()
    year, week, _weekday = today.isocalendar()
    match = _WEEK.match(request.GET.get("week", ""))
    if match:
        year, week = int(match.group(1)), int(match.group(2))
    try:
        start, end = selectors.week_bounds(year, week)
    except ValueError:
        raise Http404 from None
    rows = selectors.passes_for_week(request.user, [project.pk], year, week)
    prev_y, prev_w, _d = (start - timedelta(days=7)).isocalendar()
    next_y, next_w, _d = (start + timedelta(days=7)).isocalendar()
    context = {
        "projects": projects,
        "project": project,
        "rows": rows,
        "start": start,
        "end": end,
        "week": f"{year}-W{week:02d}",
        "prev_week": f"{prev_y}-W{prev_w:02d}",
        "next_week": f"{next_y}-W{next_w:02d}",
        "released": sum(1 for r in rows if r.state == PassState.RELEASED),
        "print": bool(request.GET.get("print")),
    }
    template = "frontdesk/passes_week_print.html" if context["print"] else "frontdesk/passes_week.html"
    return render(request, template, context)


# ---------------------------------------------------------------- the resident's phone page


def _pass_applied(goods_pass) -> str:
    if goods_pass.state == PassState.AUTHORISED:
        text = _("放行单已生效，放行码 %(code)s，%(day)s 当天有效。")
    else:
        text = _("放行单已提交，放行码 %(code)s，需业主确认后才能使用。")
    return text % {"code": goods_pass.code, "day": goods_pass.valid_on}


@login_required
def mine(request):
    user = request.user
    if not user.is_resident:
        raise PermissionDenied(_("这是业户的页面。"))
    home = selectors.resident_home(user)
    rooms = home["rooms"]
    visit_form = PreregisterForm(rooms=rooms, prefix="v")
    pass_form = GoodsPassForm(rooms=rooms, prefix="g")
    status = 200
    if request.method == "POST":
        if "preregister" in request.POST:
            visit_form = PreregisterForm(request.POST, rooms=rooms, prefix="v")
            if visit_form.is_valid():
                d = visit_form.cleaned_data
                if run_service(
                    request,
                    lambda: services.visit_preregister(
                        actor=user,
                        room_id=d["room"],
                        name=d["name"],
                        purpose=d["purpose"],
                        phone=d["phone"],
                        people=d["people"],
                        expected_on=d["expected_on"],
                    ),
                    form=visit_form,
                    success=lambda visit: (
                        _("已预约，请把预约码 %(code)s 发给访客（%(until)s 前有效）。")
                        % {"code": visit.code, "until": f"{timezone.localtime(visit.code_expires_at):%m-%d %H:%M}"}
                    ),
                ):
                    return redirect("frontdesk:mine")
        elif "apply_pass" in request.POST:
            pass_form = GoodsPassForm(request.POST, rooms=rooms, prefix="g")
            if pass_form.is_valid() and run_service(
                request,
                lambda: services.goods_pass_apply(actor=user, data=pass_form.application()),
                form=pass_form,
                success=_pass_applied,
            ):
                return redirect("frontdesk:mine")
        status = 400
    context = dict(home, visit_form=visit_form, pass_form=pass_form, today=timezone.localdate(), now=timezone.now())
    context["owner_rooms"] = (
        {r.pk for r in rooms if services._resident_relation(user, r.pk) in services.OWNER_RELATIONS}
        if any(p.state == PassState.AWAITING_OWNER for p in home["passes"])
        else set()
    )
    context["states"] = {"waiting": ParcelState.WAITING, "expected": VisitState.EXPECTED}
    return render(request, "frontdesk/mine.html", context, status=status)
