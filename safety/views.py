"""Pages of patrols and incidents. Thin: reads from selectors, writes through services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from core.access import requires
from core.auth import accepts_api_token
from core.errors import ServiceError
from core.ids import parse_id, parse_ids
from core.models import Project
from core.pages import act, refusal_text, run_service
from core.paging import keyset_page
from core.qr import qr_data_uri
from core.redirects import safe_next
from core.uploads import file_response
from desk.models import Category, ServiceRequest
from desk.selectors import visible_requests
from safety import rules, selectors, services
from safety.choices import IncidentKind, IncidentState, RunState, StopState
from safety.forms import (
    CallTreeRowForm,
    FindingRequestForm,
    IncidentForm,
    NoteForm,
    PointForm,
    ResolveForm,
    ReviewForm,
    RouteForm,
)
from safety.models import CallTree, Finding, Incident, RunStop, StopPhoto

staff_only = requires("safety.patrols", _lazy("您无权使用巡检与突发事件。"))
supervisor_only = requires("safety.setup", _lazy("只有主管可以维护巡检点、路线和通知链。"))
incident_viewer = requires("safety.incidents", _lazy("业户请使用业主端。"))
incident_handler = requires("safety.handle_incidents", _lazy("只有客服人员和主管可以登记突发事件。"))


# ---------------------------------------------------------------- patrols


@staff_only
def patrols(request):
    """The phone start page: my routes with today's times, runs in progress, recent runs."""
    user = request.user
    start, _end = selectors.day_bounds()
    routes = list(selectors.walkable_routes(user).select_related("department").order_by("name"))
    runs = selectors.runs_list(user, limit=30)
    today = {}
    for run in runs:
        if run.scheduled_for and run.scheduled_for >= start:
            today.setdefault(run.route_id, []).append(run)
    context = {
        "routes": [(r, today.get(r.pk, [])) for r in routes],
        # (run, may this user walk it): the others' runs are offered to look at, not to continue.
        "in_progress": [(r, rules.walks(user, r.route)) for r in runs if r.state == RunState.IN_PROGRESS],
        "runs": runs,
        "supervisor": rules.is_supervisor(user),
        "desk": rules.handles_incidents(user),
    }
    return render(request, "safety/patrols.html", context)


@staff_only
@require_POST
def run_start(request, pk):
    user = request.user
    route = get_object_or_404(selectors.visible_routes(user), pk=pk)
    started = run_service(request, lambda: services.run_start(actor=user, route=route))
    if not started:
        return redirect("safety:patrols")
    return redirect("safety:run", pk=started.result.pk)


def _get_run(user, pk):
    try:
        return selectors.run_detail(user, pk)
    except Exception as exc:  # DoesNotExist
        if exc.__class__.__name__ == "DoesNotExist":
            raise Http404(_("没有找到这次巡检。")) from None
        raise


def _run_context(request, run, errors=None):
    user = request.user
    stops = list(run.stops.all())
    can_walk = run.state == RunState.IN_PROGRESS and rules.walks(user, run.route)
    # A finding's request is linked only for those who may open it (a guard may not see a request
    # dispatched to engineering): one query for the whole page.
    request_ids = [f.request_id for s in stops for f in s.findings.all() if f.request_id]
    visible = (
        set(visible_requests(user).filter(pk__in=request_ids).values_list("pk", flat=True)) if request_ids else set()
    )
    return {
        "visible_requests": visible,
        "run": run,
        "stops": stops,
        "can_walk": can_walk,
        "can_request": rules.in_project(user, run.project_id),
        "registers": rules.handles_incidents(user, run.project_id),
        "done": sum(1 for s in stops if s.state != StopState.PENDING),
        "errors": errors or {},
        "open_stop": (errors or {}).get("stop"),
        "categories": list(Category.objects.filter(company_id=run.project.company_id, active=True)),
    }


