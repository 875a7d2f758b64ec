"""Time limits of service requests: which policy applies, when each step is due, how pauses move
the deadlines, and the escalation ladder.

A request's `sla` JSON holds one entry per step (dispatch, response, resolve, reply, visit):
the limit as written in the policy ("20m", "7wd"), when the step's clock started, and the
computed moments: `risk` (at-risk share of the limit used), `due`, `manager` and `company`
(still overdue after the policy's further spans). Paused spans (PauseSpan) push every moment
that lies after the pause began by the pause's length, measured in the step's own kind of time
(working minutes for working limits, wall time for clock limits).

`due_at` is the earliest unmet deadline (lists show and sort by it); `escalate_at` is the next
moment an escalation rung is due (the escalation pass selects on it through a partial index).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import calendar as business_calendar
from core import sql
from core.choices import Role
from core.models import User
from core.notify import notify_many
from core.sql import build, quote, select_list
from core.worktime import add_working, working_between
from desk.choices import OPEN_STATES, Action, Kind, Severity, State
from desk.limits import Limit, parse_limit
from desk.models import Category, DeskSettings, Escalation, PauseSpan, RequestEvent, ServiceRequest, SlaPolicy

STEPS = ("dispatch", "response", "resolve", "reply", "visit")


def step_label(step: str) -> str:
    return {
        "dispatch": _("派单"),
        "response": _("响应/到场"),
        "resolve": _("完成"),
        "reply": _("回复业户"),
        "visit": _("回访"),
    }[step]


Level = Escalation.Level

# ------------------------------------------------------------------ policies


def policy_for(project, kind: str, severity: str, category_id: int | None) -> SlaPolicy | None:
    """The most specific active policy: this project's beats the company's, a category's beats 'all'.
    (At most one active policy per scope, so the order is total.) One hand-written statement
    (core/sql.py); registering reads it with the intake's references (`policy_choice_sql`)."""
    with sql.cursor() as cursor:
        cursor.execute(
            _policy_sql(connection.vendor), [project.company_id, kind, severity, True, project.pk, category_id]
        )
        row = cursor.fetchone()
    return build(SlaPolicy, row)[0] if row else None


def policy_choice_sql(company: str, project: str) -> str:
    """A scalar subquery giving the id of `policy_for`'s choice, for the company and project named
    by the SQL expressions `company` and `project`; its parameters, in this order: those of
    `company`, kind, severity, True, those of `project`, category id."""
    q = quote
    column, category = q("project_id"), q("category_id")
    return (
        f"(SELECT sp.{q('id')} FROM {q(SlaPolicy._meta.db_table)} sp"
        f" WHERE sp.{q('company_id')} = {company} AND sp.{q('kind')} = %s AND sp.{q('severity')} = %s"
        f" AND sp.{q('active')} = %s"
        f" AND (sp.{column} IS NULL OR sp.{column} = {project})"
        f" AND (sp.{category} IS NULL OR sp.{category} = %s)"
        f" ORDER BY CASE WHEN sp.{column} IS NULL THEN 0 ELSE 2 END"
        f" + CASE WHEN sp.{category} IS NULL THEN 0 ELSE 1 END DESC"
        " LIMIT 1)"
    )


@cache
def _policy_sql(vendor: str) -> str:
    return (
        f"SELECT {select_list(SlaPolicy, 'chosen')} FROM {quote(SlaPolicy._meta.db_table)} chosen"
        f" WHERE chosen.{quote('id')} = {policy_choice_sql('%s', '%s')}"
    )


# ------------------------------------------------------------------ arithmetic


def add_limit(start: datetime, limit: Limit, project_id: int, fraction: float = 1.0) -> datetime:
    amount = limit.amount * fraction
    if limit.working:
        schedule = business_calendar.schedule_for(project_id)
        minutes = amount * (schedule.minutes_per_day if limit.unit == "wd" else 1 if limit.unit == "wm" else 60)
        return add_working(start, minutes, schedule, business_calendar.current_calendar(), business_calendar.local_tz())
    factor = {"m": 1, "h": 60, "d": 1440}[limit.unit]
    return start + timedelta(minutes=amount * factor)


