"""Reads of patrols and incidents, scoped to the user."""

from datetime import datetime, time, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from core.choices import Role
from desk.search import request_search_q
from safety import rules
from safety.choices import FindingState, StopState
from safety.models import (
    CheckPoint,
    Finding,
    Incident,
    IncidentCall,
    IncidentEntry,
    IncidentLink,
    PatrolRun,
    Route,
    RunStop,
)
from safety.services import linkable_requests


def day_bounds(at: datetime | None = None) -> tuple[datetime, datetime]:
    local = timezone.localtime(at or timezone.now())
    start = timezone.make_aware(datetime.combine(local.date(), time.min), local.tzinfo)
    return start, start + timedelta(days=1)


def visible_routes(user) -> QuerySet[Route]:
    if not rules.sees_patrols(user):
        return Route.objects.none()
    qs = Route.objects.filter(project_id__in=user.project_ids())
    if user.is_superuser or user.role not in (Role.WORKER, Role.DEPT_LEAD):
        return qs
    return qs.filter(Q(department_id=user.department_id or -1) | Q(people=user)).distinct()


def walkable_routes(user) -> QuerySet[Route]:
    """Routes this user may start: the worker's own, or any of the project for supervisors."""
    qs = visible_routes(user).filter(active=True)
    if user.is_superuser or rules.is_supervisor(user) or user.role in (Role.WORKER, Role.DEPT_LEAD):
        return qs
    return qs.none()


def visible_runs(user) -> QuerySet[PatrolRun]:
    if not rules.sees_patrols(user):
        return PatrolRun.objects.none()
    return PatrolRun.objects.filter(route__in=visible_routes(user).values("pk"))


def run_detail(user, pk: int) -> PatrolRun:
    stops = RunStop.objects.select_related("point", "checked_by").prefetch_related(
        "photos", Prefetch("findings", queryset=Finding.objects.select_related("request"))
    )
    return (
        visible_runs(user)
        .select_related("route", "project", "started_by")
        .prefetch_related(Prefetch("stops", queryset=stops))
        .get(pk=pk)
    )


def runs_list(user, *, limit: int = 50) -> list[PatrolRun]:
    return list(visible_runs(user).select_related("route", "started_by").order_by("-created_at", "-id")[:limit])


def missed_today(user, at: datetime | None = None) -> list[RunStop]:
    """Points missed today (by runs finished early or never started), for supervisors."""
    start, end = day_bounds(at)
    return list(
        RunStop.objects.filter(state=StopState.MISSED, run__in=visible_runs(user).values("pk"))
        .filter(
            Q(run__scheduled_for__gte=start, run__scheduled_for__lt=end)
            | Q(run__scheduled_for__isnull=True, run__started_at__gte=start, run__started_at__lt=end)
        )
        .select_related("point", "run__route", "run__started_by")
        .order_by("run__scheduled_for", "run_id", "order")[:500]
    )


def findings_for_desk(user) -> QuerySet[Finding]:
    return (
        Finding.objects.filter(project_id__in=user.project_ids(), state__in=[FindingState.NEW, FindingState.HANDED])
        .select_related("stop__point", "stop__run__route", "found_by")
        .order_by("-found_at", "-id")
    )


def visible_points(user) -> QuerySet[CheckPoint]:
    if not rules.sees_patrols(user):
        return CheckPoint.objects.none()
    return CheckPoint.objects.filter(project_id__in=user.project_ids())


def visible_incidents(user) -> QuerySet[Incident]:
    if not user.is_authenticated or user.is_resident:
        return Incident.objects.none()
    qs = Incident.objects.filter(project_id__in=user.project_ids())
    if rules.handles_incidents(user):
        return qs
    return qs.filter(calls__user=user)


def incident_detail(user, pk: int) -> Incident:
    return visible_incidents(user).select_related("project", "reported_by", "room", "building", "reviewer").get(pk=pk)


def incident_timeline(incident) -> list[IncidentEntry]:
    return list(IncidentEntry.objects.filter(incident=incident).select_related("actor"))


def incident_calls(incident) -> list[IncidentCall]:
    return list(IncidentCall.objects.filter(incident=incident).select_related("user"))


def incident_links(incident) -> list[IncidentLink]:
    return list(IncidentLink.objects.filter(incident=incident).select_related("request__room", "request__resident"))


LINK_ROWS = 30


def linkable_search(user, incident, term: str = "", *, keep=(), limit: int = LINK_ROWS) -> dict:
    """The requests offered for linking to the incident, from services.linkable_requests (open,
    of the incident's project, visible to the user, not linked yet), newest first.

    `keep`: ids already ticked, shown first and still ticked whatever the term (only those still
    linkable). Then up to `limit` others matching `term` by number, title, description, location
    or room code (all of them without a term); `more` tells that there were others."""
    base = (
        linkable_requests(user, incident)
        .select_related("room")
        .only("id", "number", "title", "room__code", "location", "created_at")
        .order_by("-created_at", "-id")
    )
    keep = {int(i) for i in keep}
    kept = list(base.filter(pk__in=keep)) if keep else []
    found = base.exclude(pk__in=[r.pk for r in kept]) if kept else base
    term = term.strip()
    if term:
        found = found.filter(request_search_q(term) | Q(room__code__icontains=term))
    found = list(found[: limit + 1])
    return {"kept": kept, "found": found[:limit], "more": len(found) > limit, "limit": limit, "term": term}
