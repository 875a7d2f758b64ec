"""Open items a shift hands over: incidents still being handled, patrols in progress or missed today."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duty.registry import OpenItem, open_item_kind, url_for_pk
from safety.choices import IncidentKind, IncidentLevel, IncidentState, RunState
from safety.models import Incident, PatrolRun
from safety.selectors import day_bounds


@open_item_kind("incidents", gettext_lazy("处置中的突发事件"), order=15)
def open_incidents(*, project, user, at):
    rows = (
        Incident.objects.filter(project=project, state=IncidentState.OPEN, reported_at__lte=at)
        .order_by("-reported_at", "-id")
        .values_list("id", "kind", "title", "place", "reported_at", "level")
    )
    # Labels translated once and the URL reversed once: a handover may carry thousands of rows.
    kinds = {value: str(label) for value, label in IncidentKind.choices}
    levels = {value: str(label) for value, label in IncidentLevel.choices}
    url = url_for_pk("safety:incident")
    return [
        OpenItem(
            key=f"incident:{pk}",
            title=f"{kinds.get(kind, kind)} · {title}",
            detail=f"{place} · {levels.get(level, level)}",
            url=url(pk),
            since=reported_at,
        )
        for pk, kind, title, place, reported_at, level in rows
    ]


@open_item_kind("patrols", gettext_lazy("巡检：进行中/今日漏检"), order=55)
def patrols(*, project, user, at):
    start, end = day_bounds(at)
    from django.db.models import Q

    rows = (
        PatrolRun.objects.filter(project=project)
        .filter(
            Q(state=RunState.IN_PROGRESS)
            | Q(points_missed__gt=0, scheduled_for__gte=start, scheduled_for__lt=end)
            | Q(points_missed__gt=0, scheduled_for__isnull=True, started_at__gte=start, started_at__lt=end)
        )
        .select_related("route", "started_by")
        .order_by("-created_at", "-id")
    )
    items = []
    for r in rows:
        when = r.scheduled_for or r.started_at or r.created_at
        if r.state == RunState.IN_PROGRESS:
            detail = _("进行中 · %(who)s") % {"who": r.started_by.name if r.started_by else ""}
        else:
            detail = _("漏检 %(n)s/%(total)s 个点位") % {"n": r.points_missed, "total": r.points_total}
        items.append(
            OpenItem(
                key=f"patrol:{r.pk}",
                title=f"{r.route.name} {timezone.localtime(when):%H:%M}",
                detail=detail,
                url=reverse("safety:run", args=[r.pk]),
                since=when,
            )
        )
    return items
