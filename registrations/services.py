"""Every write to the household registrations. Each function is keyword-only, runs in one
transaction, locks the record it changes, checks who may act and the workflow's rules, and writes
one history entry (`Event`). Input errors raise ValidationError (field -> messages); refusals
raise ActionRefused with the reason in the user's language. Nothing is deleted: a wrong entry is
corrected by a new one (an unchecked item, a cancelled record with its reason)."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import idcard
from core.choices import DESK_ROLES
from core.errors import ActionRefused
from core.models import User
from core.notify import notify_many
from core.phone import normalize_phone
from estate.choices import Relation, RoomState
from estate.models import Building, Occupancy, Resident, Room
from registrations import rules
from registrations.choices import (
    CHECKED_SECTIONS,
    COUNTED_SECTIONS,
    ConfirmMethod,
    HandoverState,
    IdType,
    KeyKind,
    LeaseState,
    MoveInRelation,
    MoveInState,
    Result,
    Section,
    TransferState,
)
from registrations.models import (
    Defect,
    Event,
    Handover,
    HandoverItem,
    Lease,
    MoveIn,
    MoveInCheck,
    MoveInKey,
    RegistrationSettings,
    Transfer,
    TransferItem,
)

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


# ---------------------------------------------------------------- move-in (收楼/入住)


@transaction.atomic
def movein_open(
    *,
    actor,
    room: Room,
    person_name: str,
    person_phone: str = "",
    relation: str = MoveInRelation.OWNER,
    move_in_on: date | None = None,
    note: str = "",
) -> MoveIn:
    _may(actor, room.project_id)
    room = Room.objects.select_for_update().get(pk=room.pk)
    errors = Errors()
    name = _text(person_name, "person_name", errors, required_msg=_("请填写入住人姓名。"), limit=50)
    phone = _phone(person_phone, "person_phone", errors)
    if relation not in MoveInRelation.values:
        errors.add("relation", _("请选择与房屋的关系。"))
    if move_in_on is None:
        errors.add("move_in_on", _("请填写入住日期。"))
    errors.raise_if_any()
    if room.state in (RoomState.OCCUPIED, RoomState.RENTED):
        raise ActionRefused(
            _("房屋 %(room)s 当前状态为“%(state)s”，不能办理入住。")
            % {"room": room.code, "state": room.get_state_display()}
        )
    if MoveIn.objects.filter(room=room, state=MoveInState.OPEN).exists():
        raise ActionRefused(_("房屋 %(room)s 已有一份办理中的入住登记。") % {"room": room.code})
    now = timezone.now()
    movein = MoveIn.objects.create(
        project_id=room.project_id,
        room=room,
        person_name=name,
        person_phone=phone,
        relation=relation,
        move_in_on=move_in_on,
        note=(note or "").strip(),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    lines = checklist_lines(settings_for(room.project).movein_checklist)
    MoveInCheck.objects.bulk_create(
        [MoveInCheck(movein=movein, position=i, label=label, mandatory=m) for i, (label, m) in enumerate(lines)]
    )
    _event(
        movein,
        actor,
        "open",
        _("登记入住：%(name)s（%(relation)s）") % {"name": name, "relation": movein.get_relation_display()},
        movein.note,
    )
    return movein


def _cancel(record, actor, reason: str, state, summary: str):
    """Cancel an already locked, still open record: a reason is required and goes to history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写取消原因。")]})
    record.state = state
    record.save(update_fields=["state"])
    _event(record, actor, "cancel", summary, reason)
    return record


def _open_movein(actor, movein) -> MoveIn:
    return _acquire(MoveIn, actor, movein, {MoveInState.OPEN}, _("入住登记当前状态为“%(state)s”，不能再修改。"))


