"""The registrations' sources for the household timeline: the room's move-ins, leases and
transfers, one query each. (A handover acceptance concerns a building or a project, not a room:
it is not on a household's timeline.)"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from estate.timeline import TimelineEntry, timeline_source
from registrations import selectors
from registrations.choices import STATE_COLOUR


def _entries(qs, *, room, limit, source, slug, title, detail):
    rows = qs.filter(room_id=room.pk).select_related("created_by").order_by("-created_at", "-id")[:limit]
    return [
        TimelineEntry(
            at=r.created_at,
            source=source,
            title=title(r),
            detail=detail(r),
            url=reverse("registrations:detail", args=[slug, r.pk]),
            state=str(r.get_state_display()),
            actor=r.created_by.name,
            extra={"colour": STATE_COLOUR.get(r.state, "secondary")},
        )
        for r in rows
    ]


@timeline_source("movein", gettext_lazy("收楼入住"), order=30)
def movein_entries(*, room, user, limit):
    return _entries(
        selectors.visible_moveins(user),
        room=room,
        limit=limit,
        source="movein",
        slug="moveins",
        title=lambda r: _("入住登记 %(number)s：%(name)s") % {"number": r.number, "name": r.person_name},
        detail=lambda r: _("入住日期 %(day)s") % {"day": r.move_in_on},
    )


@timeline_source("lease", gettext_lazy("出租登记"), order=32)
def lease_entries(*, room, user, limit):
    return _entries(
        selectors.visible_leases(user),
        room=room,
        limit=limit,
        source="lease",
        slug="leases",
        title=lambda r: _("出租登记 %(number)s：租户 %(name)s") % {"number": r.number, "name": r.tenant_name},
        detail=lambda r: _("租期 %(start)s 至 %(end)s") % {"start": r.start, "end": r.end},
    )


@timeline_source("transfer", gettext_lazy("过户"), order=34)
def transfer_entries(*, room, user, limit):
    return _entries(
        selectors.visible_transfers(user),
        room=room,
        limit=limit,
        source="transfer",
        slug="transfers",
        title=lambda r: (
            _("过户 %(number)s：%(old)s → %(new)s")
            % {"number": r.number, "old": r.old_owners or "—", "new": r.new_owner_name}
        ),
        detail=lambda r: _("过户日期 %(day)s") % {"day": r.effective_on},
    )
