"""Reads shared by pages, the API and exports. Scoping lives here: a query that does not go
through `visible_requests` can leak another project's work."""

from django.db.models import Q, QuerySet

from core.choices import DESK_ROLES, DepartmentKind, Role
from core.models import Department, User
from desk.choices import OPEN_STATES, VISIT_STATES, WORK_STATES, State
from desk.models import RequestEvent, ServiceRequest
from desk.rules import TAKES_WORK_ROLES
from estate.selectors import resident_records


def visible_requests(user) -> QuerySet[ServiceRequest]:
    qs = ServiceRequest.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    if user.role == Role.RESIDENT:
        # their occupancy period's requests on their rooms, and those about them or registered by them
        return resident_records(
            qs, user, at="created_at", own=lambda scope: Q(resident_id=scope.resident_id or 0) | Q(receiver=user)
        )
    projects = user.project_ids()
    qs = qs.filter(project_id__in=projects)
    if user.role == Role.WORKER:
        return qs.filter(
            Q(assignee=user) | Q(implementer=user) | Q(assignee__isnull=True, department_id=user.department_id or -1)
        )
    if user.role == Role.DEPT_LEAD:
        return qs.filter(Q(department_id=user.department_id or -1) | Q(assignee=user) | Q(implementer=user))
    return qs


def list_queryset(qs: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """What a list row shows, fetched in one query."""
    return qs.select_related("project", "room", "category", "department", "assignee", "receiver").defer(
        "search_grams", "description", "result", "reply", "visit_comment"
    )


def request_detail(user, pk: int) -> ServiceRequest:
    """The request with everything its page needs; DoesNotExist when the user may not see it."""
    return (
        visible_requests(user)
        .select_related(
            "project",
            "room__building",
            "room__unit",
            "resident",
            "related_room",
            "category",
            "department",
            "assignee",
            "receiver",
            "implementer",
        )
        .defer("search_grams")
        .get(pk=pk)
    )


def request_timeline(request: ServiceRequest) -> list[RequestEvent]:
    return list(RequestEvent.objects.filter(request=request).select_related("actor").prefetch_related("attachments"))


def household_recent(user, *, room_id: int, exclude_pk: int | None = None, limit: int = 5):
    qs = visible_requests(user).filter(room_id=room_id)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(
        qs.only("id", "number", "title", "state", "kind", "created_at", "project_id").order_by("-created_at", "-id")[
            :limit
        ]
    )


def assignable_people(project, department=None) -> QuerySet[User]:
    """Who may be sent work in `project` (of `department` when given): `rules.may_be_assigned` as
    a query. The dispatch form, the API and the service all ask this one rule."""
    project_id = getattr(project, "pk", project)
    qs = User.objects.filter(is_active=True, projects=project_id, department__project_id=project_id).filter(
        Q(role__in=TAKES_WORK_ROLES) | Q(role__in=DESK_ROLES, department__kind=DepartmentKind.CUSTOMER_SERVICE)
    )
    if department is not None:
        qs = qs.filter(department_id=getattr(department, "pk", department))
    return qs


def assignable_departments(project) -> QuerySet[Department]:
    """The project's departments with somebody who may take their work (`assignable_people`)."""
    project_id = getattr(project, "pk", project)
    return Department.objects.filter(
        project_id=project_id, pk__in=assignable_people(project_id).values("department_id")
    )


def my_jobs_filter(user) -> Q:
    """Sent to this person, or to their department with nobody named yet when they may take its
    work (rules.may_be_assigned: the desk's people in the desk's department)."""
    mine = Q(assignee=user)
    if user.department_id and user.role in TAKES_WORK_ROLES:
        mine |= Q(assignee__isnull=True, department_id=user.department_id)
    elif user.department_id and user.role in DESK_ROLES:
        mine |= Q(
            assignee__isnull=True,
            department_id=user.department_id,
            department__kind=DepartmentKind.CUSTOMER_SERVICE,
        )
    return mine


def my_jobs(user) -> QuerySet[ServiceRequest]:
    """Work waiting for this person (`my_jobs_filter`) that is still to be done."""
    return list_queryset(visible_requests(user)).filter(my_jobs_filter(user), state__in=WORK_STATES)


def desk_queues(user, limit: int = 10) -> dict[str, list[ServiceRequest]]:
    """'My desk': what is waiting for me, what I registered and follow, what awaits dispatch."""
    base = list_queryset(visible_requests(user)).order_by("-created_at", "-id")
    queues = {"waiting": list(my_jobs(user).order_by("-created_at", "-id")[:limit])}
    if user.is_desk or user.is_supervising or user.is_superuser:
        queues["following"] = list(base.filter(receiver=user, state__in=OPEN_STATES)[:limit])
        queues["to_dispatch"] = list(base.filter(state=State.REGISTERED)[:limit])
        queues["to_visit"] = list(base.filter(state__in=VISIT_STATES, needs_return_visit=True)[:limit])
    return queues


def phrases(company_id: int, situation: str = "", q: str = "", limit: int | None = None) -> list:
    """The active standard phrases of a company, for one situation (all when empty), matching a
    search term in the title, the text or the keywords (every word of the term must match)."""
    from desk.models import Phrase

    qs = Phrase.objects.filter(company_id=company_id, active=True)
    if situation:
        qs = qs.filter(situation=situation)
    for word in (q or "").replace("，", " ").replace(",", " ").split()[:5]:
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word) | Q(keywords__icontains=word))
    qs = qs.order_by("situation", "order", "id") if not situation else qs.order_by("order", "id")
    return list(qs[:limit] if limit else qs)


def return_visits_due(user) -> QuerySet[ServiceRequest]:
    """Requests waiting for their return visit, the most urgent first."""
    return list_queryset(visible_requests(user)).filter(state__in=VISIT_STATES, needs_return_visit=True)
