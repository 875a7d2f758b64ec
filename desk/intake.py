"""The intake's own pieces beside `request_register` (desk/services.py): the related room's check,
and registering and dispatching in one step (登记并派单, Ctrl+Shift+Enter)."""

from django.db import transaction
from django.utils.translation import gettext as _

from desk.choices import State


def related_room_for(data, room, err):
    """The other household the intake names (`data.related_room_id`: the flat upstairs the leak
    comes from), when it is a room of the project other than the caller's; else `err` is told why
    and None is returned. One query, only when a related room is named."""
    from estate.models import Room

    if not data.related_room_id:
        return None
    related = Room.objects.filter(pk=data.related_room_id, project_id=data.project_id).first()
    if related is None:
        err("related_room", _("相关房屋不存在或不属于这个项目。"))
        return None
    if room is not None and related.pk == room.pk:
        err("related_room", _("相关房屋不能是来电的这一户。"))
        return None
    return related


@transaction.atomic
def request_register_dispatch(*, actor, data, department):
    """Register the request and dispatch it to `department` (the suggested one, or the clerk's
    choice) in one transaction: when the dispatch is refused (an invalid complaint, a department
    with nobody who may take the work), nothing is saved and the error says why. A company that
    dispatches on registration (DeskSettings.auto_dispatch) has dispatched it already."""
    from desk.services import request_dispatch, request_register

    sr = request_register(actor=actor, data=data)
    if sr.state == State.REGISTERED:
        event = request_dispatch(actor=actor, request=sr, department=department)
        sr.new_events.append(event)
    return sr
