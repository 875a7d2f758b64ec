"""Contractor passes: issue and revoke."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ActionRefused
from estate.models import Room
from frontdesk.models import ContractorPass
from frontdesk.services._common import _check_front, _clean_text, _phone


def contractor_pass_issue(
    *,
    actor,
    project_id: int,
    company_name: str,
    people: str,
    purpose: str,
    valid_from: datetime,
    valid_to: datetime,
    contact_phone: str = "",
    room_ids=(),
    areas: str = "",
) -> ContractorPass:
    _check_front(actor, project_id)
    errors: dict[str, list[str]] = {}
    if not _clean_text(company_name, 100):
        errors["company_name"] = [_("请填写施工单位。")]
    names = [line.strip() for line in (people or "").splitlines() if line.strip()]
    if not names:
        errors["people"] = [_("请填写人员名单，每行一人。")]
    if not _clean_text(purpose, 100):
        errors["purpose"] = [_("请填写事由。")]
    phone = _phone(contact_phone, "contact_phone", errors)
    if valid_from and valid_to and valid_to <= valid_from:
        errors["valid_to"] = [_("结束时间必须晚于开始时间。")]
    if valid_to and valid_from and valid_to - valid_from > timedelta(days=90):
        errors["valid_to"] = [_("临时出入证最长 90 天。")]
    rooms = list(Room.objects.filter(pk__in=list(room_ids), project_id=project_id))
    if len(rooms) != len(set(room_ids)):
        errors["rooms"] = [_("房屋不属于这个项目。")]
    if not rooms and not _clean_text(areas, 200):
        errors["areas"] = [_("请选择房屋或填写区域。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item = ContractorPass.objects.create(
            project_id=project_id,
            company_name=_clean_text(company_name, 100),
            people="\n".join(names),
            contact_phone=phone,
            areas=_clean_text(areas, 200),
            purpose=_clean_text(purpose, 100),
            valid_from=valid_from,
            valid_to=valid_to,
            issued_by=actor,
        )
        item.rooms.set(rooms)
        audit_record(actor=actor, obj=item, action="issue", changes={"people": len(names)})
    return item


def contractor_pass_revoke(*, actor, item: ContractorPass) -> ContractorPass:
    _check_front(actor, item.project_id)
    if item.revoked_at:
        raise ActionRefused(_("这张出入证已经作废。"))
    with transaction.atomic():
        ContractorPass.objects.filter(pk=item.pk).update(revoked_at=timezone.now())
        item.refresh_from_db()
        audit_record(actor=actor, obj=item, action="revoke")
    return item
