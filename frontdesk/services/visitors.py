"""Visitors: walk-in, pre-registration with a code, admission, check-out, cancel, retention."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record, audit_refusal
from core.errors import ActionRefused
from estate.models import Room
from frontdesk import events, notifications, rules
from frontdesk.choices import AgreedVia, IdType, VisitState
from frontdesk.models import FrontdeskSettings, Visit
from frontdesk.services._common import (
    _check_front,
    _clean_text,
    _front_room,
    _id_number,
    _phone,
    _resident_relation,
    _save_with_code,
)


@dataclass
class WalkIn:
    room_id: int | None
    name: str
    purpose: str
    agreed_by: str
    agreed_via: str
    id_type: str = IdType.ID_CARD
    id_number: str = ""
    phone: str = ""
    people: int = 1


def visit_register(*, actor, data: WalkIn) -> Visit:
    """A walk-in visitor, admitted now, with the host's agreement recorded."""
    room = _front_room(actor, data.room_id)
    errors: dict[str, list[str]] = {}
    name = _clean_text(data.name, 50)
    if not name:
        errors["name"] = [_("请填写访客姓名。")]
    purpose = _clean_text(data.purpose, 100)
    if not purpose:
        errors["purpose"] = [_("请填写来访事由。")]
    if data.id_type and data.id_type not in IdType.values:
        errors["id_type"] = [_("证件类型无效。")]
    id_number = _id_number(data.id_type, data.id_number, "id_number", errors, required=True)
    phone = _phone(data.phone, "phone", errors)
    if not _clean_text(data.agreed_by, 50):
        errors["agreed_by"] = [_("请先征得被访户同意，并填写同意人。")]
    if data.agreed_via not in (AgreedVia.PHONE, AgreedVia.IN_PERSON, AgreedVia.APP):
        errors["agreed_via"] = [_("请选择确认方式。")]
    if not 1 <= (data.people or 0) <= 50:
        errors["people"] = [_("人数应在 1 到 50 之间。")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        visit = Visit.objects.create(
            project_id=room.project_id,
            room=room,
            name=name,
            id_type=data.id_type,
            id_number=id_number,
            phone=phone,
            people=data.people,
            purpose=purpose,
            state=VisitState.ON_SITE,
            time_in=now,
            agreed_by=_clean_text(data.agreed_by, 50),
            agreed_via=data.agreed_via,
            agreed_at=now,
            created_at=now,
            created_by=actor,
            admitted_by=actor,
        )
        audit_record(actor=actor, obj=visit, action="admit", changes={"room": room.code, "via": data.agreed_via})
        notifications.tell_visitor_arrived(visit)
        events.visitor_checked_in(visit)
    return visit


def visit_preregister(
    *, actor, room_id: int, name: str, purpose: str, phone: str = "", people: int = 1, expected_on: date | None = None
) -> Visit:
    """A resident pre-registers a visitor for their own room: a one-time code with an expiry."""
    if not (actor.is_authenticated and actor.is_resident):
        raise ActionRefused(_("只有业户本人可以预约访客。"))
    if _resident_relation(actor, room_id) is None:
        raise ActionRefused(_("只能为自己居住的房屋预约访客。"))
    room = Room.objects.only("id", "project_id", "code").get(pk=room_id)
    errors: dict[str, list[str]] = {}
    name = _clean_text(name, 50)
    if not name:
        errors["name"] = [_("请填写访客姓名。")]
    purpose = _clean_text(purpose, 100)
    if not purpose:
        errors["purpose"] = [_("请填写来访事由。")]
    phone = _phone(phone, "phone", errors)
    if not 1 <= (people or 0) <= 50:
        errors["people"] = [_("人数应在 1 到 50 之间。")]
    today = timezone.localdate()
    if expected_on and expected_on < today:
        errors["expected_on"] = [_("来访日期不能早于今天。")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    hours = FrontdeskSettings.for_project(room.project_id).preregistration_hours
    start = now
    if expected_on and expected_on > today:
        start = timezone.make_aware(datetime.combine(expected_on, datetime.min.time()))
    with transaction.atomic():
        visit = Visit(
            project_id=room.project_id,
            room=room,
            name=name,
            phone=phone,
            people=people,
            purpose=purpose,
            state=VisitState.EXPECTED,
            agreed_by=actor.name,
            agreed_via=AgreedVia.APP,
            agreed_at=now,
            expected_on=expected_on or today,
            code_expires_at=start + timedelta(hours=hours),
            created_at=now,
            created_by=actor,
        )
        _save_with_code(visit, "code")
        audit_record(actor=actor, obj=visit, action="preregister", changes={"room": room.code})
    return visit


def visit_admit_by_code(*, actor, project_id: int, code: str, id_type: str = "", id_number: str = "") -> Visit:
    """The guard checks a pre-registration code at the gate; the arrival is recorded. A refused code
    (expired, used, cancelled, unknown, another project's) is recorded in the change log too."""
    try:
        return _admit_by_code(actor=actor, project_id=project_id, code=code, id_type=id_type, id_number=id_number)
    except ActionRefused as exc:
        cleaned = re.sub(r"\s", "", code or "")
        audit_refusal(
            actor=actor,
            object_type="frontdesk.Visit",
            object_id=cleaned,
            object_repr=_("预约码 %(code)s") % {"code": cleaned},
            reason=exc.message,
            data={"project": project_id},
        )
        raise


def _admit_by_code(*, actor, project_id: int, code: str, id_type: str, id_number: str) -> Visit:
    _check_front(actor, project_id)
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", code):
        raise ValidationError({"code": [_("预约码是 6 位数字。")]})
    errors: dict[str, list[str]] = {}
    if id_type and id_type not in IdType.values:
        errors["id_type"] = [_("证件类型无效。")]
    number = _id_number(id_type, id_number, "id_number", errors, required=False)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        visit = (
            Visit.objects.select_for_update()
            .filter(project_id=project_id, code=code, state=VisitState.EXPECTED)
            .first()
        )
        if visit is None:
            latest = Visit.objects.filter(project_id=project_id, code=code).order_by("-created_at", "-id").first()
            if latest is not None and latest.state in (VisitState.ON_SITE, VisitState.LEFT):
                raise ActionRefused(
                    _("预约码 %(code)s 已于 %(at)s 使用过。")
                    % {"code": code, "at": f"{timezone.localtime(latest.time_in):%Y-%m-%d %H:%M}"}
                )
            if latest is not None and latest.state == VisitState.CANCELLED:
                raise ActionRefused(_("预约码 %(code)s 已被业户取消。") % {"code": code})
            if Visit.objects.filter(code=code, state=VisitState.EXPECTED).exclude(project_id=project_id).exists():
                raise ActionRefused(_("预约码 %(code)s 不是本项目的。") % {"code": code})
            raise ActionRefused(_("没有找到预约码 %(code)s。") % {"code": code})
        if visit.code_expires_at and visit.code_expires_at < now:
            raise ActionRefused(
                _("预约码 %(code)s 已于 %(at)s 过期，请联系被访户重新预约或按来访登记。")
                % {"code": code, "at": f"{timezone.localtime(visit.code_expires_at):%Y-%m-%d %H:%M}"}
            )
        if visit.code_expires_at and visit.expected_on and visit.expected_on > timezone.localdate(now):
            raise ActionRefused(_("预约的来访日期是 %(day)s，还没到。") % {"day": visit.expected_on})
        visit.state = VisitState.ON_SITE
        visit.time_in = now
        visit.admitted_by = actor
        if id_type and number:
            visit.id_type, visit.id_number = id_type, number
        visit.save(update_fields=["state", "time_in", "admitted_by", "id_type", "id_number"])
        audit_record(actor=actor, obj=visit, action="admit", changes={"code": code})
        notifications.tell_visitor_arrived(visit)
        events.visitor_checked_in(visit)
    return visit


def visit_checkout(*, actor, visit: Visit) -> Visit:
    _check_front(actor, visit.project_id)
    now = timezone.now()
    with transaction.atomic():
        updated = Visit.objects.filter(pk=visit.pk, state=VisitState.ON_SITE).update(
            state=VisitState.LEFT, time_out=now, left_recorded_by=actor
        )
        if not updated:
            raise ActionRefused(_("这位访客不在访，不能登记离开。"))
        visit.refresh_from_db()
        audit_record(actor=actor, obj=visit, action="leave")
    return visit


def visit_cancel(*, actor, visit: Visit) -> Visit:
    """The resident who pre-registered a visit (or the desk) cancels it before arrival."""
    if not (visit.created_by_id == actor.pk or rules.works_in(actor, visit.project_id)):
        raise ActionRefused(_("只能取消自己的预约。"))
    with transaction.atomic():
        updated = Visit.objects.filter(pk=visit.pk, state=VisitState.EXPECTED).update(state=VisitState.CANCELLED)
        if not updated:
            raise ActionRefused(_("只有未到访的预约可以取消。"))
        visit.refresh_from_db()
        audit_record(actor=actor, obj=visit, action="cancel")
    return visit


def purge_visitor_data(*, company, before) -> int:
    """Retention: blank the personal fields of the company's visits registered before `before`."""
    return (
        Visit.objects.filter(project__company=company, created_at__lt=before, purged_at__isnull=True)
        .exclude(state__in=[VisitState.EXPECTED, VisitState.ON_SITE])
        .update(name="", id_number="", phone="", purged_at=timezone.now())
    )
