"""The renovation's entries on the household page (一户一档): one query per call."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from estate.timeline import TimelineEntry, timeline_source
from renovation.choices import Action, State
from renovation.models import RenovationEvent
from renovation.selectors import visible_renovations


@timeline_source("renovation", _("装修"), order=40)
def renovation_entries(*, room, user, limit):
    events = (
        RenovationEvent.objects.filter(renovation__in=visible_renovations(user).filter(room=room))
        .select_related("actor", "renovation")
        .order_by("-at", "-id")[:limit]
    )
    entries = []
    for e in events:
        title = f"{Action(e.action).label} · {e.renovation.number}"
        entries.append(
            TimelineEntry(
                at=e.at,
                source="renovation",
                title=title,
                detail=e.note[:200],
                url=reverse("renovation:detail", args=[e.renovation_id]),
                state=str(State(e.to_state).label),
                actor=e.actor.name if e.actor_id else "",
            )
        )
    return entries
