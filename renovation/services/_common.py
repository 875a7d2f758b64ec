"""Helpers shared by the renovation workflows: rule checks, the versioned transition, files, money."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import idcard
from core.audit import audit_record
from core.calendar import current_calendar, local_tz, schedule_for
from core.choices import DepartmentKind, Role
from core.errors import ActionRefused, Conflict
from core.models import User
from core.worktime import add_working
from estate.models import Room
from renovation import rules
from renovation.models import Renovation, RenovationEvent, RenovationFile

CENT = Decimal("0.01")

# ---------------------------------------------------------------- helpers


def normalize_id_number(raw: str) -> str:
    """A worker's resident ID number in its normal form (core.idcard: the one check)."""
    return idcard.clean_id_card(raw)


def review_deadline(project_id: int, start: datetime, days: int) -> datetime:
    """`days` working days of the project's working time after `start` (holidays and make-up
    working days from the business calendar)."""
    schedule = schedule_for(project_id)
    return add_working(start, days * schedule.minutes_per_day, schedule, current_calendar(), local_tz())


def _require(value: str, message: str, field: str = "note") -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [message]})
    return value


def _allowed(actor, renovation, action) -> None:
    reason = rules.refusal(actor, renovation, action)
    if reason:
        raise ActionRefused(reason)


def _event(*, actor, renovation, action, note="", data=None, from_state=None, to_state=None) -> RenovationEvent:
    return RenovationEvent.objects.create(
        renovation=renovation,
        actor=actor,
        at=timezone.now(),
        action=action,
        from_state=renovation.state if from_state is None else from_state,
        to_state=renovation.state if to_state is None else to_state,
        note=note,
        data=data or {},
    )


def _transition(
    *, actor, renovation, action, to_state=None, note="", changes=None, data=None, expected_version=None
) -> RenovationEvent:
    """Move the renovation (or just bump its version) with a compare-and-swap, and write the entry."""
    version = renovation.version if expected_version is None else expected_version
    if version != renovation.version:
        raise Conflict(_("这份装修申请刚被其他人修改过，请刷新后再试。"))
    to_state = renovation.state if to_state is None else to_state
    now = timezone.now()
    changes = dict(changes or {})
    updated = Renovation.objects.filter(pk=renovation.pk, version=version, state=renovation.state).update(
        state=to_state, version=version + 1, updated_at=now, **changes
    )
    if updated != 1:
        raise Conflict(_("这份装修申请刚被其他人修改过，请刷新后再试。"))
    event = _event(actor=actor, renovation=renovation, action=action, note=note, data=data, to_state=to_state)
    for name, value in changes.items():
        setattr(renovation, name, value)
    renovation.state, renovation.version, renovation.updated_at = to_state, version + 1, now
    return event


def _save_files(*, actor, renovation, checked, kind, violation=None) -> list[RenovationFile]:
    """Store files already passed by core.uploads.check_uploads."""
    saved = []
    for upload, content_type, ext in checked:
        row = RenovationFile(
            renovation=renovation,
            kind=kind,
            violation=violation,
            name=upload.name[:200],
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        row.file.save(f"{kind}-{timezone.now():%d%H%M%S}-{len(saved)}.{ext}", upload, save=False)
        row.save()
        saved.append(row)
    return saved


def _money(value, field: str, *, allow_zero=False) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: [_("请填写金额。")]}) from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError({field: [_("金额必须大于 0。")]})
    if amount >= Decimal("100000000"):
        raise ValidationError({field: [_("金额太大。")]})
    return amount


def _reviewers(project_id: int):
    return (
        User.objects.filter(is_active=True, projects=project_id)
        .filter(
            Q(role__in=[Role.CS_SUPERVISOR, Role.CS_MANAGER])
            | Q(role=Role.DEPT_LEAD, department__kind=DepartmentKind.ENGINEERING)
        )
        .select_related("department")
    )


def _set_room_state(*, actor, room, state, renovation) -> None:
    if room.state == state:
        return
    before = room.state
    Room.objects.filter(pk=room.pk).update(state=state)
    room.state = state
    audit_record(
        actor=actor, obj=room, action="state", changes={"state": [before, state], "renovation": renovation.number}
    )
