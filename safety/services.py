"""Every write of patrols and incidents: keyword-only, one transaction each, permission and rule
checks first (raising ServiceError subclasses with a translated message), history written."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.choices import DESK_ROLES, Role
from core.errors import ActionRefused, Conflict
from core.models import User
from core.notify import notify, notify_many
from core.text import check_text_lengths, text_limit, too_long_message
from core.uploads import check_uploads
from desk import rules as desk_rules
from desk.choices import OPEN_STATES, Channel, Kind
from desk.models import Category, ServiceRequest
from desk.services import Intake, request_register
from safety import rules
from safety.choices import (
    POINT_KIND_CATEGORIES,
    EntryKind,
    FindingState,
    IncidentKind,
    IncidentLevel,
    IncidentState,
    RunState,
    StopState,
)
from safety.models import (
    CallTree,
    CallTreeEntry,
    CheckPoint,
    Finding,
    Incident,
    IncidentCall,
    IncidentEntry,
    IncidentLink,
    PatrolRun,
    Route,
    RouteStop,
    RunStop,
    StopPhoto,
)

FINDING_KINDS = (Kind.REPAIR, Kind.COMPLAINT)
MAX_PHOTOS = 6

# ---------------------------------------------------------------- set-up (supervisors)


def _setup_allowed(actor, project_id):
    if not rules.edits_setup(actor, project_id):
        raise ActionRefused(_("只有本项目的主管可以维护巡检点、路线和通知链。"))


@transaction.atomic
def point_save(*, actor, point: CheckPoint) -> CheckPoint:
    """Create or change a check point (already validated by its form)."""
    _setup_allowed(actor, point.project_id)
    if not point.items:
        raise ValidationError({"checklist": [_("请至少填写一个检查项。")]})
    if point.room_id and point.room.project_id != point.project_id:
        raise ValidationError({"room": [_("房屋不属于这个项目。")]})
    created = point.pk is None
    point.save()
    audit_record(
        actor=actor,
        obj=point,
        action="create" if created else "update",
        changes={"name": point.name, "kind": point.kind, "place": point.place, "items": point.items},
    )
    return point


def parse_point_codes(project_id: int, text: str) -> list[CheckPoint]:
    """'A01, A02\nF03' -> the project's active points in that order; unknown codes are an error."""
    codes = [c.strip() for c in text.replace("，", ",").replace("\n", ",").split(",") if c.strip()]
    if not codes:
        raise ValidationError({"point_codes": [_("请按顺序填写至少一个点位编号。")]})
    if len(set(codes)) != len(codes):
        raise ValidationError({"point_codes": [_("点位编号重复。")]})
    found = {p.code: p for p in CheckPoint.objects.filter(project_id=project_id, code__in=codes, active=True)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationError(
            {"point_codes": [_("这些编号不是本项目启用的点位：%(codes)s") % {"codes": "、".join(unknown)}]}
        )
    return [found[c] for c in codes]


def _check_times(text: str) -> None:
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        hour, sep, minute = part.partition(":")
        if not (
            hour.isdecimal() and (not sep or minute.isdecimal()) and 0 <= int(hour) < 24 and 0 <= int(minute or 0) < 60
        ):
            raise ValidationError({"times": [_("时间格式如 09:00,21:00。")]})


@transaction.atomic
def route_save(*, actor, route: Route, points: list[CheckPoint], people=()) -> Route:
    _setup_allowed(actor, route.project_id)
    _check_times(route.times)
    if route.department_id and route.department.project_id != route.project_id:
        raise ValidationError({"department": [_("部门不属于这个项目。")]})
    people = list(people)
    if any(route.project_id not in p.project_ids() or p.is_resident for p in people):
        raise ValidationError({"people": [_("巡检人员须在本项目工作。")]})
    if any(p.project_id != route.project_id for p in points):
        raise ValidationError({"point_codes": [_("点位不属于这个项目。")]})
    created = route.pk is None
    route.save()
    route.people.set(people)
    RouteStop.objects.filter(route=route).delete()  # the route's plan, not a record: replaced as a whole
    RouteStop.objects.bulk_create([RouteStop(route=route, point=p, order=i) for i, p in enumerate(points, 1)])
    audit_record(
        actor=actor,
        obj=route,
        action="create" if created else "update",
        changes={"times": route.times, "points": [p.code for p in points], "people": [p.pk for p in people]},
    )
    return route


# ---------------------------------------------------------------- patrol runs


def _slot_for(route: Route, now: datetime) -> datetime | None:
    """Today's scheduled time this start belongs to: from an hour before a slot to its grace end."""
    local = timezone.localtime(now)
    for t in route.slot_times():
        slot = local.replace(hour=t.hour, minute=t.minute, second=0, microsecond=0)
        if slot - timedelta(hours=1) <= local <= slot + timedelta(minutes=route.grace_minutes):
            return slot
    return None


def _make_stops(run: PatrolRun, state=StopState.PENDING) -> int:
    stops = list(RouteStop.objects.filter(route_id=run.route_id, point__active=True).order_by("order", "id"))
    RunStop.objects.bulk_create([RunStop(run=run, point_id=s.point_id, order=s.order, state=state) for s in stops])
    return len(stops)


@transaction.atomic
def run_start(*, actor, route: Route, now: datetime | None = None) -> PatrolRun:
    if not rules.walks(actor, route):
        raise ActionRefused(_("您不是这条路线的巡检人员。"))
    if not route.active:
        raise ActionRefused(_("这条路线已停用。"))
    now = now or timezone.now()
    if PatrolRun.objects.filter(route=route, state=RunState.IN_PROGRESS).exists():
        raise Conflict(_("这条路线有一次巡检正在进行，请先完成它。"))
    slot = _slot_for(route, now)
    if slot and PatrolRun.objects.filter(route=route, scheduled_for=slot).exists():
        slot = None  # that slot is walked (or was marked missed): this is an extra walk
    run = PatrolRun(
        project_id=route.project_id,
        route=route,
        scheduled_for=slot,
        state=RunState.IN_PROGRESS,
        started_by=actor,
        started_at=now,
        created_at=now,
    )
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:
        raise Conflict(_("这一班次的巡检刚被其他人开始了。")) from None
    run.points_total = _make_stops(run)
    if not run.points_total:
        raise ActionRefused(_("这条路线没有启用的点位。"))
    run.save(update_fields=["points_total"])
    return run


def _run_for_action(actor, run: PatrolRun):
    if not rules.walks(actor, run.route):
        raise ActionRefused(_("您不是这条路线的巡检人员。"))
    if run.state != RunState.IN_PROGRESS:
        raise ActionRefused(_("这次巡检已结束，不能再修改。"))


@transaction.atomic
def stop_check(*, actor, stop: RunStop, results: list[dict], note: str = "", files=()) -> list[Finding]:
    """Answer a point's check list. `results`: one {"item", "ok", "note"} per item of the point."""
    run = stop.run
    _run_for_action(actor, run)
    if stop.state != StopState.PENDING:
        raise ActionRefused(_("这个点位已经检查过了。"))
    checks = stop.point.checks
    items = [check for check, _problem in checks]
    wording = dict(checks)  # a failed check is recorded as its problem ("消防通道堵塞"), not its normal text
    answered = {r["item"]: r for r in results if r.get("ok") is not None}
    missing = [i for i in items if i not in answered]
    if missing:
        raise ValidationError({"results": [_("请逐项选择正常或有问题：%(items)s") % {"items": "、".join(missing)}]})
    problems = [answered[i] for i in items if not answered[i]["ok"]]
    # an item's note is kept with the stop's results and on its finding; the page names them note-<n>
    item_limit, stop_limit = text_limit(Finding, "note"), text_limit(RunStop, "note")
    check_text_lengths(
        {"note": (note, stop_limit)}
        | {f"note-{n}": ((r.get("note") or "").strip(), item_limit) for n, r in enumerate(results)}
    )
    if any(not (p.get("note") or "").strip() and not note.strip() for p in problems):
        raise ValidationError({"note": [_("有问题的检查项请写明情况。")]})
    files = list(files)
    if len(files) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("每个点位最多上传 %(n)s 张照片。") % {"n": MAX_PHOTOS}]})
    checked = check_uploads(files, field="photos", images_only=True)
    now = timezone.now()
    updated = RunStop.objects.filter(pk=stop.pk, state=StopState.PENDING).update(
        state=StopState.DONE,
        results=[
            {"item": i, "ok": bool(answered[i]["ok"]), "note": (answered[i].get("note") or "").strip()}
            | ({} if answered[i]["ok"] else {"problem": wording[i][:200]})
            for i in items
        ],
        note=note.strip(),
        checked_by=actor,
        checked_at=now,
    )
    if updated != 1:
        raise Conflict(_("这个点位已经检查过了。"))
    stop.refresh_from_db()
    for f, content_type, _ext in checked:
        StopPhoto.objects.create(
            stop=stop, file=f, name=f.name[:200], content_type=content_type, size=f.size, uploaded_by=actor
        )
    findings = Finding.objects.bulk_create(
        [
            Finding(
                stop=stop,
                project_id=run.project_id,
                item=p["item"][:200],
                problem=wording[p["item"]][:200],
                note=(p.get("note") or "").strip() or note.strip(),
                found_by=actor,
                found_at=now,
            )
            for p in problems
        ]
    )
    if findings:
        PatrolRun.objects.filter(pk=run.pk).update(findings_count=F("findings_count") + len(findings))
    return findings


