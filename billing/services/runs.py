"""Billing runs (批量出账): every chargeable room of a project billed for a period, on the task queue.

- Who pays: a room the developer still owns (RoomState.UNSOLD) is billed to the developer; any other
  room to its owner (the bill is the room's: whoever owns it pays it).
- From when (docs/decisions.md "Billing: proration"): fees run from the room's delivery
  (`delivered_on`) or, when later, its first owner's start (the owner's move-in/handover); a room
  starting within the period is charged by day for its first month (`billing.money.prorated_months`).
  The developer pays from delivery. A room with neither date is charged the whole period.
- Vacant rooms (RoomState.VACANT): the company's vacancy discount reduces their area-based lines
  (the line says so; the amount is the discounted one, rounded once).
- Metered items: the consumption between the last reading before the period and the last reading
  in it (readings taken at a transfer count like any other), at the rate of the period's first day.
- Idempotent: a room's item is billed once per period (the unique index on bill lines); a second
  run of the same period bills only what is missing (new rooms, a room given its area since).
- Resumable: rooms are taken in id order a chunk at a time, each chunk committed with its progress
  (`resume_after_room_id`): a worker killed half way leaves whole chunks and a mark to go on from.
- Reversible as a whole before anything is paid: its bills cancelled, the prepaid balance they used
  given back to the payments it came from.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing import events, rules
from billing.choices import CYCLE_MONTHS, RUN_ACTIVE, Basis, BillState, Counts, Cycle, EntryKind, Payer, RunState
from billing.models import Account, Allocation, Bill, BillingRun, BillLine, Entry, FeeItem, MeterReading
from billing.money import line_fen, month_add, prorated_months
from billing.services import _ledger
from billing.services._common import check_lengths, insert_rows, lock_accounts, take_numbers, update_rows
from billing.services.payments import settings_for
from billing.services.rates import RateTable, RoomFacts, quantity, unit_counts
from core.audit import audit_record
from core.errors import ActionRefused
from core.models import Project
from estate.choices import Relation, RoomState
from estate.models import Occupancy, Room

log = logging.getLogger(__name__)

CHUNK = 2000
STALE = timedelta(minutes=3)  # a running run without progress for this long: its worker is gone
MONTHS_PLACES = Decimal("0.0001")


def period_end(start: date, cycle: str) -> date:
    return month_add(start, CYCLE_MONTHS[Cycle(cycle)]) - timedelta(days=1)


# ---------------------------------------------------------------- what a room is charged


@dataclass
class LineDraft:
    item_id: int
    quantity: Decimal
    price: Decimal
    months: Fraction
    amount_fen: int
    description: str = ""


@dataclass
class RoomCharge:
    room_id: int
    code: str
    payer: str
    lines: list[LineDraft] = field(default_factory=list)

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def by_developer(self) -> bool:
        return self.payer == Payer.DEVELOPER


@dataclass
class ChunkResult:
    charges: list[RoomCharge]
    skipped: dict[str, int]


SKIP_REASONS = {
    "billed": gettext_noop("该账期已出账"),
    "not_started": gettext_noop("账期内尚未交付或收房"),
    "no_rate": gettext_noop("没有适用的收费标准"),
    "no_quantity": gettext_noop("没有面积、车位、读数等计费数量"),
}


def _fmt(d: date) -> str:
    return d.isoformat()


class Charger:
    """Computes what each room of a project owes for the period: one per run (or preview), asked
    chunk after chunk; reads in bulk (a handful of queries per chunk whatever its size)."""

    def __init__(self, project: Project, items: list[FeeItem], start: date, cycle: str):
        self.project, self.items, self.start, self.cycle = project, items, start, cycle
        self.end = period_end(start, cycle)
        self.table = RateTable(items, project.pk)
        self.discount = settings_for(project.company_id).vacancy_discount_percent
        self.counts = {i.counts for i in items if i.basis == Basis.UNIT} - {Counts.ROOM}
        self.metered = [i for i in items if i.basis == Basis.METERED]
        self._months: dict[date, Fraction] = {}

    def rooms(self, after: int, size: int = CHUNK) -> list[tuple]:
        return list(
            Room.objects.filter(project=self.project, pk__gt=after)
            .order_by("pk")
            .values_list("pk", "code", "building_id", "use", "state", "area", "delivered_on")[:size]
        )

    def _owner_starts(self, room_ids) -> dict[int, date | None]:
        """The first owner's start of each room that has (or had) one; None: an owner since always."""
        out: dict[int, date | None] = {}
        rows = Occupancy.objects.filter(room_id__in=room_ids, relation__in=[Relation.OWNER, Relation.CO_OWNER])
        for room_id, start in rows.values_list("room_id", "start"):
            if room_id in out and out[room_id] is None:
                continue
            out[room_id] = None if start is None else min(start, out.get(room_id) or start)
        return out

    def _readings(self, room_ids) -> dict[tuple[int, int], tuple]:
        """(room, item) → (reading before the period, last reading in it), for the metered items."""
        if not self.metered:
            return {}
        rows = (
            MeterReading.objects.filter(
                room_id__in=room_ids,
                item__in=self.metered,
                read_on__lte=self.end,
                read_on__gte=self.start - timedelta(days=400),
            )
            .order_by("room_id", "item_id", "read_on")
            .values_list("room_id", "item_id", "read_on", "value")
        )
        before: dict[tuple, tuple] = {}
        inside: dict[tuple, tuple] = {}
        for room_id, item_id, read_on, value in rows:
            key = (room_id, item_id)
            if read_on < self.start:
                before[key] = (read_on, value)
            else:
                inside[key] = (read_on, value)
        return {key: (before.get(key), last) for key, last in inside.items()}

    def _already(self, room_ids) -> set[tuple[int, int]]:
        return set(
            BillLine.objects.filter(
                room_id__in=room_ids, item__in=self.items, period_start=self.start, cancelled=False, periodic=True
            ).values_list("room_id", "item_id")
        )

    def compute(self, rooms: list[tuple]) -> ChunkResult:
        ids = [r[0] for r in rooms]
        owners = self._owner_starts(ids)
        counts = unit_counts(ids, self.start, self.end, self.counts) if self.counts else {}
        readings = self._readings(ids)
        already = self._already(ids)
        skipped: dict[str, int] = defaultdict(int)
        charges = []
        for room_id, code, building_id, use, state, area, delivered_on in rooms:
            payer = Payer.DEVELOPER if state == RoomState.UNSOLD else Payer.OWNER
            starts = [d for d in (delivered_on, None if payer == Payer.DEVELOPER else owners.get(room_id)) if d]
            billed_from = max(starts) if starts else self.start
            if billed_from > self.end:
                skipped["not_started"] += 1
                continue
            first_day = max(billed_from, self.start)
            months = self._months.get(billed_from)
            if months is None:
                months = self._months[billed_from] = prorated_months(self.start, self.end, billed_from, self.end)
            facts = RoomFacts(room_id, building_id, use, area, **counts.get(room_id, {}))
            charge = RoomCharge(room_id, code, payer)
            reasons = set()
            for item in self.items:
                if (room_id, item.pk) in already:
                    reasons.add("billed")
                    continue
                price = self.table.price(item.pk, building_id, use, first_day)
                if price is None:
                    reasons.add("no_rate")
                    continue
                if item.basis == Basis.METERED:
                    draft = self._metered(item, price, readings.get((room_id, item.pk)))
                else:
                    draft = self._periodic(item, price, facts, months, billed_from, state)
                if draft is None or draft.amount_fen <= 0:
                    reasons.add("no_quantity")
                    continue
                charge.lines.append(draft)
            if charge.lines:
                charges.append(charge)
            else:
                for reason in ("billed", "no_rate", "no_quantity"):
                    if reason in reasons:
                        skipped[reason] += 1
                        break
                else:
                    skipped["no_rate"] += 1
        return ChunkResult(charges, dict(skipped))

    def _periodic(self, item, price, facts, months: Fraction, billed_from: date, state) -> LineDraft | None:
        qty = quantity(item, facts)
        if qty is None:
            return None
        notes = []
        exact = months
        if billed_from > self.start:
            notes.append(_("%(day)s 起计费") % {"day": _fmt(billed_from)})
        if item.basis == Basis.AREA and state == RoomState.VACANT and self.discount:
            exact = months * Fraction(100 - self.discount, 100)
            notes.append(_("空置优惠 %(p)s%%") % {"p": self.discount})
        return LineDraft(
            item_id=item.pk,
            quantity=qty,
            price=price,
            months=months,
            amount_fen=line_fen(qty, price, months=exact),
            description="；".join(str(n) for n in notes),
        )

    def _metered(self, item, price, reads) -> LineDraft | None:
        if reads is None:
            return None
        before, last = reads
        if before is None:
            return None  # the first reading of a meter is where counting starts
        used = last[1] - before[1]
        if used <= 0:
            return None
        return LineDraft(
            item_id=item.pk,
            quantity=used,
            price=price,
            months=Fraction(1),
            amount_fen=line_fen(used, price),
            description=_("读数 %(a)s（%(da)s）→ %(b)s（%(db)s）")
            % {"a": before[1], "da": _fmt(before[0]), "b": last[1], "db": _fmt(last[0])},
        )


