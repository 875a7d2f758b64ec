"""Reads of the front desk, scoped to the user: staff of the front see their projects, residents
their own rooms, everyone else nothing."""

from datetime import timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core.models import Project
from estate.selectors import resident_records
from frontdesk import rules
from frontdesk.choices import ParcelState, PassState, VisitState
from frontdesk.models import ContractorPass, FrontdeskSettings, GoodsPass, Parcel, Visit


def front_projects(user) -> QuerySet[Project]:
    if not rules.is_front(user):
        return Project.objects.none()
    return Project.objects.filter(pk__in=user.project_ids()).order_by("name")


def _scoped(qs: QuerySet, user, *, at: str, own=None) -> QuerySet:
    """Staff of the front: their projects. A resident: the records of their own occupancy period
    on their rooms (`at` dates a record), or their own (`own`, see estate.selectors.resident_records)."""
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_superuser:
        return qs
    if user.is_resident:
        return resident_records(qs, user, at=at, own=own)
    if rules.is_front(user):
        return qs.filter(project_id__in=user.project_ids())
    return qs.none()


def visible_parcels(user) -> QuerySet[Parcel]:
    return _scoped(Parcel.objects.all(), user, at="arrived_at")


def visible_visits(user) -> QuerySet[Visit]:
    return _scoped(Visit.objects.all(), user, at="created_at", own=lambda scope: Q(created_by=user))


def visible_goods_passes(user) -> QuerySet[GoodsPass]:
    return _scoped(
        GoodsPass.objects.all(),
        user,
        at="created_at",
        own=lambda scope: Q(applicant_user=user) | Q(created_by=user),
    )


def visible_contractor_passes(user) -> QuerySet[ContractorPass]:
    if not rules.is_front(user):
        return ContractorPass.objects.none()
    if user.is_superuser:
        return ContractorPass.objects.all()
    return ContractorPass.objects.filter(project_id__in=user.project_ids())


def room_waiting_parcels(user, room_id: int, limit: int = 50) -> list[Parcel]:
    """A room's waiting parcels, newest first: the partial index (room, -arrived_at) WHERE waiting."""
    qs = Parcel.objects.filter(room_id=room_id, state=ParcelState.WAITING).order_by("-arrived_at")
    if not user.is_superuser:
        if user.is_resident:
            qs = visible_parcels(user).filter(room_id=room_id, state=ParcelState.WAITING).order_by("-arrived_at")
        elif rules.is_front(user):
            qs = qs.filter(project_id__in=user.project_ids())
        else:
            return []
    return list(qs[:limit])


def waiting_parcels(user, project_ids, *, limit: int = 200) -> list[Parcel]:
    """The shelf: waiting parcels of the projects, important mail by due time first, then oldest."""
    qs = (
        visible_parcels(user)
        .filter(project_id__in=project_ids, state=ParcelState.WAITING)
        .select_related("room", "logged_by")
        .order_by(F("due_at").asc(nulls_last=True), "arrived_at", "id")
    )
    return list(qs[:limit])


def overdue_parcels(user, project: Project, *, limit: int = 200, now=None) -> tuple[list[Parcel], int]:
    """Waiting longer than the project's hold period (default 30 days), oldest first."""
    days = FrontdeskSettings.for_project(project.pk).hold_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    qs = (
        visible_parcels(user)
        .filter(project=project, state=ParcelState.WAITING, arrived_at__lt=cutoff)
        .select_related("room")
        .order_by("arrived_at", "id")
    )
    return list(qs[:limit]), days


def recent_parcels(user, project_ids, *, limit: int = 30) -> list[Parcel]:
    qs = (
        visible_parcels(user)
        .filter(project_id__in=project_ids)
        .exclude(state=ParcelState.WAITING)
        .select_related("room", "handed_by", "returned_by")
        .order_by("-arrived_at", "-id")
    )
    return list(qs[:limit])


def on_site_visits(user, project_ids, *, limit: int = 200) -> list[Visit]:
    qs = (
        visible_visits(user)
        .filter(project_id__in=project_ids, state=VisitState.ON_SITE)
        .select_related("room")
        .order_by("time_in", "id")
    )
    return list(qs[:limit])


def expected_visits(user, project_ids, *, limit: int = 100, now=None) -> list[Visit]:
    now = now or timezone.now()
    qs = (
        visible_visits(user)
        .filter(project_id__in=project_ids, state=VisitState.EXPECTED, code_expires_at__gte=now)
        .select_related("room")
        .order_by("expected_on", "created_at")
    )
    return list(qs[:limit])