def _shift(moment: datetime, pauses, working: bool, project_id: int) -> datetime:
    """Move a moment later by every pause that began before it."""
    schedule = business_calendar.schedule_for(project_id)
    cal = business_calendar.current_calendar()
    tz = business_calendar.local_tz()
    for began, ended in pauses:
        if began >= moment:
            continue
        if working:
            moment = add_working(moment, working_between(began, ended, schedule, cal, tz), schedule, cal, tz)
        else:
            moment = moment + (ended - began)
    return moment


def _compute_step(entry: dict, project_id: int, pauses, policy_numbers: dict) -> dict:
    limit = parse_limit(entry["limit"])
    start = parse_datetime(entry["start"])
    moments = {
        "risk": add_limit(start, limit, project_id, policy_numbers["at_risk_percent"] / 100),
        "due": add_limit(start, limit, project_id),
    }
    moments["manager"] = add_limit(moments["due"], parse_limit(policy_numbers["pm_after"]), project_id)
    moments["company"] = add_limit(moments["due"], parse_limit(policy_numbers["company_after"]), project_id)
    relevant = [(b, e) for b, e in pauses if e > start]
    return {
        "limit": entry["limit"],
        "start": entry["start"],
        **{k: _shift(v, relevant, limit.working, project_id).isoformat() for k, v in moments.items()},
    }


def _pauses(sr: ServiceRequest) -> list[tuple[datetime, datetime]]:
    if sr.pk is None:
        return []
    return list(
        PauseSpan.objects.filter(request=sr, ended_at__isnull=False)
        .order_by("started_at")
        .values_list("started_at", "ended_at")
    )


# ------------------------------------------------------------------ state of the steps


# What `step_met`, `pending_steps` and `_next_moments` read of a request. A query that loads
# requests for them with `.only()` must load all of these: a field left out is read back with one
# query per request when first touched (the escalation pass did that with `kind` and `validity` and
# took three times as long, issue 10 item 19). Add here any field a step starts to depend on.
STEP_FIELDS = (
    "state",
    "sla",
    "paused_at",
    "kind",
    "validity",
    "needs_return_visit",
    "dispatched_at",
    "arrived_at",
    "resolved_at",
    "replied_at",
    "visited_at",
)


def step_met(sr: ServiceRequest, step: str) -> bool:
    if sr.kind == Kind.COMPLAINT and sr.validity == "invalid" and step != "reply":
        return True  # an invalid complaint is explained and closed: nobody is dispatched to it
    if step == "dispatch":
        return bool(sr.dispatched_at or sr.resolved_at)
    if step == "response":
        return bool(sr.arrived_at or sr.resolved_at)
    if step == "resolve":
        return bool(sr.resolved_at)
    if step == "reply":
        return bool(sr.replied_at)
    if step == "visit":
        return bool(sr.visited_at) or not sr.needs_return_visit
    raise ValueError(step)


def pending_steps(sr: ServiceRequest) -> list[tuple[str, dict]]:
    if sr.state not in OPEN_STATES:
        return []
    steps = (sr.sla or {}).get("steps", {})
    return [(step, steps[step]) for step in STEPS if step in steps and not step_met(sr, step)]


LEVEL_MOMENT = {Level.AT_RISK: "risk", Level.OVERDUE: "due", Level.MANAGER: "manager", Level.COMPANY: "company"}


def _claimed(sr: ServiceRequest) -> set[tuple[str, int]]:
    return set(Escalation.objects.filter(request=sr, round=(sr.sla or {}).get("round", 0)).values_list("step", "level"))


def _next_moments(sr: ServiceRequest, claimed: set) -> tuple[datetime | None, datetime | None]:
    """(due_at, escalate_at) for the request as it stands."""
    if sr.state not in OPEN_STATES or sr.paused_at:
        return None, None
    due, escalate = None, None
    for step, entry in pending_steps(sr):
        step_due = parse_datetime(entry["due"])
        due = step_due if due is None else min(due, step_due)
        for level, key in LEVEL_MOMENT.items():
            if (step, int(level)) not in claimed:
                moment = parse_datetime(entry[key])
                escalate = moment if escalate is None else min(escalate, moment)
    return due, escalate