# ---------------------------------------------------------------- preview


@dataclass
class Preview:
    period_start: date
    period_end: date
    rooms_total: int = 0
    rooms_billed: int = 0
    developer_rooms: int = 0
    total_fen: int = 0
    by_item: dict = field(default_factory=dict)  # item name → fen
    skipped: dict = field(default_factory=dict)  # reason label → rooms
    first: list = field(default_factory=list)  # the first RoomCharges, for a look


def _items(project: Project, cycle: str, item_ids=None) -> list[FeeItem]:
    qs = FeeItem.objects.filter(company_id=project.company_id, active=True, periodic=True).exclude(basis=Basis.ONE_OFF)
    if item_ids:
        ids = {int(i) for i in item_ids}
        items = list(qs.filter(pk__in=ids).order_by("order", "pk"))
        if len(items) != len(ids):
            raise ValidationError({"items": [_("所选收费项目不可用于批量出账。")]})
        return items
    return list(qs.filter(cycle=cycle).order_by("order", "pk"))


def _check_period(start: date, cycle: str) -> None:
    if cycle not in Cycle.values:
        raise ValidationError({"cycle": [_("请选择出账周期。")]})
    if start is None or start.day != 1:
        raise ValidationError({"period_start": [_("账期从某月 1 日开始。")]})