def stop_all_normal(*, actor, stop: RunStop) -> RunStop:
    """'All normal' in one tap: every check of the point answered normal (`stop_check`'s rules and
    record, nothing to write, no photo)."""
    stop_check(actor=actor, stop=stop, results=[{"item": i, "ok": True} for i in stop.point.items])
    return stop


@transaction.atomic
def run_finish(*, actor, run: PatrolRun, note: str = "") -> PatrolRun:
    """Finish a walk: points not checked are marked missed."""
    _run_for_action(actor, run)
    check_text_lengths({"note": (note.strip(), text_limit(PatrolRun, "note"))})
    now = timezone.now()
    missed = RunStop.objects.filter(run=run, state=StopState.PENDING).update(state=StopState.MISSED)
    updated = PatrolRun.objects.filter(pk=run.pk, state=RunState.IN_PROGRESS).update(
        state=RunState.DONE, finished_at=now, points_missed=missed, note=note.strip()
    )
    if updated != 1:
        raise Conflict(_("这次巡检已结束，不能再修改。"))
    run.refresh_from_db()
    return run


@transaction.atomic
def runs_mark_missed(*, now: datetime | None = None) -> int:
    """The periodic job: every scheduled slot of the last day whose grace has passed with no run
    becomes a missed run (all its points missed). Safe to run again: one run per slot."""
    now = now or timezone.now()
    created = 0
    routes = list(Route.objects.filter(active=True).exclude(times=""))
    existing = set(
        PatrolRun.objects.filter(route__in=routes, scheduled_for__gte=now - timedelta(days=2)).values_list(
            "route_id", "scheduled_for"
        )
    )
    for route in routes:
        local = timezone.localtime(now)
        for day in (local - timedelta(days=1), local):
            for t in route.slot_times():
                slot = day.replace(hour=t.hour, minute=t.minute, second=0, microsecond=0)
                if slot < route.created_at or slot + timedelta(minutes=route.grace_minutes) > now:
                    continue
                if slot <= now - timedelta(days=1) or (route.pk, slot) in existing:
                    continue
                run = PatrolRun(
                    project_id=route.project_id, route=route, scheduled_for=slot, state=RunState.MISSED, created_at=slot
                )
                try:
                    with transaction.atomic():
                        run.save()
                except IntegrityError:
                    continue  # started at the last moment, or another worker got there first
                run.points_total = run.points_missed = _make_stops(run, state=StopState.MISSED)
                run.save(update_fields=["points_total", "points_missed"])
                existing.add((route.pk, slot))
                created += 1
    return created


