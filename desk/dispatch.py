"""Dispatch that knows who is free: the people a department's work may go to (the one rule,
`rules.may_be_assigned` / `selectors.assignable_people`), each with their open and overdue jobs and
today's shifts from the duty roster (desk/roster.py), and the "least loaded on duty" choice the
services resolve at the moment of dispatch or transfer.

Counts are one grouped query over the work in hand (WORK_STATES: dispatched, accepted, on site,
paused) on the (assignee, state) index, whatever the number of people.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import DESK_ROLES, SUPERVISING_ROLES, Role
from core.models import User
from desk import roster, selectors
from desk.choices import OPEN_STATES, WORK_STATES
from desk.models import ServiceRequest

# The value of the dispatch form's "least loaded on duty" choice (the API names a person instead).
LEAST_LOADED = "least"


@dataclass
class Candidate:
    user: User
    open: int = 0
    overdue: int = 0
    shifts: list[roster.ShiftToday] = field(default_factory=list)
    on_duty: bool = False  # a shift of today's roster covers this moment
    roster_used: bool = True  # somebody in the list is on today's roster (else no duty is shown)

    def sort_key(self):
        """Least loaded first: fewest open jobs, then fewest overdue, then by name."""
        return (self.open, self.overdue, self.user.name, self.user.pk)

    @property
    def label(self) -> str:
        department = self.user.department.name if self.user.department_id else ""
        if self.on_duty:
            duty = _("在班")
        elif self.shifts:
            duty = _("今日%(shifts)s") % {"shifts": "、".join(s.label for s in self.shifts)}
        elif self.roster_used:
            duty = _("今日未排班")
        else:  # the roster holds nobody of these (it is the desk's; duty/rules.py `rosterable`)
            return _("%(name)s（%(department)s）· 在办 %(open)s · 超时 %(overdue)s") % self._figures(department)
        return _("%(name)s（%(department)s）· %(duty)s · 在办 %(open)s · 超时 %(overdue)s") % {
            **self._figures(department),
            "duty": duty,
        }

    def _figures(self, department: str) -> dict:
        return {"name": self.user.name, "department": department, "open": self.open, "overdue": self.overdue}


def workloads(user_ids, now: datetime | None = None) -> dict[int, tuple[int, int]]:
    """{user id: (open jobs, overdue jobs)}: work in hand assigned to each, in one grouped query."""
    ids = list(user_ids)
    if not ids:
        return {}
    now = now or timezone.now()
    rows = (
        ServiceRequest.objects.filter(assignee_id__in=ids, state__in=[int(s) for s in WORK_STATES])
        .values("assignee_id")
        .annotate(n=Count("id"), late=Count("id", filter=Q(due_at__lte=now)))
        .order_by()
    )
    return {row["assignee_id"]: (row["n"], row["late"]) for row in rows}


def candidates(project_id: int, department_id: int | None = None, *, now: datetime | None = None) -> list[Candidate]:
    """Who may be sent the project's work (of one department when given), least loaded on duty
    first, then the others least loaded first. Three queries whatever the number of people."""
    now = now or timezone.now()
    people = list(
        selectors.assignable_people(project_id, department_id)
        .select_related("department")
        .order_by("department__kind", "display_name", "username")
    )
    loads = workloads([p.pk for p in people], now)
    shifts = roster.shifts_today(project_id, [p.pk for p in people], now)
    found = []
    for person in people:
        n, late = loads.get(person.pk, (0, 0))
        today = shifts.get(person.pk, [])
        found.append(Candidate(person, n, late, today, any(s.covers(now) for s in today)))
    rostered = bool(shifts)
    for c in found:
        c.roster_used = rostered
    found.sort(key=lambda c: (not c.on_duty, *c.sort_key()))
    return found


def least_loaded(project_id: int, department_id: int, *, exclude: int | None = None, now=None) -> User | None:
    """The on-duty person of the department with the fewest open jobs (ties: fewest overdue, then
    name); when nobody is on duty, the least loaded of everybody who may take the work."""
    pool = [c for c in candidates(project_id, department_id, now=now) if c.user.pk != exclude]
    on_duty = [c for c in pool if c.on_duty]
    pool = on_duty or pool
    return min(pool, key=Candidate.sort_key).user if pool else None


def resolve_assignee(request: ServiceRequest, department, assignee):
    """The services' target with "least loaded on duty" replaced by the person it means now
    (desk/services.py `_target`). The request's current holder is left out: a transfer must
    change hands."""
    if assignee != LEAST_LOADED:
        return assignee
    if department is None:
        raise ValidationError({"assignee": [_("选择“在班最空闲的人”前，请先选择处理部门。")]})
    chosen = least_loaded(request.project_id, department.pk, exclude=request.assignee_id)
    if chosen is None:
        raise ValidationError(
            {"assignee": [_("“%(department)s”没有其他可以接单的人员。") % {"department": department.name}]}
        )
    return chosen


def assignee_choices(
    project_id: int, department_id: int | None, selected: str | None = None, *, exclude: int | None = None
) -> list[tuple[str, str, bool]]:
    """The dispatch/transfer form's person list for a department: (value, label, selected) — the
    department alone, "least loaded on duty" (the default when a department is chosen, naming whom
    it would pick now), then each person with their load and today's shifts. `selected` None: the
    default; `exclude`: the current holder (a transfer changes hands)."""
    people = candidates(project_id, department_id)
    options = [("", _("只派给部门（部门内人员自行接单）"))]
    if department_id:
        pool = [c for c in people if c.user.pk != exclude]
        pick = min([c for c in pool if c.on_duty] or pool, key=Candidate.sort_key) if pool else None
        label = (
            _("★ 在班最空闲的人（派单时自动选定，现在是 %(name)s）") % {"name": pick.user.name}
            if pick
            else _("★ 在班最空闲的人（派单时自动选定）")
        )
        options.append((LEAST_LOADED, label))
    options += [(str(c.user.pk), c.label) for c in people]
    if selected is None:
        selected = LEAST_LOADED if department_id else ""
    chosen = selected if any(value == selected for value, _label in options) else ""
    return [(value, label, value == chosen) for value, label in options]


# The desk's people who answer first (front line), before the supervisors of the desk.
_FRONT_LINE = (Role.CS_STAFF, Role.LOBBY)


def first_receiver(project_id: int, *, now: datetime | None = None) -> User | None:
    """Who receives a request a resident reports from the app (首问负责制: the desk stays the first
    receiver, as when the phone rings): the project's desk person on duty now (the duty roster,
    desk/roster.py), front line (客服员, 大堂助理) before the desk's supervisors, with the fewest
    open requests they already follow; when the roster has nobody of the desk on duty, the same
    choice among all the project's desk people; then the project's supervising roles; None when
    the project has none of them. Three queries."""
    now = now or timezone.now()
    for roles in (DESK_ROLES, SUPERVISING_ROLES):
        people = list(
            User.objects.filter(projects=project_id, role__in=roles, is_active=True).order_by("id").distinct()
        )
        if people:
            break
    else:
        return None
    ids = [p.pk for p in people]
    loads = dict(
        ServiceRequest.objects.filter(receiver_id__in=ids, state__in=[int(s) for s in OPEN_STATES])
        .values("receiver_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("receiver_id", "n")
    )
    shifts = roster.shifts_today(project_id, ids, now)
    on_duty = [p for p in people if any(s.covers(now) for s in shifts.get(p.pk, []))]
    pool = on_duty or people
    return min(pool, key=lambda p: (p.role not in _FRONT_LINE, loads.get(p.pk, 0), p.pk))
