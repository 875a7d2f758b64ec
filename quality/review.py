"""The monthly review (月度复盘) of one project: counts, KPIs, resolution times, analyses.

Every figure is an SQL aggregate (GROUP BY with conditional counts, COUNT ... FILTER), so the
number of queries and the Python work are fixed whatever the month holds; the database does the
counting. The month's rows are read in five passes (facts per kind × state × category ×
department; per local hour; resolution times; repeat complaints; complaints per building); the
tables that need fewer keys are sums of those few hundred groups, never of the rows. Resolution
times come from the timeline: the first "resolve" event minus the registration time (the request
keeps that moment as `first_resolved_at`, so the timeline is read only where it is missing).
Percentiles: PostgreSQL's percentile_cont; elsewhere (SQLite) the nearest rank by ordered slicing,
one query per figure.

`monthly_review` returns plain numbers; `quality.kpis` turns them into the KPIs with their
definitions for the page.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce, TruncHour
from django.utils import timezone

from core.models import Department
from core.sql import without_jit
from desk.choices import Action, Kind, Rating, State, Validity
from desk.models import Category, RequestEvent, ServiceRequest
from estate.choices import RoomState, RoomUse
from estate.models import Room

REPEAT_LIMIT = 50
BUILDING_LIMIT = 20
# Households for the valid-complaint rate: homes, shops and offices someone occupies.
HOUSEHOLD_USES = (RoomUse.RESIDENTIAL, RoomUse.SHOP, RoomUse.OFFICE)
HOUSEHOLD_STATES = (RoomState.OCCUPIED, RoomState.RENTED)

COMPLAINT = Q(kind=Kind.COMPLAINT)
REPAIR = Q(kind=Kind.REPAIR)
LIVE = ~Q(state=State.CANCELLED)
# Resolved at least once: the first resolution is kept through reopenings; `resolved_at` covers
# requests resolved before `first_resolved_at` existed.
RESOLVED_ONCE = Q(first_resolved_at__isnull=False) | Q(resolved_at__isnull=False)
HANDLED = RESOLVED_ONCE | Q(state=State.CLOSED)
RATED = ~Q(rating="")
GOOD = Q(rating__in=[Rating.SATISFIED, Rating.FAIRLY])
BAD = Q(rating=Rating.UNSATISFIED)
TIMED = Q(resolved_late__isnull=False)
ON_TIME = Q(resolved_late=False)


class Seconds(Func):
    """Seconds from the second datetime to the first, as a float, on PostgreSQL and SQLite."""

    arg_joiner = " - "
    template = "date_part('epoch', %(expressions)s)"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="((julianday(%(expressions)s)) * 86400.0)", arg_joiner=") - julianday("
        )


class Percentiles(Aggregate):
    """PostgreSQL's continuous percentiles, several from one sort:
    percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY x) → [p50, p90]."""

    function = "PERCENTILE_CONT"
    name = "Percentiles"
    output_field = ArrayField(FloatField())
    template = "%(function)s(ARRAY[%(fractions)s]::double precision[]) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fractions, **extra):
        super().__init__(expression, fractions=", ".join(repr(float(f)) for f in fractions), **extra)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return datetime.combine(first, time.min, tzinfo=tz), datetime.combine(following, time.min, tzinfo=tz)


def month_requests(project_id: int, month: date) -> QuerySet[ServiceRequest]:
    start, end = month_bounds(month)
    return ServiceRequest.objects.filter(project_id=project_id, created_at__gte=start, created_at__lt=end)


# What is counted of every request of the month, by name: conditional counts (COUNT ... FILTER).
FACTS = {
    "cancelled": ~LIVE,
    "complaints": COMPLAINT & LIVE,
    "complaints_handled": COMPLAINT & LIVE & HANDLED,
    "complaints_resolved": COMPLAINT & LIVE & RESOLVED_ONCE,
    "complaints_visited": COMPLAINT & LIVE & RESOLVED_ONCE & RATED,
    "complaints_timed": COMPLAINT & TIMED,
    "complaints_on_time": COMPLAINT & ON_TIME,
    "complaints_valid": COMPLAINT & LIVE & Q(validity=Validity.VALID),
    "complaints_invalid": COMPLAINT & LIVE & Q(validity=Validity.INVALID),
    "repairs": REPAIR & LIVE,
    "repairs_resolved": REPAIR & LIVE & RESOLVED_ONCE,
    "repairs_timed": REPAIR & TIMED,
    "repairs_on_time": REPAIR & ON_TIME,
    "repairs_visited": REPAIR & RATED,
    "repairs_passed": REPAIR & GOOD,
    "timed": TIMED,
    "on_time": ON_TIME,
    "visits_owed": LIVE & Q(needs_return_visit=True) & RESOLVED_ONCE,
    "visits_done": LIVE & Q(needs_return_visit=True) & RESOLVED_ONCE & RATED,
    "rated": RATED,
    "good": GOOD,
    "satisfied": Q(rating=Rating.SATISFIED),
    "fairly": Q(rating=Rating.FAIRLY),
    "unsatisfied": BAD,
    "reopened": Q(reopen_count__gt=0),
}
GROUP_FACTS = ("complaints", "repairs", "rated", "good", "unsatisfied", "timed", "on_time")


def _counts(**conditions) -> dict:
    return {name: Count("id", filter=q) for name, q in conditions.items()}


def _roll_up(groups: list[dict], keys: tuple[str, ...], fields: tuple[str, ...]) -> list[dict]:
    """Sum already-aggregated groups over fewer keys (a few hundred rows at most, not the month)."""
    out: dict[tuple, dict] = {}
    for g in groups:
        key = tuple(g[k] for k in keys)
        row = out.get(key)
        if row is None:
            out[key] = {**{k: g[k] for k in keys}, **{f: g[f] for f in fields}}
        else:
            for f in fields:
                row[f] += g[f]
    return list(out.values())


# ------------------------------------------------------------------ the pieces


def fact_groups(base: QuerySet) -> list[dict]:
    """One pass over the month: every fact counted per kind × state × category × department
    (grouped on the ids alone; the names come from two small lookups). The KPIs, the kind/state
    table and the category and department tables are sums of these groups."""
    groups = list(
        base.values("kind", "state", "category_id", "department_id")
        .annotate(total=Count("id"), **_counts(**FACTS))
        .order_by()
    )
    categories = dict(
        Category.objects.filter(pk__in={g["category_id"] for g in groups} - {None}).values_list("pk", "name")
    )
    departments = dict(
        Department.objects.filter(pk__in={g["department_id"] for g in groups} - {None}).values_list("pk", "name")
    )
    for g in groups:
        g["category__name"] = categories.get(g["category_id"])
        g["department__name"] = departments.get(g["department_id"])
    return groups


def kpi_counts(groups: list[dict]) -> dict:
    """The numerators and denominators of every KPI."""
    return {name: sum(g[name] for g in groups) for name in ("total", *FACTS)}


def kind_state_counts(groups: list[dict]) -> list[dict]:
    return [
        {"kind": r["kind"], "state": r["state"], "n": r["total"]}
        for r in _roll_up(groups, ("kind", "state"), ("total",))
    ]


def _by(groups: list[dict], id_field: str, name_field: str) -> list[dict]:
    rows = _roll_up(groups, (id_field, name_field), ("total", *GROUP_FACTS))
    rows.sort(key=lambda r: (-r["total"], r[id_field] is None, r[id_field] or 0))
    return [{**r, "name": r.pop(name_field)} for r in rows]


def by_category(groups: list[dict]) -> list[dict]:
    return _by(groups, "category_id", "category__name")


def by_department(groups: list[dict]) -> list[dict]:
    return _by(groups, "department_id", "department__name")


def time_groups(base: QuerySet) -> list[dict]:
    """One pass: requests per local hour of registration (at most 31 × 24 groups); the day and the
    hour of day are read off each group's local hour."""
    tz = timezone.get_default_timezone()
    groups = list(
        base.annotate(local_hour=TruncHour("created_at", tzinfo=tz))
        .values("local_hour")
        .annotate(total=Count("id"), **_counts(complaints=COMPLAINT, repairs=REPAIR))
        .order_by()
    )
    for g in groups:
        moment = timezone.localtime(g["local_hour"], tz)
        g["day"], g["hour"] = moment.date(), moment.hour
    return groups


