"""Open items a shift hands over: incidents still being handled, patrols in progress or missed today."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duty.registry import OpenItem, open_item_kind
from safety.choices import IncidentState, RunState
from safety.models import Incident, PatrolRun
from safety.selectors import day_bounds


@open_item_kind("incidents", gettext_lazy("处置中的突发事件"), order=15)
def open_incidents(*, project, user, at):
    rows = (
        Incident.objects.filter(project=project, state=IncidentState.OPEN, reported_at__lte=at)
        .only("id", "kind", "title", "place", "reported_at", "level")
        .order_by("-reported_at", "-id")
    )
    return [
        OpenItem(
            key=f"incident:{i.pk}",
            title=f"{i.get_kind_display()} · {i.title}",
            detail=f"{i.place} · {i.get_level_display()}",
            url=reverse("safety:incident", args=[i.pk]),
            since=i.reported_at,
        )
        for i in rows
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