@staff_only
def run_page(request, pk):
    run = _get_run(request.user, pk)
    code = request.GET.get("code", "").strip()
    if code:
        stop = next((s for s in run.stops.all() if s.point.code.lower() == code.lower()), None)
        if stop is None:
            messages.error(request, _("这次巡检没有编号为 %(code)s 的点位。") % {"code": code})
        else:
            return redirect(reverse("safety:run", args=[run.pk]) + f"?stop={stop.pk}#stop-{stop.pk}")
    context = _run_context(request, run)
    if parse_id(request.GET.get("stop", "")):
        context["open_stop"] = parse_id(request.GET["stop"])
    return render(request, "safety/run.html", context)


@staff_only
@require_POST
def stop_check(request, pk):
    user = request.user
    stop = get_object_or_404(RunStop.objects.select_related("run__route", "point"), pk=pk)
    run = _get_run(user, stop.run_id)
    results = []
    for i, item in enumerate(stop.point.items):
        value = request.POST.get(f"item-{i}")
        results.append(
            {
                "item": item,
                "ok": {"ok": True, "problem": False}.get(value),
                "note": request.POST.get(f"note-{i}", ""),
            }
        )
    # By hand, not core.pages.run_service: field errors are drawn inside the stop's card of the run page.
    try:
        findings = services.stop_check(
            actor=user,
            stop=stop,
            results=results,
            note=request.POST.get("note", ""),
            files=request.FILES.getlist("photos"),
        )
    except ValidationError as exc:
        errors = {"stop": stop.pk, "messages": [m for msgs in exc.message_dict.values() for m in msgs]}
        return render(request, "safety/run.html", _run_context(request, run, errors), status=400)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("safety:run", pk=stop.run_id)
    if findings:
        messages.warning(request, _("已记录 %(n)s 个问题，请在下方一键转为工单。") % {"n": len(findings)})
        return redirect(reverse("safety:run", args=[stop.run_id]) + f"#stop-{stop.pk}")
    messages.success(request, _("点位 %(code)s 已检查。") % {"code": stop.point.code})
    nxt = RunStop.objects.filter(run_id=stop.run_id, state=StopState.PENDING).order_by("order", "id").first()
    if nxt:
        return redirect(reverse("safety:run", args=[stop.run_id]) + f"?stop={nxt.pk}#stop-{nxt.pk}")
    return redirect("safety:run", pk=stop.run_id)


@staff_only
@require_POST
def run_finish(request, pk):
    run = _get_run(request.user, pk)
    # By hand, not core.pages.run_service: field errors are drawn on the run page.
    try:
        run = services.run_finish(actor=request.user, run=run, note=request.POST.get("note", ""))
    except ValidationError as exc:
        errors = {"messages": [m for msgs in exc.message_dict.values() for m in msgs]}
        return render(request, "safety/run.html", _run_context(request, run, errors), status=400)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if run.points_missed:
            messages.warning(request, _("巡检已结束，%(n)s 个点位记为漏检。") % {"n": run.points_missed})
        else:
            messages.success(request, _("巡检已结束，全部点位已检查。"))
    return redirect("safety:run", pk=pk)


@staff_only
@require_POST
def finding_request(request, pk):
    user = request.user
    finding = get_object_or_404(Finding.objects.filter(project_id__in=user.project_ids()), pk=pk)
    form = FindingRequestForm(request.POST)
    default = reverse("safety:run", args=[finding.stop.run_id]) + f"#stop-{finding.stop_id}"
    if not form.is_valid():
        messages.error(request, _("请选择报修或投诉。"))
        return redirect(safe_next(request, default))
    category = form.cleaned_data["category"]
    if category is not None and category.company_id != finding.project.company_id:
        category = None
    return act(
        request,
        lambda: services.finding_request(
            actor=user, finding=finding, kind=form.cleaned_data["kind"], category=category
        ),
        success=lambda sent: (
            _("已登记工单 %(number)s。") % {"number": sent.request.number}
            if sent.request_id
            else _("已交客服登记工单。")
        ),
        to=default,
    )


