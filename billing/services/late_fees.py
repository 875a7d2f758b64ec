"""Late fees (滞纳金): charged only where the company turns them on (BillingSettings.late_fee_enabled,
off by default: only where the contract provides them), with its daily rate, grace period and cap.

The figure of one bill on a day (billing.ledger.late_fee_exact): rest × daily rate × the days past
due beyond the grace period, at most cap % of the rest; a late-fee bill bears none itself and a
disputed bill none while disputed. The monthly task charges, on the first of a month, what accrued
during the month before: for each open bill, the figure at the month's last day minus the figure at
the day before the month began (both rounded as a line is), summed per room into one one-off line
of the item `late_fee`. The months' charges add up to the capped figure, and the unique line per
room, item and period makes a second run of the same month charge nothing. The figure uses the rest
open when the task runs: a bill paid before then is charged nothing for that month.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.choices import Basis, BillState
from billing.ledger import LATE_FEE_CODE, late_fee_exact, late_fee_terms, round_fen
from billing.models import Bill, BillingSettings, BillLine, FeeItem
from billing.money import month_add
from billing.services.charges import ChargeLine, charge_create
from core.audit import audit_record
from estate.models import Room


def late_fee_item(company_id: int) -> FeeItem:
    item, _created = FeeItem.objects.get_or_create(
        company_id=company_id,
        code=LATE_FEE_CODE,
        defaults={"name": _("滞纳金"), "basis": Basis.ONE_OFF, "periodic": False, "order": 900},
    )
    return item


def accrued_in_month(rest: int, due_on: date, month: date, terms) -> int:
    """What a bill's late fee grew by during `month` (its first day), rounded as a line is."""
    last = month_add(month, 1) - timedelta(days=1)
    before = month - timedelta(days=1)
    return round_fen(late_fee_exact(rest, (last - due_on).days, terms)) - round_fen(
        late_fee_exact(rest, (before - due_on).days, terms)
    )


def late_fees_charge(*, month: date | None = None) -> dict[str, int]:
    """Charge the late fees accrued during `month` (default: last month) in every company that
    charges them. Returns how many rooms were charged and how much in all."""
    today = timezone.localdate()
    month = month or month_add(today.replace(day=1), -1)
    month = month.replace(day=1)
    last = month_add(month, 1) - timedelta(days=1)
    charged = {"rooms": 0, "fen": 0}
    for company_id in BillingSettings.objects.filter(late_fee_enabled=True).values_list("company_id", flat=True):
        terms = late_fee_terms(company_id)
        if terms is None:
            continue
        item = late_fee_item(company_id)
        latest_due = last - timedelta(days=terms.grace_days + 1)
        bills = (
            Bill.objects.filter(
                project__company_id=company_id, state=BillState.OPEN, disputed=False, due_on__lte=latest_due
            )
            .exclude(lines__item=item)
            .values_list("room_id", "total_fen", "paid_fen", "due_on")
        )
        per_room: dict[int, int] = defaultdict(int)
        for room_id, total, paid, due_on in bills:
            per_room[room_id] += accrued_in_month(total - paid, due_on, month, terms)
        done = set(
            BillLine.objects.filter(item=item, period_start=month, cancelled=False, request__isnull=True).values_list(
                "room_id", flat=True
            )
        )
        rate = terms.daily_permille
        owing = sorted((room_id, fen) for room_id, fen in per_room.items() if fen > 0 and room_id not in done)
        rooms = Room.objects.select_related("project").in_bulk([room_id for room_id, _fen in owing])
        for room_id, fen in owing:
            room = rooms[room_id]
            with transaction.atomic():
                bill = charge_create(
                    periodic=True,
                    room=room,
                    lines=[
                        ChargeLine(
                            item=item,
                            quantity=Decimal(1),
                            price=Decimal(fen) / 100,
                            description=_("%(month)s 滞纳金（日费率 %(rate)s‰，宽限 %(grace)s 天，上限 %(cap)s%%）")
                            % {
                                "month": f"{month:%Y-%m}",
                                "rate": (Decimal(rate.numerator) / rate.denominator).normalize(),
                                "grace": terms.grace_days,
                                "cap": terms.cap_percent,
                            },
                        )
                    ],
                    period_start=month,
                )
                audit_record(
                    actor=None, obj=bill, action="late_fee", changes={"room": room.code, "month": f"{month:%Y-%m}"}
                )
            charged["rooms"] += 1
            charged["fen"] += fen
    return charged
