"""The arrears ledger (欠费台账): what rooms owe past the due date, aged by how long, per project,
building and room; and one room's arrears for its page, the notices and the dunning ladder.

Arrears are the open rest (total − paid) of OPEN bills whose due date has passed. Aging counts days
from the due date to today: 1–30, 31–90, 91–180, 181–365 and more than 365 days. A disputed bill
(the resident contests it) is shown apart, in its own column, and counts in no aging bucket: its
dunning pauses until the dispute is settled.

Speed: every figure of the project and building pages is one aggregate over the project's OPEN
bills past due, read through the partial index `bill_open_project_due` (project_id, due_on, id)
WHERE state = OPEN: the paid and cancelled bills of the company's years, however many, are never
touched. The statement groups by room in the database (HAVING applies the filters) and, for the
project page, rolls the rooms up to buildings in the same statement; no query runs per room. The
state number is written into the SQL text (not a parameter) so PostgreSQL matches the partial
index's predicate whatever plan it caches. Benchmark: bench/bench_arrears.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from math import floor

from django.db import connection
from django.db.models import F, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.choices import BillState, PlanState
from billing.models import Bill, BillingSettings, BillLine, DunningStep, PaymentPlan
from estate.choices import Relation
from estate.models import Building, Occupancy, Resident, Room

LATE_FEE_CODE = "late_fee"


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    low: int  # days past due, inclusive
    high: int | None  # inclusive; None: no upper bound


BUCKETS = (
    Bucket("d30", _("30天以内"), 1, 30),
    Bucket("d90", _("31–90天"), 31, 90),
    Bucket("d180", _("91–180天"), 91, 180),
    Bucket("d365", _("181–365天"), 181, 365),
    Bucket("over", _("1年以上"), 366, None),
)


def bucket_of(days_overdue: int) -> Bucket | None:
    """The aging bucket of a bill `days_overdue` days past its due date (None: not yet due)."""
    for bucket in BUCKETS:
        if days_overdue >= bucket.low and (bucket.high is None or days_overdue <= bucket.high):
            return bucket
    return None


@dataclass
class LedgerRow:
    """One building or one room of the ledger: owed per aging bucket (undisputed), disputed apart."""

    key: int
    name: str
    cells: list[int]
    disputed: int
    oldest_due: date | None
    rooms: int = 1
    bills: int = 0
    sort_key: str = ""
    owner: str = ""
    last_step: DunningStep | None = None
    plan: bool = False

    @property
    def undisputed(self) -> int:
        return sum(self.cells)

    @property
    def total(self) -> int:
        return self.undisputed + self.disputed


@dataclass
class Filters:
    building_id: int | None = None
    min_days: int = 0  # only rooms whose oldest overdue bill is at least this many days past due
    min_fen: int = 0  # only rooms owing at least this much (disputed included)

    def as_dict(self) -> dict:
        return {"building": self.building_id, "min_days": self.min_days, "min_fen": self.min_fen}


@dataclass
class Ledger:
    today: date
    rows: list[LedgerRow]
    totals: LedgerRow
    truncated: bool = False
    buckets: tuple = field(default=BUCKETS)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _per_room_sql(filters: Filters, today: date) -> tuple[str, list, list, list]:
    """The statement that sums a project's overdue open bills per room (filters in HAVING), and its
    parameters in three parts: the SELECT's, the WHERE's after (project, today), the HAVING's."""
    rest = "(b.total_fen - b.paid_fen)"
    cells, params = [], []
    for bucket in BUCKETS:
        newest = today - timedelta(days=bucket.low)  # due on or before this day …
        cond = ["b.disputed = %s", "b.due_on <= %s"]
        params += [False, newest]
        if bucket.high is not None:
            cond.append("b.due_on >= %s")  # … and on or after this one
            params.append(today - timedelta(days=bucket.high))
        # as BIGINT: PostgreSQL sums bigints as numeric, which psycopg hands back as Decimal
        cells.append(f"CAST(COALESCE(SUM({rest}) FILTER (WHERE {' AND '.join(cond)}), 0) AS BIGINT) AS {bucket.key}")
    sql = (
        f"SELECT b.room_id AS room_id, {', '.join(cells)}, "
        f"CAST(COALESCE(SUM({rest}) FILTER (WHERE b.disputed = %s), 0) AS BIGINT) AS disputed, "
        f"MIN(b.due_on) AS oldest, COUNT(*) AS bills "
        f"FROM {_table(Bill)} b "
        f"WHERE b.project_id = %s AND b.state = {int(BillState.OPEN)} AND b.due_on < %s"
    )
    params += [True]
    where_params: list = []
    if filters.building_id:
        sql += f" AND b.room_id IN (SELECT r.id FROM {_table(Room)} r WHERE r.building_id = %s)"
        where_params.append(filters.building_id)
    sql += f" GROUP BY b.room_id HAVING SUM({rest}) >= %s"
    having = [max(filters.min_fen, 1)]
    if filters.min_days > 0:
        sql += " AND MIN(b.due_on) <= %s"
        having.append(today - timedelta(days=filters.min_days))
    return sql, params, where_params, having


