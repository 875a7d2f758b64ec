"""What residents are told about their requests (dispatched, someone on the way, resolved): the
one-line calls in desk/services/ land here; the texts are core.NotificationTemplate rows and the
channels each resident's preferences (core/notify.py notify_event)."""

from django.urls import reverse

from core.models import User
from core.notify import notify_event
from estate.models import Occupancy


def residents_of(request) -> list:
    """The request's own resident when they have an account, else the room's current occupants'."""
    resident = request.resident
    if resident is not None and resident.user_id:
        return [resident.user]
    if request.room_id is None:
        return []
    current = Occupancy.objects.current().filter(room_id=request.room_id, resident__user__isnull=False)
    return list(User.objects.filter(is_active=True, pk__in=current.values("resident__user_id")))


def tell_residents(request, event: str) -> int:
    context = {
        "number": request.number,
        "title": request.title,
        "department": request.department.name if request.department_id else "",
        "worker": str(request.assignee) if request.assignee_id else "",
        "room": request.room.code if request.room_id else "",
    }
    return notify_event(residents_of(request), event, context, url=reverse("portal:request", args=[request.pk]))
