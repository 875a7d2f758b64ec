"""Move-in (收楼/入住): open, checklist, fees, rules, keys, inspection, complete, cancel."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.errors import ActionRefused
from estate.choices import RoomState
from estate.models import Occupancy, Room
from registrations.choices import KeyKind, MoveInRelation, MoveInState
from registrations.models import MoveIn, MoveInCheck, MoveInKey
from registrations.services._common import (
    Errors,
    _acquire,
    _cancel,
    _event,
    _find_or_make_resident,
    _may,
    _phone,
    _text,
    checklist_lines,
    settings_for,
)


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