def _run(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # SQLite hands back text


def building_ledger(project_id: int, *, filters: Filters | None = None, today: date | None = None) -> Ledger:
    """The project page: one row per building with arrears (rooms, owed per bucket, disputed)."""
    filters = filters or Filters()
    today = today or timezone.localdate()
    inner, params, where_params, having = _per_room_sql(filters, today)
    n = len(BUCKETS)
    sums = ", ".join(f"SUM(x.{b.key})" for b in BUCKETS)
    # The room's building is looked up per room in arrears (a correlated lookup by primary key):
    # a join let PostgreSQL hash every room of the company (140,000 rows read for 875 needed).
    sql = (
        f"SELECT y.building_id, COUNT(*), {sums.replace('x.', 'y.')}, SUM(y.disputed), MIN(y.oldest), "
        f"SUM(y.bills) FROM (SELECT x.*, (SELECT r.building_id FROM {_table(Room)} r WHERE r.id = x.room_id) "
        f"AS building_id FROM ({inner}) x) y GROUP BY y.building_id"
    )
    raw = _run(sql, [*params, project_id, today, *where_params, *having])
    names = dict(Building.objects.filter(project_id=project_id).values_list("id", "number"))
    rows = [
        LedgerRow(
            key=r[0],
            name=names.get(r[0], ""),
            rooms=r[1],
            cells=[int(v or 0) for v in r[2 : 2 + n]],
            disputed=int(r[2 + n] or 0),
            oldest_due=_as_date(r[3 + n]),
            bills=int(r[4 + n] or 0),
            sort_key=Room.make_sort_key(names.get(r[0], "")),
        )
        for r in raw
    ]
    rows.sort(key=lambda row: row.sort_key)
    return Ledger(today=today, rows=rows, totals=_totals(rows))


ORDERS = {"room": lambda r: (r.sort_key,), "owed": lambda r: (-r.total, r.sort_key), "age": None}


def room_ledger(
    project_id: int,
    *,
    filters: Filters | None = None,
    today: date | None = None,
    order: str = "room",
    limit: int | None = None,
    details: bool = True,
) -> Ledger:
    """The building page (filters.building_id) or the project's debtor list: one row per room in
    arrears. `details` adds each room's owners' names (staff pages only; never a phone or an ID
    number), its last dunning step and whether it has an active payment plan, in three queries."""
    filters = filters or Filters()
    today = today or timezone.localdate()
    inner, params, where_params, having = _per_room_sql(filters, today)
    n = len(BUCKETS)
    room = _table(Room)  # looked up per row by primary key, as in building_ledger
    sql = (
        f"SELECT x.*, (SELECT r.code FROM {room} r WHERE r.id = x.room_id), "
        f"(SELECT r.sort_key FROM {room} r WHERE r.id = x.room_id) FROM ({inner}) x"
    )
    raw = _run(sql, [*params, project_id, today, *where_params, *having])
    rows = [
        LedgerRow(
            key=r[0],
            cells=list(r[1 : 1 + n]),
            disputed=r[1 + n],
            oldest_due=_as_date(r[2 + n]),
            bills=int(r[3 + n] or 0),
            name=r[4 + n],
            sort_key=r[5 + n],
        )
        for r in raw
    ]
    totals = _totals(rows)
    rows.sort(key=lambda r: r.sort_key)
    if order == "age":
        rows.sort(key=lambda r: (r.oldest_due or today, r.sort_key))
    elif order in ORDERS:
        rows.sort(key=ORDERS[order])
    truncated = limit is not None and len(rows) > limit
    if truncated:
        rows = rows[:limit]
    if details and rows:
        _add_details(rows)
    return Ledger(today=today, rows=rows, totals=totals, truncated=truncated)


def _totals(rows: list[LedgerRow]) -> LedgerRow:
    oldest = [r.oldest_due for r in rows if r.oldest_due]
    return LedgerRow(
        key=0,
        name="",
        rooms=sum(r.rooms for r in rows),
        cells=[sum(r.cells[i] for r in rows) for i in range(len(BUCKETS))],
        disputed=sum(r.disputed for r in rows),
        oldest_due=min(oldest) if oldest else None,
        bills=sum(r.bills for r in rows),
    )


def _any(column: str, ids: list[int]) -> tuple[str, list]:
    """`column = ANY(%s)` with one array parameter on PostgreSQL (a list of 500 ids costs psycopg
    milliseconds to inline as 500 literals), `column IN (%s, …)` elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def owner_names(room_ids) -> dict[int, str]:
    """The current owners' names per room (staff pages; never a phone or an ID number)."""
    ids = list(room_ids)
    if not ids:
        return {}
    today = timezone.localdate()
    cond, params = _any("o.room_id", ids)
    rows = _run(
        f"SELECT o.room_id, p.name FROM {_table(Occupancy)} o JOIN {_table(Resident)} p ON p.id = o.resident_id "
        f"WHERE {cond} AND o.relation IN (%s, %s) AND (o.start IS NULL OR o.start <= %s) "
        f"AND (o.{connection.ops.quote_name('end')} IS NULL OR o.{connection.ops.quote_name('end')} >= %s) "
        f"ORDER BY o.room_id, o.id",
        [*params, Relation.OWNER.value, Relation.CO_OWNER.value, today, today],
    )
    names: dict[int, list[str]] = {}
    for room_id, name in rows:
        names.setdefault(room_id, []).append(name)
    return {k: "、".join(v) for k, v in names.items()}


def _add_details(rows: list[LedgerRow]) -> None:
    """Owners, the last dunning step and an active plan of the rows shown: three statements."""
    ids = [r.key for r in rows]
    owners = owner_names(ids)
    cond, params = _any("room_id", ids)
    steps = {
        room_id: DunningStep(room_id=room_id, kind=kind, at=_as_datetime(at))
        for room_id, kind, at in _run(
            f"SELECT s.room_id, s.kind, s.at FROM {_table(DunningStep)} s WHERE s.id IN "
            f"(SELECT MAX(id) FROM {_table(DunningStep)} WHERE {cond} GROUP BY room_id)",
            params,
        )
    }
    planned = {
        r[0]
        for r in _run(
            f"SELECT room_id FROM {_table(PaymentPlan)} WHERE state = {int(PlanState.ACTIVE)} AND {cond}", params
        )
    }
    for row in rows:
        row.owner = owners.get(row.key, "")
        row.last_step = steps.get(row.key)
        row.plan = row.key in planned


def _as_datetime(value):
    """A datetime from a raw SQL row: aware as it is on PostgreSQL; SQLite hands back UTC, naive or
    as text."""
    from datetime import UTC, datetime

    from django.utils.dateparse import parse_datetime

    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=UTC)