def recent_visits(user, project_ids, *, limit: int = 30) -> list[Visit]:
    qs = (
        visible_visits(user)
        .filter(project_id__in=project_ids, state=VisitState.LEFT)
        .select_related("room")
        .order_by("-time_out", "-id")
    )
    return list(qs[:limit])


def current_contractor_passes(user, project_ids, *, now=None, limit: int = 100) -> list[ContractorPass]:
    now = now or timezone.now()
    qs = (
        visible_contractor_passes(user)
        .filter(project_id__in=project_ids, valid_to__gte=now, revoked_at__isnull=True)
        .prefetch_related("rooms")
        .order_by("valid_from", "id")
    )
    return list(qs[:limit])


def passes_for_day(user, project_ids, day, *, limit: int = 200) -> list[GoodsPass]:
    qs = (
        visible_goods_passes(user)
        .filter(project_id__in=project_ids, valid_on=day)
        .select_related("room")
        .prefetch_related("items")
        .order_by("state", "created_at")
    )
    return list(qs[:limit])


def awaiting_owner_passes(user, project_ids, *, limit: int = 100) -> list[GoodsPass]:
    qs = (
        visible_goods_passes(user)
        .filter(project_id__in=project_ids, state=PassState.AWAITING_OWNER, valid_on__gte=timezone.localdate())
        .select_related("room")
        .prefetch_related("items")
        .order_by("valid_on", "created_at")
    )
    return list(qs[:limit])


def pass_owners(goods_pass: GoodsPass) -> list:
    """The owners of the pass's room today (owners and co-owners, each once), whom the gate calls
    while a tenant's pass waits for the owner's confirmation."""
    from estate.choices import Relation
    from estate.models import Occupancy, Resident

    current = Occupancy.objects.current().filter(
        room_id=goods_pass.room_id, relation__in=(Relation.OWNER, Relation.CO_OWNER)
    )
    return list(Resident.objects.filter(pk__in=current.values("resident_id")).order_by("name", "pk"))


def week_bounds(year: int, week: int):
    from datetime import date

    start = date.fromisocalendar(year, week, 1)
    return start, start + timedelta(days=6)


def passes_for_week(user, project_ids, year: int, week: int, *, limit: int = 2000) -> list[GoodsPass]:
    """The weekly archive: every pass dated in that ISO week, with items and checks."""
    start, end = week_bounds(year, week)
    qs = (
        visible_goods_passes(user)
        .filter(project_id__in=project_ids, valid_on__range=(start, end))
        .select_related("room", "project", "released_by")
        .prefetch_related("items", "checks")
        .order_by("valid_on", "room__code", "id")
    )
    return list(qs[:limit])


PASS_APPLICANT_RELATIONS = ("owner", "co_owner", "family", "tenant")  # not an emergency contact


def pass_applicants(room_id) -> list:
    """Who may apply for a goods pass for the room: the people linked to it today (owners first),
    one row per person with their strongest link. The desk chooses one of them; the relation
    comes from this link, never from what the clerk says."""
    if not room_id:
        return []
    from estate.models import Occupancy

    order = {rel: i for i, rel in enumerate(PASS_APPLICANT_RELATIONS)}
    rows = (
        Occupancy.objects.current()
        .filter(room_id=room_id, relation__in=PASS_APPLICANT_RELATIONS)
        .select_related("resident")
        .order_by("id")
    )
    best: dict[int, object] = {}
    for occ in rows:
        held = best.get(occ.resident_id)
        if held is None or order[occ.relation] < order[held.relation]:
            best[occ.resident_id] = occ
    return sorted(best.values(), key=lambda o: (order[o.relation], o.resident.name, o.resident_id))


def resident_rooms(user):
    from estate.selectors import visible_rooms

    return list(visible_rooms(user).order_by("code")) if user.is_resident else []


def resident_home(user) -> dict:
    """What the resident's phone page shows: their rooms' waiting parcels, pre-registrations, passes."""
    now = timezone.now()
    return {
        "rooms": resident_rooms(user),
        "parcels": list(
            visible_parcels(user).filter(state=ParcelState.WAITING).select_related("room").order_by("-arrived_at")[:50]
        ),
        "visits": list(
            visible_visits(user)
            .filter(Q(state=VisitState.EXPECTED, code_expires_at__gte=now) | Q(state=VisitState.ON_SITE))
            .select_related("room")
            .order_by("-created_at")[:30]
        ),
        "passes": list(
            visible_goods_passes(user)
            .filter(valid_on__gte=timezone.localdate())
            .select_related("room")
            .prefetch_related("items")
            .order_by("valid_on", "-created_at")[:30]
        ),
    }