def billing_run_preview(*, actor, project: Project, period_start: date, cycle: str, item_ids=None, first: int = 20):
    """What a run would create, without writing anything: rooms billed and skipped (and why), the
    total and per item, the first rooms' lines."""
    if not rules.may_run_billing(actor, project.pk):
        raise ActionRefused(_("您不能为这个项目出账。"))
    _check_period(period_start, cycle)
    items = _items(project, cycle, item_ids)
    if not items:
        raise ValidationError({"items": [_("没有可出账的收费项目：请先在后台设置收费项目和收费标准。")]})
    charger = Charger(project, items, period_start, cycle)
    names = {i.pk: i.name for i in items}
    out = Preview(period_start=period_start, period_end=charger.end)
    by_item: dict[str, int] = defaultdict(int)
    skipped: dict[str, int] = defaultdict(int)
    after = 0
    while rooms := charger.rooms(after):
        after = rooms[-1][0]
        out.rooms_total += len(rooms)
        result = charger.compute(rooms)
        for reason, n in result.skipped.items():
            skipped[reason] += n
        for charge in result.charges:
            out.rooms_billed += 1
            out.developer_rooms += charge.payer == Payer.DEVELOPER
            out.total_fen += charge.total_fen
            for line in charge.lines:
                by_item[names[line.item_id]] += line.amount_fen
            if len(out.first) < first:
                for line in charge.lines:
                    line.item_name = names[line.item_id]
                out.first.append(charge)
    out.by_item = dict(by_item)
    out.skipped = {_(SKIP_REASONS[k]): v for k, v in skipped.items()}
    return out


# ---------------------------------------------------------------- start, execute, resume, reverse


def _enqueue(run_id: int) -> None:
    from billing.tasks import run_billing

    transaction.on_commit(lambda: run_billing(run_id))