# ------------------------------------------------------------------ one room


@dataclass
class BillView:
    bill: Bill
    lines: list[BillLine]
    rest: int
    days_overdue: int
    bucket: Bucket | None
    late_fee: int = 0


@dataclass
class RoomArrears:
    """Everything the room's arrears page, the notices and the ladder need about one room."""

    room: Room
    today: date
    bills: list[BillView]  # every open bill, oldest due first
    owed: int  # every open bill's rest, disputed included (= billing.selectors.owed_fen)
    overdue: int  # past due, not disputed
    disputed: int  # open rest of disputed bills
    dunnable: int  # open and not disputed, due or not: what a reminder may ask for
    late_fee: int | None  # the computed figure, when the company charges late fees; else None

    @property
    def overdue_bills(self) -> list[BillView]:
        return [b for b in self.bills if b.days_overdue > 0 and not b.bill.disputed]

    @property
    def disputed_bills(self) -> list[BillView]:
        return [b for b in self.bills if b.bill.disputed]

    @property
    def all_disputed(self) -> bool:
        return bool(self.bills) and all(b.bill.disputed for b in self.bills)


def room_arrears(room: Room, *, today: date | None = None) -> RoomArrears:
    """One room's open bills with their lines and aging: two queries (three with late fees on)."""
    today = today or timezone.localdate()
    bills = list(
        Bill.objects.filter(room_id=room.pk, state=BillState.OPEN)
        .select_related("dispute_request")
        .prefetch_related(_lines_prefetch())
        .order_by("due_on", "id")
    )
    late = late_fee_terms(room.project.company_id)
    views = []
    for bill in bills:
        rest = bill.total_fen - bill.paid_fen
        days = (today - bill.due_on).days
        view = BillView(bill=bill, lines=list(bill.lines.all()), rest=rest, days_overdue=days, bucket=bucket_of(days))
        if late and not bill.disputed and not _is_late_fee_bill(view.lines):
            view.late_fee = late_fee_fen(rest, days, late)
        views.append(view)
    owed = sum(v.rest for v in views)
    disputed = sum(v.rest for v in views if v.bill.disputed)
    overdue = sum(v.rest for v in views if v.days_overdue > 0 and not v.bill.disputed)
    return RoomArrears(
        room=room,
        today=today,
        bills=views,
        owed=owed,
        overdue=overdue,
        disputed=disputed,
        dunnable=owed - disputed,
        late_fee=sum(v.late_fee for v in views) if late else None,
    )


