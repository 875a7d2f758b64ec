"""Helpers shared by the registration workflows: input cleaning, permissions, locking, history."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import idcard
from core.errors import ActionRefused
from core.phone import normalize_phone
from estate.choices import Relation, RoomState
from estate.models import Occupancy, Resident
from registrations import rules
from registrations.choices import IdType
from registrations.models import Event, RegistrationSettings

OWNER_RELATIONS = (Relation.OWNER, Relation.CO_OWNER)
# Whose occupancy a transfer ends: the old owners' household (a tenant's lease runs on).
HOUSEHOLD_RELATIONS = (Relation.OWNER, Relation.CO_OWNER, Relation.FAMILY)


# ---------------------------------------------------------------- helpers


class Errors:
    """Collects field errors; `raise_if_any()` raises them as one ValidationError."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _text(value, field: str, errors: Errors, *, required_msg: str | None = None, limit: int = 200) -> str:
    value = (value or "").strip()
    if required_msg and not value:
        errors.add(field, required_msg)
    elif len(value) > limit:
        errors.add(field, _("最多 %(limit)s 个字。") % {"limit": limit})
    return value


def _phone(value, field: str, errors: Errors, *, required: bool = False) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            errors.add(field, _("请填写手机号码。"))
        return ""
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        errors.add(field, exc.messages[0])
        return ""


def _id_number(id_type: str, value, errors: Errors) -> str:
    value = idcard.normalize(value)
    if id_type not in IdType.values:
        errors.add("id_type", _("请选择证件类型。"))
    if not value:
        errors.add("id_number", _("请填写证件号码。"))
    elif id_type == IdType.ID_CARD and not idcard.valid_id_card(value):
        errors.add("id_number", idcard.ID_CARD_MESSAGE)
    elif len(value) > 40 or not re.fullmatch(r"[0-9A-Z()\-]+", value):
        errors.add("id_number", _("证件号码只能包含字母、数字和括号。"))
    return value


def _event(record, actor, action: str, text: str, note: str = "") -> Event:
    record.updated_at = timezone.now()
    type(record).objects.filter(pk=record.pk).update(updated_at=record.updated_at)
    return Event.objects.create(
        kind=record.KIND,
        record_id=record.pk,
        project_id=record.project_id,
        actor=actor,
        at=record.updated_at,
        action=action,
        text=text[:300],
        note=note,
    )


def _may(actor, project_id: int) -> None:
    if not rules.may_register(actor, project_id):
        raise ActionRefused(_("您不能在这个项目办理登记。"))


def _lock(model, record):
    """The record re-read under a row lock: two people acting at once act one after the other,
    and the second sees what the first did."""
    return model.objects.select_for_update().get(pk=record.pk)


def _require_state(record, allowed, message: str) -> None:
    if record.state not in allowed:
        raise ActionRefused(message % {"state": record.get_state_display()})


def _acquire(model, actor, record, allowed, message: str):
    """May the actor act here, the record locked, and is it in one of the allowed states."""
    _may(actor, record.project_id)
    record = _lock(model, record)
    _require_state(record, allowed, message)
    return record


def settings_for(project) -> RegistrationSettings:
    """The project's settings row, else the company's, else the defaults (unsaved)."""
    rows = {
        row.project_id: row
        for row in RegistrationSettings.objects.filter(company_id=project.company_id).filter(
            Q(project_id=project.pk) | Q(project__isnull=True)
        )
    }
    return rows.get(project.pk) or rows.get(None) or RegistrationSettings(company_id=project.company_id)


def checklist_lines(text: str) -> list[tuple[str, bool]]:
    """'*label' lines are mandatory; blank lines are skipped."""
    out = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        mandatory = line.startswith("*")
        label = line.lstrip("*").strip()[:100]
        if label:
            out.append((label, mandatory))
    return out


def _find_or_make_resident(*, project_id: int, name: str, phone: str) -> Resident:
    """The person's file in the project: the same name and phone if already known, else a new one."""
    if phone:
        found = Resident.objects.filter(project_id=project_id, phone=phone, name=name).order_by("id").first()
        if found:
            return found
    return Resident.objects.create(project_id=project_id, name=name, phone=phone)


def current_owners(room, on: date | None = None):
    return Occupancy.objects.current(on).filter(room=room, relation__in=OWNER_RELATIONS).select_related("resident")


def _room_state_after_leaving(room, *, excluding: int | None = None) -> str:
    others = Occupancy.objects.current().filter(room=room)
    if excluding:
        others = others.exclude(pk=excluding)
    return RoomState.OCCUPIED if others.exists() else RoomState.VACANT


def _cancel(record, actor, reason: str, state, summary: str):
    """Cancel an already locked, still open record: a reason is required and goes to history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写取消原因。")]})
    record.state = state
    record.save(update_fields=["state"])
    _event(record, actor, "cancel", summary, reason)
    return record
