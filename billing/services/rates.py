"""What a room is charged for an item (收费标准), and a room's monthly periodic charge.

The rate rule (docs/decisions.md "Billing: which rate"): among an item's rates that apply to the
room (its building's, its project's, the company's; for its use or for any use) and took effect on
or before the day, the most specific wins, building over project over company, then a room use over
any use; among equally specific ones the latest `effective_from` (then the latest entered). A
period is billed at the rate in force on its first billed day: a rate change takes effect from the
first period that starts on or after its date, and a bill once issued keeps its price on its lines.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import rules
from billing.choices import Basis, Counts
from billing.models import FeeItem, FeeRate
from billing.money import check_price, line_fen
from core.audit import audit_record
from core.errors import ActionRefused
from estate.choices import RoomUse


def _rank(rate: FeeRate) -> tuple:
    level = 3 if rate.building_id else 2 if rate.project_id else 1
    return (level, 1 if rate.room_use else 0, rate.effective_from, rate.pk or 0)


class RateTable:
    """The rates of some items for one project, loaded once: `price(item, building_id, use, day)`
    answers from memory (a billing run asks it for every room)."""

    def __init__(self, items, project_id: int):
        self.project_id = project_id
        self._rates: dict[int, list[FeeRate]] = defaultdict(list)
        item_ids = [i.pk if isinstance(i, FeeItem) else int(i) for i in items]
        rows = FeeRate.objects.filter(item_id__in=item_ids).filter(Q(project__isnull=True) | Q(project_id=project_id))
        for rate in rows.filter(Q(building__isnull=True) | Q(building__project_id=project_id)):
            self._rates[rate.item_id].append(rate)
        self._cache: dict[tuple, FeeRate | None] = {}

    def rate(self, item_id: int, building_id: int | None, use: str, day: date) -> FeeRate | None:
        key = (item_id, building_id, use, day)
        if key not in self._cache:
            best = None
            for r in self._rates.get(item_id, ()):
                if r.effective_from > day or (r.building_id and r.building_id != building_id):
                    continue
                if r.room_use and r.room_use != use:
                    continue
                if best is None or _rank(r) > _rank(best):
                    best = r
            self._cache[key] = best
        return self._cache[key]

    def price(self, item_id: int, building_id: int | None, use: str, day: date) -> Decimal | None:
        found = self.rate(item_id, building_id, use, day)
        return None if found is None else found.price


def rate_for(item: FeeItem, room, day: date | None = None) -> FeeRate | None:
    """The rate of `item` for `room` on `day` (today by default), or None when none applies."""
    return RateTable([item], room.project_id).rate(item.pk, room.building_id, room.use, day or timezone.localdate())


# ---------------------------------------------------------------- quantities


@dataclass
class RoomFacts:
    """What a room's quantities are computed from (one row per room, read in bulk by a run)."""

    room_id: int
    building_id: int
    use: str
    area: Decimal | None
    parking: int = 0
    vehicles: int = 0
    pets: int = 0


def quantity(item: FeeItem, facts: RoomFacts) -> Decimal | None:
    """The quantity of an area or per-unit item for a room (None: the item does not apply)."""
    if item.basis == Basis.AREA:
        return facts.area if facts.area else None
    if item.basis == Basis.UNIT:
        count = {
            Counts.ROOM: 1,
            Counts.PARKING: facts.parking,
            Counts.VEHICLE: facts.vehicles,
            Counts.PET: facts.pets,
        }[item.counts]
        return Decimal(count) if count else None
    return None


def unit_counts(room_ids, start: date, end: date, counts: set[str]) -> dict[int, dict[str, int]]:
    """Parking spaces, vehicles and pets of each room held at some time in [start, end], in one query
    each, only for what the items count."""
    from django.db.models import Count

    from estate.models import ParkingSpace, Pet, Vehicle

    out: dict[int, dict[str, int]] = defaultdict(dict)
    if Counts.PARKING in counts:
        rows = (
            ParkingSpace.objects.filter(room_id__in=room_ids)
            .filter(Q(start__isnull=True) | Q(start__lte=end), Q(end__isnull=True) | Q(end__gte=start))
            .values("room_id")
            .annotate(n=Count("id"))
        )
        for row in rows:
            out[row["room_id"]]["parking"] = row["n"]
    if Counts.VEHICLE in counts:
        rows = (
            Vehicle.objects.filter(room_id__in=room_ids, registered_on__lte=end)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
            .values("room_id")
            .annotate(n=Count("id"))
        )
        for row in rows:
            out[row["room_id"]]["vehicles"] = row["n"]
    if Counts.PET in counts:
        rows = (
            Pet.objects.filter(room_id__in=room_ids, registered_on__lte=end)
            .filter(Q(gone_on__isnull=True) | Q(gone_on__gte=start))
            .values("room_id")
            .annotate(n=Count("id"))
        )
        for row in rows:
            out[row["room_id"]]["pets"] = row["n"]
    return out


def monthly_charge_fen(room, day: date | None = None) -> int:
    """What the room's periodic area and per-unit items cost a month at today's rates (metered items
    are left out: their amount is not known in advance). The prepayment cap is a number of these."""
    day = day or timezone.localdate()
    items = list(
        FeeItem.objects.filter(
            company_id=room.project.company_id, active=True, periodic=True, basis__in=[Basis.AREA, Basis.UNIT]
        )
    )
    if not items:
        return 0
    table = RateTable(items, room.project_id)
    counts = unit_counts([room.pk], day, day, {i.counts for i in items if i.basis == Basis.UNIT}).get(room.pk, {})
    facts = RoomFacts(room.pk, room.building_id, room.use, room.area, **counts)
    total = 0
    for item in items:
        qty = quantity(item, facts)
        price = table.price(item.pk, room.building_id, room.use, day)
        if qty is not None and price is not None:
            total += line_fen(qty, price)
    return total


# ---------------------------------------------------------------- writes


def fee_rate_add(
    *, actor, item: FeeItem, price, effective_from: date, project=None, building=None, room_use: str = ""
) -> FeeRate:
    """A new rate of an item from a date (rates are never edited: a change is a new row from its
    date, so bills already issued keep theirs). Company-wide rates are the administrator's; a
    project's or a building's, its money deciders'."""
    if building is not None:
        project = building.project
    if project is not None and project.company_id != item.company_id:
        raise ActionRefused(_("这个项目不属于该收费项目的公司。"))
    if not rules.may_set_rates(actor, project.pk if project is not None else None, company_id=item.company_id):
        raise ActionRefused(_("您不能设置这个收费标准。"))
    errors = {}
    try:
        price = check_price(price)
    except ValidationError as exc:
        errors["price"] = exc.messages
    if room_use and room_use not in RoomUse.values:
        errors["room_use"] = [_("房屋用途不正确。")]
    if item.basis == Basis.ONE_OFF:
        errors["item"] = [_("一次性收费项目按实际金额收取，没有收费标准。")]
    if effective_from is None:
        errors["effective_from"] = [_("请填写生效日期。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rate = FeeRate.objects.create(
            item=item,
            project=project,
            building=building,
            room_use=room_use,
            price=price,
            effective_from=effective_from,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            obj=rate,
            action="rate_added",
            changes={
                "item": item.code,
                "project": project.pk if project else None,
                "building": building.pk if building else None,
                "room_use": room_use,
                "price": str(price),
                "effective_from": effective_from.isoformat(),
            },
        )
    return rate
