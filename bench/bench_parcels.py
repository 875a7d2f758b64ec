"""Benchmark: parcels at scale (1,000,000 rows) on PostgreSQL.

    .venv/bin/python bench/bench_parcels.py [--parcels 1000000] [--rooms 20000] [--runs 300] [--rebuild]

Builds its own database `propdesk_bench_frontdesk` on the local PostgreSQL (override with
BENCH_PG=postgres://user@host:port), migrates only what the front desk needs, loads the parcels
with COPY (about 2 % waiting, the rest collected or returned, pickup codes unique among each
project's waiting ones), then times, with p50 / p95 / max:

- logging a parcel: the service call `parcel_log` (room check, code draw, insert, event,
  notification of the room's occupants with accounts), each in its own transaction;
- a room's waiting parcels: the selector `room_waiting_parcels` for random rooms.

Target: ≤ 50 ms each. The plan of the room query is printed: it must use the partial index
`parcel_room_waiting` (room_id, arrived_at DESC) WHERE state = waiting.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

BASE = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = "propdesk_bench_frontdesk"
os.environ["DATABASE_URL"] = f"{BASE}/{DB}"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")


def build(n_parcels: int, n_rooms: int, rng: random.Random) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from core.choices import DepartmentKind, Role
    from core.models import Company, Department, Project, User
    from estate.models import Building, Occupancy, Resident, Room, Unit

    t0 = time.perf_counter()
    with transaction.atomic():
        company = Company.objects.create(name="基准物业", code="bench")
        projects = [Project.objects.create(company=company, code=f"p{i}", name=f"基准项目{i}") for i in range(2)]
        for p in projects:
            Department.objects.bulk_create([Department(project=p, kind=k, name=str(k.label)) for k in DepartmentKind])
        password = make_password("bench")
        desk = User.objects.create(username="bench_desk", password=password, role=Role.CS_STAFF, company=company)
        desk.projects.set(projects)
        per_project = n_rooms // len(projects)
        rooms = []
        for p in projects:
            for b in range(1, 11):
                building = Building.objects.create(project=p, number=str(b), floors=33)
                units = [Unit.objects.create(building=building, number=str(u)) for u in (1, 2)]
                for i in range(per_project // 10):
                    unit = units[i % 2]
                    number = f"{i // 4 + 1}{i % 4 + 1:02d}"
                    code = f"{building.number}-{unit.number}-{number}"
                    rooms.append(
                        Room(
                            project=p,
                            building=building,
                            unit=unit,
                            number=number,
                            code=code,
                            sort_key=Room.make_sort_key(code),
                        )
                    )
        Room.objects.bulk_create(rooms, batch_size=5000)
        rooms = list(Room.objects.values_list("pk", "project_id"))
        # a resident with an account in one room out of ten (they are the ones notified)
        users, residents = [], []
        for k in range(len(rooms[::10])):
            users.append(User(username=f"r{k}", password=password, role=Role.RESIDENT, company=company))
        User.objects.bulk_create(users, batch_size=5000)
        users = list(User.objects.filter(role=Role.RESIDENT).order_by("pk"))
        for user, (_room_id, project_id) in zip(users, rooms[::10], strict=True):
            residents.append(Resident(project_id=project_id, name="业主", phone="", user=user))
        Resident.objects.bulk_create(residents, batch_size=5000)
        residents = list(Resident.objects.order_by("pk").values_list("pk", flat=True))
        Occupancy.objects.bulk_create(
            [
                Occupancy(room_id=room_id, resident_id=r, relation="owner")
                for r, (room_id, _p) in zip(residents, rooms[::10], strict=True)
            ],
            batch_size=5000,
        )
    print(
        f"estate: {len(rooms):,} rooms, {len(residents):,} residents with accounts ({time.perf_counter() - t0:.1f} s)"
    )

    t0 = time.perf_counter()
    now = timezone.now()
    codes = {p.pk: iter(rng.sample(range(10**6), 60_000)) for p in projects}
    carriers = ["顺丰", "中通", "圆通", "韵达", "京东"]
    columns = (
        "project_id, room_id, kind, tracking_number, carrier, shelf, pickup_code, state, arrived_at, logged_by_id, "
        "due_at, handed_at, handed_by_id, method, collector_name, returned_at, returned_by_id, return_note"
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        with raw.copy(f"COPY frontdesk_parcel ({columns}) FROM STDIN") as copy:
            for i in range(n_parcels):
                room_id, project_id = rooms[rng.randrange(len(rooms))]
                age = timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
                arrived = now - age
                roll = rng.random()
                if roll < 0.02:
                    state, code, handed, method, returned = 10, f"{next(codes[project_id]):06d}", None, "", None
                elif roll < 0.03:
                    state, code, handed, method, returned = (
                        30,
                        f"{rng.randrange(10**6):06d}",
                        None,
                        "",
                        arrived + timedelta(days=30),
                    )
                else:
                    state, code, method, returned = 20, f"{rng.randrange(10**6):06d}", "code", None
                    handed = arrived + timedelta(hours=rng.randrange(1, 72))
                copy.write_row(
                    (
                        project_id,
                        room_id,
                        "parcel",
                        f"SF{i:012d}",
                        rng.choice(carriers),
                        "A-1",
                        code,
                        state,
                        arrived,
                        desk.pk,
                        None,
                        handed,
                        desk.pk if handed else None,
                        method,
                        "业主" if handed else "",
                        returned,
                        desk.pk if returned else None,
                        "",
                    )
                )
        for table in ("frontdesk_parcel", "estate_room", "estate_resident", "estate_occupancy", "core_user"):
            cursor.execute(f"ANALYZE {table}")
    print(f"parcels: {n_parcels:,} loaded with COPY ({time.perf_counter() - t0:.1f} s)")


def figures(label: str, samples: list[float]) -> str:
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{label:<40} n={len(samples):>4}  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  max {samples[-1]:6.2f} ms")
    return f"p50 {p50:.1f} / p95 {p95:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--rooms", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    from bench.results import ensure_database

    ensure_database(BASE, DB, args.rebuild)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from core.models import User
    from estate.models import Room
    from frontdesk import selectors, services
    from frontdesk.models import Parcel

    call_command("migrate", "frontdesk", verbosity=0)
    rng = random.Random(2026)
    if not Parcel.objects.exists():
        build(args.parcels, args.rooms, rng)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'frontdesk_parcel'")
        total = cursor.fetchone()[0]
    waiting = Parcel.objects.filter(state=10).count()
    print(f"database {DB}: parcels ≈ {total:,}, waiting {waiting:,}, rooms {Room.objects.count():,}")

    desk = User.objects.get(username="bench_desk")
    room_ids = list(Room.objects.values_list("pk", flat=True))
    occupied = list(Room.objects.filter(occupancies__isnull=False).values_list("pk", flat=True))

    # warm up (connections, caches, the settings row lookup)
    for _ in range(10):
        services.parcel_log(actor=desk, room_id=rng.choice(room_ids), tracking_number="WARM")
        selectors.room_waiting_parcels(desk, rng.choice(room_ids))

    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services.parcel_log(actor=desk, room_id=occupied[0], tracking_number="COUNT")
    print(f"parcel_log runs {len(queries)} statements (incl. savepoint and notification)")
    baseline = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        baseline.append((time.perf_counter() - t0) * 1000)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_commit (x integer)")
    commit = []
    for i in range(args.runs):
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_commit VALUES (%s)", [i])
        commit.append((time.perf_counter() - t0) * 1000)
    logging = []
    for i in range(args.runs):
        room_id = rng.choice(occupied) if i % 2 else rng.choice(room_ids)  # half of them notify someone
        t0 = time.perf_counter()
        services.parcel_log(actor=desk, room_id=room_id, tracking_number=f"BENCH{i}", carrier="顺丰", shelf="B-2")
        logging.append((time.perf_counter() - t0) * 1000)
    finding = []
    for _ in range(args.runs):
        room_id = rng.choice(room_ids)
        t0 = time.perf_counter()
        selectors.room_waiting_parcels(desk, room_id)
        finding.append((time.perf_counter() - t0) * 1000)

    qs = Parcel.objects.filter(room_id=room_ids[0], state=10, project_id__in=[1, 2]).order_by("-arrived_at")[:50]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    print("plan of a room's waiting parcels:")
    for line in plan:
        print("   ", line)
    figures("baseline: one SELECT 1 round trip", baseline)
    figures("baseline: one-row INSERT + COMMIT (fsync)", commit)
    logged = figures("log a parcel (service call parcel_log)", logging)
    found = figures("a room's waiting parcels (selector)", finding)
    ok = statistics.median(logging) <= 50 and statistics.median(finding) <= 50
    print("target ≤ 50 ms:", "met" if ok else "NOT met")
    from bench.results import report

    report("log a parcel (1M parcels)", "≤ 50 ms", logged, statistics.median(logging) <= 50)
    report("a room's waiting parcels (1M parcels)", "≤ 50 ms", found, statistics.median(finding) <= 50)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
