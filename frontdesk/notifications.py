"""What residents are told by the front desk: a visitor at the gate (parcels already tell the
room's occupants in frontdesk/services/parcels.py). Texts: core.NotificationTemplate rows."""

from core.notify import notify_event


def tell_visitor_arrived(visit) -> int:
    from frontdesk.services._common import _occupant_users  # the services import this module

    context = {"visitor": visit.name, "room": visit.room.code, "gate": visit.project.name if visit.project_id else ""}
    return notify_event(list(_occupant_users(visit.room_id)), "visitor_at_gate", context)