def _save(sr: ServiceRequest, claimed: set | None = None) -> None:
    """Store the plan and the moments it leads to; a request not yet saved only gets its fields set
    (registration writes everything in its one INSERT)."""
    if sr.pk is None:
        sr.due_at, sr.escalate_at = _next_moments(sr, set())
        return
    sr.due_at, sr.escalate_at = _next_moments(sr, _claimed(sr) if claimed is None else claimed)
    ServiceRequest.objects.filter(pk=sr.pk).update(sla=sr.sla, due_at=sr.due_at, escalate_at=sr.escalate_at)


# ------------------------------------------------------------------ planning, called by the services


def _numbers(policy: SlaPolicy) -> dict:
    return {
        "at_risk_percent": policy.at_risk_percent,
        "pm_after": policy.pm_after,
        "company_after": policy.company_after,
    }


def _visit_limit(sr: ServiceRequest, policy_limit: str) -> str:
    if sr.category_id:
        category_limit = Category.objects.filter(pk=sr.category_id).values_list("visit_limit", flat=True).first()
        if category_limit:
            return category_limit
    return policy_limit


LOOK_UP = object()  # `plan(policy=…)`: the policy is not known yet


def plan(
    sr: ServiceRequest,
    *,
    steps_from: dict[str, datetime] | None = None,
    fresh_policy: bool = False,
    policy: SlaPolicy | None | object = LOOK_UP,
) -> None:
    """(Re)compute the request's steps. The policy's limits are looked up once, at registration (or
    when the request is reclassified: `fresh_policy`), and kept in `sla["limits"]`; later steps
    (the return visit, a reopened round) use those kept limits, so editing or switching off a policy
    never changes a request already registered. `steps_from` gives the start of each step to plan
    (default: every step but the visit, from registration). `policy`: `policy_for`'s answer when the
    caller read it already (registering does, with the intake's references)."""
    old = sr.sla or {}
    if fresh_policy or "limits" not in old:
        if policy is LOOK_UP:
            policy = policy_for(sr.project, sr.kind, sr.severity, sr.category_id)
        if policy is None:
            sr.sla = {"round": old.get("round", 0), "steps": {}}
            sr.sla_policy = None
            if sr.pk:
                ServiceRequest.objects.filter(pk=sr.pk).update(sla_policy=None)
            _save(sr)
            return
        limits = {step: getattr(policy, f"{step}_limit") for step in STEPS}
        limits["visit"] = _visit_limit(sr, limits["visit"])
        snapshot = {"policy": policy.pk, **_numbers(policy), "limits": limits}
        sr.sla_policy = policy
        if sr.pk:
            ServiceRequest.objects.filter(pk=sr.pk).update(sla_policy=policy)
    else:
        snapshot = {k: old[k] for k in ("policy", "at_risk_percent", "pm_after", "company_after", "limits")}
    numbers = {k: snapshot[k] for k in ("at_risk_percent", "pm_after", "company_after")}
    starts = steps_from or {s: sr.created_at for s in ("dispatch", "response", "resolve", "reply")}
    steps = dict(old.get("steps", {}))
    pauses = _pauses(sr)
    for step, start in starts.items():
        limit = snapshot["limits"].get(step)
        if not limit:
            steps.pop(step, None)
            continue
        steps[step] = _compute_step({"limit": limit, "start": start.isoformat()}, sr.project_id, pauses, numbers)
    sr.sla = {"round": old.get("round", 0), **snapshot, "steps": steps}
    _save(sr)


def recompute(sr: ServiceRequest) -> None:
    """Recompute every planned step (after a pause ended), keeping limits and starts."""
    numbers = {k: sr.sla[k] for k in ("at_risk_percent", "pm_after", "company_after")}
    pauses = _pauses(sr)
    sr.sla["steps"] = {
        step: _compute_step(entry, sr.project_id, pauses, numbers) for step, entry in sr.sla["steps"].items()
    }
    _save(sr)