@staff_only
def findings(request):
    """Findings waiting to become requests: the desk registers each with one tap."""
    user = request.user
    rows = list(selectors.findings_for_desk(user)[:100])
    company_ids = {f.project.company_id for f in rows} if rows else set()
    return render(
        request,
        "safety/findings.html",
        {
            "findings": rows,
            "registers": rules.handles_incidents(user),
            "categories": list(Category.objects.filter(company_id__in=company_ids, active=True)),
        },
    )


@staff_only
@supervisor_only
def missed(request):
    user = request.user
    return render(request, "safety/missed.html", {"stops": selectors.missed_today(user)})


@accepts_api_token
@staff_only
def photo(request, pk):
    photo = get_object_or_404(StopPhoto.objects.select_related("stop"), pk=pk)
    if not selectors.visible_runs(request.user).filter(pk=photo.stop.run_id).exists():
        raise Http404
    return file_response(photo.file, content_type=photo.content_type, name=photo.name)


# ---------------------------------------------------------------- set-up


@staff_only
@supervisor_only
def points(request):
    user = request.user
    rows = list(selectors.visible_points(user).select_related("project", "room").order_by("project_id", "code")[:500])
    routes = list(
        selectors.visible_routes(user).select_related("project", "department").prefetch_related("stops__point")
    )
    return render(request, "safety/points.html", {"points": rows, "routes": routes})


@staff_only
@supervisor_only
def point_edit(request, pk=None):
    user = request.user
    instance = get_object_or_404(selectors.visible_points(user), pk=pk) if pk else None
    form = PointForm(request.POST or None, instance=instance, user=user)
    if request.method == "POST" and form.is_valid():
        if run_service(
            request,
            lambda: services.point_save(actor=user, point=form.save(commit=False)),
            form=form,
            success=_("巡检点已保存。"),
        ):
            return redirect("safety:points")
    status = 400 if request.method == "POST" else 200
    return render(request, "safety/point_form.html", {"form": form, "point": instance}, status=status)


@staff_only
@supervisor_only
def points_print(request):
    """Printable point cards: the code in large type and the address to open on a phone."""
    user = request.user
    qs = selectors.visible_points(user).filter(active=True).select_related("project").order_by("project_id", "code")
    if parse_id(request.GET.get("point", "")):
        qs = qs.filter(pk=parse_id(request.GET["point"]))
    base = request.build_absolute_uri("/").rstrip("/")
    cards = []
    for point in qs[:500]:
        url = base + reverse("safety:point_go", args=[point.project_id, point.code])
        cards.append((point, url, qr_data_uri(url, scale=3)))  # a phone's camera opens the point in the run
    return render(request, "safety/points_print.html", {"cards": cards})


@staff_only
def point_go(request, project, code):
    """The address printed on a point card: opens this point in the walker's run in progress."""
    user = request.user
    if parse_id(project) is None:  # past an id's range: a foreign key lookup would overflow (500)
        raise Http404
    point = get_object_or_404(selectors.visible_points(user), project_id=project, code=code)
    stop = (
        RunStop.objects.filter(
            point=point, state=StopState.PENDING, run__state=RunState.IN_PROGRESS, run__started_by=user
        )
        .order_by("-run__started_at")
        .first()
    )
    if stop:
        return redirect(reverse("safety:run", args=[stop.run_id]) + f"?stop={stop.pk}#stop-{stop.pk}")
    messages.info(
        request, _("点位 %(code)s %(name)s：您没有包含此点位的进行中巡检。") % {"code": point.code, "name": point.name}
    )
    return redirect("safety:patrols")