# ---------------------------------------------------------------- findings -> requests


def suggested_category(project, point_kind: str) -> Category | None:
    codes = POINT_KIND_CATEGORIES.get(point_kind, ("other",))
    found = {c.code: c for c in Category.objects.filter(company_id=project.company_id, code__in=codes, active=True)}
    return next((found[c] for c in codes if c in found), None)


def _desk_of(project_id: int):
    return User.objects.filter(is_active=True, projects=project_id, role__in=[str(r) for r in DESK_ROLES])


@transaction.atomic
def finding_request(*, actor, finding: Finding, kind: str, category: Category | None = None) -> Finding:
    """ONE tap: desk staff register the service request at once (channel 'found on patrol'); a
    guard or technician cannot register requests (first-receiver ownership belongs to the desk), so
    their tap hands the finding to the desk with the kind chosen, and the desk's tap registers it."""
    finding = (
        Finding.objects.select_for_update()
        .select_related("stop__point", "stop__run__route", "project")
        .get(pk=finding.pk)
    )
    stop, point = finding.stop, finding.stop.point
    if not rules.in_project(actor, finding.project_id):
        raise ActionRefused(_("您无权处理这条巡检发现。"))
    if finding.state == FindingState.REQUESTED:
        raise ActionRefused(_("这条巡检发现已经转为工单 %(number)s。") % {"number": finding.request.number})
    kind = kind or finding.request_kind
    if kind not in FINDING_KINDS:
        raise ValidationError({"kind": [_("请选择报修或投诉。")]})
    if not desk_rules.can_register(actor, finding.project_id):
        if not rules.walks(actor, stop.run.route):
            raise ActionRefused(_("您无权处理这条巡检发现。"))
        if finding.state == FindingState.HANDED:
            raise ActionRefused(_("已交客服登记，请等待客服处理。"))
        finding.state, finding.request_kind, finding.handed_at = FindingState.HANDED, kind, timezone.now()
        finding.save(update_fields=["state", "request_kind", "handed_at"])
        notify(
            _desk_of(finding.project_id),
            title=_("巡检发现待登记工单：%(point)s %(item)s") % {"point": point.name, "item": finding.wording},
            body=finding.note,
            url=reverse("safety:findings"),
        )
        return finding
    category = category or suggested_category(finding.project, point.kind)
    run_url = reverse("safety:run", args=[stop.run_id]) + f"#stop-{stop.pk}"
    description = "\n".join(
        part
        for part in (
            finding.note,
            _("来自巡检：%(route)s · 点位 %(code)s %(name)s · 检查项“%(item)s” · %(who)s %(at)s")
            % {
                "route": stop.run.route.name,
                "code": point.code,
                "name": point.name,
                "item": finding.item,  # the check that failed; the title says the problem
                "who": finding.found_by.name,
                "at": timezone.localtime(finding.found_at).strftime("%Y-%m-%d %H:%M"),
            },
            _("巡检记录：%(url)s") % {"url": run_url},
        )
        if part
    )
    sr = request_register(
        actor=actor,
        data=Intake(
            project_id=finding.project_id,
            kind=kind,
            title=f"{point.name}：{finding.wording}"[:200],
            description=description,
            channel=Channel.PATROL,
            category_id=category.pk if category else None,
            room_id=point.room_id,
            location=point.place,
        ),
    )
    finding.state, finding.request, finding.request_kind = FindingState.REQUESTED, sr, kind
    finding.save(update_fields=["state", "request", "request_kind"])
    return finding


