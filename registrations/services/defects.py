"""Defects found at a move-in or a handover acceptance, and their hand-off as a repair request."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ActionRefused
from registrations.models import Defect
from registrations.services._common import Errors, _event, _may, _text
from registrations.services.handover import _open_handover
from registrations.services.movein import _open_movein


@transaction.atomic
def defect_add(*, actor, movein=None, handover=None, location: str, description: str) -> Defect:
    if (movein is None) == (handover is None):
        raise ValueError("a defect belongs to a move-in or a handover")
    record = _open_movein(actor, movein) if movein else _open_handover(actor, handover)
    errors = Errors()
    location = _text(location, "location", errors, required_msg=_("请填写部位。"), limit=100)
    description = _text(description, "description", errors, required_msg=_("请填写缺陷描述。"), limit=300)
    errors.raise_if_any()
    defect = Defect.objects.create(
        movein=record if movein else None,
        handover=record if handover else None,
        location=location,
        description=description,
        created_by=actor,
    )
    _event(
        record,
        actor,
        "defect",
        _("记录缺陷：%(location)s %(description)s") % {"location": location, "description": description},
    )
    return defect


@transaction.atomic
def defect_to_repair(*, actor, defect: Defect):
    """Turn a defect into a repair request (free: the developer's warranty), linked back."""
    from desk.choices import Channel, Kind
    from desk.services import Intake, request_register

    record = defect.movein or defect.handover
    _may(actor, record.project_id)
    defect = Defect.objects.select_for_update().get(pk=defect.pk)
    if defect.request_id:
        raise ActionRefused(_("这个缺陷已转为报修工单 %(number)s。") % {"number": defect.request.number})
    if defect.movein_id:
        movein = defect.movein
        data = Intake(
            project_id=movein.project_id,
            kind=Kind.REPAIR,
            channel=Channel.WALK_IN,  # found with the owner at the inspection
            title=(_("收楼验房：%(location)s") % {"location": defect.location})[:200],
            description=defect.description,
            paid=False,
            room_id=movein.room_id,
            resident_id=movein.resident_id,
            caller_name=movein.person_name,
            caller_phone=movein.person_phone,
        )
    else:
        handover = defect.handover
        place = f"{handover.building} {defect.location}" if handover.building_id else defect.location
        data = Intake(
            project_id=handover.project_id,
            kind=Kind.REPAIR,
            channel=Channel.PATROL,  # found by our own staff at the acceptance
            title=(_("接管验收：%(location)s") % {"location": defect.location})[:200],
            description=defect.description,
            paid=False,
            location=place[:200],
        )
    sr = request_register(actor=actor, data=data)
    defect.request = sr
    defect.save(update_fields=["request"])
    _event(
        record,
        actor,
        "repair",
        _("缺陷转报修：%(location)s → 工单 %(number)s") % {"location": defect.location, "number": sr.number},
    )
    return sr