@transaction.atomic
def movein_check(*, actor, movein, check_id: int, checked: bool = True, note: str = "") -> MoveInCheck:
    movein = _open_movein(actor, movein)
    check = MoveInCheck.objects.filter(pk=check_id, movein=movein).first()
    if check is None:
        raise ValidationError({"check": [_("核验项不存在。")]})
    note = (note or "").strip()[:200]
    if checked:
        check.checked_at, check.checked_by, check.note = timezone.now(), actor, note
        text = _("资料已核验：%(label)s") % {"label": check.label}
    else:
        check.checked_at, check.checked_by, check.note = None, None, note
        text = _("撤销核验：%(label)s") % {"label": check.label}
    check.save(update_fields=["checked_at", "checked_by", "note"])
    _event(movein, actor, "check", text, note)
    return check


@transaction.atomic
def movein_note_fees(*, actor, movein, amount: Decimal | None, months: int | None = None, receipt: str = "") -> MoveIn:
    movein = _open_movein(actor, movein)
    errors = Errors()
    if amount is None:
        errors.add("amount", _("请填写预交金额（未预交填 0）。"))
    elif amount < 0:
        errors.add("amount", _("金额不能为负数。"))
    if months is not None and not (0 <= months <= 36):
        errors.add("months", _("预交月数应在 0 到 36 之间。"))
    receipt = _text(receipt, "receipt", errors, limit=50)
    errors.raise_if_any()
    movein.fees_amount, movein.fees_months, movein.fees_receipt = amount, months, receipt
    movein.fees_noted_at, movein.fees_noted_by = timezone.now(), actor
    movein.save(update_fields=["fees_amount", "fees_months", "fees_receipt", "fees_noted_at", "fees_noted_by"])
    _event(
        movein,
        actor,
        "fees",
        _("登记预交费用 %(amount)s 元（%(months)s 个月）")
        % {"amount": amount, "months": months if months is not None else "-"},
        receipt,
    )
    return movein


@transaction.atomic
def movein_sign_rules(*, actor, movein, note: str = "") -> MoveIn:
    movein = _open_movein(actor, movein)
    if movein.rules_signed_at:
        raise ActionRefused(_("管理规约已登记签署。"))
    movein.rules_signed_at, movein.rules_signed_by = timezone.now(), actor
    movein.save(update_fields=["rules_signed_at", "rules_signed_by"])
    _event(movein, actor, "rules", _("业主已签署管理规约"), (note or "").strip())
    return movein


@transaction.atomic
def movein_add_key(*, actor, movein, kind: str, count: int | None, receiver: str) -> MoveInKey:
    movein = _open_movein(actor, movein)
    errors = Errors()
    if kind not in KeyKind.values:
        errors.add("kind", _("请选择钥匙/卡类别。"))
    if count is None or count < 1 or count > 99:
        errors.add("count", _("数量应在 1 到 99 之间。"))
    receiver = _text(receiver, "receiver", errors, required_msg=_("请填写领取人。"), limit=50)
    errors.raise_if_any()
    key = MoveInKey.objects.create(movein=movein, kind=kind, count=count, receiver=receiver, handed_by=actor)
    _event(
        movein,
        actor,
        "key",
        _("交付%(kind)s %(count)s 把/张，领取人 %(receiver)s")
        % {"kind": key.get_kind_display(), "count": count, "receiver": receiver},
    )
    return key


@transaction.atomic
def movein_inspect(*, actor, movein, note: str = "") -> MoveIn:
    movein = _open_movein(actor, movein)
    movein.inspected_at, movein.inspected_by = timezone.now(), actor
    movein.inspection_note = (note or "").strip()
    movein.save(update_fields=["inspected_at", "inspected_by", "inspection_note"])
    _event(movein, actor, "inspect", _("验房完成"), movein.inspection_note)
    return movein


def movein_missing(movein) -> list[str]:
    """What still stands between this move-in and its completion, in the user's language."""
    missing = [
        _("必查资料未核验：%(label)s") % {"label": c.label}
        for c in movein.checks.all()
        if c.mandatory and not c.checked_at
    ]
    if not movein.rules_signed_at:
        missing.append(_("管理规约尚未签署"))
    if not movein.inspected_at:
        missing.append(_("尚未验房"))
    return missing