def daily(groups: list[dict], month: date) -> list[dict]:
    rows = {r["day"]: r for r in _roll_up(groups, ("day",), ("total", "complaints", "repairs"))}
    first = month.replace(day=1)
    days = ((first + timedelta(days=32)).replace(day=1) - first).days
    empty = {"total": 0, "complaints": 0, "repairs": 0}
    out = []
    for i in range(days):
        day = first + timedelta(days=i)
        r = rows.get(day, empty)
        out.append({"day": day, "total": r["total"], "complaints": r["complaints"], "repairs": r["repairs"]})
    return out


def hourly(groups: list[dict]) -> list[dict]:
    rows = {r["hour"]: r for r in _roll_up(groups, ("hour",), ("total", "complaints"))}
    empty = {"total": 0, "complaints": 0}
    return [
        {"hour": h, "total": rows.get(h, empty)["total"], "complaints": rows.get(h, empty)["complaints"]}
        for h in range(24)
    ]


def repeat_complaints(base: QuerySet, limit: int = REPEAT_LIMIT) -> tuple[int, list[dict]]:
    """Rooms with two or more complaints in the month: how many (a window count over the groups,
    so one query), and the worst first."""
    rows = list(
        base.filter(COMPLAINT, LIVE, room__isnull=False)
        .values("room_id", "room__code")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .annotate(rooms=Window(Count("*")))
        .order_by("-n", "room__code")[:limit]
    )
    count = rows[0]["rooms"] if rows else 0
    return count, [{"room_id": r["room_id"], "room": r["room__code"], "n": r["n"]} for r in rows]


