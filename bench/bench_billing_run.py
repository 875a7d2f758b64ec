"""Benchmark: a billing run (批量出账) of 100,000 rooms on PostgreSQL.

    .venv/bin/python bench/bench_billing_run.py [--rooms 100000] [--rebuild]

Builds (once) its own database `propdesk_bench_billing` on the local PostgreSQL (override the server
with BENCH_PG=postgres://user@host:port, the name with BENCH_BILLING_DB), migrated, holding one
project of `--rooms` rooms as a real estate has them: 5 % unsold (billed to the developer), 10 %
vacant (the vacancy discount), 70 % with an owner (3 % of them moved in within the month: prorated),
a delivery date on every room, a parking space in one room of five, two water readings in one of
three, and prepaid balance (a payment not yet used) in one of twenty. Fee items: 物业服务费 by area,
车位管理费 per space, 水费 metered.

Each time it runs, it removes the bills of earlier runs (and gives the prepaid balances back), then
times, in this process (no worker: the task's own function):
- the preview of the month (everything computed, nothing written);
- the run: `billing_run_start` + `billing_run_execute`, chunk by chunk (target ≤ 60 s);
- the same month again (idempotent: nothing created; the cost of checking);
- reversing the run as a whole (bills cancelled, prepaid balance given back).
"""

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

BASE = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_BILLING_DB", "propdesk_bench_billing")
os.environ["DATABASE_URL"] = f"{BASE}/{DB}"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")

PERIOD = date(2026, 11, 1)