@transaction.atomic
def movein_complete(*, actor, movein, note: str = "") -> MoveIn:
    movein = _open_movein(actor, movein)
    room = Room.objects.select_for_update().get(pk=movein.room_id)
    if room.state in (RoomState.OCCUPIED, RoomState.RENTED):
        raise ActionRefused(
            _("房屋 %(room)s 当前状态为“%(state)s”，不能办理入住。")
            % {"room": room.code, "state": room.get_state_display()}
        )
    missing = movein_missing(movein)
    if missing:
        raise ActionRefused(
            _("还不能办结入住：%(items)s。") % {"items": pgettext("list separator", "、").join(missing)}
        )
    # An owner already on file for this room (e.g. from the developer's sales list) moves in: the
    # same person and relation are kept, not duplicated.
    on_file = Occupancy.objects.current(movein.move_in_on).filter(
        room=room, relation=movein.relation, resident__name=movein.person_name
    )
    if movein.person_phone:
        on_file = on_file.filter(resident__phone__in=[movein.person_phone, ""])
    occupancy = on_file.select_related("resident").order_by("id").first()
    if occupancy:
        resident = occupancy.resident
        if movein.person_phone and not resident.phone:
            resident.phone = movein.person_phone
            resident.save()
    else:
        resident = _find_or_make_resident(
            project_id=movein.project_id, name=movein.person_name, phone=movein.person_phone
        )
        occupancy = Occupancy.objects.create(
            room=room, resident=resident, relation=movein.relation, start=movein.move_in_on
        )
    room.state = RoomState.OCCUPIED
    room.save(update_fields=["state"])
    movein.state = MoveInState.COMPLETED
    movein.resident, movein.occupancy = resident, occupancy
    movein.completed_at, movein.completed_by = timezone.now(), actor
    movein.save(update_fields=["state", "resident", "occupancy", "completed_at", "completed_by"])
    _event(
        movein,
        actor,
        "complete",
        _("入住办结：%(name)s 自 %(day)s 入住") % {"name": resident.name, "day": movein.move_in_on},
        (note or "").strip(),
    )
    return movein


@transaction.atomic
def movein_cancel(*, actor, movein, reason: str = "") -> MoveIn:
    movein = _open_movein(actor, movein)
    return _cancel(movein, actor, reason, MoveInState.CANCELLED, _("取消入住登记"))


# ---------------------------------------------------------------- defects (move-in and handover)


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


# ---------------------------------------------------------------- rental registration (出租登记)


def overlapping_active_lease(room_id: int, start: date, end: date, *, exclude_pk: int | None = None):
    """An active lease of the room whose term shares at least one day with start..end."""
    qs = Lease.objects.filter(room_id=room_id, state=LeaseState.ACTIVE, start__lte=end, end__gte=start)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("start").first()


def _lease_dates(start, end, errors: Errors) -> None:
    if start is None:
        errors.add("start", _("请填写租期开始日期。"))
    if end is None:
        errors.add("end", _("请填写租期结束日期。"))
    if start and end and end < start:
        errors.add("end", _("租期结束日期不能早于开始日期。"))


def _refuse_overlap(room_id, start, end, exclude_pk=None) -> None:
    clash = overlapping_active_lease(room_id, start, end, exclude_pk=exclude_pk)
    if clash:
        raise ActionRefused(
            _("租期与生效中的租约 %(number)s（%(start)s 至 %(end)s）重叠。")
            % {"number": clash.number, "start": clash.start, "end": clash.end}
        )