# ---------------------------------------------------------------- incidents


def _entry(incident, actor, kind, text="", **data) -> IncidentEntry:
    return IncidentEntry.objects.create(incident=incident, actor=actor, kind=kind, text=text, data=data)


def call_tree_people(project_id: int, kind: str) -> list[User]:
    """The call tree expanded to people, in its order; without a tree, the project's supervisors."""
    entries = list(CallTreeEntry.objects.filter(tree__project_id=project_id, tree__kind=kind).select_related("user"))
    staff = User.objects.filter(is_active=True, projects=project_id)
    if not entries:
        supervising = [Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROJECT_MANAGER]
        return list(staff.filter(role__in=[str(r) for r in supervising]).order_by("role", "id"))
    people, seen = [], set()
    roles = {e.role for e in entries if e.role}
    depts = {e.department_id for e in entries if e.department_id}
    pool = list(staff.filter(Q(role__in=roles) | Q(department_id__in=depts)).order_by("id")) if roles or depts else []
    for e in entries:
        if e.user_id:
            found = [e.user] if e.user.is_active else []
        else:
            found = [
                u
                for u in pool
                if (not e.role or u.role == e.role) and (not e.department_id or u.department_id == e.department_id)
            ]
        for u in found:
            if u.pk not in seen:
                seen.add(u.pk)
                people.append(u)
    return people