def choose_return_visit(sr: ServiceRequest, *, paid: bool | None = None) -> bool:
    """Complaints: always. Repairs: paid (indoor) work and 'always' categories always; the rest a
    fair sample at the company's rate. The draw is a keyed hash of the request, so it is uniform,
    cannot be steered by staff, and gives the same answer if asked again."""
    if sr.kind == Kind.COMPLAINT:
        return True
    if sr.kind != Kind.REPAIR:
        return False
    if paid if paid is not None else sr.paid:
        return True
    if sr.category_id and Category.objects.filter(pk=sr.category_id, always_visit=True).exists():
        return True
    rate = (
        DeskSettings.objects.filter(company_id=sr.project.company_id)
        .values_list("repair_visit_percent", flat=True)
        .first()
    )
    rate = 30 if rate is None else rate
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:visit:{sr.pk}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate / 100


def after_action(sr: ServiceRequest, action: str, at: datetime) -> None:
    """Keep the time limits in step with what just happened to the request."""
    if action == Action.PAUSE:
        PauseSpan.objects.create(request=sr, started_at=at, reason=sr.pause_reason[:200] or "-")
        ServiceRequest.objects.filter(pk=sr.pk).update(paused_at=at)
        sr.paused_at = at
        _save(sr)
    elif action == Action.RESUME:
        PauseSpan.objects.filter(request=sr, ended_at__isnull=True).update(ended_at=at)
        ServiceRequest.objects.filter(pk=sr.pk).update(paused_at=None)
        sr.paused_at = None
        if sr.sla.get("steps"):
            recompute(sr)
        else:
            _save(sr)
    elif action == Action.RESOLVE:
        if sr.first_resolved_at is None:
            entry = (sr.sla or {}).get("steps", {}).get("resolve")
            sr.first_resolved_at = at
            sr.resolved_late = (at > parse_datetime(entry["due"])) if entry else None
            ServiceRequest.objects.filter(pk=sr.pk).update(first_resolved_at=at, resolved_late=sr.resolved_late)
        if sr.paused_at:  # resolved straight from a pause: the pause ends here
            _end_pause(sr, at)
        if sr.needs_return_visit and sr.sla.get("limits"):
            plan(sr, steps_from={"visit": at})
        else:
            _save(sr)
    elif action == Action.REOPEN:
        sr.sla["round"] = sr.sla.get("round", 0) + 1
        sr.sla.get("steps", {}).pop("visit", None)
        starts = {"response": at, "resolve": at, "reply": at}
        if sr.state == State.REGISTERED:
            starts["dispatch"] = at
        plan(sr, steps_from=starts)
    elif action == Action.RECLASSIFY:
        plan(sr, fresh_policy=True)
    elif action == Action.VALIDITY and sr.paused_at and sr.state != State.PAUSED:
        # Recalled from a pause (made invalid): the pause ends here and, as on resuming, moves the
        # deadlines on; the steps owed change too (step_met).
        _end_pause(sr, at)
        if sr.sla.get("steps"):
            recompute(sr)
        else:
            _save(sr)
    else:
        _save(sr)  # (a validity change changes which steps are owed: step_met)


def _end_pause(sr: ServiceRequest, at: datetime) -> None:
    PauseSpan.objects.filter(request=sr, ended_at__isnull=True).update(ended_at=at)
    ServiceRequest.objects.filter(pk=sr.pk).update(paused_at=None)
    sr.paused_at = None


# ------------------------------------------------------------------ escalation


def _message_templates() -> dict:
    """The escalation messages in the current language, looked up once per batch."""
    return {
        Level.AT_RISK: _("即将超时：%(number)s %(step)s时限 %(due)s"),
        Level.OVERDUE: _("已超时：%(number)s %(step)s时限 %(due)s"),
        Level.MANAGER: _("超时未处理，升级项目经理：%(number)s %(step)s时限 %(due)s"),
        Level.COMPANY: _("超时未处理，升级公司：%(number)s %(step)s时限 %(due)s"),
        "body": _("%(number)s %(title)s"),
        "note": _("%(title)s；已通知：%(names)s"),
        "nobody": _("（没有找到接收人）"),
        "separator": pgettext("list separator", "、"),
        **{step: step_label(step) for step in STEPS},
    }


def _message(sr: ServiceRequest, step: str, level: int, entry: dict, texts: dict) -> tuple[str, str]:
    due = timezone.localtime(parse_datetime(entry["due"])).strftime("%m-%d %H:%M")
    params = {"number": sr.number, "title": sr.title, "step": texts[step], "due": due}
    return texts[level] % params, texts["body"] % params


