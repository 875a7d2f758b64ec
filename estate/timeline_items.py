"""The estate's sources for the household timeline: the room's service requests and staff notes."""

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from estate.timeline import TimelineEntry, timeline_source

_PK = 987654321  # a placeholder: one reverse() per call, not one per entry


@timeline_source("requests", _("工单"), order=10)
def request_entries(*, room, user, limit):
    from desk.choices import Kind, State
    from desk.models import ServiceRequest
    from desk.selectors import visible_requests

    rows = (
        visible_requests(user)
        .filter(room_id=room.pk)
        .order_by("-created_at", "-id")
        .values_list("id", "number", "title", "kind", "state", "created_at", "related_room__code")[:limit]
    )
    kinds = {value: str(label) for value, label in Kind.choices}
    states = {value: str(label) for value, label in State.choices}
    colours = {value: ServiceRequest(state=value).state_colour for value in states}
    url = reverse("desk:detail", args=[_PK])
    return [
        TimelineEntry(
            at=created_at,
            source="requests",
            title=f"{number} {title}",
            detail=kinds.get(kind, kind)
            if not related
            else gettext("%(kind)s · 涉及 %(room)s") % {"kind": kinds.get(kind, kind), "room": related},
            url=url.replace(str(_PK), str(pk)),
            state=states.get(state, ""),
            extra={"colour": colours.get(state, "secondary")},
        )
        for pk, number, title, kind, state, created_at, related in rows
    ]


@timeline_source("notes", _("户档备注"), order=90)
def note_entries(*, room, user, limit):
    from estate.models import HouseholdNote

    if not user.is_authenticated or user.is_resident:
        return []
    rows = (
        HouseholdNote.objects.filter(room_id=room.pk)
        .order_by("-created_at", "-id")
        .values_list("text", "created_at", "author__display_name", "author__username")[:limit]
    )
    return [
        TimelineEntry(at=at, source="notes", title=text, actor=display or username)
        for text, at, display, username in rows
    ]


# the household file's own changes, as its services record them (core.audit): people joining and
# leaving, vehicles and pets registered and ended, whether by the desk or by the owner in the app
_CHANGE_TITLES = {
    ("estate.Occupancy", "create"): _("登记住户"),
    ("estate.Occupancy", "end"): _("住户迁出"),
    ("estate.Vehicle", "create"): _("登记车辆"),
    ("estate.Vehicle", "end"): _("车辆注销"),
    ("estate.Pet", "create"): _("登记宠物"),
    ("estate.Pet", "end"): _("宠物迁出"),
}


@timeline_source("household", _("住户、车辆、宠物"), order=20)
def household_change_entries(*, room, user, limit):
    """Who joined or left the household and which vehicles and pets were registered or ended, with
    who did it (the desk or the owner from the app): the change log of the room's records, one query
    (the records' ids as subqueries on the (object_type, object_id) index). Staff only, as the
    household file is (residents see their household in the app)."""
    from django.db.models import CharField, Q
    from django.db.models.functions import Cast

    from core.models import AuditEntry
    from estate.models import Occupancy, Pet, Vehicle

    if not user.is_authenticated or user.is_resident:
        return []

    def ids(model):
        return model.objects.filter(room_id=room.pk).annotate(key=Cast("pk", CharField())).values("key")

    q = Q()
    for model in (Occupancy, Vehicle, Pet):
        q |= Q(object_type=model._meta.label, object_id__in=ids(model))
    rows = (
        AuditEntry.objects.filter(q, action__in=["create", "end"])
        .order_by("-at", "-id")
        .values_list("at", "object_type", "action", "object_repr", "actor__display_name", "actor__username")[:limit]
    )
    return [
        TimelineEntry(
            at=at,
            source="household",
            title=f"{_CHANGE_TITLES.get((kind, action), action)}：{what}",
            actor=display or username or "",
        )
        for at, kind, action, what, display, username in rows
    ]