def billing_run_start(*, actor, project: Project, period_start: date, cycle: str, item_ids=None) -> BillingRun:
    """A run queued for the worker (started when this transaction commits). Refused while another run
    of the project for the same period is under way or failed (go on with that one), and for a
    period overlapping an earlier run's with other dates (a month inside a billed quarter)."""
    if not rules.may_run_billing(actor, project.pk):
        raise ActionRefused(_("您不能为这个项目出账。"))
    _check_period(period_start, cycle)
    items = _items(project, cycle, item_ids)
    if not items:
        raise ValidationError({"items": [_("没有可出账的收费项目：请先在后台设置收费项目和收费标准。")]})
    end = period_end(period_start, cycle)
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)  # one start at a time per project
        others = BillingRun.objects.filter(
            project=project, period_start__lte=end, period_end__gte=period_start
        ).exclude(state=RunState.REVERSED)
        for other in others.prefetch_related("items"):
            if not {i.pk for i in other.items.all()} & {i.pk for i in items}:
                continue
            if other.period_start != period_start or other.period_end != end:
                raise ValidationError(
                    {
                        "period_start": [
                            _("账期与已出账的批次 #%(id)s（%(a)s 至 %(b)s）重叠。")
                            % {"id": other.pk, "a": _fmt(other.period_start), "b": _fmt(other.period_end)}
                        ]
                    }
                )
            if other.state in RUN_ACTIVE:
                raise ActionRefused(_("这个账期正在出账（批次 #%(id)s），请等它完成。") % {"id": other.pk})
            if other.state == RunState.FAILED:
                raise ActionRefused(_("这个账期有未完成的批次 #%(id)s，请继续或撤销它。") % {"id": other.pk})
        run = BillingRun.objects.create(
            project=project,
            period_start=period_start,
            period_end=end,
            cycle=cycle,
            state=RunState.QUEUED,
            rooms_total=Room.objects.filter(project=project).count(),
            started_by=actor,
        )
        run.items.set(items)
        audit_record(
            actor=actor,
            obj=run,
            action="run_started",
            changes={"period": [_fmt(period_start), _fmt(end)], "items": [i.code for i in items]},
        )
        _enqueue(run.pk)
    return run


def _claim(run_id: int) -> bool:
    """Take the run for this worker: queued, or running without progress for a while (its worker
    died). Two workers never both hold it: the update is a compare-and-swap."""
    now = timezone.now()
    took = (
        BillingRun.objects.filter(pk=run_id)
        .filter(Q(state=RunState.QUEUED) | Q(state=RunState.RUNNING, heartbeat_at__lt=now - STALE))
        .update(state=RunState.RUNNING, heartbeat_at=now, error="")
    )
    return bool(took)


def billing_run_execute(*, run_id: int, chunk: int = CHUNK, stop_after: int | None = None) -> BillingRun:
    """The worker's part: bill the run's rooms a chunk at a time, each chunk in one transaction with
    the run's progress. `stop_after` chunks (tests: a worker killed half way) leaves it running."""
    if not _claim(run_id):
        return BillingRun.objects.get(pk=run_id)
    run = BillingRun.objects.select_related("project").get(pk=run_id)
    items = list(run.items.order_by("order", "pk"))
    charger = Charger(run.project, items, run.period_start, run.cycle)
    done_chunks = 0
    try:
        while True:
            if stop_after is not None and done_chunks >= stop_after:
                return BillingRun.objects.get(pk=run_id)
            if not _bill_chunk(run_id, charger, chunk):
                break
            done_chunks += 1
    except Exception as exc:  # noqa: BLE001 - the run shows it failed; the chunk rolled back whole
        log.exception("billing run %s failed", run_id)
        BillingRun.objects.filter(pk=run_id, state=RunState.RUNNING).update(
            state=RunState.FAILED, error=str(exc)[:500], heartbeat_at=timezone.now()
        )
        return BillingRun.objects.get(pk=run_id)
    return BillingRun.objects.get(pk=run_id)


def _bill_chunk(run_id: int, charger: Charger, size: int) -> bool:
    """Bill the next chunk of rooms; False when there was none left (the run is then done)."""
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run_id)
        if run.state != RunState.RUNNING:
            return False
        rooms = charger.rooms(run.resume_after_room_id, size)
        now = timezone.now()
        if not rooms:
            run.state, run.finished_at, run.heartbeat_at = RunState.DONE, now, now
            run.save(update_fields=["state", "finished_at", "heartbeat_at"])
            audit_record(
                actor=run.started_by,
                obj=run,
                action="run_done",
                changes={"bills": run.bills_created, "total_fen": run.total_fen},
            )
            from billing.notices import run_done_on_commit

            run_done_on_commit(run.pk)
            return False
        result = charger.compute(rooms)
        charges = result.charges
        accounts = lock_accounts([c.room_id for c in charges], with_balance=True) if charges else {}
        issued = timezone.localtime(run.created_at).date()
        due = max(issued, run.period_start) + timedelta(days=settings_for(run.project.company_id).due_days)
        numbers = take_numbers("ZD", len(charges), run.created_at)
        bill_ids = _write_bills(run, charges, numbers, issued, due, now)
        if accounts:
            lines = list(
                BillLine.objects.filter(bill_id__in=[bill_ids[r] for r in accounts if r in bill_ids])
                .select_related("bill")
                .order_by("bill_id", "item__order", "id")
            )
            _use_balances(accounts, lines, now)
        total = sum(c.total_fen for c in charges)
        run.rooms_done += len(rooms)
        run.bills_created += len(charges)
        run.total_fen += total
        run.resume_after_room_id = rooms[-1][0]
        run.heartbeat_at = now
        run.save(update_fields=["rooms_done", "bills_created", "total_fen", "resume_after_room_id", "heartbeat_at"])
    return True


