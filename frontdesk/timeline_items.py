"""The household timeline's entries from the front desk: parcels, visitors, goods passes."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from estate.timeline import TimelineEntry, timeline_source
from frontdesk import rules, selectors


@timeline_source("parcels", gettext_lazy("快递信件"), order=50)
def parcel_entries(*, room, user, limit):
    staff = rules.is_front(user)  # the parcel page is the desk's; residents see their phone page
    rows = selectors.visible_parcels(user).filter(room=room).order_by("-arrived_at", "-id")[:limit]
    return [
        TimelineEntry(
            at=p.arrived_at,
            source="parcels",
            title=_("%(kind)s到件") % {"kind": p.get_kind_display()},
            detail=" ".join(x for x in (p.carrier, p.tracking_number, p.collector_name) if x),
            url=reverse("frontdesk:parcel", args=[p.pk]) if staff else "",
            state=p.get_state_display(),
        )
        for p in rows
    ]


@timeline_source("visitors", gettext_lazy("访客"), order=51)
def visit_entries(*, room, user, limit):
    rows = selectors.visible_visits(user).filter(room=room).order_by("-created_at", "-id")[:limit]
    return [
        TimelineEntry(
            at=v.created_at,
            source="visitors",
            title=_("访客 %(name)s") % {"name": v.name or _("（已清除）")},
            detail=v.purpose,
            state=v.get_state_display(),
        )
        for v in rows
    ]


@timeline_source("goods_passes", gettext_lazy("物品放行"), order=52)
def goods_pass_entries(*, room, user, limit):
    rows = selectors.visible_goods_passes(user).filter(room=room).order_by("-created_at", "-id")[:limit]
    return [
        TimelineEntry(
            at=g.created_at,
            source="goods_passes",
            title=_("物品放行单（%(day)s）") % {"day": g.valid_on},
            detail=_("申请人 %(name)s") % {"name": g.applicant_name},
            url=reverse("frontdesk:pass", args=[g.pk]),
            state=g.get_state_display(),
        )
        for g in rows
    ]