@staff_only
@supervisor_only
def route_edit(request, pk=None):
    user = request.user
    instance = get_object_or_404(selectors.visible_routes(user), pk=pk) if pk else None
    form = RouteForm(request.POST or None, instance=instance, user=user)
    if request.method == "POST" and form.is_valid():
        route = form.save(commit=False)

        def save():
            pts = services.parse_point_codes(route.project_id, form.cleaned_data["point_codes"])
            services.route_save(actor=user, route=route, points=pts, people=form.cleaned_data["people"])

        if run_service(request, save, form=form, success=_("巡检路线已保存。")):
            return redirect("safety:points")
    status = 400 if request.method == "POST" else 200
    return render(request, "safety/route_form.html", {"form": form, "route": instance}, status=status)


# ---------------------------------------------------------------- incidents


@incident_viewer
def incidents(request):
    user = request.user
    qs = selectors.visible_incidents(user)
    if request.GET.get("open") == "1":
        qs = qs.filter(state=IncidentState.OPEN)
    page = keyset_page(
        qs,
        request.GET.get("after"),
        size=30,
        order=("-reported_at", "-id"),
        load=lambda ids: Incident.objects.filter(pk__in=ids).select_related("project", "reported_by", "room"),
    )
    context = {"incidents": page.rows, "page": page, "can_start": rules.handles_incidents(user)}
    return render(request, "safety/incidents.html", context)