def escalation_pass(now: datetime | None = None, batch: int = 500) -> int:
    """Fire every escalation rung that is due; returns how many fired.

    Safe with several workers at once: each batch is taken with SELECT … FOR UPDATE SKIP LOCKED
    (PostgreSQL), so two workers never hold the same request, and SQLite runs one writer at a
    time; the unique (request, step, level, round) constraint on Escalation is the last line of
    defence. Claims, notifications, outbox rows and timeline entries of a batch commit together:
    a worker killed half way leaves nothing half done, and the next pass picks the batch up.
    Selects through the partial index on `escalate_at` (open requests only)."""
    now = now or timezone.now()
    fired = 0
    while True:
        done, count = _escalate_batch(now, batch)
        fired += count
        if done < batch:
            return fired


class _Recipients:
    """Who to tell, looked up once per project/department for the whole batch."""

    def __init__(self):
        self._cache = {}

    def _get(self, key, load):
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def for_level(self, sr: ServiceRequest, level: int) -> list[User]:
        def staff():
            return User.objects.filter(is_active=True, projects=sr.project_id)

        if level == Level.AT_RISK:
            people = [sr.receiver, sr.assignee]
            if sr.assignee_id is None and sr.department_id:
                people += self._get(
                    ("leads", sr.project_id, sr.department_id),
                    lambda: list(staff().filter(role=Role.DEPT_LEAD, department_id=sr.department_id)),
                )
            return [p for p in people if p is not None]
        if level == Level.OVERDUE:
            return self._get(("sup", sr.project_id), lambda: list(staff().filter(role=Role.CS_SUPERVISOR)))
        if level == Level.MANAGER:
            return self._get(("pm", sr.project_id), lambda: list(staff().filter(role=Role.PROJECT_MANAGER)))
        return self._get(
            ("company", sr.project_id),
            lambda: list(
                User.objects.filter(is_active=True)
                .filter(
                    Q(role=Role.COMPANY_ADMIN, company_id=sr.project.company_id)
                    | Q(role=Role.CS_MANAGER, projects=sr.project_id)
                )
                .distinct()
            ),
        )


@transaction.atomic
def _escalate_batch(now: datetime, batch: int) -> tuple[int, int]:
    qs = ServiceRequest.objects.filter(state__in=OPEN_STATES, escalate_at__lte=now).order_by("escalate_at", "pk")
    locked = qs.select_for_update(skip_locked=True, of=("self",)) if _skip_locked() else qs
    people = ("id", "username", "display_name", "first_name", "last_name", "email", "is_active")
    rows = list(
        locked.select_related("project", "receiver", "assignee").only(
            *STEP_FIELDS,
            "id",
            "number",
            "title",
            "department_id",
            "due_at",
            "escalate_at",
            "project__company_id",
            *(f"receiver__{f}" for f in people),
            *(f"assignee__{f}" for f in people),
        )[:batch]
    )
    if not rows:
        return 0, 0
    claimed: dict[int, set] = {sr.pk: set() for sr in rows}
    rounds = {sr.pk: sr.sla.get("round", 0) for sr in rows}
    for pk, step, level, round_ in Escalation.objects.filter(request__in=rows).values_list(
        "request_id", "step", "level", "round"
    ):
        if round_ == rounds[pk]:
            claimed[pk].add((step, level))
    who = _Recipients()
    texts = _message_templates()
    claims, messages, events = [], [], []
    for sr in rows:
        round_ = sr.sla.get("round", 0)
        for step, entry in pending_steps(sr) if not sr.paused_at else []:
            due_levels = [lvl for lvl, key in LEVEL_MOMENT.items() if parse_datetime(entry[key]) <= now]
            for level in due_levels:
                if (step, int(level)) in claimed[sr.pk]:
                    continue
                claimed[sr.pk].add((step, int(level)))
                # Already overdue: the at-risk warning is moot; record it silently.
                silent = level == Level.AT_RISK and Level.OVERDUE in due_levels
                people = [] if silent else who.for_level(sr, level)
                claims.append(
                    Escalation(
                        request=sr,
                        step=step,
                        level=level,
                        round=round_,
                        fired_at=now,
                        recipients=[p.pk for p in people],
                    )
                )
                if silent:
                    continue
                title, body = _message(sr, step, level, entry, texts)
                messages.append((people, title, body, f"/requests/{sr.pk}/"))
                names = texts["separator"].join(p.name for p in people) or texts["nobody"]
                events.append(
                    RequestEvent(
                        request=sr,
                        actor=sr.receiver,
                        at=now,
                        action=Action.ESCALATE,
                        from_state=sr.state,
                        to_state=sr.state,
                        note=texts["note"] % {"title": title, "names": names},
                        data={"step": step, "level": int(level), "system": True},
                    )
                )
    Escalation.objects.bulk_create(claims)
    notify_many(messages)
    RequestEvent.objects.bulk_create(events)
    for sr in rows:
        sr.due_at, sr.escalate_at = _next_moments(sr, claimed[sr.pk])
    _store_moments(rows)
    return len(rows), len(events)


