"""Reads of renovations shared by pages, the timeline and the reminders. Scoping lives here."""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from core.choices import Role
from renovation.choices import State
from renovation.models import Inspection, Renovation, RenovationEvent, Violation, Worker, WorkerPass


def visible_renovations(user) -> QuerySet[Renovation]:
    qs = Renovation.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    if user.role == Role.RESIDENT:
        from django.db.models import Q

        from estate.selectors import resident_records

        # their occupancy period's renovations of their rooms, and those they applied for or own
        return resident_records(
            qs,
            user,
            at="created_at",
            own=lambda scope: Q(owner_id=scope.resident_id or 0) | Q(submitted_by=user),
        )
    return qs.filter(project_id__in=user.project_ids())


def list_queryset(qs: QuerySet[Renovation]) -> QuerySet[Renovation]:
    return qs.select_related("project", "room").defer("scope", "review_note")


def filtered(user, *, project_id=None, state=None, overdue=False, q="") -> QuerySet[Renovation]:
    qs = visible_renovations(user)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if state:
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.filter(state=State.SUBMITTED, review_due_at__lt=timezone.now())
    q = (q or "").strip()
    if q:
        from estate.selectors import room_code_from_text

        code = room_code_from_text(q)
        qs = qs.filter(number=q) | qs.filter(room__code__startswith=code) if code else qs.filter(number=q)
    return qs


def renovation_detail(user, pk: int) -> Renovation:
    """The renovation with what its page needs; DoesNotExist when the user may not see it."""
    return (
        visible_renovations(user)
        .select_related("project", "room__building", "owner", "submitted_by", "reviewed_by", "permit_issued_by")
        .get(pk=pk)
    )


def timeline(renovation: Renovation) -> list[RenovationEvent]:
    return list(RenovationEvent.objects.filter(renovation=renovation).select_related("actor"))


def workers_with_passes(renovation: Renovation) -> list[Worker]:
    passes = WorkerPass.objects.order_by("-issued_at", "-id")
    return list(Worker.objects.filter(renovation=renovation).prefetch_related(Prefetch("passes", queryset=passes)))


def inspections(renovation: Renovation) -> list[Inspection]:
    violations = Violation.objects.select_related("request", "rectified_by").prefetch_related("photos")
    return list(
        Inspection.objects.filter(renovation=renovation)
        .select_related("inspector")
        .prefetch_related(Prefetch("violations", queryset=violations))
        .order_by("-inspected_on", "-id")
    )


def open_violations(renovation: Renovation) -> QuerySet[Violation]:
    return Violation.objects.filter(renovation=renovation, rectified_at__isnull=True)


def reviews_overdue(now=None) -> QuerySet[Renovation]:
    return Renovation.objects.filter(state=State.SUBMITTED, review_due_at__lt=now or timezone.now())
