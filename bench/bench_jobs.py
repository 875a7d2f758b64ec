#!/usr/bin/env python3
"""Time the technician's job list (`/jobs/`, desk.views.my_jobs → desk/jobs.py) against a generated
database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/propdesk_bench \\
        .venv/bin/python bench/bench_jobs.py [--people 10] [--rounds 20]

Takes the technicians with the most open jobs (they have the longest lists to sort and the most
finished work behind them), signs each in with Django's test client (a session row is written;
nothing else), and requests the page `--rounds` times each, after two warm-up requests: wall time
per page, p50 / p95 / max over every request, the CPU a page costs in this process and in its
PostgreSQL backend (figures a busy machine does not move), and the cards' one query alone. It
also counts the page's queries for one technician and for another (the same number: no query per
card) and prints the plan of the jobs query for the busiest one. Target (issue 12): p95 ≤ 50 ms
at 10,000,000 requests. The page's work grows with one person's jobs and finished work, not with
the table: a generated database keeps ~50,000 requests per project at every size, so each
technician's share is the same at 200,000 requests as at 10,000,000; only the index depth differs.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.choices import Role
    from core.models import User
    from desk import jobs
    from desk.choices import WORK_STATES
    from desk.models import ServiceRequest

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10, help="technicians measured (the busiest)")
    parser.add_argument("--rounds", type=int, default=20, help="requests per technician")
    args = parser.parse_args()

    people = list(
        User.objects.filter(role=Role.WORKER, is_active=True)
        .annotate(open_jobs=Count("assigned_requests", filter=Q(assigned_requests__state__in=WORK_STATES)))
        .order_by("-open_jobs", "pk")[: args.people]
    )
    if not people or not people[0].open_jobs:
        print("no technician with open jobs in this database (run manage.py generate_scale)")
        return 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", ["desk_servicerequest"])
            size = cursor.fetchone()[0]
    else:
        size = ServiceRequest.objects.count()
    print(f"database   {connection.vendor} {connection.settings_dict.get('NAME')}: ~{size:,} requests")
    print(f"people     {len(people)} technicians, open jobs {people[-1].open_jobs}–{people[0].open_jobs}")

    from bench.results import backend_cpu

    db_cpu = backend_cpu(connection)  # this process's database backend (the test client's pages use it)
    page_times, query_times, queries = [], [], []
    app_cpu = db_used = 0.0
    for person in people:
        client = Client(HTTP_HOST="localhost")
        client.force_login(person)
        for _ in range(2):
            assert client.get("/jobs/").status_code == 200
        with CaptureQueriesContext(connection) as captured:
            client.get("/jobs/")
        queries.append(len(captured.captured_queries))
        cpu, db = time.process_time(), db_cpu() if db_cpu else 0.0
        for _ in range(args.rounds):
            started = time.perf_counter()
            response = client.get("/jobs/")
            page_times.append(time.perf_counter() - started)
            assert response.status_code == 200
        app_cpu += time.process_time() - cpu
        db_used += (db_cpu() - db) if db_cpu else 0.0
        user = User.objects.get(pk=person.pk)
        for _ in range(args.rounds):
            started = time.perf_counter()
            list(jobs.job_queryset(user)[: jobs.SHOWN])
            query_times.append(time.perf_counter() - started)

    def line(name, values):
        ms = [v * 1000 for v in values]
        print(
            f"{name:<11}p50 {statistics.median(ms):6.1f} ms   p95 {percentile(ms, 0.95):6.1f} ms   "
            f"max {max(ms):6.1f} ms   ({len(ms)} requests)"
        )

    line("page", page_times)
    line("jobs query", query_times)
    pages = len(page_times)
    cpu_line = f"CPU {app_cpu / pages * 1000:.1f} ms app" + (
        f" + {db_used / pages * 1000:.1f} ms database" if db_cpu else ""
    )
    print(f"per page   {cpu_line} (CPU time does not grow with the machine's load; the clock does)")
    print(f"queries    {sorted(set(queries))} per page (one number: nothing per card)")

    if connection.vendor == "postgresql":
        sql, params = jobs.job_queryset(people[0])[: jobs.SHOWN].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("plan of the jobs query (busiest technician):")
            for (row,) in cursor.fetchall():
                print("  " + row)

    from bench.results import report

    p95 = percentile(page_times, 0.95) * 1000
    report(
        f"technician's job list, {people[0].open_jobs} open jobs, ~{size:,} requests",
        "p95 ≤ 50 ms",
        f"p95 {p95:.1f} ms (query p95 {percentile(query_times, 0.95) * 1000:.1f} ms); "
        f"{cpu_line}; {max(queries)} queries a page",
        p95 <= 50 and len(set(queries)) == 1,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
