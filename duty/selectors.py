"""Reads of the duty desk, shared by pages, handover collectors and the PDF. Every read is scoped to
a project the caller has already checked (duty/rules.py project_for)."""

from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from core.models import User
from desk.roster import ShiftToday
from duty import rules
from duty.choices import OPEN_HANDOVER_STATES, AssignmentState, HandoverState, ItemAnswer, SwapState
from duty.models import (
    Assignment,
    CountedThing,
    Handover,
    HandoverItem,
    Key,
    KeyLoan,
    LogEntry,
    Shift,
    SwapRequest,
)

# How long after a shift's end its person still counts as "the one on duty" for a handover:
# the outgoing person stays until relieved.
OVERRUN = timedelta(hours=4)
# Without any roster entry or earlier handover, a shift is taken to have begun this long ago.
DEFAULT_PERIOD = timedelta(hours=12)


def shifts(project, *, active_only=True) -> list[Shift]:
    qs = Shift.objects.filter(project=project)
    if active_only:
        qs = qs.filter(active=True)
    return list(qs)


def staff_for_roster(project) -> QuerySet[User]:
    from duty.choices import ROSTERABLE_ROLES

    return (
        User.objects.filter(projects=project, is_active=True, role__in=ROSTERABLE_ROLES)
        .select_related("department")
        .order_by("department__name", "display_name", "username")
    )


def cover_candidates(assignment) -> QuerySet[User]:
    """Who may be asked to cover `assignment`'s shift: the project's rostered people of the same
    group (duty/rules.py `may_cover`), the person on duty left out."""
    from duty import rules

    people = staff_for_roster(assignment.project).exclude(pk=assignment.user_id)
    allowed = [u.pk for u in people if rules.may_cover(u, assignment.user)]
    return people.filter(pk__in=allowed)


def assignments(project, start: date, end: date, *, active_only=True) -> list[Assignment]:
    """Assignments of days start..end inclusive, with shift and person, in one query."""
    qs = Assignment.objects.filter(project=project, day__gte=start, day__lte=end).select_related("shift", "user")
    if active_only:
        qs = qs.filter(state=AssignmentState.ACTIVE)
    return list(qs.order_by("day", "shift__order", "shift__start", "user__display_name", "id"))


def roster_grid(project, days: list[date]) -> dict:
    """{"shifts": [...], "rows": [(shift, [(day, [assignment...])...])...], "by_day": [(day, [(shift, [a...])])]}."""
    all_shifts = shifts(project)
    found = assignments(project, days[0], days[-1])
    cells: dict[tuple, list] = {}
    for a in found:
        cells.setdefault((a.shift_id, a.day), []).append(a)
    rows = [(s, [(d, cells.get((s.pk, d), [])) for d in days]) for s in all_shifts]
    by_day = [(d, [(s, cells.get((s.pk, d), [])) for s in all_shifts]) for d in days]
    return {"shifts": all_shifts, "rows": rows, "by_day": by_day}


def on_duty(project, at: datetime | None = None) -> list[tuple[Shift, list[Assignment]]]:
    """Who is on duty at `at` (default now): the shifts whose window contains it, with their people.
    A shift crossing midnight that began yesterday counts too."""
    at = at or timezone.now()
    today = timezone.localtime(at).date()
    found = assignments(project, today - timedelta(days=1), today)
    result: dict[int, tuple[Shift, list]] = {}
    for a in found:
        start, end = a.shift.window(a.day)
        if start <= at < end:
            result.setdefault(a.shift_id, (a.shift, []))[1].append(a)
    return list(result.values())


def shifts_today(project_id: int, user_ids, at: datetime) -> dict:
    """The desk's roster reader (desk/roster.py, plugged in by duty/apps.py): each person's active
    shifts of the day of `at`, and a shift crossing midnight that began the day before and is not
    over yet. One query on the (project, day) index."""
    today = timezone.localtime(at).date()
    found: dict[int, list] = {}
    rows = (
        Assignment.objects.filter(
            project_id=project_id,
            day__gte=today - timedelta(days=1),
            day__lte=today,
            state=AssignmentState.ACTIVE,
            user_id__in=list(user_ids),
        )
        .select_related("shift")
        .order_by("day", "shift__start", "id")
    )
    for a in rows:
        start, end = a.shift.window(a.day)
        if a.day < today and end <= at:
            continue  # yesterday's shift, over
        found.setdefault(a.user_id, []).append(ShiftToday(label=str(a.shift), start=start, end=end))
    return found


def period_start(project, user, at: datetime) -> tuple[datetime, Shift | None]:
    """When the outgoing person's shift began: their roster entry covering `at` (or that ended less
    than OVERRUN before it), else the handover they last received in the past day, else `at` minus
    DEFAULT_PERIOD. Cached on the user object for the same project and moment (several collectors ask)."""
    cache = user.__dict__.setdefault("_duty_period", {})
    cache_key = (project.pk, at)
    if cache_key in cache:
        return cache[cache_key]
    today = timezone.localtime(at).date()
    best = None
    for a in (
        Assignment.objects.filter(
            project=project,
            user=user,
            state=AssignmentState.ACTIVE,
            day__gte=today - timedelta(days=1),
            day__lte=today,
        )
        .select_related("shift")
        .order_by("day")
    ):
        start, end = a.shift.window(a.day)
        if start <= at <= end + OVERRUN and (best is None or start > best[0]):
            best = (start, a.shift)
    if best is None:
        received = (
            Handover.objects.filter(
                project=project,
                incoming=user,
                state=HandoverState.COMPLETED,
                incoming_signed_at__lte=at,
                incoming_signed_at__gte=at - timedelta(days=1),
            )
            .order_by("-incoming_signed_at")
            .values_list("incoming_signed_at", flat=True)
            .first()
        )
        best = (received, None) if received else (at - DEFAULT_PERIOD, None)
    cache[cache_key] = best
    return best