def complaints_by_building(base: QuerySet, limit: int = BUILDING_LIMIT) -> list[dict]:
    rows = (
        base.filter(COMPLAINT, LIVE)
        .values("room__building__number")
        .annotate(n=Count("id"))
        .order_by("-n", "room__building__number")[:limit]
    )
    return [{"building": r["room__building__number"], "n": r["n"]} for r in rows]


def households(project_id: int) -> int:
    return Room.objects.filter(project_id=project_id, use__in=HOUSEHOLD_USES, state__in=HOUSEHOLD_STATES).count()


def first_resolution():
    """When the request was first resolved: its own record of it, else the timeline's first resolve."""
    first_event = (
        RequestEvent.objects.filter(request_id=OuterRef("pk"), action=Action.RESOLVE)
        .order_by("at", "id")
        .values("at")[:1]
    )
    return Coalesce("first_resolved_at", Subquery(first_event))


def _resolution_base(base: QuerySet) -> QuerySet:
    # Only requests that can have a resolve event: resolved once, or reopened (reopening happens
    # after a resolution, or after an invalid complaint's closing, which has none: NULL, not counted).
    candidates = base.filter(RESOLVED_ONCE | Q(reopen_count__gt=0))
    return candidates.annotate(seconds=Seconds(first_resolution(), F("created_at")))


def _nearest_rank(qs: QuerySet, n: int, fraction: float) -> float | None:
    if not n:
        return None
    k = max(math.ceil(fraction * n), 1) - 1
    return qs.order_by("seconds").values_list("seconds", flat=True)[k]


RESOLUTION_GROUPS = {"all": None, Kind.COMPLAINT.value: COMPLAINT, Kind.REPAIR.value: REPAIR}


def resolution_times(base: QuerySet) -> dict[str, dict]:
    """Resolution time (first resolution − registration) in seconds: n, average, median, p90;
    for all requests and for complaints and repairs. PostgreSQL: one query (three filtered
    ordered-set aggregates, each sorting once for both percentiles). Others: one query for the
    counts and averages, then the nearest rank, one query per percentile."""
    qs = _resolution_base(base)
    figures = {}
    for key, cond in RESOLUTION_GROUPS.items():
        figures[f"{key}__n"] = Count("seconds", filter=cond)
        figures[f"{key}__avg"] = Avg("seconds", filter=cond)
        if connection.vendor == "postgresql":
            figures[f"{key}__p"] = Percentiles("seconds", (0.5, 0.9), filter=cond)
    values = qs.aggregate(**figures)
    out = {}
    for key, cond in RESOLUTION_GROUPS.items():
        n = values[f"{key}__n"]
        if connection.vendor == "postgresql":
            p50, p90 = values[f"{key}__p"] or (None, None)
        else:
            group = qs.filter(seconds__isnull=False)
            group = group.filter(cond) if cond is not None else group
            p50, p90 = _nearest_rank(group, n, 0.5), _nearest_rank(group, n, 0.9)
        out[key] = {"n": n, "avg": values[f"{key}__avg"], "p50": p50, "p90": p90}
    return out


# ------------------------------------------------------------------ the whole review


def monthly_review(project_id: int, month: date) -> dict:
    """Everything the monthly review shows, for one project and the calendar month of `month`."""
    with without_jit():
        return _monthly_review(project_id, month)


def _monthly_review(project_id: int, month: date) -> dict:
    base = month_requests(project_id, month)
    start, end = month_bounds(month)
    groups = fact_groups(base)
    times = time_groups(base)
    repeat_count, repeat_rows = repeat_complaints(base)
    return {
        "project_id": project_id,
        "month": month.replace(day=1),
        "start": start,
        "end": end,
        "counts": kpi_counts(groups),
        "kind_state": kind_state_counts(groups),
        "households": households(project_id),
        "resolution": resolution_times(base),
        "by_category": by_category(groups),
        "by_department": by_department(groups),
        "daily": daily(times, month),
        "hourly": hourly(times),
        "repeat_count": repeat_count,
        "repeat": repeat_rows,
        "by_building": complaints_by_building(base),
    }
