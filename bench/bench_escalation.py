"""Benchmark: one escalation pass over the due requests of a large database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/propdesk_bench .venv/bin/python bench/bench_escalation.py [--due 1000]

Against a database made by `manage.py generate_scale` (1,000,000 requests): it makes `--due`
open requests due now (a plan with one overdue step; the rest of the table is left alone), shows
the plan of the selection query (it must use the partial index on `escalate_at`, not scan), then
times one `escalation_pass()`, which claims, notifies, writes the timeline and moves
`escalate_at` on for every one of them. A second pass must fire nothing (exactly once).
`--runs N` repeats the whole (N fresh sets of due requests; the median counts). Each run also
prints the number of SQL statements the pass made: it must not grow with `--due` (the clock time
depends on the machine's other load, the statement count does not).
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.results import backend_cpu, report  # noqa: E402
from desk import sla  # noqa: E402
from desk.choices import OPEN_STATES  # noqa: E402
from desk.models import Escalation, ServiceRequest  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    total = ServiceRequest.objects.count() if connection.vendor == "sqlite" else _estimate()
    results = [one_run(args.due, total, show_plan=run == 0) for run in range(args.runs)]
    times = sorted(r[0] for r in results)
    median = times[len(times) // 2]
    statements = max(r[1] for r in results)
    again = max(r[2] for r in results)
    app = sorted(r[3] for r in results)[len(results) // 2]
    db = sorted(r[4] for r in results)[len(results) // 2]
    ok = median <= 1 and again == 0
    print(
        f"median of {len(times)}: {median * 1000:.0f} ms, at most {statements} statements a pass, "
        f"second pass fired at most {again}"
    )
    report(
        f"escalation pass, {args.due:,} due requests",
        "≤ 1 s, a second pass fires 0",
        "; ".join(f"{t * 1000:,.0f}" for t in times)
        + f" ms; {statements} SQL statements; CPU app {app * 1000:.0f} + db {db * 1000:.0f} ms",
        ok,
    )
    return 0 if ok else 1


def one_run(due: int, total: int, show_plan: bool) -> tuple[float, int, int, float, float]:
    now = timezone.now()
    ids = list(
        ServiceRequest.objects.filter(state__in=OPEN_STATES, paused_at__isnull=True)
        .order_by("-id")
        .values_list("pk", flat=True)[:due]
    )
    start = (now - timedelta(hours=3)).isoformat()
    steps = {
        "resolve": {
            "limit": "1h",
            "start": start,
            "risk": (now - timedelta(hours=2, minutes=12)).isoformat(),
            "due": (now - timedelta(hours=2)).isoformat(),
            "manager": (now + timedelta(hours=1)).isoformat(),
            "company": (now + timedelta(hours=6)).isoformat(),
        }
    }
    plan = {"round": 0, "at_risk_percent": 80, "pm_after": "3h", "company_after": "8h", "steps": steps}
    Escalation.objects.filter(request_id__in=ids).delete()
    ServiceRequest.objects.filter(pk__in=ids).update(
        sla=plan,
        escalate_at=now - timedelta(hours=2),
        due_at=now - timedelta(hours=2),
        resolved_at=None,
        first_resolved_at=None,
    )
    due_total = ServiceRequest.objects.filter(state__in=OPEN_STATES, escalate_at__lte=now).count()
    print(f"database: {connection.vendor}, requests ≈ {total:,}, due now: {due_total:,}")
    if show_plan:
        qs = ServiceRequest.objects.filter(state__in=OPEN_STATES, escalate_at__lte=now).order_by("escalate_at", "pk")
        with connection.cursor() as cursor:
            sql, params = qs.values("pk")[:500].query.sql_with_params()
            explain = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
            cursor.execute(explain + sql, params)
            print("plan of the selection:")
            for row in cursor.fetchall():
                print("   ", " ".join(str(c) for c in row))
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    db_cpu = backend_cpu(connection)
    db0 = db_cpu() if db_cpu else 0
    with connection.execute_wrapper(count):
        t0, app0 = time.perf_counter(), time.process_time()
        fired = sla.escalation_pass(now)
        elapsed = time.perf_counter() - t0
    app = time.process_time() - app0
    db = db_cpu() - db0 if db_cpu else float("nan")
    again = sla.escalation_pass(now)
    print(
        f"escalation pass: {fired} rungs fired for {len(ids)} due requests in {elapsed * 1000:.0f} ms, "
        f"{statements[0]} SQL statements, CPU: this process {app * 1000:.0f} ms + PostgreSQL {db * 1000:.0f} ms "
        f"(target ≤ 1000 ms) → "
        f"{'PASS' if elapsed <= 1 and fired >= len(ids) else 'FAIL'}; a second pass fired {again} (must be 0)"
    )
    return elapsed, statements[0], again, app, db


def _estimate() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'desk_servicerequest'")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
