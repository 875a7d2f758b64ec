"""Reads of the daily close-out (每日结清). `closeout_data` returns plain JSON-ready data: the live
page shows it, a sign-off stores it as the frozen snapshot, and `present_closeout` turns either
into what the templates (HTML and PDF) show. Every list is bounded; every count is one aggregate."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from desk.choices import OPEN_STATES, STATE_COLOUR, Kind, Severity, State
from desk.models import ServiceRequest
from quality.models import DailyCloseout

LIST_LIMIT = 200
SNAPSHOT_VERSION = 1
VISIT_STATES = (State.RESOLVED, State.REPLIED)
ROW_FIELDS = (
    "id",
    "number",
    "title",
    "kind",
    "severity",
    "state",
    "created_at",
    "due_at",
    "resolved_at",
    "pause_reason",
    "needs_return_visit",
    "reopen_count",
    "location",
    "room__code",
    "department__name",
    "assignee__display_name",
    "assignee__username",
)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight, in the site's time zone."""
    tz = timezone.get_default_timezone()
    return datetime.combine(day, time.min, tzinfo=tz), datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def why_code(row: dict) -> str:
    """Why an open request is not finished, as a code the page turns into words."""
    state = row["state"]
    if state == State.PAUSED:
        return "paused"
    if state == State.REGISTERED:
        return "dispatch"
    if state == State.DISPATCHED:
        return "accept"
    if state == State.ACCEPTED:
        return "arrive"
    if state == State.IN_PROGRESS:
        return "work"
    if state in VISIT_STATES and row["needs_return_visit"]:
        return "visit"
    if state == State.RESOLVED and row["kind"] == Kind.COMPLAINT:
        return "reply"
    return "close"


def why_label(code: str, pause_reason: str = "") -> str:
    if code == "paused":
        return _("暂停：%(reason)s") % {"reason": pause_reason or "-"}
    return {
        "dispatch": _("待派单"),
        "accept": _("已派单，待接单"),
        "arrive": _("已接单，待到场"),
        "work": _("处理中"),
        "visit": _("待回访"),
        "reply": _("待回复业户"),
        "close": _("待结案"),
    }.get(code, code)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _row(values: dict) -> dict:
    return {
        "id": values["id"],
        "number": values["number"],
        "title": values["title"],
        "kind": values["kind"],
        "severity": values["severity"],
        "state": values["state"],
        "created_at": _iso(values["created_at"]),
        "due_at": _iso(values["due_at"]),
        "resolved_at": _iso(values["resolved_at"]),
        "place": values["room__code"] or values["location"],
        "department": values["department__name"] or "",
        "assignee": values["assignee__display_name"] or values["assignee__username"] or "",
        "why": why_code(values),
        "pause_reason": values["pause_reason"],
        "reopen_count": values["reopen_count"],
    }


def _rows(qs, order, limit) -> list[dict]:
    return [_row(v) for v in qs.order_by(*order).values(*ROW_FIELDS)[:limit]]


