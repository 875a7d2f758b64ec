"""Benchmark: the arrears ledger (欠费台账) of a 7,000-room project in a company with millions of bill
lines, on PostgreSQL.

    .venv/bin/python bench/bench_arrears.py [--projects 20] [--rooms 7000] [--months 36] [--runs 200]
        [--db propdesk_bench_billing] [--rebuild]

Builds its own database (BENCH_PG=postgres://user@host:port, default the local server; --db names
it), migrates, and loads a company of `projects` projects of `rooms` rooms each, every room billed
monthly for `months` months with two lines a bill (property fee and parking), in bulk
(INSERT … SELECT generate_series, no Python per row): projects × rooms × months × 2 bill lines
(20 × 7,000 × 36 × 2 = 10,080,000 by default). Arrears are realistic: one room in eight owes its
last 1 to 24 months (most of the company's bills are paid), the current month is billed and not
yet due, one debtor in a hundred has a disputed bill. Money entries and allocations are not loaded:
the ledger never reads them.

Then it times, warm, with p50 / p95 / max over `runs` calls of the selectors the pages call:
- the project page: billing.ledger.building_ledger (one row per building);
- a building page: room_ledger(building) with owners' names, last steps and plans;
- the project's debtor list: room_ledger(order="owed", limit=500).
Target: p95 ≤ 50 ms. The plan of the aggregate is printed: it must read the partial index
`bill_open_project_due` (project_id, due_on, id) WHERE state = OPEN.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--rooms", type=int, default=7000, help="rooms per project (the first is measured)")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--db", default="propdesk_bench_billing")
    parser.add_argument("--rebuild", action="store_true")
    return parser.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS:
    os.environ["DATABASE_URL"] = f"{BASE}/{ARGS.db}"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")


def build(projects: int, rooms: int, months: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from billing.models import FeeItem
    from core.choices import DepartmentKind, Role
    from core.models import Company, Department, Project, User
    from estate.models import Building, Unit

    t0 = time.perf_counter()
    per_building = 350  # 20 buildings of 350 rooms for 7,000
    with transaction.atomic():
        company = Company.objects.create(name="基准物业", code="bench")
        made = [Project.objects.create(company=company, code=f"p{i}", name=f"基准项目{i}") for i in range(projects)]
        for p in made:
            Department.objects.bulk_create([Department(project=p, kind=k, name=str(k.label)) for k in DepartmentKind])
        user = User.objects.create(
            username="bench_cs", password=make_password("bench"), role=Role.CS_STAFF, company=company
        )
        user.projects.set(made)
        wuye = FeeItem.objects.create(
            company=company, code="wuye", name="物业服务费", basis="area", account_code="6001"
        )
        tc = FeeItem.objects.create(company=company, code="tc", name="停车管理费", basis="unit", account_code="6002")
        for p in made:
            for b in range(1, (rooms + per_building - 1) // per_building + 1):
                building = Building.objects.create(project=p, number=str(b), floors=35)
                Unit.objects.create(building=building, number="1")
        with connection.cursor() as cursor:
            # rooms: n-th room of a project in building n // 350 + 1, unit 1, number 101 … (10 a floor)
            cursor.execute(
                """
                INSERT INTO estate_room (project_id, building_id, unit_id, number, code, sort_key, floor, area, use,
                                         state, orientation, layout)
                SELECT p.id, b.id, u.id, n.num, b.number || '-1-' || n.num,
                       lpad(b.number, 8, '0') || '-00000001-' || lpad(n.num, 8, '0'), n.floor, 100.00,
                       'residential', 'occupied', '', ''
                FROM core_project p
                JOIN generate_series(0, %s - 1) g(i) ON true
                JOIN estate_building b ON b.project_id = p.id AND b.number = (g.i / %s + 1)::text
                JOIN estate_unit u ON u.building_id = b.id
                CROSS JOIN LATERAL (SELECT ((g.i %% %s) / 10 + 1) AS floor,
                                           (((g.i %% %s) / 10 + 1) * 100 + g.i %% 10 + 1)::text AS num) n
                WHERE p.company_id = %s
                """,
                [rooms, per_building, per_building, per_building, company.pk],
            )
            print(f"estate: {projects * rooms:,} rooms ({time.perf_counter() - t0:.1f} s)", flush=True)
            today = timezone.localdate()
            first = today.replace(day=1)
            # month m = 0 … months-1 counts back from the current month (0 = this month, not yet due)
            t1 = time.perf_counter()
            cursor.execute(
                """
                INSERT INTO billing_bill (project_id, room_id, number, period_start, period_end, payer, issued_on,
                                          due_on, total_fen, paid_fen, state, disputed, dispute_reason, created_at)
                SELECT r.project_id, r.id, 'B' || r.id || '-' || m.m, ps, (ps + interval '1 month' - interval '1 day')::date,
                       'owner', ps, ps + 15, 30000,
                       CASE WHEN owing THEN 0 ELSE 30000 END,
                       CASE WHEN owing THEN 10 ELSE 30 END,
                       owing AND m.m = 1 AND r.id %% 97 = 0, CASE WHEN owing AND m.m = 1 AND r.id %% 97 = 0
                       THEN '面积有误' ELSE '' END, now()
                FROM estate_room r
                CROSS JOIN generate_series(0, %s - 1) m(m)
                CROSS JOIN LATERAL (SELECT (%s::date - (m.m || ' months')::interval)::date AS ps) d
                CROSS JOIN LATERAL (SELECT (m.m = 0 AND r.id %% 10 < 6)
                                        OR ((r.id * 7919) %% 8 = 0 AND m.m <= 1 + (r.id * 104729) %% 24) AS owing) o
                WHERE r.project_id IN (SELECT id FROM core_project WHERE company_id = %s)
                """,
                [months, first, company.pk],
            )
            print(f"bills: {cursor.rowcount:,} ({time.perf_counter() - t1:.1f} s)", flush=True)
            t1 = time.perf_counter()
            cursor.execute(
                """
                INSERT INTO billing_billline (bill_id, room_id, item_id, period_start, description, quantity, price,
                                              months, amount_fen, paid_fen, cancelled)
                SELECT b.id, b.room_id, it.item_id, b.period_start, '', it.qty, it.price, 1, it.fen,
                       CASE WHEN b.state = 30 THEN it.fen ELSE 0 END, false
                FROM billing_bill b
                CROSS JOIN (VALUES (%s, 100.00, 2.5000, 25000), (%s, 1.00, 50.0000, 5000)) it(item_id, qty, price, fen)
                """,
                [wuye.pk, tc.pk],
            )
            print(f"bill lines: {cursor.rowcount:,} ({time.perf_counter() - t1:.1f} s)", flush=True)
            for table in ("estate_room", "billing_bill", "billing_billline"):
                cursor.execute(f"ANALYZE {table}")


def figures(label: str, samples: list[float]) -> tuple[str, float]:
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[max(int(len(samples) * 0.95) - 1, 0)]
    print(f"{label:<52} n={len(samples):>4}  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  max {samples[-1]:6.2f} ms")
    return f"p50 {p50:.1f} / p95 {p95:.1f} ms", p95


def timed(fn, runs: int, db_cpu) -> tuple[list[float], float, float]:
    """Clock time per call (ms), and the CPU per call of this process and of the PostgreSQL backend
    (ms; CPU does not depend on what else the shared machine is doing, the clock does)."""
    out = []
    c0, p0 = (db_cpu() if db_cpu else 0.0), time.process_time()
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    c1, p1 = (db_cpu() if db_cpu else 0.0), time.process_time()
    return out, (p1 - p0) / runs * 1000, (c1 - c0) / runs * 1000


def main() -> int:
    args = ARGS
    from bench.results import ensure_database

    ensure_database(BASE, args.db, args.rebuild)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from billing.ledger import Filters, _per_room_sql, building_ledger, room_ledger
    from billing.models import Bill
    from core.models import Project
    from estate.models import Building

    call_command("migrate", verbosity=0)
    if not Bill.objects.exists():
        build(args.projects, args.rooms, args.months)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN ('billing_bill', 'billing_billline')"
        )
        sizes = dict(cursor.fetchall())
    project = Project.objects.order_by("id").first()
    building = Building.objects.filter(project=project).order_by("id").first()
    open_bills = Bill.objects.filter(project=project, state=10).count()
    print(
        f"database {args.db}: bills ≈ {sizes.get('billing_bill', 0):,}, bill lines ≈ {sizes.get('billing_billline', 0):,};"
        f" measured project {project.name}: {project.rooms.count():,} rooms, {open_bills:,} open bills"
    )
    for _ in range(5):  # warm up
        building_ledger(project.pk)
        room_ledger(project.pk, filters=Filters(building_id=building.pk))
    ledger = building_ledger(project.pk)
    print(
        f"ledger: {ledger.totals.rooms:,} rooms in arrears, {ledger.totals.total / 100:,.2f} yuan overdue"
        f" ({ledger.totals.disputed / 100:,.2f} disputed), {len(ledger.rows)} buildings"
    )
    sql, params, where, having = _per_room_sql(Filters(), ledger.today)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, [*params, project.pk, ledger.today, *where, *having])
        plan = [row[0] for row in cursor.fetchall()]
    print("plan of the per-room aggregate:")
    for line in plan:
        print("   ", line)
    uses_index = any("bill_open_project_due" in line for line in plan)
    from bench.results import backend_cpu, load_average, report

    db_cpu = backend_cpu(connection)
    print(f"load average before: {load_average()}")
    results = [
        ("the project page (by building)", timed(lambda: building_ledger(project.pk), args.runs, db_cpu)),
        (
            "a building page (rooms, owners, last steps)",
            timed(lambda: room_ledger(project.pk, filters=Filters(building_id=building.pk)), args.runs, db_cpu),
        ),
        (
            "the project's debtors by amount (top 500)",
            timed(lambda: room_ledger(project.pk, order="owed", limit=500), args.runs, db_cpu),
        ),
    ]
    print(f"load average after: {load_average()}")
    ok = uses_index
    scale = f"{args.rooms:,}-room project, {sizes.get('billing_billline', 0) / 1e6:.1f}M bill lines"
    for label, (samples, py_cpu, pg_cpu) in results:
        shown, p95 = figures(label, samples)
        print(f"{'':<52} CPU per call: app {py_cpu:.1f} ms + PostgreSQL {pg_cpu:.1f} ms")
        ok = ok and p95 <= 50
        note = f"CPU per call: app {py_cpu:.1f} + PostgreSQL {pg_cpu:.1f} ms"
        report(f"arrears ledger: {label} ({scale})", "p95 ≤ 50 ms", shown, p95 <= 50, note)
    print("partial index bill_open_project_due used:", "yes" if uses_index else "NO")
    print("target p95 ≤ 50 ms:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