class _Prepared:
    """Field values as the database takes them, worked out once per distinct value (a run repeats
    the same dates, prices and months thousands of times)."""

    def __init__(self, model):
        self.model = model
        self.cache: dict = {}

    def __call__(self, name: str, value):
        key = (name, value)
        found = self.cache.get(key)
        if found is None and key not in self.cache:
            found = self.model._meta.get_field(name).get_db_prep_save(value, connection)
            self.cache[key] = found
        return found


BILL_FIELDS = [
    "project", "room", "run", "number", "period_start", "period_end", "payer", "issued_on", "due_on",
    "total_fen", "paid_fen", "state", "disputed", "dispute_reason", "created_at",
]  # fmt: skip
LINE_FIELDS = [
    "bill", "room", "item", "period_start", "description", "quantity", "price", "months", "amount_fen",
    "paid_fen", "cancelled", "periodic",
]  # fmt: skip


def _months(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(MONTHS_PLACES, ROUND_HALF_UP)


def _write_bills(run, charges: list, numbers: list[str], issued: date, due: date, now) -> dict[int, int]:
    """The chunk's bills and their lines, written without model instances; {room_id: bill_id}."""
    if not charges:
        return {}
    bill, line = _Prepared(Bill), _Prepared(BillLine)
    start, end = bill("period_start", run.period_start), bill("period_end", run.period_end)
    issued, due, created = bill("issued_on", issued), bill("due_on", due), bill("created_at", now)
    rows = [
        (run.project_id, c.room_id, run.pk, number, start, end, c.payer, issued, due, c.total_fen, 0,
         int(BillState.OPEN), False, "", created)
        for c, number in zip(charges, numbers, strict=True)
    ]  # fmt: skip
    ids = dict((room_id, pk) for pk, room_id in insert_rows(Bill, BILL_FIELDS, rows, returning=("id", "room")))
    line_start = line("period_start", run.period_start)
    rows = [
        (ids[c.room_id], c.room_id, d.item_id, line_start, d.description[:200], line("quantity", d.quantity),
         line("price", d.price), line("months", _months(d.months)), d.amount_fen, 0, False, True)
        for c in charges
        for d in c.lines
    ]  # fmt: skip
    insert_rows(BillLine, LINE_FIELDS, rows)
    events.bills_issued(run.project_id, ids.values())
    return ids


def _use_balances(accounts: dict[int, Account], lines: list[BillLine], now) -> None:
    """New bills take the prepaid balance of their rooms, from the payments that brought it, oldest
    first (the caller holds the accounts' locks)."""
    holding = {room_id: a for room_id, a in accounts.items() if a.balance_fen > 0}
    if not holding:
        return
    by_room: dict[int, list[BillLine]] = defaultdict(list)
    for line in lines:
        if line.room_id in holding:
            by_room[line.room_id].append(line)
    resting = _ledger.resting_entries(list(by_room))
    moves, touched_entries, touched_accounts = [], [], []
    for room_id, room_lines in by_room.items():
        entries = resting.get(room_id, [])
        room_moves = _ledger.draw_balance(entries, room_lines)
        if not room_moves:
            continue
        used = sum(m for _e, _l, m in room_moves)
        account = holding[room_id]
        account.balance_fen -= used
        account.updated_at = now
        touched_accounts.append(account)
        touched_entries.extend({e.pk: e for e, _l, _m in room_moves}.values())
        moves.extend(room_moves)
    _ledger.apply(moves, at=now)
    update_rows(Entry, ["rest_fen"], [(e.rest_fen, e.pk) for e in touched_entries])
    at = Account._meta.get_field("updated_at").get_db_prep_save(now, connection)
    update_rows(Account, ["balance_fen", "updated_at"], [(a.balance_fen, at, a.pk) for a in touched_accounts])


def billing_run_resume(*, actor, run: BillingRun) -> BillingRun:
    """Go on with a run that failed or whose worker stopped: from its last committed chunk."""
    if not rules.may_run_billing(actor, run.project_id):
        raise ActionRefused(_("您不能为这个项目出账。"))
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run.pk)
        stale = run.state == RunState.RUNNING and (
            run.heartbeat_at is None or run.heartbeat_at < timezone.now() - STALE
        )
        if run.state != RunState.FAILED and not stale:
            raise ActionRefused(_("这个批次不需要继续。"))
        run.state, run.error = RunState.QUEUED, ""
        run.save(update_fields=["state", "error"])
        audit_record(actor=actor, obj=run, action="run_resumed", changes={"after_room": run.resume_after_room_id})
        _enqueue(run.pk)
    return run