@transaction.atomic
def incident_start(
    *,
    actor,
    project,
    kind: str,
    title: str,
    place: str,
    level: int = IncidentLevel.GENERAL,
    building=None,
    room=None,
    reported_at: datetime | None = None,
    note: str = "",
) -> Incident:
    if not rules.handles_incidents(actor, project.pk):
        raise ActionRefused(_("只有本项目的客服人员和主管可以登记突发事件。"))
    errors = {}
    if kind not in IncidentKind.values:
        errors["kind"] = [_("请选择事件类型。")]
    if int(level) not in IncidentLevel.values:
        errors["level"] = [_("级别无效。")]
    if not title.strip():
        errors["title"] = [_("请填写标题。")]
    if not place.strip():
        errors["place"] = [_("请填写地点。")]
    if building is not None and building.project_id != project.pk:
        errors["building"] = [_("楼栋不属于这个项目。")]
    if room is not None and room.project_id != project.pk:
        errors["room"] = [_("房屋不属于这个项目。")]
    now = timezone.now()
    if reported_at and reported_at > now + timedelta(minutes=5):
        errors["reported_at"] = [_("接报时间不能晚于现在。")]
    for field, value in (("title", title), ("place", place)):
        if len(value.strip()) > text_limit(Incident, field):
            errors[field] = [too_long_message(text_limit(Incident, field))]
    if errors:
        raise ValidationError(errors)
    incident = Incident.objects.create(
        project=project,
        kind=kind,
        level=int(level),
        title=title.strip(),
        place=place.strip(),
        building=building or (room.building if room else None),
        room=room,
        reported_at=reported_at or now,
        reported_by=actor,
    )
    _entry(incident, actor, EntryKind.REPORT, note.strip(), level=int(level))
    people = call_tree_people(project.pk, kind)
    IncidentCall.objects.bulk_create(
        [IncidentCall(incident=incident, user=u, order=i, notified_at=now) for i, u in enumerate(people)]
    )
    url = reverse("safety:incident", args=[incident.pk])
    notify(
        people,
        title=_("【%(kind)s】%(title)s · %(place)s，请确认收到")
        % {"kind": incident.get_kind_display(), "title": incident.title, "place": incident.place},
        body=note.strip(),
        url=url,
    )
    _entry(
        incident,
        actor,
        EntryKind.NOTIFY,
        "、".join(u.name for u in people) if people else _("通知链为空，没有通知任何人。"),
        users=[u.pk for u in people],
    )
    return incident


def _viewer(actor, incident) -> bool:
    return rules.in_project(actor, incident.project_id) and (
        rules.handles_incidents(actor) or IncidentCall.objects.filter(incident=incident, user=actor).exists()
    )


@transaction.atomic
def incident_ack(*, actor, incident: Incident) -> IncidentCall:
    call = IncidentCall.objects.filter(incident=incident, user=actor).first() if actor.is_authenticated else None
    if call is None or not rules.in_project(actor, incident.project_id):
        raise ActionRefused(_("您不在这次事件的通知名单中。"))
    if call.acked_at:
        return call
    now = timezone.now()
    if IncidentCall.objects.filter(pk=call.pk, acked_at__isnull=True).update(acked_at=now) != 1:
        return call
    call.acked_at = now
    _entry(incident, actor, EntryKind.ACK, "")
    return call