@incident_viewer
@incident_handler
def incident_new(request):
    user = request.user
    form = IncidentForm(
        request.POST or None, user=user, initial={"project": next(iter(sorted(user.project_ids())), None)}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if done := run_service(
            request,
            lambda: services.incident_start(
                actor=user,
                project=d["project"],
                kind=d["kind"],
                level=d["level"],
                title=d["title"],
                place=d["place"],
                building=d["building"],
                room=d["room"],
                reported_at=d["reported_at"],
                note=d["note"],
            ),
            form=form,
            success=lambda incident: _("已登记并通知 %(n)s 人。") % {"n": incident.calls.count()},
        ):
            return redirect("safety:incident", pk=done.result.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "safety/incident_form.html", {"form": form}, status=status)


def _get_incident(user, pk):
    try:
        return selectors.incident_detail(user, pk)
    except Incident.DoesNotExist:
        raise Http404(_("没有找到这次事件。")) from None


def _incident_context(request, incident, forms=None):
    user = request.user
    calls = selectors.incident_calls(incident)
    handles = rules.handles_incidents(user, incident.project_id)
    supervisor = rules.is_supervisor(user)
    forms = forms or {}
    context = {
        "incident": incident,
        "timeline": selectors.incident_timeline(incident),
        "calls": calls,
        "acked": sum(1 for c in calls if c.acked_at),
        "my_call": next((c for c in calls if c.user_id == user.pk), None),
        "links": selectors.incident_links(incident),
        "handles": handles,
        "supervisor": supervisor,
        "note_form": forms.get("note") or NoteForm(),
        "resolve_form": forms.get("resolve") or ResolveForm(),
        "review_form": forms.get("review") or ReviewForm(),
        "open_form": next(iter(forms), None),
        "link": None,
    }
    if handles and incident.state == IncidentState.OPEN:
        context["link"] = _link_search(request, incident)
    return context


def _link_search(request, incident):
    """The requests to tick for linking: the search term `q` and the ids ticked so far (kept ticked
    across searches) come from the query string, the rows from services.linkable_requests."""
    keep = parse_ids(request.GET.getlist("requests"))[:100]
    return selectors.linkable_search(request.user, incident, request.GET.get("q", "")[:100], keep=keep)


@incident_viewer
def incident_page(request, pk):
    incident = _get_incident(request.user, pk)
    return render(request, "safety/incident.html", _incident_context(request, incident))


@incident_viewer
@require_GET
def incident_linkable(request, pk):
    """htmx: the search box of the incident page, answered with its list of requests to tick."""
    user = request.user
    incident = _get_incident(user, pk)
    if not rules.handles_incidents(user, incident.project_id):
        raise PermissionDenied(_("只有客服人员和主管可以关联工单。"))
    link = _link_search(request, incident) if incident.state == IncidentState.OPEN else None
    return render(request, "safety/_linkable.html", {"incident": incident, "link": link})


INCIDENT_FORMS = {"note": NoteForm, "resolve": ResolveForm, "review": ReviewForm}


@incident_viewer
@require_POST
def incident_act(request, pk, action):
    user = request.user
    incident = _get_incident(user, pk)
    back = reverse("safety:incident", args=[pk])
    if action == "ack":
        return act(
            request, lambda: services.incident_ack(actor=user, incident=incident), success=_("已确认收到。"), to=back
        )
    if action == "link":
        ids = parse_ids(request.POST.getlist("requests"))

        def link():
            found = list(ServiceRequest.objects.filter(pk__in=ids).only("id"))
            if len(found) != len(set(ids)):
                raise ValidationError({"requests": [_("只能关联本项目未结案、尚未关联的工单。")]})
            return services.incident_link(actor=user, incident=incident, requests=found)

        return act(request, link, success=lambda links: _("已关联 %(n)s 张工单。") % {"n": len(links)}, to=back)
    if action == "close":
        return act(
            request, lambda: services.incident_close(actor=user, incident=incident), success=_("事件已结案。"), to=back
        )
    if action not in INCIDENT_FORMS:
        raise Http404
    form = INCIDENT_FORMS[action](request.POST)
    if form.is_valid():
        service, success = {
            "note": (services.incident_note, _("已记录。")),
            "resolve": (services.incident_resolve, _("事件已排除，已通知关联工单的业户和客服。")),
            "review": (services.incident_review, _("复盘已保存。")),
        }[action]
        done = run_service(
            request,
            lambda: service(actor=user, incident=incident, **form.cleaned_data),
            form=form,
            success=success,
            flash_refusal=True,
        )
        if done or done.refused:
            return redirect(back)
    incident = _get_incident(user, pk)
    return render(request, "safety/incident.html", _incident_context(request, incident, {action: form}), status=400)


@staff_only
@supervisor_only
def call_trees(request):
    user = request.user
    projects = list(Project.objects.filter(pk__in=user.project_ids()).order_by("name"))
    trees = {
        (t.project_id, t.kind): t
        for t in CallTree.objects.filter(project__in=projects).prefetch_related("entries__user", "entries__department")
    }
    table = [(p, [(k, trees.get((p.pk, k.value))) for k in IncidentKind]) for p in projects]
    return render(request, "safety/call_trees.html", {"table": table})


ROWS = 8


@staff_only
@supervisor_only
def call_tree_edit(request, project, kind):
    user = request.user
    project = get_object_or_404(Project.objects.filter(pk__in=user.project_ids()), pk=project)
    if kind not in IncidentKind.values:
        raise Http404
    tree = CallTree.objects.filter(project=project, kind=kind).first()
    initial = [
        {"user": e.user_id, "role": e.role, "department": e.department_id} for e in (tree.entries.all() if tree else [])
    ]
    rows = [
        CallTreeRowForm(
            request.POST or None, prefix=f"r{i}", project=project, initial=initial[i] if i < len(initial) else None
        )
        for i in range(max(ROWS, len(initial) + 2))
    ]
    error = None
    if request.method == "POST" and all(r.is_valid() for r in rows):
        try:  # by hand: the refusal is drawn above the rows of forms, not flashed
            services.call_tree_save(actor=user, project=project, kind=kind, entries=[r.cleaned_data for r in rows])
        except (ValidationError, ServiceError) as exc:
            error = refusal_text(exc)
        else:
            messages.success(request, _("通知链已保存。"))
            return redirect("safety:call_trees")
    status = 400 if request.method == "POST" else 200
    context = {"project": project, "kind": IncidentKind(kind), "rows": rows, "error": error}
    return render(request, "safety/call_tree_form.html", context, status=status)


@incident_viewer
def home(request):
    user = request.user
    if rules.sees_patrols(user) and not rules.handles_incidents(user):
        return redirect("safety:patrols")
    return redirect("safety:incidents")