def resume_stale_runs() -> int:
    """The periodic task: runs whose worker stopped half way are queued again (from their mark)."""
    stale = list(
        BillingRun.objects.filter(
            Q(state=RunState.RUNNING, heartbeat_at__lt=timezone.now() - STALE)
            | Q(state=RunState.RUNNING, heartbeat_at__isnull=True)
        ).values_list("pk", flat=True)
    )
    for pk in stale:
        if BillingRun.objects.filter(pk=pk, state=RunState.RUNNING).update(state=RunState.QUEUED):
            with transaction.atomic():
                _enqueue(pk)
    return len(stale)


def billing_run_reverse(*, actor, run: BillingRun, reason: str) -> BillingRun:
    """Cancel a run's bills as a whole, with a reason, while none of them has been paid at the desk
    or online. Prepaid balance the run used goes back to the payments it came from."""
    if not rules.may_run_billing(actor, run.project_id):
        raise ActionRefused(_("您不能撤销这个项目的出账。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写撤销原因。")]})
    check_lengths(BillingRun, reverse_reason=reason)
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run.pk)
        if run.state in RUN_ACTIVE:
            raise ActionRefused(_("批次正在出账，完成后才能撤销。"))
        if run.state == RunState.REVERSED:
            raise ActionRefused(_("这个批次已经撤销了。"))
        allocations = Allocation.objects.filter(line__bill__run=run)
        if allocations.filter(Q(entry__created_at__gte=run.created_at) | ~Q(entry__kind=EntryKind.PAYMENT)).exists():
            raise ActionRefused(_("这个批次的账单已有收款，不能整批撤销；请逐笔冲红后再撤销。"))
        used = defaultdict(int)
        for entry_id, line_id, amount in allocations.values_list("entry_id", "line_id", "amount_fen"):
            used[(entry_id, line_id)] += amount
        used = {k: v for k, v in used.items() if v}
        now = timezone.now()
        if used:
            # the run's own use of prepaid balance, taken back off its lines (negative allocations of
            # the same payments) and returned to those payments' rests and their rooms' balances
            entries = Entry.objects.in_bulk({e for e, _l in used})
            accounts = lock_accounts({e.room_id for e in entries.values()})
            Allocation.objects.bulk_create(
                [
                    Allocation(entry_id=e, line_id=ln, amount_fen=-v, created_at=now)
                    for (e, ln), v in sorted(used.items())
                ],
                batch_size=2000,
            )
            for (entry_id, _line_id), amount in used.items():
                entry = entries[entry_id]
                entry.rest_fen += amount
                accounts[entry.room_id].balance_fen += amount
            update_rows(Entry, ["rest_fen"], [(e.rest_fen, e.pk) for e in entries.values()])
            at = Account._meta.get_field("updated_at").get_db_prep_save(now, connection)
            update_rows(Account, ["balance_fen", "updated_at"], [(a.balance_fen, at, a.pk) for a in accounts.values()])
        # every line and bill of the run then holds no money (no other payment touched them: checked
        # above), so they are cancelled set-wise, not one by one
        BillLine.objects.filter(bill__run=run).update(cancelled=True, paid_fen=0)
        cancelled = (
            Bill.objects.filter(run=run)
            .exclude(state=BillState.CANCELLED)
            .update(state=BillState.CANCELLED, paid_fen=0)
        )
        run.state, run.reversed_by, run.reversed_at, run.reverse_reason = (
            RunState.REVERSED,
            actor,
            timezone.now(),
            reason,
        )
        run.save(update_fields=["state", "reversed_by", "reversed_at", "reverse_reason"])
        audit_record(
            actor=actor,
            obj=run,
            action="run_reversed",
            changes={"reason": reason, "bills": cancelled, "balance_returned_fen": sum(used.values())},
        )
    return run