def _open_for_entries(actor, incident):
    if not _viewer(actor, incident):
        raise ActionRefused(_("您无权处理这次事件。"))
    if incident.state == IncidentState.CLOSED:
        raise ActionRefused(_("事件已结案，不能再添加记录。"))


@transaction.atomic
def incident_note(*, actor, incident: Incident, text: str) -> IncidentEntry:
    """An action taken (valve shut, residents evacuated…): people notified may write too."""
    _open_for_entries(actor, incident)
    if not (text or "").strip():
        raise ValidationError({"text": [_("请填写处置情况。")]})
    return _entry(incident, actor, EntryKind.ACTION, text.strip())


def linkable_requests(actor, incident: Incident):
    """Open requests of the incident's project not linked to it yet."""
    from desk.selectors import visible_requests

    return (
        visible_requests(actor)
        .filter(project_id=incident.project_id, state__in=[int(s) for s in OPEN_STATES])
        .exclude(incident_links__incident=incident)
    )


@transaction.atomic
def incident_link(*, actor, incident: Incident, requests) -> list[IncidentLink]:
    if not rules.handles_incidents(actor, incident.project_id):
        raise ActionRefused(_("只有客服人员和主管可以关联工单。"))
    if incident.state != IncidentState.OPEN:
        raise ActionRefused(_("只有处置中的事件可以关联工单。"))
    ids = [r.pk for r in requests]
    if not ids:
        raise ValidationError({"requests": [_("请选择要关联的工单。")]})
    ok = list(linkable_requests(actor, incident).filter(pk__in=ids).only("id", "number"))
    if len(ok) != len(set(ids)):
        raise ValidationError({"requests": [_("只能关联本项目未结案、尚未关联的工单。")]})
    links = IncidentLink.objects.bulk_create([IncidentLink(incident=incident, request=r, linked_by=actor) for r in ok])
    # The desk has no 'note' action, so the request's own timeline is not written: the request
    # page cannot show the link until desk offers one (see docs/decisions.md).
    _entry(incident, actor, EntryKind.LINK, "、".join(r.number for r in ok), requests=[r.pk for r in ok])
    return links


@transaction.atomic
def incident_resolve(*, actor, incident: Incident, text: str) -> Incident:
    """The emergency is over: every linked request's resident user and its first receiver are told."""
    if not rules.handles_incidents(actor, incident.project_id):
        raise ActionRefused(_("只有客服人员和主管可以确认事件已排除。"))
    if incident.state != IncidentState.OPEN:
        raise ActionRefused(_("事件不在处置中。"))
    if not (text or "").strip():
        raise ValidationError({"text": [_("请写明处置结果。")]})
    now = timezone.now()
    if (
        Incident.objects.filter(pk=incident.pk, state=IncidentState.OPEN).update(
            state=IncidentState.RESOLVED, resolved_at=now
        )
        != 1
    ):
        raise Conflict(_("这次事件刚被其他人修改过，请刷新后再试。"))
    incident.state, incident.resolved_at = IncidentState.RESOLVED, now
    requests = list(
        ServiceRequest.objects.filter(incident_links__incident=incident)
        .select_related("resident__user", "receiver")
        .only("id", "number", "title", "resident__user", "receiver")
    )
    messages = []
    told = set()
    for sr in requests:
        url = reverse("desk:detail", args=[sr.pk])
        title = _("%(incident)s 已排除：您的工单 %(number)s 涉及的问题已修复") % {
            "incident": incident.title,
            "number": sr.number,
        }
        resident_user = sr.resident.user if sr.resident_id and sr.resident.user_id else None
        people = [u for u in (resident_user, sr.receiver) if u is not None]
        told.update(u.pk for u in people)
        messages.append((people, title, text.strip(), url))
    messages.append(
        (
            [u for u in _desk_of(incident.project_id) if u.pk not in told],
            _("%(incident)s 已排除") % {"incident": incident.title},
            text.strip(),
            reverse("safety:incident", args=[incident.pk]),
        )
    )
    notify_many(messages)
    _entry(incident, actor, EntryKind.RESOLVE, text.strip(), told=sorted(told), requests=[r.pk for r in requests])
    return incident