def _lines_prefetch():
    return Prefetch("lines", queryset=BillLine.objects.filter(cancelled=False).select_related("item", "request"))


def _is_late_fee_bill(lines: list[BillLine]) -> bool:
    return bool(lines) and all(line.item.code == LATE_FEE_CODE for line in lines)


def dunnable_fen(room_id: int) -> tuple[int, int, int]:
    """(open undisputed, of which past due, disputed) of a room, in one query: the ladder's check."""
    today = timezone.localdate()
    rest = F("total_fen") - F("paid_fen")
    row = Bill.objects.filter(room_id=room_id, state=BillState.OPEN).aggregate(
        open=Sum(rest, filter=Q(disputed=False)),
        overdue=Sum(rest, filter=Q(disputed=False, due_on__lt=today)),
        disputed=Sum(rest, filter=Q(disputed=True)),
    )
    return int(row["open"] or 0), int(row["overdue"] or 0), int(row["disputed"] or 0)


# ------------------------------------------------------------------ late fees (滞纳金)


@dataclass(frozen=True)
class LateFeeTerms:
    daily_permille: Fraction
    grace_days: int
    cap_percent: int


def late_fee_terms(company_id: int | None) -> LateFeeTerms | None:
    """The company's late-fee terms, or None when it does not charge late fees (the default)."""
    if company_id is None:
        return None
    s = BillingSettings.of(company_id)
    if not s.late_fee_enabled or not s.late_fee_daily_permille:
        return None
    return LateFeeTerms(Fraction(s.late_fee_daily_permille), s.late_fee_grace_days, s.late_fee_cap_percent)


def late_fee_exact(rest_fen: int, days_overdue: int, terms: LateFeeTerms) -> Fraction:
    """rest × daily rate × days past the grace period, at most cap % of the rest; exact."""
    days = max(0, days_overdue - terms.grace_days)
    fee = Fraction(rest_fen) * terms.daily_permille / 1000 * days
    return min(fee, Fraction(rest_fen) * terms.cap_percent / 100)


def round_fen(value: Fraction) -> int:
    """Half up to the fen, as billing/money.py rounds a line."""
    return floor(value + Fraction(1, 2))


def late_fee_fen(rest_fen: int, days_overdue: int, terms: LateFeeTerms) -> int:
    return round_fen(late_fee_exact(rest_fen, days_overdue, terms))
