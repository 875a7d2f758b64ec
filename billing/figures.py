"""Figures of the money side for a project and a month, by building and by fee item; finance's
month of paid and free work; the accounting export's rows.

Collection rate (收缴率) of a month, as of today:
- by amount: what has been collected on the month's bills ÷ what they charge. "The month's bills"
  are the bill lines whose period starts in the month (a billing run's lines, and one-off charges
  issued in it); cancelled lines and bills do not count;
- by household: rooms whose lines of the month are all paid ÷ rooms billed in the month.
Arrears recovered (清欠率) in a month: money allocated during the month to bills due before the month
began ÷ what those bills still owed when the month began (their amount less what had been
allocated to them before it). Reversals count negative, in the month they were made.

Each figure is a few SQL aggregates grouped by building and item (a few hundred groups at most);
the page's tables and charts are sums of those groups, never of the rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.choices import BillState, EntryKind, Method
from billing.models import Allocation, BillLine, Entry, FeeItem
from billing.money import month_add, yuan
from estate.models import Building, Room


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class Rate:
    key: object
    name: str
    billed: int = 0
    collected: int = 0
    owed_start: int = 0
    recovered: int = 0

    @property
    def rate(self) -> float | None:
        return 100.0 * self.collected / self.billed if self.billed else None

    @property
    def recovery(self) -> float | None:
        return 100.0 * self.recovered / self.owed_start if self.owed_start else None


@dataclass
class Figures:
    month: date
    total: Rate
    rooms_billed: int
    rooms_paid: int
    by_building: list[Rate] = field(default_factory=list)
    by_item: list[Rate] = field(default_factory=list)
    cash_in: int = 0  # payments less reversals made in the month

    @property
    def household_rate(self) -> float | None:
        return 100.0 * self.rooms_paid / self.rooms_billed if self.rooms_billed else None


def _live_lines(project_id: int):
    return BillLine.objects.filter(bill__project_id=project_id, cancelled=False).exclude(
        bill__state=BillState.CANCELLED
    )


def collection_figures(project_id: int, month: date) -> Figures:
    month = month.replace(day=1)
    nxt = month_add(month, 1)
    start, end = _start(month), _start(nxt)
    groups: dict[tuple[int, int], Rate] = defaultdict(lambda: Rate(None, ""))
    current = (
        _live_lines(project_id)
        .filter(period_start__gte=month, period_start__lt=nxt)
        .values("room__building_id", "item_id")
        .annotate(billed=Sum("amount_fen"), collected=Sum("paid_fen"))
    )
    for row in current:
        g = groups[(row["room__building_id"], row["item_id"])]
        g.billed += row["billed"] or 0
        g.collected += row["collected"] or 0
    # the rooms of the month: billed, and fully paid
    per_room = (
        _live_lines(project_id)
        .filter(period_start__gte=month, period_start__lt=nxt)
        .values("room_id")
        .annotate(billed=Sum("amount_fen"), paid=Sum("paid_fen"))
    )
    rooms_billed = rooms_paid = 0
    for row in per_room:
        rooms_billed += 1
        rooms_paid += int((row["paid"] or 0) >= (row["billed"] or 0))
    # arrears when the month began: lines of bills due before it, less what was allocated before it
    old = _live_lines(project_id).filter(bill__due_on__lt=month)
    for row in old.values("room__building_id", "item_id").annotate(billed=Sum("amount_fen")):
        groups[(row["room__building_id"], row["item_id"])].owed_start += row["billed"] or 0
    allocs = (
        Allocation.objects.filter(
            line__bill__project_id=project_id, line__bill__due_on__lt=month, line__cancelled=False, created_at__lt=end
        )
        .exclude(line__bill__state=BillState.CANCELLED)
        .values("line__room__building_id", "line__item_id")
        .annotate(
            before=Coalesce(Sum("amount_fen", filter=Q(created_at__lt=start)), 0),
            during=Coalesce(Sum("amount_fen", filter=Q(created_at__gte=start)), 0),
        )
    )
    for row in allocs:
        g = groups[(row["line__room__building_id"], row["line__item_id"])]
        g.owed_start -= row["before"]
        g.recovered += row["during"]
    buildings = dict(Building.objects.filter(project_id=project_id).values_list("id", "number"))
    items = dict(FeeItem.objects.filter(pk__in={k[1] for k in groups}).values_list("id", "name"))
    by_building: dict[int, Rate] = {}
    by_item: dict[int, Rate] = {}
    total = Rate("all", _("合计"))
    for (building_id, item_id), g in groups.items():
        for bucket, key, name in (
            (by_building, building_id, _("%(b)s 栋") % {"b": buildings.get(building_id, "?")}),
            (by_item, item_id, items.get(item_id, "?")),
        ):
            r = bucket.setdefault(key, Rate(key, name))
            r.billed += g.billed
            r.collected += g.collected
            r.owed_start += g.owed_start
            r.recovered += g.recovered
        total.billed += g.billed
        total.collected += g.collected
        total.owed_start += g.owed_start
        total.recovered += g.recovered
    cash = Entry.objects.filter(
        project_id=project_id,
        kind__in=[EntryKind.PAYMENT, EntryKind.REVERSAL],
        posted_at__gte=start,
        posted_at__lt=end,
    ).aggregate(s=Sum("amount_fen"))["s"]
    return Figures(
        month=month,
        total=total,
        rooms_billed=rooms_billed,
        rooms_paid=rooms_paid,
        by_building=sorted(by_building.values(), key=lambda r: Room.make_sort_key(buildings.get(r.key, ""))),
        by_item=sorted(by_item.values(), key=lambda r: str(r.name)),
        cash_in=int(cash or 0),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def chart_data(f: Figures) -> dict:
    """The figures page's charts (ECharts, labels in the reader's language)."""

    def block(rows: list[Rate]) -> dict:
        return {
            "names": [str(r.name) for r in rows],
            "series": [
                {"name": _("应收(元)"), "data": [float(yuan(r.billed)) for r in rows]},
                {"name": _("已收(元)"), "data": [float(yuan(r.collected)) for r in rows]},
            ],
            "rate": {"name": _("收缴率"), "data": [_round(r.rate) for r in rows]},
            "rate2": {"name": _("清欠率"), "data": [_round(r.recovery) for r in rows]},
        }

    return {"building": block(f.by_building), "item": block(f.by_item)}


# ------------------------------------------------------------------ finance


def paid_and_free_work(project_id: int, month: date) -> dict:
    """Repairs finished (first resolved) in the month: those with a charge on the room's account
    (paid work) and those without (free work), by category, with the amounts charged."""
    from desk.choices import Kind, State
    from desk.models import ServiceRequest

    nxt = month_add(month, 1)
    done = Coalesce("first_resolved_at", "resolved_at")
    repairs = (
        ServiceRequest.objects.filter(project_id=project_id, kind=Kind.REPAIR)
        .exclude(state=State.CANCELLED)
        .annotate(done_at=done)
        .filter(done_at__gte=_start(month), done_at__lt=_start(nxt))
    )
    charges = dict(
        BillLine.objects.filter(request__in=repairs.values("pk"), cancelled=False)
        .exclude(bill__state=BillState.CANCELLED)
        .values("request_id")
        .annotate(s=Sum("amount_fen"))
        .values_list("request_id", "s")
    )
    rows = list(
        repairs.values("pk", "number", "title", "room__code", "category__name", "done_at").order_by("done_at", "pk")
    )
    categories: dict[str, dict] = {}
    for r in rows:
        cat = categories.setdefault(
            r["category__name"] or _("未分类"),
            {"name": r["category__name"] or _("未分类"), "paid": 0, "free": 0, "fen": 0},
        )
        fen = charges.get(r["pk"])
        r["charged"] = fen
        if fen:
            cat["paid"] += 1
            cat["fen"] += fen
        else:
            cat["free"] += 1
    paid = [r for r in rows if r["charged"]]
    return {
        "month": month,
        "paid": len(paid),
        "free": len(rows) - len(paid),
        "fen": sum(r["charged"] for r in paid),
        "categories": sorted(categories.values(), key=lambda c: -(c["paid"] + c["free"])),
        "paid_rows": paid[:200],
        "more_paid": max(len(paid) - 200, 0),
    }


def accounting_sheets(project_id: int, month: date) -> list[tuple[str, list[str], object]]:
    """Three sheets an accounting package imports: the month's bill lines (by issue date), its money
    entries (payments, reversals, refunds), and their allocations to bill lines, each with the
    account code of the fee item (FeeItem.account_code). Amounts in yuan, two decimals."""
    nxt = month_add(month, 1)
    start, end = _start(month), _start(nxt)

    def lines():
        qs = (
            BillLine.objects.filter(bill__project_id=project_id, bill__issued_on__gte=month, bill__issued_on__lt=nxt)
            .order_by("bill__issued_on", "bill_id", "id")
            .values_list(
                "bill__issued_on",
                "bill__number",
                "room__code",
                "item__code",
                "item__name",
                "item__account_code",
                "period_start",
                "bill__period_end",
                "description",
                "amount_fen",
                "cancelled",
                "bill__state",
                "request__number",
            )
        )
        for row in qs.iterator(chunk_size=2000):
            cancelled = row[10] or row[11] == BillState.CANCELLED
            yield [*row[:9], yuan(row[9]), _("已作废") if cancelled else "", row[12] or ""]

    def entries():
        qs = (
            Entry.objects.filter(project_id=project_id, posted_at__gte=start, posted_at__lt=end)
            .order_by("posted_at", "id")
            .values_list("posted_at", "number", "kind", "method", "room__code", "amount_fen", "reverses__number")
        )
        kinds, methods = dict(EntryKind.choices), dict(Method.choices)
        for at, number, kind, method, room, fen, reverses in qs.iterator(chunk_size=2000):
            yield [
                timezone.localtime(at).replace(tzinfo=None),
                number,
                kinds.get(kind, kind),
                methods.get(method, method),
                room,
                yuan(fen),
                reverses or "",
            ]

    def allocations():
        qs = (
            Allocation.objects.filter(entry__project_id=project_id, created_at__gte=start, created_at__lt=end)
            .order_by("created_at", "id")
            .values_list(
                "created_at",
                "entry__number",
                "line__bill__number",
                "line__room__code",
                "line__item__code",
                "line__item__name",
                "line__item__account_code",
                "amount_fen",
            )
        )
        for row in qs.iterator(chunk_size=2000):
            yield [timezone.localtime(row[0]).replace(tzinfo=None), *row[1:7], yuan(row[7])]

    return [
        (
            _("账单明细"),
            [
                _("出账日期"),
                _("账单号"),
                _("房屋"),
                _("收费项目代码"),
                _("收费项目"),
                _("会计科目"),
                _("账期开始"),
                _("账期结束"),
                _("说明"),
                _("金额(元)"),
                _("作废"),
                _("工单"),
            ],
            lines(),
        ),
        (
            _("收退款"),
            [_("入账时间"), _("收据号"), _("类型"), _("方式"), _("房屋"), _("金额(元)"), _("冲红原单")],
            entries(),
        ),
        (
            _("核销"),
            [
                _("核销时间"),
                _("收据号"),
                _("账单号"),
                _("房屋"),
                _("收费项目代码"),
                _("收费项目"),
                _("会计科目"),
                _("金额(元)"),
            ],
            allocations(),
        ),
    ]


def review_kpis(project_id: int, month: date) -> dict:
    """The three money figures the quality monthly review shows beside the desk's KPIs."""
    f = collection_figures(project_id, month)
    return {
        "amount": (f.total.collected, f.total.billed),
        "household": (f.rooms_paid, f.rooms_billed),
        "recovery": (f.total.recovered, f.total.owed_start),
    }
