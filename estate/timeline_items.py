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