def build(n_rooms: int, rng: random.Random) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from billing.choices import Basis, Counts, EntryKind, EntryState, Method
    from billing.models import Account, BillingSettings, Entry, FeeItem, FeeRate, MeterReading
    from core.choices import DepartmentKind, Role
    from core.models import Company, Department, Project, User
    from estate.choices import Relation, RoomState, RoomUse
    from estate.models import Building, Occupancy, ParkingSpace, Resident, Room, Unit

    t0 = time.perf_counter()
    with transaction.atomic():
        company = Company.objects.create(name="基准物业", code="bench")
        project = Project.objects.create(company=company, code="big", name="基准大盘")
        Department.objects.bulk_create([Department(project=project, kind=k, name=str(k.label)) for k in DepartmentKind])
        finance = User.objects.create(
            username="bench_finance", password=make_password("bench"), role=Role.FINANCE, company=company
        )
        finance.projects.set([project])
        BillingSettings.objects.create(company=company, vacancy_discount_percent=30)
        wy = FeeItem.objects.create(company=company, code="wy", name="物业服务费", basis=Basis.AREA, order=1)
        cw = FeeItem.objects.create(
            company=company, code="cw", name="车位管理费", basis=Basis.UNIT, counts=Counts.PARKING, order=2
        )
        sf = FeeItem.objects.create(company=company, code="sf", name="水费", basis=Basis.METERED, order=3)
        since = date(2020, 1, 1)
        FeeRate.objects.bulk_create(
            [
                FeeRate(item=wy, price=Decimal("2.80"), effective_from=since, room_use=RoomUse.RESIDENTIAL),
                FeeRate(item=wy, price=Decimal("6.50"), effective_from=since, room_use=RoomUse.SHOP),
                FeeRate(item=wy, price=Decimal("3.20"), effective_from=date(2026, 7, 1), project=project),
                FeeRate(item=cw, price=Decimal("150"), effective_from=since),
                FeeRate(item=sf, price=Decimal("3.85"), effective_from=since),
            ]
        )
        buildings = n_rooms // 400 + 1
        rooms = []
        for b in range(1, buildings + 1):
            building = Building.objects.create(project=project, number=str(b), floors=33)
            units = [Unit.objects.create(building=building, number=str(u)) for u in (1, 2)]
            for i in range(400):
                if len(rooms) >= n_rooms:
                    break
                unit = units[i % 2]
                number = f"{i // 8 + 1}{i % 4 + 1:02d}" if i % 8 < 4 else f"{i // 8 + 1}{i % 4 + 5:02d}"
                code = f"{building.number}-{unit.number}-{number}"
                roll = rng.random()
                state = RoomState.UNSOLD if roll < 0.05 else RoomState.VACANT if roll < 0.15 else RoomState.OCCUPIED
                rooms.append(
                    Room(
                        project=project,
                        building=building,
                        unit=unit,
                        number=number,
                        code=code,
                        sort_key=Room.make_sort_key(code),
                        area=Decimal(rng.randrange(4500, 16000)) / 100,
                        use=RoomUse.SHOP if i < 4 else RoomUse.RESIDENTIAL,
                        state=state,
                        delivered_on=date(2019, 6, 30),
                    )
                )
        Room.objects.bulk_create(rooms, batch_size=5000)
        rows = list(Room.objects.filter(project=project).order_by("pk").values_list("pk", "state"))
        owned = [pk for pk, state in rows if state != RoomState.UNSOLD and rng.random() < 0.78]
        residents = Resident.objects.bulk_create(
            [Resident(project=project, name="业主", phone="") for _ in owned], batch_size=5000
        )
        starts = [
            PERIOD + timedelta(days=rng.randrange(1, 28)) if rng.random() < 0.03 else date(2019, 7, 1) for _ in owned
        ]
        Occupancy.objects.bulk_create(
            [
                Occupancy(room_id=pk, resident=r, relation=Relation.OWNER, start=s)
                for pk, r, s in zip(owned, residents, starts, strict=True)
            ],
            batch_size=5000,
        )
        ParkingSpace.objects.bulk_create(
            [ParkingSpace(project=project, number=f"P{n}", room_id=pk) for n, (pk, _s) in enumerate(rows[::5])],
            batch_size=5000,
        )
        readings = []
        for pk, _s in rows[::3]:
            first = Decimal(rng.randrange(0, 5000))
            readings.append(MeterReading(room_id=pk, item=sf, read_on=PERIOD - timedelta(days=5), value=first))
            readings.append(
                MeterReading(
                    room_id=pk, item=sf, read_on=PERIOD + timedelta(days=24), value=first + rng.randrange(3, 30)
                )
            )
        MeterReading.objects.bulk_create(readings, batch_size=5000)
        now = timezone.now() - timedelta(days=40)
        prepaid = rows[::20]
        entries = [
            Entry(
                project=project,
                room_id=pk,
                number=f"SKBENCH{n:07d}",
                kind=EntryKind.PAYMENT,
                method=Method.CASH,
                amount_fen=(amount := rng.choice([30000, 60000, 120000, 360000])),
                rest_fen=amount,
                state=EntryState.POSTED,
                created_at=now,
                posted_at=now,
            )
            for n, (pk, _s) in enumerate(prepaid)
        ]
        Entry.objects.bulk_create(entries, batch_size=5000)
        Account.objects.bulk_create(
            [Account(room_id=e.room_id, project=project, balance_fen=e.amount_fen) for e in entries], batch_size=5000
        )
        with connection.cursor() as cursor:
            for table in ("estate_room", "estate_occupancy", "estate_parkingspace", "billing_meterreading"):
                cursor.execute(f"ANALYZE {table}")
    print(
        f"estate: {len(rows):,} rooms, {len(owned):,} owners, {len(prepaid):,} prepaid ({time.perf_counter() - t0:.1f} s)"
    )


