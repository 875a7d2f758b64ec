"""Demo data of the money side: fee items and rates, fourteen months of monthly bills for 翠湖花园 made
by the billing runs themselves, and their payments as households really pay: most on time, some
one to three months behind, a few more than a year behind, some ahead (prepaid balance), with
closed cashier days handed to finance. The history is written in bulk (seconds, not minutes); the
last few payments, a reversal and a refund go through the services, as at the desk today."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from billing.choices import Basis, BillState, Counts, Cycle, DayState, EntryKind, EntryState, Method
from billing.models import (
    Account,
    Allocation,
    Bill,
    BillingRun,
    BillingSettings,
    BillLine,
    CashierDay,
    Entry,
    FeeItem,
    FeeRate,
    MeterReading,
)
from billing.money import month_add
from billing.services import (
    balance_refund,
    billing_run_execute,
    billing_run_start,
    charge_add,
    entry_reverse,
    payment_post,
)
from billing.services._common import take_numbers
from estate.choices import RoomState, RoomUse
from estate.models import Room

MONTHS = 14  # a year of bills and a little more: some households owe for more than a year


def _items(company, projects):
    BillingSettings.objects.get_or_create(company=company, defaults={"vacancy_discount_percent": 20})
    since = date(2019, 1, 1)
    wy = FeeItem.objects.create(
        company=company, code="wy", name="物业服务费", basis=Basis.AREA, order=1, account_code="6001"
    )
    cw = FeeItem.objects.create(
        company=company,
        code="cw",
        name="车位管理费",
        basis=Basis.UNIT,
        counts=Counts.PARKING,
        order=2,
        account_code="6002",
    )
    sf = FeeItem.objects.create(
        company=company, code="sf", name="水费", basis=Basis.METERED, meter="water", order=3, account_code="2241"
    )
    FeeItem.objects.create(
        company=company, code="yc", name="有偿服务", basis=Basis.ONE_OFF, periodic=False, order=8, account_code="6051"
    )
    FeeItem.objects.create(
        company=company, code="zx", name="装修管理费", basis=Basis.ONE_OFF, periodic=False, order=9, account_code="6052"
    )
    FeeRate.objects.bulk_create(
        [
            FeeRate(item=wy, price=Decimal("2.80"), effective_from=since, room_use=RoomUse.RESIDENTIAL),
            FeeRate(item=wy, price=Decimal("6.50"), effective_from=since, room_use=RoomUse.SHOP),
            FeeRate(item=wy, project=projects["jinjiang"], price=Decimal("3.20"), effective_from=since),
            FeeRate(item=cw, price=Decimal("150"), effective_from=since),
            FeeRate(item=sf, price=Decimal("3.85"), effective_from=since),
        ]
    )
    return wy, cw, sf


def _estate(project, rng, sf, first_month, today):
    """Delivery dates, a few unsold rooms (the developer pays), water readings (the parking spaces are the
    estate demo's)."""
    Room.objects.filter(project=project).update(delivered_on=date(2019, 6, 30))
    vacant = list(Room.objects.filter(project=project, state=RoomState.VACANT).order_by("-id")[:8])
    Room.objects.filter(pk__in=[r.pk for r in vacant]).update(state=RoomState.UNSOLD)
    rooms = list(Room.objects.filter(project=project).exclude(state=RoomState.UNSOLD).order_by("id"))
    readings = []
    for room in rooms[:60]:
        value = Decimal(rng.randrange(100, 900))
        month = month_add(first_month, -1)
        while month <= today:
            read_on = month.replace(day=25)
            if read_on > today:
                break
            readings.append(MeterReading(room=room, item=sf, read_on=read_on, value=value, source="manual"))
            value += rng.randrange(4, 18)
            month = month_add(month, 1)
    MeterReading.objects.bulk_create(readings)


def _runs(project, finance, first_month, this_month):
    """One run a month, made by the runs themselves, issued on the first of each month."""
    month = first_month
    while month <= this_month:
        run = billing_run_start(actor=finance, project=project, period_start=month, cycle=Cycle.MONTH)
        issued = timezone.make_aware(datetime.combine(month, time(9, 0)))
        BillingRun.objects.filter(pk=run.pk).update(created_at=min(issued, timezone.now()))
        billing_run_execute(run_id=run.pk)
        month = month_add(month, 1)


def _history(project, rng, cashiers, finance, today):
    """Payments of the past, written in bulk: whole bills paid some days after they were issued."""
    bills = defaultdict(list)
    for bill in Bill.objects.filter(project=project, state=BillState.OPEN).order_by("period_start", "id"):
        bills[bill.room_id].append(bill)
    lines = defaultdict(list)
    for line in BillLine.objects.filter(bill__project=project, cancelled=False).order_by("id"):
        lines[line.bill_id].append(line)
    plans = []  # (bill, paid on, method)
    for room_bills in bills.values():
        roll = rng.random()
        if roll < 0.05:
            behind = len(room_bills)  # more than a year behind: nothing paid
        elif roll < 0.18:
            behind = rng.randint(2, 4)  # one to three months behind, beside the month just issued
        else:
            behind = 1 if rng.random() < 0.6 else 0  # this month's bill not paid yet, or paid already
        for bill in room_bills[: max(len(room_bills) - behind, 0)]:
            paid_on = min(bill.issued_on + timedelta(days=rng.randint(0, 25)), today - timedelta(days=1))
            method = rng.choices(
                [Method.CASH, Method.WECHAT, Method.ALIPAY, Method.TRANSFER, Method.CARD], [3, 4, 2, 1, 1]
            )[0]
            plans.append((bill, paid_on, method))
    by_day = defaultdict(list)
    for plan in plans:
        by_day[plan[1]].append(plan)
    entries, allocations, days = [], [], {}
    for day, todo in sorted(by_day.items()):
        when = timezone.make_aware(datetime.combine(day, time(10, 0)))
        numbers = iter(take_numbers("SK", len(todo), when))
        for n, (bill, _day, method) in enumerate(todo):
            at = when + timedelta(minutes=7 * n)
            online = method in (Method.WECHAT, Method.ALIPAY)
            cashier = None if online else cashiers[n % len(cashiers)]
            cashier_day = None
            if cashier is not None:
                key = (cashier.pk, day)
                if key not in days:
                    days[key] = CashierDay(project=project, cashier=cashier, day=day)
                cashier_day = days[key]
            entry = Entry(
                project=project,
                room_id=bill.room_id,
                number=next(numbers),
                kind=EntryKind.PAYMENT,
                method=method,
                amount_fen=bill.total_fen,
                state=EntryState.POSTED,
                cashier=cashier,
                day=cashier_day,
                gateway_ref=f"DEMO{method[:2].upper()}{bill.pk:010d}" if online else None,
                created_at=at,
                posted_at=at,
            )
            entries.append(entry)
            for line in lines[bill.pk]:
                line.paid_fen = line.amount_fen
                allocations.append(Allocation(entry=entry, line=line, amount_fen=line.amount_fen, created_at=at))
            bill.paid_fen, bill.state = bill.total_fen, BillState.PAID
    CashierDay.objects.bulk_create(list(days.values()))
    Entry.objects.bulk_create(entries, batch_size=2000)
    Allocation.objects.bulk_create(allocations, batch_size=2000)
    BillLine.objects.bulk_update([a.line for a in allocations], ["paid_fen"], batch_size=2000)
    Bill.objects.bulk_update([p[0] for p in plans], ["paid_fen", "state"], batch_size=2000)
    # every past day closed, counted and handed to finance
    totals = defaultdict(lambda: defaultdict(int))
    counts = defaultdict(int)
    for entry in entries:
        if entry.day is not None:
            totals[entry.day.pk][entry.method] += entry.amount_fen
            counts[entry.day.pk] += 1
    closing = []
    for cashier_day in days.values():
        cashier_day.state, cashier_day.handed_to = DayState.CLOSED, finance
        cashier_day.totals = dict(totals[cashier_day.pk])
        cashier_day.count, cashier_day.net_fen = counts[cashier_day.pk], sum(totals[cashier_day.pk].values())
        cashier_day.signature = cashier_day.cashier.display_name
        cashier_day.closed_at = timezone.make_aware(datetime.combine(cashier_day.day, time(17, 30)))
        closing.append(cashier_day)
    CashierDay.objects.bulk_update(
        closing, ["state", "handed_to", "totals", "count", "net_fen", "signature", "closed_at"], batch_size=1000
    )


def seed(*, company, projects, users, rng):
    today = timezone.localdate()
    this_month = today.replace(day=1)
    first_month = month_add(this_month, -(MONTHS - 1))
    cuihu, jinjiang = projects["cuihu"], projects["jinjiang"]
    finance, kefu, datang = users["caiwu"], users["kefu"], users["datang"]
    _wy, _cw, sf = _items(company, projects)
    _estate(cuihu, rng, sf, first_month, today)
    Room.objects.filter(project=jinjiang).update(delivered_on=date(2020, 3, 31))
    _runs(cuihu, finance, first_month, this_month)
    _runs(jinjiang, users["admin"], month_add(this_month, -2), this_month)
    _history(cuihu, rng, [kefu, datang], finance, today)

    # ---- today at the desk, through the services
    owing = list(
        Room.objects.filter(project=cuihu, bills__state=BillState.OPEN)
        .exclude(state=RoomState.UNSOLD)
        .distinct()
        .order_by("id")[:40]
    )
    rng.shuffle(owing)
    for room in owing[:4]:
        open_fen = sum(b.open_fen for b in Bill.objects.filter(room=room, state=BillState.OPEN))
        payment_post(actor=kefu, room=room, amount_fen=open_fen, method=Method.CASH, payer_name="业主")
    # two households prepay half a year
    for room in owing[4:6]:
        open_fen = sum(b.open_fen for b in Bill.objects.filter(room=room, state=BillState.OPEN))
        monthly = max(Bill.objects.filter(room=room).order_by("-period_start").first().total_fen, 1)
        payment_post(actor=kefu, room=room, amount_fen=open_fen + 6 * monthly, method=Method.TRANSFER)
    # a cash payment taken on the wrong room, reversed by finance; a refund of prepaid balance
    wrong = payment_post(actor=datang, room=owing[6], amount_fen=20000, method=Method.CASH, payer_name="业主")
    entry_reverse(actor=finance, entry=wrong, reason="收错房号，已退回现金")
    refund_room = owing[4]
    if Account.objects.filter(room=refund_room, balance_fen__gte=10000).exists():
        balance_refund(actor=finance, room=refund_room, amount_fen=10000, method=Method.CASH, reason="业主多预存，退回")
    # a paid service charged on a room
    service = FeeItem.objects.get(company=company, code="yc")
    charge_add(actor=kefu, room=owing[7], item=service, amount_fen=8000, description="更换卫生间水龙头（含材料）")
