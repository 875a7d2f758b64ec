"""What residents are told by the front desk (core.notify events; texts: core.NotificationTemplate
rows): a parcel waiting for them, a visitor at the gate."""

from django.urls import reverse
from django.utils import timezone

from core.notify import notify_event


def tell_parcel_arrived(parcel) -> int:
    """The room's occupants with accounts, told what arrived, where and its code; returns how many
    people were told."""
    from frontdesk.choices import ParcelKind
    from frontdesk.services._common import _occupant_users  # the services import this module

    people = list(_occupant_users(parcel.room_id))
    context = {
        "room": parcel.room.code,
        "kind": parcel.get_kind_display(),
        "carrier": parcel.carrier,
        "shelf": parcel.shelf,
        "code": parcel.pickup_code,
        "important": parcel.kind == ParcelKind.IMPORTANT,
        "due": f"{timezone.localtime(parcel.due_at):%H:%M}" if parcel.due_at else "",
    }
    notify_event(people, "parcel_arrived", context, url=reverse("portal:parcels"))
    return len(people)


def tell_visitor_arrived(visit) -> int:
    from frontdesk.services._common import _occupant_users  # the services import this module

    context = {"visitor": visit.name, "room": visit.room.code, "gate": visit.project.name if visit.project_id else ""}
    people = list(_occupant_users(visit.room_id))
    return notify_event(people, "visitor_at_gate", context, url=reverse("portal:visitors"))
