"""Ownership transfer (过户): open, settlement items, meter readings, complete, cancel."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from billing.money import yuan
from billing.selectors import owed_fen
from billing.services import transfer_meter_readings
from core.errors import ActionRefused
from estate.choices import Relation, RoomState
from estate.models import Occupancy, Room
from registrations.choices import TransferState
from registrations.models import Transfer, TransferItem
from registrations.services._common import (
    HOUSEHOLD_RELATIONS,
    OWNER_RELATIONS,
    Errors,
    _acquire,
    _cancel,
    _event,
    _find_or_make_resident,
    _may,
    _phone,
    _text,
    checklist_lines,
    current_owners,
    settings_for,
)


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
    TransferItem.objects.bulk_create(
        [TransferItem(transfer=transfer, label=ACCOUNT_CHECK_LABEL(), account_check=True)]
        + [TransferItem(transfer=transfer, label=label) for label, _m in lines]
    )
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
    if item.account_check:
        _check_account(transfer)
        _settle_account_item(item, actor)
        _event(transfer, actor, "settle", _("已结清：%(label)s") % {"label": item.label}, item.note)
        return item
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
    # The readings are the room's meter readings for billing too (the metered fee items of each meter):
    # read on the transfer date, or today when that is still ahead (a reading is never of the future).
    transfer_meter_readings(
        actor=actor,
        room=transfer.room,
        read_on=min(transfer.effective_on, timezone.localdate()),
        values={"water": water, "electricity": electricity, "gas": gas},
    )
    transfer.save(update_fields=["water", "electricity", "gas", "meters_read_at", "meters_read_by"])
    _event(
        transfer,
        actor,
        "meters",
        _("抄表：水 %(water)s，电 %(electricity)s，燃气 %(gas)s")
        % {"water": water, "electricity": electricity, "gas": gas if gas is not None else "-"},
    )
    return transfer


def ACCOUNT_CHECK_LABEL() -> str:  # noqa: N802 -- a label read in the language of the moment
    return _("物业等费用结清（按房屋账户核对）")


def _owed_message(owed: int) -> str:
    return _("房屋账户尚欠 %(amount)s 元，须先缴清") % {"amount": yuan(owed)}


def _check_account(transfer) -> None:
    """A transfer cannot complete while the room's account owes money (disputed bills included:
    a dispute is settled before the room changes hands)."""
    owed = owed_fen(transfer.room_id)
    if owed:
        raise ActionRefused(_owed_message(owed) + "。")


def _settle_account_item(item, actor) -> None:
    item.settled_at, item.settled_by = timezone.now(), actor
    item.note = _("系统核对：房屋账户无欠费")
    item.save(update_fields=["settled_at", "settled_by", "note"])


def transfer_missing(transfer) -> list[str]:
    """What still stands in the way. The fees are the room's account, checked now (not a tick): an
    account-check item counts as missing only while the room owes money."""
    missing = [
        _("未结清：%(label)s") % {"label": i.label}
        for i in transfer.items.all()
        if not i.settled_at and not i.account_check
    ]
    owed = owed_fen(transfer.room_id)
    if owed:
        missing.append(_owed_message(owed))
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
    _check_account(transfer)  # again, under the room's lock
    for item in transfer.items.filter(account_check=True, settled_at__isnull=True):
        _settle_account_item(item, actor)  # settled_at: when the check passed
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