def closeout_data(project, day: date, *, limit: int = LIST_LIMIT) -> dict:
    """The day's close-out of one project, as of now: five queries whatever the numbers."""
    start, end = day_bounds(day)
    requests = ServiceRequest.objects.filter(project_id=project.pk)
    of_day = requests.filter(created_at__gte=start, created_at__lt=end)
    by_kind_state = list(of_day.values("kind", "state").annotate(n=Count("id")).order_by())

    # Open requests registered that day or before: what is still to be done, in three lists that
    # do not overlap: overdue (any reason), return visits owed (not overdue), everything else.
    open_qs = requests.filter(created_at__lt=end, state__in=[int(s) for s in OPEN_STATES])
    overdue_q = Q(due_at__isnull=False, due_at__lt=end)
    visits_q = Q(needs_return_visit=True, state__in=[int(s) for s in VISIT_STATES])
    visits_only_q = visits_q & ~overdue_q
    others_q = ~overdue_q & ~visits_q
    counts = open_qs.aggregate(
        unfinished=Count("id"),
        overdue=Count("id", filter=overdue_q),
        visits=Count("id", filter=visits_q),
        visits_only=Count("id", filter=visits_only_q),
        others=Count("id", filter=others_q),
    )
    by_state: dict[int, int] = {}
    by_kind: dict[str, int] = {}
    for entry in by_kind_state:
        by_state[entry["state"]] = by_state.get(entry["state"], 0) + entry["n"]
        by_kind[entry["kind"]] = by_kind.get(entry["kind"], 0) + entry["n"]
    return {
        "version": SNAPSHOT_VERSION,
        "generated_at": timezone.now().isoformat(),
        "project": {"id": project.pk, "name": project.name},
        "date": day.isoformat(),
        "end": end.isoformat(),
        "registered": sum(by_state.values()),
        "by_state": [{"state": s, "n": by_state[s]} for s in sorted(by_state)],
        "by_kind": [{"kind": k, "n": by_kind[k]} for k in Kind.values if k in by_kind],
        "limit": limit,
        "unfinished": {"count": counts["unfinished"]},
        "overdue": {
            "count": counts["overdue"],
            "listed": counts["overdue"],
            "rows": _rows(open_qs.filter(overdue_q), ("due_at", "id"), limit),
        },
        "visits": {
            "count": counts["visits"],
            "listed": counts["visits_only"],
            "rows": _rows(open_qs.filter(visits_only_q), ("resolved_at", "id"), limit),
        },
        "others": {
            "count": counts["others"],
            "listed": counts["others"],
            "rows": _rows(open_qs.filter(others_q), ("created_at", "id"), limit),
        },
    }


def signed_closeout(project_id: int, day: date) -> DailyCloseout | None:
    return DailyCloseout.objects.filter(project_id=project_id, date=day).select_related("signed_by").first()


def recent_closeouts(project_ids, since: date) -> set[tuple[int, date]]:
    """(project, date) pairs signed since a date, for the picker's overview."""
    return set(
        DailyCloseout.objects.filter(project_id__in=project_ids, date__gte=since).values_list("project_id", "date")
    )


# ------------------------------------------------------------------ presentation


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _present_rows(rows: list[dict], end: datetime) -> list[dict]:
    out = []
    for row in rows:
        due = parse_datetime(row["due_at"]) if row.get("due_at") else None
        state = row["state"]
        out.append(
            {
                **row,
                "created_at": parse_datetime(row["created_at"]),
                "due_at": due,
                "resolved_at": parse_datetime(row["resolved_at"]) if row.get("resolved_at") else None,
                "state_label": _label(State, state),
                "state_colour": STATE_COLOUR.get(state, "secondary"),
                "kind_label": _label(Kind, row["kind"]),
                "severity_label": _label(Severity, row["severity"]),
                "urgent": row["severity"] != Severity.GENERAL,
                "overdue": bool(due and due < end),
                "paused": state == State.PAUSED,
                "why_label": why_label(row["why"], row.get("pause_reason", "")),
            }
        )
    return out


def present_closeout(data: dict) -> dict:
    """Data (live or frozen) → what the templates show, labels in the reader's language."""
    end = parse_datetime(data["end"])
    sections = {}
    for key in ("overdue", "visits", "others"):
        section = data[key]
        rows = _present_rows(section["rows"], end)
        sections[key] = {
            "count": section["count"],
            "listed": section["listed"],
            "rows": rows,
            "truncated": section["listed"] > len(rows),
        }
    sections["visits"]["overdue"] = data["visits"]["count"] - data["visits"]["listed"]  # listed with the overdue
    return {
        "project": data["project"],
        "date": date.fromisoformat(data["date"]),
        "generated_at": parse_datetime(data["generated_at"]),
        "limit": data["limit"],
        "registered": data["registered"],
        "by_state": [
            {**e, "label": _label(State, e["state"]), "colour": STATE_COLOUR.get(e["state"], "secondary")}
            for e in data["by_state"]
        ],
        "by_kind": [{**e, "label": _label(Kind, e["kind"])} for e in data["by_kind"]],
        "unfinished": data["unfinished"],
        **sections,
    }
