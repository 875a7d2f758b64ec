"""One-off charges (renovation fees, paid repairs, value-added services) and meter readings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import events, rules
from billing.choices import Basis, BillState
from billing.models import Bill, BillLine, FeeItem, MeterReading
from billing.money import check_price, line_fen
from billing.services._common import check_lengths, lock_account, take_number
from billing.services.payments import settings_for
from core.audit import audit_record
from core.errors import ActionRefused

READING_SOURCES = ("manual", "transfer", "movein", "import")


@dataclass
class ChargeLine:
    """One line of a one-off bill: quantity × price, rounded once (billing/money.py line_fen)."""

    item: FeeItem
    quantity: Decimal
    price: Decimal
    description: str = ""


def charge_create(
    *,
    room,
    lines: list[ChargeLine],
    request=None,
    period_start: date | None = None,
    periodic: bool = False,
    due_on: date | None = None,
) -> Bill:
    """The one writer of a bill outside a billing run: the room's account locked, a numbered bill
    due after the company's term, its lines (each rounded once) and a total that is their sum. No
    permission check or input validation: its callers (`charge_add`, paid repairs, late fees) do
    theirs. `periodic`: a late fee is once a month per room (the periodic-line constraint holds it);
    one-off lines (repairs, other charges) may repeat."""
    if not lines:
        raise ValidationError(_("没有收费项目。"))
    today = timezone.localdate()
    period_start = period_start or today
    due = due_on or today + timedelta(days=settings_for(room.project.company_id).due_days)
    with transaction.atomic():
        lock_account(room)
        bill = Bill.objects.create(
            project_id=room.project_id,
            room=room,
            number=take_number("ZD"),
            period_start=period_start,
            period_end=max(period_start, today),
            issued_on=today,
            due_on=due,
        )
        made = BillLine.objects.bulk_create(
            [
                BillLine(
                    bill=bill,
                    room=room,
                    item=line.item,
                    period_start=period_start,
                    description=line.description,
                    quantity=line.quantity,
                    price=line.price,
                    months=1,
                    amount_fen=line_fen(line.quantity, line.price),
                    periodic=periodic,
                    request=request,
                )
                for line in lines
            ]
        )
        bill.total_fen = sum(line.amount_fen for line in made)
        if bill.total_fen == 0:
            bill.state = BillState.PAID
        bill.save(update_fields=["total_fen", "state"])
        bill.line = made[0]
        if bill.state == BillState.OPEN:
            from billing.notices import bill_issued_on_commit

            bill_issued_on_commit(bill)
        events.bill_issued(bill)
    return bill


def _quantity(value) -> Decimal:
    try:
        qty = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"quantity": [_("数量格式不正确。")]}) from exc
    if not qty.is_finite() or qty <= 0:
        raise ValidationError({"quantity": [_("数量必须大于零。")]})
    if qty.as_tuple().exponent < -2:
        raise ValidationError({"quantity": [_("数量最多两位小数。")]})
    if qty >= Decimal("1000000000"):
        raise ValidationError({"quantity": [_("数量过大。")]})
    return qty


def charge_add(
    *,
    actor,
    room,
    item: FeeItem,
    amount_fen: int | None = None,
    quantity=None,
    price=None,
    request=None,
    description: str = "",
    due_on: date | None = None,
) -> Bill:
    """A one-off charge on the room's account: a bill of one line, numbered, due after the company's
    term. Give `amount_fen`, or `quantity` and `price` (the line is rounded once: billing/money.py).
    A paid repair passes its service request: the line is linked to it (BillLine.request). Returns the
    bill; its line is `bill.line`."""
    project = room.project
    if item.company_id != project.company_id:
        raise ActionRefused(_("这个收费项目不属于本公司。"))
    if request is not None and (request.project_id != room.project_id or (request.room_id not in (None, room.pk))):
        raise ActionRefused(_("工单与房屋不符。"))
    if not rules.may_charge(actor, room.project_id, for_request=request is not None):
        raise ActionRefused(_("您不能为这个房屋记收费。"))
    errors = {}
    if not item.active:
        errors["item"] = [_("这个收费项目已停用。")]
    elif item.periodic and item.basis != Basis.ONE_OFF:
        errors["item"] = [_("周期性收费项目由批量出账收取，请选择一次性收费项目。")]
    if amount_fen is not None:
        if quantity is not None or price is not None:
            errors["amount"] = [_("金额与数量×单价只填一种。")]
        elif not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
            errors["amount"] = [_("金额必须大于零。")]
        qty, unit_price = Decimal(1), None
    else:
        try:
            qty = _quantity(quantity if quantity is not None else "")
        except ValidationError as exc:
            errors.update(exc.message_dict)
            qty = None
        try:
            unit_price = check_price(price if price is not None else "")
        except ValidationError as exc:
            errors["price"] = exc.messages
            unit_price = None
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("请写明收费内容。")]
    if errors:
        raise ValidationError(errors)
    check_lengths(BillLine, description=description)
    if unit_price is None:
        unit_price = (Decimal(amount_fen) / 100).quantize(Decimal("0.01"))
    else:
        amount_fen = line_fen(qty, unit_price)
        if amount_fen <= 0:
            raise ValidationError({"price": [_("金额必须大于零。")]})
    with transaction.atomic():
        bill = charge_create(
            room=room,
            lines=[ChargeLine(item=item, quantity=qty, price=unit_price, description=description)],
            request=request,
            due_on=due_on,
        )
        audit_record(
            actor=actor,
            obj=bill,
            action="charged",
            changes={
                "room": room.pk,
                "item": item.code,
                "amount_fen": amount_fen,
                "request": request.pk if request is not None else None,
                "description": description,
            },
        )
    return bill


def _check_between(room, item, read_on: date, value: Decimal) -> None:
    """A reading is never below an earlier one nor above a later one of the same meter."""
    readings = MeterReading.objects.filter(room=room, item=item)
    earlier = readings.filter(read_on__lt=read_on).order_by("-read_on").first()
    later = readings.filter(read_on__gt=read_on).order_by("read_on").first()
    if earlier is not None and value < earlier.value:
        raise ValidationError(
            {"value": [_("读数小于 %(day)s 的读数 %(v)s。") % {"day": earlier.read_on.isoformat(), "v": earlier.value}]}
        )
    if later is not None and value > later.value:
        raise ValidationError(
            {"value": [_("读数大于 %(day)s 的读数 %(v)s。") % {"day": later.read_on.isoformat(), "v": later.value}]}
        )


def meter_reading_record(*, actor, room, item: FeeItem, read_on: date, value, source: str = "manual") -> MeterReading:
    """A meter reading of a metered item (water, electricity, shared-area energy). A reading is never
    below an earlier one nor above a later one of the same meter; one a day."""
    if item.company_id != room.project.company_id:
        raise ActionRefused(_("这个收费项目不属于本公司。"))
    if not rules.may_record_readings(actor, room.project_id):
        raise ActionRefused(_("您不能为这个房屋抄表。"))
    errors = {}
    if item.basis != Basis.METERED:
        errors["item"] = [_("请选择按读数计费的收费项目。")]
    if read_on is None:
        errors["read_on"] = [_("请填写抄表日期。")]
    elif read_on > timezone.localdate():
        errors["read_on"] = [_("抄表日期不能晚于今天。")]
    try:
        value = Decimal(str(value))
        if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2 or value >= Decimal("1e10"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["value"] = [_("读数应为不小于零的数，最多两位小数。")]
    if source not in READING_SOURCES:
        errors["source"] = [_("来源不正确。")]
    if errors:
        raise ValidationError(errors)
    _check_between(room, item, read_on, value)
    try:
        with transaction.atomic():
            reading = MeterReading.objects.create(
                room=room, item=item, read_on=read_on, value=value, source=source, read_by=actor
            )
            audit_record(
                actor=actor,
                obj=reading,
                action="meter_read",
                changes={"room": room.pk, "item": item.code, "read_on": read_on.isoformat(), "value": str(value)},
            )
    except IntegrityError:
        raise ValidationError({"read_on": [_("这一天已经抄过这块表了。")]}) from None
    return reading


def transfer_meter_readings(*, actor, room, read_on: date, values: dict[str, Decimal | None]) -> list[MeterReading]:
    """The readings a transfer (过户) takes, as readings of the company's metered items of each meter
    (`FeeItem.meter`): the next billing run counts them like any other, so the period the transfer
    falls in is billed up to the transfer's reading and the next one from it. `values`: meter
    (billing.choices.Meter) → reading, None for a meter not read. Errors come back under the meter's
    name. Read again on the same day (a typing slip), a transfer's own reading is corrected as long as
    no bill has counted it; any other reading of that day stands and must agree."""
    read = {meter: value for meter, value in values.items() if value is not None}
    items = FeeItem.objects.filter(
        company_id=room.project.company_id, basis=Basis.METERED, active=True, meter__in=list(read)
    ).order_by("order", "pk")
    out = []
    for item in items:
        value = read[item.meter]
        try:
            same_day = MeterReading.objects.select_for_update().filter(room=room, item=item, read_on=read_on).first()
            if same_day is None:
                out.append(
                    meter_reading_record(
                        actor=actor, room=room, item=item, read_on=read_on, value=value, source="transfer"
                    )
                )
            elif same_day.value == value:
                out.append(same_day)
            else:
                out.append(_transfer_reading_correct(actor, same_day, value))
        except ValidationError as e:
            raise ValidationError({item.meter: [f"{item.name}：{m}" for m in e.messages]}) from None
    return out


def _transfer_reading_correct(actor, reading: MeterReading, value) -> MeterReading:
    billed = BillLine.objects.filter(
        room_id=reading.room_id, item_id=reading.item_id, cancelled=False, bill__period_end__gte=reading.read_on
    ).exists()
    if reading.source != "transfer" or billed:
        raise ValidationError(
            {"value": [_("%(day)s 已有读数 %(v)s。") % {"day": reading.read_on.isoformat(), "v": reading.value}]}
        )
    value = Decimal(str(value))
    _check_between(reading.room, reading.item, reading.read_on, value)
    before, reading.value, reading.read_by = reading.value, value, actor
    reading.save(update_fields=["value", "read_by"])
    audit_record(
        actor=actor,
        obj=reading,
        action="meter_read",
        changes={"value": [str(before), str(value)], "read_on": reading.read_on.isoformat()},
    )
    return reading
