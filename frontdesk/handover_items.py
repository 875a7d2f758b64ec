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
        .order_by("arrived_at", "id")
        .values_list("id", "kind", "tracking_number", "carrier", "shelf", "arrived_at", "due_at", "room__code")
    )
    url = reverse("frontdesk:parcels")
    kinds = {value: str(label) for value, label in ParcelKind.choices}
    shelf = _("货架 %(s)s")
    return [
        OpenItem(
            key=f"parcel:{pk}",
            title=f"{room} · {kinds.get(kind, kind)}",
            detail=" ".join(x for x in (carrier, tracking, shelf_no and shelf % {"s": shelf_no}) if x),
            url=url,
            since=arrived_at,
            extra={"due_at": due_at.isoformat() if due_at else ""},
        )
        for pk, kind, tracking, carrier, shelf_no, arrived_at, due_at, room in rows
    ]


@open_item_kind("visitors", gettext_lazy("在访访客"), order=31)
def visitors_on_site(*, project, user, at):
    rows = (
        Visit.objects.filter(project=project, state=VisitState.ON_SITE, time_in__lte=at)
        .order_by("time_in", "id")
        .values_list("id", "name", "people", "purpose", "time_in", "room__code")
    )
    url = reverse("frontdesk:visitors")
    people = _("%(n)s 人 · %(purpose)s")
    return [
        OpenItem(
            key=f"visit:{pk}",
            title=f"{name} → {room}",
            detail=people % {"n": count, "purpose": purpose},
            url=url,
            since=time_in,
        )
        for pk, name, count, purpose, time_in, room in rows
    ]


@open_item_kind("goods_passes", gettext_lazy("今日未用放行单"), order=32)
def goods_passes_open(*, project, user, at):
    day = timezone.localdate(at)
    rows = (
        GoodsPass.objects.filter(
            project=project, valid_on=day, state__in=[PassState.AWAITING_OWNER, PassState.AUTHORISED]
        )
        .order_by("created_at", "id")
        .values_list("id", "state", "carrier_name", "created_at", "room__code")
    )
    url = reverse("frontdesk:passes")
    states = {value: str(label) for value, label in PassState.choices}
    carrier = _("搬运人 %(name)s")
    return [
        OpenItem(
            key=f"goods_pass:{pk}",
            title=f"{room} · {states.get(state, state)}",
            detail=carrier % {"name": carrier_name},
            url=url,
            since=created_at,
        )
        for pk, state, carrier_name, created_at, room in rows
    ]