@transaction.atomic
def lease_register(
    *,
    actor,
    room: Room,
    tenant_name: str,
    id_type: str,
    id_number: str,
    tenant_phone: str,
    start: date | None,
    end: date | None,
    contract_no: str = "",
    emergency_name: str = "",
    emergency_phone: str = "",
    note: str = "",
) -> Lease:
    _may(actor, room.project_id)
    room = Room.objects.select_for_update().get(pk=room.pk)
    errors = Errors()
    name = _text(tenant_name, "tenant_name", errors, required_msg=_("请填写租户姓名。"), limit=50)
    number = _id_number(id_type, id_number, errors)
    phone = _phone(tenant_phone, "tenant_phone", errors, required=True)
    _lease_dates(start, end, errors)
    contract_no = _text(contract_no, "contract_no", errors, limit=50)
    emergency_name = _text(emergency_name, "emergency_name", errors, limit=50)
    emergency_phone = _phone(emergency_phone, "emergency_phone", errors)
    errors.raise_if_any()
    _refuse_overlap(room.pk, start, end)
    now = timezone.now()
    lease = Lease.objects.create(
        project_id=room.project_id,
        room=room,
        tenant_name=name,
        id_type=id_type,
        id_number=number,
        tenant_phone=phone,
        start=start,
        end=end,
        contract_no=contract_no,
        emergency_name=emergency_name,
        emergency_phone=emergency_phone,
        note=(note or "").strip(),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _event(
        lease,
        actor,
        "register",
        _("登记出租：租户 %(name)s，租期 %(start)s 至 %(end)s") % {"name": name, "start": start, "end": end},
        lease.note,
    )
    return lease


def _lease(actor, lease, allowed, message) -> Lease:
    return _acquire(Lease, actor, lease, allowed, message)


@transaction.atomic
def lease_confirm_owner(
    *, actor, lease, owner_name: str, method: str, confirmed_at: datetime | None = None, note: str = ""
) -> Lease:
    """Record the owner's consent to the letting: who confirmed, how, when (and who took it down)."""
    lease = _lease(actor, lease, {LeaseState.DRAFT}, _("出租登记当前状态为“%(state)s”，不能再登记业主确认。"))
    errors = Errors()
    owner_name = _text(owner_name, "owner_name", errors, required_msg=_("请填写确认的业主姓名。"), limit=50)
    if method not in ConfirmMethod.values:
        errors.add("method", _("请选择确认方式。"))
    confirmed_at = confirmed_at or timezone.now()
    if confirmed_at > timezone.now() + timedelta(minutes=5):
        errors.add("confirmed_at", _("确认时间不能晚于现在。"))
    note = _text(note, "note", errors, limit=200)
    errors.raise_if_any()
    if owner_name not in {o.resident.name for o in current_owners(lease.room)}:
        note = (note + " " if note else "") + _("（非档案登记业主）")
    lease.owner_name, lease.confirm_method, lease.confirmed_at = owner_name, method, confirmed_at
    lease.confirm_recorded_by, lease.confirm_note = actor, note[:200]
    lease.save(update_fields=["owner_name", "confirm_method", "confirmed_at", "confirm_recorded_by", "confirm_note"])
    _event(
        lease,
        actor,
        "confirm",
        _("业主 %(owner)s %(method)s同意出租") % {"owner": owner_name, "method": lease.get_confirm_method_display()},
        note,
    )
    return lease


@transaction.atomic
def lease_activate(*, actor, lease, note: str = "") -> Lease:
    """The lease takes effect: the tenant becomes an occupant (relation tenant, the lease's dates)
    and the room is marked rented."""
    lease = _lease(actor, lease, {LeaseState.DRAFT}, _("出租登记当前状态为“%(state)s”，不能生效。"))
    if not (lease.confirmed_at and lease.confirm_method and lease.owner_name):
        raise ActionRefused(_("缺少业主确认，不能生效：请先登记业主到场、电话或书面确认。"))
    room = Room.objects.select_for_update().get(pk=lease.room_id)
    _refuse_overlap(room.pk, lease.start, lease.end, exclude_pk=lease.pk)
    resident = _find_or_make_resident(project_id=lease.project_id, name=lease.tenant_name, phone=lease.tenant_phone)
    occupancy = Occupancy.objects.create(
        room=room, resident=resident, relation=Relation.TENANT, start=lease.start, end=lease.end
    )
    room.state = RoomState.RENTED
    room.save(update_fields=["state"])
    lease.state, lease.resident, lease.occupancy, lease.activated_at = (
        LeaseState.ACTIVE,
        resident,
        occupancy,
        timezone.now(),
    )
    lease.save(update_fields=["state", "resident", "occupancy", "activated_at"])
    _event(lease, actor, "activate", _("租约生效，房屋改为出租"), (note or "").strip())
    return lease


@transaction.atomic
def lease_move_out(*, actor, lease, on: date | None, fees_settled: bool = False, note: str = "") -> Lease:
    """The tenant moves out: the occupancy ends on that day; the room is occupied again if anyone
    else still lives there, else vacant. Leaving requires the fees to be settled."""
    lease = _lease(actor, lease, {LeaseState.ACTIVE}, _("出租登记当前状态为“%(state)s”，不能办理退租。"))
    errors = Errors()
    if on is None:
        errors.add("on", _("请填写退租日期。"))
    elif on < lease.start:
        errors.add("on", _("退租日期不能早于租期开始日期。"))
    if not fees_settled:
        errors.add("fees_settled", _("退租前须确认费用已结清。"))
    note = _text(note, "note", errors, limit=200)
    errors.raise_if_any()
    if lease.occupancy_id:
        Occupancy.objects.filter(pk=lease.occupancy_id).update(end=on)
    room = Room.objects.select_for_update().get(pk=lease.room_id)
    room.state = _room_state_after_leaving(room, excluding=lease.occupancy_id)
    room.save(update_fields=["state"])
    lease.state, lease.moved_out_on, lease.move_out_note = LeaseState.ENDED, on, note
    lease.save(update_fields=["state", "moved_out_on", "move_out_note"])
    _event(lease, actor, "move_out", _("租户退租，退租日期 %(day)s，费用已结清") % {"day": on}, note)
    return lease


@transaction.atomic
def lease_cancel(*, actor, lease, reason: str = "") -> Lease:
    lease = _lease(actor, lease, {LeaseState.DRAFT}, _("出租登记当前状态为“%(state)s”，不能取消。"))
    return _cancel(lease, actor, reason, LeaseState.CANCELLED, _("取消出租登记"))


def lease_reminder_recipients(lease) -> list[User]:
    desk = list(
        User.objects.filter(projects=lease.project_id, role__in=DESK_ROLES, is_active=True).order_by("id").distinct()
    )
    people = []
    if lease.resident_id and lease.resident.user_id:
        people.append(lease.resident.user)
    people += [
        o.resident.user for o in current_owners(lease.room).select_related("resident__user") if o.resident.user_id
    ]
    return desk + people


def lease_send_reminders(*, today: date | None = None) -> int:
    """Tell the project's desk and the tenant's and owners' accounts that a lease ends within the
    configured days. Each lease is claimed with a compare-and-swap on `reminded_at`, so it is
    reminded exactly once even if two workers run at the same time."""
    from core.models import Project

    today = today or timezone.localdate()
    projects = {
        p.pk: p
        for p in Project.objects.filter(
            pk__in=Lease.objects.filter(state=LeaseState.ACTIVE, reminded_at__isnull=True).values("project_id")
        )
    }
    sent = 0
    for project in projects.values():
        days = settings_for(project).lease_reminder_days
        due = Lease.objects.filter(
            project=project,
            state=LeaseState.ACTIVE,
            reminded_at__isnull=True,
            end__gte=today,
            end__lte=today + timedelta(days=days),
        ).select_related("room", "resident__user")
        for lease in due:
            with transaction.atomic():
                claimed = Lease.objects.filter(pk=lease.pk, reminded_at__isnull=True, state=LeaseState.ACTIVE).update(
                    reminded_at=timezone.now()
                )
                if not claimed:
                    continue
                title = _("租约将于 %(end)s 到期：%(room)s 租户 %(tenant)s") % {
                    "end": lease.end,
                    "room": lease.room.code,
                    "tenant": lease.tenant_name,
                }
                body = _("出租登记 %(number)s，合同编号 %(contract)s。请联系业主和租户确认续租或退租。") % {
                    "number": lease.number,
                    "contract": lease.contract_no or "-",
                }
                notify_many([(lease_reminder_recipients(lease), title, body, f"/registrations/leases/{lease.pk}/")])
                Event.objects.create(
                    kind=lease.KIND,
                    record_id=lease.pk,
                    project_id=lease.project_id,
                    actor=None,
                    action="remind",
                    text=_("已发送租约到期提醒"),
                )
                sent += 1
    return sent


# ---------------------------------------------------------------- transfer (过户)


def _check_transfer_date(room, effective_on: date) -> None:
    """Refuse a transfer date on or before the start of an owner's occupancy (the current owner's
    or any later one): the old owners' end would fall before their start."""
    later = (
        Occupancy.objects.filter(room=room, relation__in=OWNER_RELATIONS, start__gte=effective_on)
        .select_related("resident")
        .order_by("-start")
        .first()
    )
    if later:
        raise ActionRefused(
            _("过户日期必须晚于现业主 %(name)s 的起始日期 %(start)s。")
            % {"name": later.resident.name, "start": later.start}
        )


@transaction.atomic
def transfer_open(
    *,
    actor,
    room: Room,
    new_owner_name: str,
    new_owner_phone: str = "",
    effective_on: date | None = None,
    note: str = "",
) -> Transfer:
    _may(actor, room.project_id)
    room = Room.objects.select_for_update().get(pk=room.pk)
    errors = Errors()
    name = _text(new_owner_name, "new_owner_name", errors, required_msg=_("请填写新业主姓名。"), limit=50)
    phone = _phone(new_owner_phone, "new_owner_phone", errors)
    if effective_on is None:
        errors.add("effective_on", _("请填写过户日期。"))
    errors.raise_if_any()
    if Transfer.objects.filter(room=room, state=TransferState.OPEN).exists():
        raise ActionRefused(_("房屋 %(room)s 已有一份办理中的过户。") % {"room": room.code})
    _check_transfer_date(room, effective_on)
    old = "、".join(o.resident.name for o in current_owners(room).order_by("id"))
    now = timezone.now()
    transfer = Transfer.objects.create(
        project_id=room.project_id,
        room=room,
        old_owners=old[:200],
        new_owner_name=name,
        new_owner_phone=phone,
        effective_on=effective_on,
        note=(note or "").strip(),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    lines = checklist_lines(settings_for(room.project).transfer_checklist)
    TransferItem.objects.bulk_create([TransferItem(transfer=transfer, label=label) for label, _m in lines])
    _event(
        transfer,
        actor,
        "open",
        _("登记过户：%(old)s → %(new)s，%(day)s 起") % {"old": old or "-", "new": name, "day": effective_on},
        transfer.note,
    )
    return transfer


def _open_transfer(actor, transfer) -> Transfer:
    return _acquire(Transfer, actor, transfer, {TransferState.OPEN}, _("过户当前状态为“%(state)s”，不能再修改。"))


@transaction.atomic
def transfer_add_item(*, actor, transfer, label: str) -> TransferItem:
    transfer = _open_transfer(actor, transfer)
    errors = Errors()
    label = _text(label, "label", errors, required_msg=_("请填写事项。"), limit=100)
    errors.raise_if_any()
    item = TransferItem.objects.create(transfer=transfer, label=label)
    _event(transfer, actor, "item", _("增加待结清事项：%(label)s") % {"label": label})
    return item


@transaction.atomic
def transfer_settle_item(*, actor, transfer, item_id: int, note: str = "") -> TransferItem:
    transfer = _open_transfer(actor, transfer)
    item = TransferItem.objects.filter(pk=item_id, transfer=transfer).first()
    if item is None:
        raise ValidationError({"item": [_("事项不存在。")]})
    if item.settled_at:
        raise ActionRefused(_("“%(label)s”已结清。") % {"label": item.label})
    errors = Errors()
    note = _text(note, "note", errors, required_msg=_("请说明如何结清（如收据号、金额、无欠费）。"), limit=200)
    errors.raise_if_any()
    item.settled_at, item.settled_by, item.note = timezone.now(), actor, note
    item.save(update_fields=["settled_at", "settled_by", "note"])
    _event(transfer, actor, "settle", _("已结清：%(label)s") % {"label": item.label}, note)
    return item


@transaction.atomic
def transfer_read_meters(
    *, actor, transfer, water: Decimal | None, electricity: Decimal | None, gas: Decimal | None = None
) -> Transfer:
    transfer = _open_transfer(actor, transfer)
    errors = Errors()
    for field, value in (("water", water), ("electricity", electricity), ("gas", gas)):
        if value is not None and value < 0:
            errors.add(field, _("读数不能为负数。"))
    if water is None:
        errors.add("water", _("请填写水表读数。"))
    if electricity is None:
        errors.add("electricity", _("请填写电表读数。"))
    errors.raise_if_any()
    transfer.water, transfer.electricity, transfer.gas = water, electricity, gas
    transfer.meters_read_at, transfer.meters_read_by = timezone.now(), actor
    transfer.save(update_fields=["water", "electricity", "gas", "meters_read_at", "meters_read_by"])
    _event(
        transfer,
        actor,
        "meters",
        _("抄表：水 %(water)s，电 %(electricity)s，燃气 %(gas)s")
        % {"water": water, "electricity": electricity, "gas": gas if gas is not None else "-"},
    )
    return transfer


def transfer_missing(transfer) -> list[str]:
    missing = [_("未结清：%(label)s") % {"label": i.label} for i in transfer.items.all() if not i.settled_at]
    if transfer.meters_read_at is None:
        missing.append(_("尚未抄表"))
    return missing


@transaction.atomic
def transfer_complete(*, actor, transfer, note: str = "") -> Transfer:
    """Ownership changes: the old owners' household ends the day before the transfer date, the new
    owner's starts on it. Old rows are ended, never deleted, so the household keeps its history."""
    transfer = _open_transfer(actor, transfer)
    missing = transfer_missing(transfer)
    if missing:
        raise ActionRefused(
            _("还不能办结过户：%(items)s。") % {"items": pgettext("list separator", "、").join(missing)}
        )
    room = Room.objects.select_for_update().get(pk=transfer.room_id)
    day = transfer.effective_on
    _check_transfer_date(room, day)
    ending = (
        Occupancy.objects.current(day)
        .filter(room=room, relation__in=HOUSEHOLD_RELATIONS)
        .filter(Q(start__isnull=True) | Q(start__lt=day))
    )
    ended = list(ending.select_related("resident"))
    ending.update(end=day - timedelta(days=1))
    resident = _find_or_make_resident(
        project_id=transfer.project_id, name=transfer.new_owner_name, phone=transfer.new_owner_phone
    )
    Occupancy.objects.create(room=room, resident=resident, relation=Relation.OWNER, start=day)
    if room.state in (RoomState.UNSOLD,):
        room.state = RoomState.VACANT
        room.save(update_fields=["state"])
    transfer.state, transfer.resident = TransferState.COMPLETED, resident
    transfer.completed_at, transfer.completed_by = timezone.now(), actor
    transfer.save(update_fields=["state", "resident", "completed_at", "completed_by"])
    _event(
        transfer,
        actor,
        "complete",
        _("过户办结：%(old)s 至 %(end)s 止，%(new)s 自 %(day)s 起为业主")
        % {
            "old": "、".join(o.resident.name for o in ended) or "-",
            "end": day - timedelta(days=1),
            "new": resident.name,
            "day": day,
        },
        (note or "").strip(),
    )
    return transfer


@transaction.atomic
def transfer_cancel(*, actor, transfer, reason: str = "") -> Transfer:
    transfer = _open_transfer(actor, transfer)
    return _cancel(transfer, actor, reason, TransferState.CANCELLED, _("取消过户"))


# ---------------------------------------------------------------- handover acceptance (接管验收)


@transaction.atomic
def handover_open(
    *,
    actor,
    project,
    building: Building | None = None,
    developer: str,
    developer_contact: str = "",
    accepted_on: date | None = None,
    note: str = "",
) -> Handover:
    _may(actor, project.pk)
    errors = Errors()
    developer = _text(developer, "developer", errors, required_msg=_("请填写移交单位。"), limit=100)
    contact = _text(developer_contact, "developer_contact", errors, limit=50)
    if building is not None and building.project_id != project.pk:
        errors.add("building", _("楼栋不属于这个项目。"))
    if accepted_on is None:
        errors.add("accepted_on", _("请填写验收日期。"))
    errors.raise_if_any()
    now = timezone.now()
    handover = Handover.objects.create(
        project=project,
        building=building,
        developer=developer,
        developer_contact=contact,
        accepted_on=accepted_on,
        note=(note or "").strip(),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    scope = str(building) if building else _("全项目")
    _event(
        handover,
        actor,
        "open",
        _("登记接管验收：%(developer)s 移交 %(scope)s") % {"developer": developer, "scope": scope},
        handover.note,
    )
    return handover


def _open_handover(actor, handover) -> Handover:
    return _acquire(Handover, actor, handover, {HandoverState.OPEN}, _("接管验收当前状态为“%(state)s”，不能再修改。"))


@transaction.atomic
def handover_add_item(
    *, actor, handover, section: str, name: str, result: str = "", quantity: int | None = None, note: str = ""
) -> HandoverItem:
    handover = _open_handover(actor, handover)
    errors = Errors()
    if section not in Section.values:
        errors.add("section", _("请选择类别。"))
    name = _text(name, "name", errors, required_msg=_("请填写项目名称。"), limit=100)
    note = _text(note, "note", errors, limit=200)
    if section in CHECKED_SECTIONS:
        if result not in Result.values:
            errors.add("result", _("房屋本体和设施设备须填写验收结果。"))
        quantity = None
    elif section in COUNTED_SECTIONS:
        if quantity is None or quantity < 0:
            errors.add("quantity", _("钥匙和资料须填写接收数量。"))
        result = ""
    errors.raise_if_any()
    item = HandoverItem.objects.create(
        handover=handover, section=section, name=name, result=result, quantity=quantity, note=note, recorded_by=actor
    )
    if section in CHECKED_SECTIONS:
        text = _("%(section)s · %(name)s：%(result)s") % {
            "section": item.get_section_display(),
            "name": name,
            "result": item.get_result_display(),
        }
    else:
        text = _("%(section)s · %(name)s：接收 %(n)s") % {
            "section": item.get_section_display(),
            "name": name,
            "n": quantity,
        }
    _event(handover, actor, "item", text, note)
    return item


def handover_missing(handover) -> list[str]:
    items = list(handover.items.all())
    missing = []
    if not any(i.section in CHECKED_SECTIONS for i in items):
        missing.append(_("尚未记录房屋本体或设施设备的验收结果"))
    if not any(i.section in COUNTED_SECTIONS for i in items):
        missing.append(_("尚未记录钥匙或资料的接收数量"))
    defects = sum(1 for i in items if i.result == Result.DEFECT)
    if defects and not handover.defects.exists():
        missing.append(_("有 %(n)s 项验收结果为缺陷，请列出遗留缺陷") % {"n": defects})
    return missing


@transaction.atomic
def handover_sign(*, actor, handover, note: str = "") -> Handover:
    """The project manager signs the acceptance off; afterwards it cannot change."""
    if not rules.may_sign_handover(actor, handover.project_id):
        raise ActionRefused(_("接管验收须由项目经理签字确认。"))
    handover = _open_handover(actor, handover)
    missing = handover_missing(handover)
    if missing:
        raise ActionRefused(_("还不能签字：%(items)s。") % {"items": pgettext("list separator", "、").join(missing)})
    handover.state, handover.signed_at, handover.signed_by = HandoverState.SIGNED, timezone.now(), actor
    handover.sign_note = (note or "").strip()
    handover.save(update_fields=["state", "signed_at", "signed_by", "sign_note"])
    _event(handover, actor, "sign", _("项目经理签字确认接管"), handover.sign_note)
    return handover


@transaction.atomic
def handover_cancel(*, actor, handover, reason: str = "") -> Handover:
    handover = _open_handover(actor, handover)
    return _cancel(handover, actor, reason, HandoverState.CANCELLED, _("取消接管验收"))
