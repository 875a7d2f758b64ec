"""Inspections, violations (rectified or handed to the desk as a request) and the final acceptance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionRefused, Conflict
from core.uploads import check_uploads
from estate.choices import RoomState
from estate.models import Room
from renovation.choices import Action, FileKind, InspectionResult, State
from renovation.models import Inspection, RenovationSettings, Violation, WorkerPass
from renovation.services._common import _allowed, _require, _save_files, _set_room_state, _transition


@dataclass
class ViolationInput:
    description: str
    photos: list = field(default_factory=list)


@transaction.atomic
def renovation_inspect(
    *, actor, renovation, inspected_on=None, result="", note="", violations=(), expected_version=None
) -> Inspection:
    _allowed(actor, renovation, Action.INSPECT)
    errors: dict[str, list] = {}
    inspected_on = inspected_on or timezone.localdate()
    if inspected_on > timezone.localdate():
        errors["inspected_on"] = [_("巡查日期不能晚于今天。")]
    elif renovation.permit_issued_at and inspected_on < timezone.localdate(renovation.permit_issued_at):
        errors["inspected_on"] = [_("巡查日期不能早于发证日期。")]
    violations = [v for v in violations or () if (v.description or "").strip() or v.photos]
    if result not in InspectionResult.values:
        errors["result"] = [_("请选择巡查结果。")]
    elif result == InspectionResult.VIOLATION and not violations:
        errors["violation"] = [_("发现违规时请写明违规内容。")]
    elif result == InspectionResult.PASSED and violations:
        errors["violation"] = [_("结果为合格时不能登记违规。")]
    photos = []
    for v in violations:
        if not (v.description or "").strip():
            errors.setdefault("violation", []).append(_("请写明违规内容。"))
        try:
            photos.append(check_uploads(v.photos, field="photos"))
        except ValidationError as exc:
            errors.setdefault("photos", []).extend(exc.message_dict["photos"])
    if errors:
        raise ValidationError(errors)
    inspection = Inspection.objects.create(
        renovation=renovation, inspected_on=inspected_on, inspector=actor, result=result, note=(note or "").strip()
    )
    saved = []
    for v, checked in zip(violations, photos, strict=True):
        violation = Violation.objects.create(
            renovation=renovation, inspection=inspection, description=v.description.strip()
        )
        _save_files(actor=actor, renovation=renovation, checked=checked, kind=FileKind.PHOTO, violation=violation)
        saved.append(violation)
    _transition(
        actor=actor,
        renovation=renovation,
        action=Action.INSPECT,
        note=inspection.note,
        data={
            "inspection": inspection.pk,
            "result": result,
            "violations": [v.description[:100] for v in saved],
            "on": str(inspected_on),
        },
        expected_version=expected_version,
    )
    return inspection


def _own_violation(renovation, violation) -> Violation:
    if violation is None or violation.renovation_id != renovation.pk:
        raise ValidationError({"violation": [_("没有找到这条违规记录。")]})
    return violation


@transaction.atomic
def renovation_rectify(*, actor, renovation, violation=None, note="", expected_version=None) -> Violation:
    """A violation put right, confirmed on site."""
    _allowed(actor, renovation, Action.RECTIFY)
    violation = _own_violation(renovation, violation)
    note = _require(note, _("请说明整改情况。"))
    now = timezone.now()
    if not Violation.objects.filter(pk=violation.pk, rectified_at__isnull=True).update(
        rectified_at=now, rectified_by=actor, rectify_note=note
    ):
        raise ActionRefused(_("这条违规已经确认整改了。"))
    violation.rectified_at, violation.rectified_by, violation.rectify_note = now, actor, note
    _transition(
        actor=actor,
        renovation=renovation,
        action=Action.RECTIFY,
        note=note,
        data={"violation": violation.pk, "description": violation.description[:100]},
        expected_version=expected_version,
    )
    return violation


@transaction.atomic
def renovation_violation_to_request(*, actor, renovation, violation=None, expected_version=None):
    """Hand a violation to the desk as a service request (e.g. damage to a shared pipe)."""
    from desk.choices import Channel, Kind
    from desk.models import Category
    from desk.services import Intake, request_register

    _allowed(actor, renovation, Action.TO_REQUEST)
    violation = _own_violation(renovation, violation)
    if violation.request_id:
        raise ActionRefused(_("这条违规已经转为工单了。"))
    if not violation.is_open:
        raise ActionRefused(_("这条违规已经整改，不必再转工单。"))
    category = Category.objects.filter(company__projects=renovation.project_id, code="renovation", active=True).first()
    sr = request_register(
        actor=actor,
        data=Intake(
            project_id=renovation.project_id,
            kind=Kind.COMPLAINT,
            channel=Channel.PATROL,
            title=(_("装修违规：%(text)s") % {"text": violation.description})[:200],
            description=_("装修申请 %(number)s 巡查发现：%(text)s")
            % {"number": renovation.number, "text": violation.description},
            category_id=category.pk if category else None,
            room_id=renovation.room_id,
            resident_id=renovation.owner_id,
        ),
    )
    if not Violation.objects.filter(pk=violation.pk, request__isnull=True).update(request=sr):
        raise Conflict(_("这条违规刚被其他人转为工单，请刷新后再试。"))
    violation.request = sr
    _transition(
        actor=actor,
        renovation=renovation,
        action=Action.TO_REQUEST,
        data={"violation": violation.pk, "request": sr.pk, "number": sr.number},
        expected_version=expected_version,
    )
    return sr


@transaction.atomic
def renovation_accept(*, actor, renovation, inspected_on=None, note="", expected_version=None) -> Inspection:
    """The final inspection passed: the room is back to occupied, the passes end, and the
    deposit's holding period starts."""
    _allowed(actor, renovation, Action.ACCEPT)
    open_count = Violation.objects.filter(renovation=renovation, rectified_at__isnull=True).count()
    if open_count:
        raise ActionRefused(_("还有 %(n)s 条违规未整改，不能竣工验收。") % {"n": open_count})
    today = timezone.localdate()
    inspected_on = inspected_on or today
    if inspected_on > today:
        raise ValidationError({"inspected_on": [_("验收日期不能晚于今天。")]})
    settings = RenovationSettings.for_project(renovation.project_id)
    now = timezone.now()
    inspection = Inspection.objects.create(
        renovation=renovation,
        inspected_on=inspected_on,
        inspector=actor,
        result=InspectionResult.PASSED,
        is_final=True,
        note=(note or "").strip(),
    )
    revoked = WorkerPass.objects.filter(worker__renovation=renovation, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor, revoke_reason=_("竣工验收，出入证收回。")
    )
    refund_due_on = inspected_on + timedelta(days=settings.holding_days)
    room = Room.objects.select_for_update().get(pk=renovation.room_id)
    _transition(
        actor=actor,
        renovation=renovation,
        action=Action.ACCEPT,
        to_state=State.ACCEPTED,
        note=inspection.note,
        changes={"accepted_at": now, "refund_due_on": refund_due_on},
        data={"inspection": inspection.pk, "passes_revoked": revoked, "refund_due_on": str(refund_due_on)},
        expected_version=expected_version,
    )
    _set_room_state(actor=actor, room=room, state=RoomState.OCCUPIED, renovation=renovation)
    return inspection