@transaction.atomic
def incident_review(*, actor, incident: Incident, cause: str, went_well: str, to_improve: str) -> Incident:
    if not (rules.is_supervisor(actor) and rules.in_project(actor, incident.project_id)):
        raise ActionRefused(_("只有主管可以复盘。"))
    if incident.state != IncidentState.RESOLVED:
        raise ActionRefused(_("事件排除后才能复盘。"))
    if incident.reviewed:
        raise ActionRefused(_("这次事件已经复盘过了。"))
    errors = {}
    for field, value in (("cause", cause), ("went_well", went_well), ("to_improve", to_improve)):
        if not (value or "").strip():
            errors[field] = [_("复盘的原因、做得好的和需改进的都要填写。")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    Incident.objects.filter(pk=incident.pk).update(
        cause=cause.strip(), went_well=went_well.strip(), to_improve=to_improve.strip(), reviewer=actor, reviewed_at=now
    )
    incident.cause, incident.went_well, incident.to_improve = cause.strip(), went_well.strip(), to_improve.strip()
    incident.reviewer, incident.reviewed_at = actor, now
    _entry(incident, actor, EntryKind.REVIEW, incident.cause)
    return incident


@transaction.atomic
def incident_close(*, actor, incident: Incident) -> Incident:
    if not (rules.is_supervisor(actor) and rules.in_project(actor, incident.project_id)):
        raise ActionRefused(_("只有主管可以结案。"))
    if incident.state != IncidentState.RESOLVED:
        raise ActionRefused(_("事件排除后才能结案。"))
    if not Incident.objects.filter(pk=incident.pk, reviewed_at__isnull=False).exists():
        raise ActionRefused(_("结案前须完成复盘（原因、做得好的、需改进的）。"))
    now = timezone.now()
    Incident.objects.filter(pk=incident.pk, state=IncidentState.RESOLVED).update(
        state=IncidentState.CLOSED, closed_at=now
    )
    incident.state, incident.closed_at = IncidentState.CLOSED, now
    _entry(incident, actor, EntryKind.CLOSE, "")
    return incident


@transaction.atomic
def call_tree_save(*, actor, project, kind: str, entries: list[dict]) -> CallTree:
    """Replace a call tree's list: each entry names a person, or a role and/or a department."""
    _setup_allowed(actor, project.pk)
    if kind not in IncidentKind.values:
        raise ValidationError({"kind": [_("请选择事件类型。")]})
    clean = []
    for e in entries:
        user, role, dept = e.get("user"), e.get("role") or "", e.get("department")
        if not (user or role or dept):
            continue
        if user is not None and (user.is_resident or project.pk not in user.project_ids()):
            raise ValidationError({"entries": [_("%(name)s 不在本项目工作。") % {"name": user.name}]})
        if dept is not None and dept.project_id != project.pk:
            raise ValidationError({"entries": [_("部门不属于这个项目。")]})
        if role and (role not in Role.values or role == Role.RESIDENT):
            raise ValidationError({"entries": [_("角色无效。")]})
        clean.append((user, role, dept))
    if not clean:
        raise ValidationError({"entries": [_("通知链至少要有一个人员、角色或部门。")]})
    tree, _created = CallTree.objects.get_or_create(project=project, kind=kind)
    before = [(e.user_id, e.role, e.department_id) for e in tree.entries.all()]
    tree.entries.all().delete()  # a setting, not a record: the change log keeps the old list
    CallTreeEntry.objects.bulk_create(
        [CallTreeEntry(tree=tree, order=i, user=u, role=r, department=d) for i, (u, r, d) in enumerate(clean, 1)]
    )
    audit_record(
        actor=actor,
        obj=tree,
        action="update",
        changes={"before": before, "after": [(u.pk if u else None, r, d.pk if d else None) for u, r, d in clean]},
    )
    return tree