def _store_moments(rows: list[ServiceRequest]) -> None:
    """Write each row's due_at/escalate_at. PostgreSQL: one UPDATE … FROM (VALUES …); Django's
    bulk_update builds a CASE per row and took over a second for 1,000 rows."""
    from django.db import connection

    if connection.vendor != "postgresql":
        ServiceRequest.objects.bulk_update(rows, ["due_at", "escalate_at"])
        return
    values = ", ".join(["(%s, %s::timestamptz, %s::timestamptz)"] * len(rows))
    params = [x for sr in rows for x in (sr.pk, sr.due_at, sr.escalate_at)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE desk_servicerequest AS s SET due_at = v.due_at, escalate_at = v.escalate_at "
            f"FROM (VALUES {values}) AS v(id, due_at, escalate_at) WHERE s.id = v.id",
            params,
        )


def _skip_locked() -> bool:
    from django.db import connection

    return connection.features.has_select_for_update_skip_locked


# ------------------------------------------------------------------ display


def status(sr: ServiceRequest, now: datetime | None = None) -> str:
    """'overdue', 'soon' (within the hour), 'ok', 'paused' or '' (no limit)."""
    if sr.state not in OPEN_STATES:
        return ""
    if sr.paused_at:
        return "paused"
    if not sr.due_at:
        return ""
    now = now or timezone.now()
    if sr.due_at <= now:
        return "overdue"
    if sr.due_at <= now + timedelta(hours=1):
        return "soon"
    return "ok"


def default_policies() -> list[dict]:
    """DOMAIN.md's defaults; companies edit them in the admin."""
    g, m, u = Severity.GENERAL, Severity.MAJOR, Severity.URGENT
    rows = [
        (Kind.COMPLAINT, g, dict(dispatch_limit="20m", reply_limit="24h", resolve_limit="7wd", visit_limit="3d")),
        (
            Kind.COMPLAINT,
            m,
            dict(dispatch_limit="20m", response_limit="12h", reply_limit="2wd", resolve_limit="5wd", visit_limit="3d"),
        ),
        (Kind.COMPLAINT, u, dict(dispatch_limit="20m", response_limit="2h", resolve_limit="24h", visit_limit="3d")),
        (Kind.REPAIR, g, dict(dispatch_limit="20m", resolve_limit="1wd", visit_limit="7d")),
        (Kind.REPAIR, m, dict(dispatch_limit="20m", response_limit="4h", resolve_limit="1wd", visit_limit="7d")),
        (Kind.REPAIR, u, dict(dispatch_limit="20m", response_limit="30m", resolve_limit="24h", visit_limit="2d")),
        (Kind.ENQUIRY, g, dict(resolve_limit="1wd")),
        (Kind.SUGGESTION, g, dict(resolve_limit="3wd")),
        (Kind.PRAISE, g, dict(resolve_limit="3wd")),
    ]
    return [dict(kind=k, severity=s, **limits) for k, s, limits in rows]


def install_default_policies(company) -> int:
    created = 0
    for row in default_policies():
        _obj, was_created = SlaPolicy.objects.get_or_create(
            company=company,
            project=None,
            category=None,
            kind=row.pop("kind"),
            severity=row.pop("severity"),
            defaults=row,
        )
        created += was_created
    DeskSettings.objects.get_or_create(company=company)
    return created
