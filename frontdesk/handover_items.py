"""What the front desk hands over at a change of shift: parcels waiting, visitors on site, goods
passes issued for today and not yet used. One bounded query each."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duty.registry import OpenItem, open_item_kind
from frontdesk.choices import ParcelKind, ParcelState, PassState, VisitState
from frontdesk.models import GoodsPass, Parcel, Visit

# A handover carries over EVERY open item: no cap. Labels are translated once per call, not per row.


@open_item_kind("parcels", gettext_lazy("待领快递"), order=30)
def parcels_waiting(*, project, user, at):
    rows = (
        Parcel.objects.filter(project=project, state=ParcelState.WAITING, arrived_at__lte=at)
        .select_related("room")
        .only("id", "kind", "tracking_number", "carrier", "shelf", "arrived_at", "due_at", "room__code")
        .order_by("arrived_at", "id")
    )
    url = reverse("frontdesk:parcels")
    kinds = {value: str(label) for value, label in ParcelKind.choices}
    shelf = _("货架 %(s)s")
    return [
        OpenItem(
            key=f"parcel:{p.pk}",
            title=f"{p.room.code} · {kinds.get(p.kind, p.kind)}",
            detail=" ".join(x for x in (p.carrier, p.tracking_number, p.shelf and shelf % {"s": p.shelf}) if x),
            url=url,
            since=p.arrived_at,
            extra={"due_at": p.due_at.isoformat() if p.due_at else ""},
        )
        for p in rows
    ]


@open_item_kind("visitors", gettext_lazy("在访访客"), order=31)
def visitors_on_site(*, project, user, at):
    rows = (
        Visit.objects.filter(project=project, state=VisitState.ON_SITE, time_in__lte=at)
        .select_related("room")
        .only("id", "name", "people", "purpose", "time_in", "room__code")
        .order_by("time_in", "id")
    )
    url = reverse("frontdesk:visitors")
    people = _("%(n)s 人 · %(purpose)s")
    return [
        OpenItem(
            key=f"visit:{v.pk}",
            title=f"{v.name} → {v.room.code}",
            detail=people % {"n": v.people, "purpose": v.purpose},
            url=url,
            since=v.time_in,
        )
        for v in rows
    ]


@open_item_kind("goods_passes", gettext_lazy("今日未用放行单"), order=32)
def goods_passes_open(*, project, user, at):
    day = timezone.localdate(at)
    rows = (
        GoodsPass.objects.filter(
            project=project, valid_on=day, state__in=[PassState.AWAITING_OWNER, PassState.AUTHORISED]
        )
        .select_related("room")
        .only("id", "code", "state", "carrier_name", "created_at", "room__code")
        .order_by("created_at", "id")
    )
    url = reverse("frontdesk:passes")
    states = {value: str(label) for value, label in PassState.choices}
    carrier = _("搬运人 %(name)s")
    return [
        OpenItem(
            key=f"goods_pass:{g.pk}",
            title=f"{g.room.code} · {states.get(g.state, g.state)}",
            detail=carrier % {"name": g.carrier_name},
            url=url,
            since=g.created_at,
        )
        for g in rows
    ]
