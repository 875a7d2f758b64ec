"""The arrears side's source for the household timeline (一户一档): the room's dunning steps, with
who took them, what the room owed then and the resident's answer. Registered from billing/apps.py
(the cashier side keeps billing/timeline_items.py for its own entries). Staff who see accounts only."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.money import yuan
from billing.rules import may_view_ledger
from billing.selectors import dunning_history
from estate.timeline import TimelineEntry, timeline_source


@timeline_source("dunning", gettext_lazy("催缴"), order=55)
def dunning_entries(*, room, user, limit):
    if user.is_resident or not may_view_ledger(user, room.project_id):
        return []
    url = reverse("billing:arrears-room", args=[room.pk])
    return [
        TimelineEntry(
            at=step.at,
            source="dunning",
            title=_("%(kind)s：欠费 %(amount)s 元") % {"kind": step.get_kind_display(), "amount": yuan(step.owed_fen)},
            detail=step.answer,
            url=url,
            actor=step.by.name,
            extra={"colour": "warning"},
        )
        for step in dunning_history(room, limit=limit)
    ]