def clean() -> None:
    """Remove earlier runs' bills and give the prepaid balances back as they were built."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE billing_allocation, billing_billline, billing_bill, billing_billingrun_items,"
            " billing_billingrun CASCADE"
        )
        cursor.execute("DELETE FROM core_auditentry WHERE object_type LIKE 'billing.%%'")
        cursor.execute("TRUNCATE core_delivery, core_notification")  # the bill notices of earlier runs
        cursor.execute("UPDATE billing_entry SET rest_fen = amount_fen WHERE rest_fen <> amount_fen")
        cursor.execute(
            "UPDATE billing_account a SET balance_fen = e.amount_fen FROM billing_entry e"
            " WHERE e.room_id = a.room_id AND a.balance_fen <> e.amount_fen"
        )
        cursor.execute("VACUUM ANALYZE billing_entry")
        cursor.execute("VACUUM ANALYZE billing_account")


def accounts_for_owners(project) -> None:
    """Every owner gets a resident's account (once), so the run's bill notices reach someone."""
    from django.contrib.auth.hashers import make_password

    from core.choices import Role
    from core.models import User
    from estate.models import Resident

    waiting = list(Resident.objects.filter(project=project, user__isnull=True).values_list("pk", flat=True))
    if not waiting:
        return
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(username=f"bench_r{pk}", password=password, role=Role.RESIDENT, company_id=project.company_id)
            for pk in waiting
        ],
        batch_size=5000,
    )
    links = [Resident(pk=pk, user_id=u.pk) for pk, u in zip(waiting, users, strict=True)]
    Resident.objects.bulk_update(links, ["user"], batch_size=5000)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=100_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    from bench.results import ensure_database

    ensure_database(BASE, DB, args.rebuild)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.results import backend_cpu, report
    from billing.choices import Cycle, RunState
    from billing.models import Bill, BillLine
    from billing.notices import run_bills_notify
    from billing.services import (
        billing_run_execute,
        billing_run_preview,
        billing_run_reverse,
        billing_run_start,
    )
    from core.models import Notification, Project, User
    from estate.models import Room

    call_command("migrate", verbosity=0)
    if not Room.objects.exists():
        build(args.rooms, random.Random(2026))
    clean()
    project = Project.objects.get(code="big")
    finance = User.objects.get(username="bench_finance")
    rooms = Room.objects.filter(project=project).count()
    print(f"database {DB}: {rooms:,} rooms")
    cpu = backend_cpu(connection)

    t0 = time.perf_counter()
    preview = billing_run_preview(actor=finance, project=project, period_start=PERIOD, cycle=Cycle.MONTH)
    t_preview = time.perf_counter() - t0
    print(
        f"preview: {preview.rooms_billed:,} rooms to bill, total {preview.total_fen / 100:,.2f} yuan, "
        f"skipped {preview.skipped} ({t_preview:.1f} s)"
    )

    db0 = cpu() if cpu else None
    app0 = time.process_time()
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    run = billing_run_start(actor=finance, project=project, period_start=PERIOD, cycle=Cycle.MONTH)
    run = billing_run_execute(run_id=run.pk)
    t_run = time.perf_counter() - t0
    app_cpu = time.process_time() - app0
    db_cpu = (cpu() - db0) if cpu else None
    lines = BillLine.objects.filter(bill__run=run).count()
    paid_by_balance = Bill.objects.filter(run=run, paid_fen__gt=0).count()
    assert run.state == RunState.DONE, run.error
    assert run.total_fen == preview.total_fen and run.bills_created == preview.rooms_billed
    print(
        f"run: {run.bills_created:,} bills, {lines:,} lines, {paid_by_balance:,} paid from prepaid balance, "
        f"total {run.total_fen / 100:,.2f} yuan in {t_run:.1f} s; CPU: application {app_cpu:.1f} s"
        + (f", database {db_cpu:.1f} s" if db_cpu is not None else "")
        + f" (load average {load:.1f} → {os.getloadavg()[0]:.1f})"
    )

    # the residents told of their bills: queued by the run (one task), timed here as the worker runs it
    accounts_for_owners(project)
    t0 = time.perf_counter()
    told = run_bills_notify(run.pk)
    t_notify = time.perf_counter() - t0
    notes = Notification.objects.count()
    print(f"bill notices (the queued task): {notes:,} residents told, {told:,} outside messages ({t_notify:.1f} s)")

    t0 = time.perf_counter()
    again = billing_run_start(actor=finance, project=project, period_start=PERIOD, cycle=Cycle.MONTH)
    again = billing_run_execute(run_id=again.pk)
    t_again = time.perf_counter() - t0
    assert again.bills_created == 0
    print(f"the same month again: {again.bills_created} bills created ({t_again:.1f} s)")

    t0 = time.perf_counter()
    billing_run_reverse(actor=finance, run=run, reason="基准测试")
    t_reverse = time.perf_counter() - t0
    print(f"reversing the run: ({t_reverse:.1f} s)")

    ok = t_run <= 60
    print("target ≤ 60 s:", "met" if ok else "NOT met")
    cpu_note = f"CPU {app_cpu:.1f} s app" + (f" + {db_cpu:.1f} s database" if db_cpu is not None else "")
    report(
        f"billing run of {rooms:,} rooms", "≤ 60 s", f"{t_run:.1f} s", ok, f"{run.bills_created:,} bills; {cpu_note}"
    )
    report(f"billing preview of {rooms:,} rooms", "", f"{t_preview:.1f} s", None)
    report(f"bill notices of a {rooms:,}-room run (task)", "", f"{t_notify:.1f} s", None, f"{notes:,} residents")
    report(f"billing run again, same month ({rooms:,} rooms)", "", f"{t_again:.1f} s", None, "creates nothing")
    report(f"billing run reversed ({rooms:,} rooms)", "", f"{t_reverse:.1f} s", None)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
