"""Reads of the registrations, scoped to the user: staff of the project see its records; a resident
sees the move-ins, leases and transfers of the rooms they live in now, from the day they began to
live there (or about themselves); anyone else sees nothing."""

from django.db.models import Q, QuerySet

from core.choices import Role
from estate.selectors import resident_records
from registrations import rules
from registrations.models import Defect, Event, Handover, Lease, MoveIn, Transfer

ROOM_MODELS = (MoveIn, Lease, Transfer)


def visible(model, user) -> QuerySet:
    if not user.is_authenticated:
        return model.objects.none()
    if user.is_superuser:
        return model.objects.all()
    if user.role == Role.RESIDENT:
        if model not in ROOM_MODELS:
            return model.objects.none()
        # their occupancy period's records of their rooms, and those about them
        return resident_records(
            model.objects.all(), user, at="created_at", own=lambda scope: Q(resident_id=scope.resident_id or 0)
        )
    if not rules.may_use(user):
        return model.objects.none()
    return model.objects.filter(project_id__in=user.project_ids())


def visible_moveins(user) -> QuerySet[MoveIn]:
    return visible(MoveIn, user)


def visible_leases(user) -> QuerySet[Lease]:
    return visible(Lease, user)


def visible_transfers(user) -> QuerySet[Transfer]:
    return visible(Transfer, user)


def visible_handovers(user) -> QuerySet[Handover]:
    return visible(Handover, user)


def list_queryset(model, ids):
    """The rows of one list page with what the list shows, in a fixed number of queries."""
    qs = model.objects.filter(pk__in=ids).select_related("project", "created_by")
    if model is Handover:
        return qs.select_related("building")
    return qs.select_related("room")


def history(record) -> list[Event]:
    return list(
        Event.objects.filter(kind=record.KIND, record_id=record.pk).select_related("actor").order_by("at", "id")
    )


def detail(model, user, pk):
    """One record the user may see, with its children; DoesNotExist when it is not theirs."""
    qs = visible(model, user).select_related("project", "created_by")
    if model is MoveIn:
        qs = qs.select_related("room", "resident", "completed_by", "fees_noted_by", "rules_signed_by", "inspected_by")
        qs = qs.prefetch_related("checks__checked_by", "keys__handed_by", "defects__request", "defects__created_by")
    elif model is Lease:
        qs = qs.select_related("room", "resident", "confirm_recorded_by")
    elif model is Transfer:
        qs = qs.select_related("room", "resident", "completed_by", "meters_read_by").prefetch_related(
            "items__settled_by"
        )
    else:
        qs = qs.select_related("building", "signed_by").prefetch_related(
            "items__recorded_by", "defects__request", "defects__created_by"
        )
    return qs.get(pk=pk)


def defect_of(record, pk) -> Defect | None:
    """A defect of this move-in or handover by its id, or None when it is not one of its own."""
    parent = {"movein": record} if isinstance(record, MoveIn) else {"handover": record}
    return Defect.objects.filter(pk=pk, **parent).select_related("movein", "handover", "request").first()