def swaps(project, limit: int = 50) -> list[SwapRequest]:
    return list(
        SwapRequest.objects.filter(assignment__project=project)
        .select_related("assignment__shift", "assignment__user", "asked_by", "cover", "decided_by")
        .order_by("-created_at", "-id")[:limit]
    )


def roster_history(project, limit: int = 50) -> list[Assignment]:
    """Assignments that were ended (swapped or removed), newest change first."""
    return list(
        Assignment.objects.filter(project=project)
        .exclude(state=AssignmentState.ACTIVE)
        .select_related("shift", "user", "ended_by", "created_by")
        .order_by("-ended_at", "-id")[:limit]
    )


def pending_swaps_count(project) -> int:
    return SwapRequest.objects.filter(assignment__project=project, state=SwapState.PENDING).count()


# ------------------------------------------------------------------ log


def log_entries(project) -> QuerySet[LogEntry]:
    return (
        LogEntry.objects.filter(project=project)
        .select_related("author", "corrects")
        .prefetch_related(Prefetch("corrections", queryset=LogEntry.objects.only("id", "corrects_id", "at")))
    )


def log_between(project, start: datetime, end: datetime) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(project=project, at__gte=start, at__lte=end)
        .select_related("author")
        .order_by("at", "id")
    )


# ------------------------------------------------------------------ keys


def keys(project, *, active_only=True) -> list[Key]:
    qs = Key.objects.filter(project=project)
    if active_only:
        qs = qs.filter(active=True)
    return list(qs.order_by("code"))


def keys_out(project) -> list[KeyLoan]:
    return list(
        KeyLoan.objects.filter(project=project, returned_at__isnull=True)
        .select_related("key", "lent_by")
        .order_by("due_back", "id")
    )


def key_loans_recent(project, limit: int = 30) -> list[KeyLoan]:
    return list(
        KeyLoan.objects.filter(project=project, returned_at__isnull=False)
        .select_related("key", "lent_by", "returned_to")
        .order_by("-returned_at", "-id")[:limit]
    )


def counted_things(project) -> list[CountedThing]:
    return list(CountedThing.objects.filter(project=project, active=True).order_by("order", "id"))


# ------------------------------------------------------------------ handovers


def handovers(project) -> QuerySet[Handover]:
    return Handover.objects.filter(project=project).select_related("outgoing", "incoming", "shift")


def handover_detail(user, pk: int) -> Handover:
    """The handover, if the user may see its project; DoesNotExist otherwise."""
    return (
        Handover.objects.filter(pk=pk, project_id__in=user.project_ids())
        .select_related("project", "outgoing", "incoming", "shift")
        .get()
    )


def handover_items(handover) -> list[HandoverItem]:
    return list(handover.items.order_by("order", "id"))


def item_summary(handover) -> dict:
    from django.db.models import Count

    counts = dict(handover.items.values_list("answer").annotate(n=Count("id")).values_list("answer", "n"))
    return {
        "pending": counts.get(ItemAnswer.PENDING, 0),
        "acknowledged": counts.get(ItemAnswer.ACKNOWLEDGED, 0),
        "refused": counts.get(ItemAnswer.REFUSED, 0),
    }


def my_open_handovers(user, project) -> list[Handover]:
    return list(
        handovers(project)
        .filter(Q(outgoing=user) | Q(incoming=user), state__in=OPEN_HANDOVER_STATES)
        .order_by("-started_at")
    )


def refused_items(project, days: int = 7, limit: int = 20) -> list[HandoverItem]:
    """Items an incoming person refused recently: they stay visible until a supervisor has seen them."""
    since = timezone.now() - timedelta(days=days)
    return list(
        HandoverItem.objects.filter(handover__project=project, answer=ItemAnswer.REFUSED, answered_at__gte=since)
        .select_related("handover__outgoing", "handover__incoming")
        .order_by("-answered_at")[:limit]
    )


# ------------------------------------------------------------------ the API's lists (every project of the user)


def visible_log_entries(user) -> QuerySet[LogEntry]:
    """The duty log of every project the user may see the duty pages of (duty/rules.py may_view)."""
    if not rules.may_view(user):
        return LogEntry.objects.none()
    return LogEntry.objects.filter(project_id__in=user.project_ids()).select_related("author")


def visible_assignments(user) -> QuerySet[Assignment]:
    """The roster of every project the user may see the duty pages of."""
    if not rules.may_view(user):
        return Assignment.objects.none()
    return Assignment.objects.filter(project_id__in=user.project_ids()).select_related("shift", "user")


def visible_key_loans(user) -> QuerySet[KeyLoan]:
    """Key loans of every project the user may see the duty pages of."""
    if not rules.may_view(user):
        return KeyLoan.objects.none()
    return KeyLoan.objects.filter(project_id__in=user.project_ids()).select_related("key")


def visible_swaps(user) -> QuerySet[SwapRequest]:
    """Swap requests of every project the user may see the duty pages of."""
    if not rules.may_view(user):
        return SwapRequest.objects.none()
    return SwapRequest.objects.filter(assignment__project_id__in=user.project_ids()).select_related("assignment__shift")


def visible_handovers(user) -> QuerySet[Handover]:
    """Handovers of every project the user may see the duty pages of."""
    if not rules.may_view(user):
        return Handover.objects.none()
    return Handover.objects.filter(project_id__in=user.project_ids()).select_related("outgoing", "incoming")
