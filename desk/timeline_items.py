"""The desk's source for the household timeline: the requests that concern the room without being
registered from it (the flat upstairs a leak is blamed on: ServiceRequest.related_room). The
requests registered from the room are the estate's "requests" source (estate/timeline_items.py)."""

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from estate.timeline import TimelineEntry, timeline_source

_PK = 987654321  # a placeholder: one reverse() per call, not one per entry


@timeline_source("related", _("涉及本户的工单"), order=15)
def related_request_entries(*, room, user, limit):
    from desk.choices import Kind, State
    from desk.models import ServiceRequest
    from desk.selectors import visible_requests

    rows = (
        visible_requests(user)
        .filter(related_room_id=room.pk)
        .order_by("-created_at", "-id")
        .values_list("id", "number", "title", "kind", "state", "created_at", "room__code", "location")[:limit]
    )
    kinds = {value: str(label) for value, label in Kind.choices}
    states = {value: str(label) for value, label in State.choices}
    colours = {value: ServiceRequest(state=value).state_colour for value in states}
    url = reverse("desk:detail", args=[_PK])
    return [
        TimelineEntry(
            at=created_at,
            source="related",
            title=f"{number} {title}",
            detail=gettext("%(kind)s · %(room)s 登记") % {"kind": kinds.get(kind, kind), "room": code or location},
            url=url.replace(str(_PK), str(pk)),
            state=states.get(state, ""),
            extra={"colour": colours.get(state, "secondary")},
        )
        for pk, number, title, kind, state, created_at, code, location in rows
    ]
