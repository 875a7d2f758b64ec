#!/usr/bin/env python3
"""Time the supervisor's board (desk/board.py, the page /board/ and its polled fragment) against a
database made by `manage.py generate_scale`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/propdesk_bench \\
        .venv/bin/python bench/bench_board.py [--project ID|CODE] [--repeat 30] [--plans]

Two scopes, each as its user sees it through Django's test client (middleware, session, the
template, no server): the project with the most open requests, as its CS supervisor
(`<code>_zhuguan`), and the whole generated company, as its administrator (`scale_admin`). Each
is warmed up, then fetched `--repeat` times: p50, p95 and max of the fragment htmx polls (what
the board costs every 45 s per open screen) and p95 of the whole page; the number of queries and
the slowest of them (one run, timed by the database driver). `--plans` prints EXPLAIN ANALYZE of
each query of one project run. Read-only. Targets (issue 12, at 10,000,000 requests): p95 ≤ 100 ms
for a project, ≤ 300 ms for the company.
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

PROJECT_GOAL_MS = 100
COMPANY_GOAL_MS = 300


def percentile(values, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Timed:
    """A connection.execute_wrapper that keeps each statement with its time (ms) and parameters."""

    def __init__(self):
        self.captured = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.captured.append(((time.perf_counter() - started) * 1000, sql, params))

    @property
    def total(self) -> float:
        return sum(ms for ms, _sql, _params in self.captured)


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from bench.results import backend_cpu, report
    from core.models import Company, Project, User
    from desk.choices import OPEN_STATES
    from desk.models import ServiceRequest

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", help="project id or code (default: the one with the most open requests)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--plans", action="store_true", help="print EXPLAIN ANALYZE of each query (project scope)")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]

    company = Company.objects.filter(code="scale").first()
    if company is None:
        print("no generated company (code 'scale') in this database: run manage.py generate_scale first")
        return 1
    if args.project:
        field = "pk" if args.project.isdigit() else "code"
        project = Project.objects.get(**{field: args.project})
    else:
        top = (
            ServiceRequest.objects.filter(project__company=company, state__in=[int(s) for s in OPEN_STATES])
            .values("project_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        project = Project.objects.get(pk=top["project_id"])
    supervisor = User.objects.get(username=f"{project.code}_zhuguan")
    admin = User.objects.get(username="scale_admin")
    total = ServiceRequest.objects.count()
    open_project = ServiceRequest.objects.filter(project=project, state__in=[int(s) for s in OPEN_STATES]).count()
    projects = Project.objects.filter(company=company).count()
    print(f"database   {connection.vendor} {connection.settings_dict.get('NAME')}: {total:,} requests")
    print(f"project    {project.pk} {project.code} {project.name}: {open_project:,} open requests")
    print(f"company    {company.name}: {projects} projects")

    results = {}
    for label, user, query, goal in (
        ("project", supervisor, f"?project={project.pk}", PROJECT_GOAL_MS),
        ("company", admin, "", COMPANY_GOAL_MS),
    ):
        client = Client()
        client.force_login(user)
        fragment, page = f"/board/figures/{query}", f"/board/{query}"
        htmx = {"HTTP_HX_REQUEST": "true"}
        for url, extra in ((page, {}), (fragment, htmx)):  # warm-up: plans, caches, the connection
            response = client.get(url, **extra)
            assert response.status_code == 200, (url, response.status_code)
        queries = Timed()
        with connection.execute_wrapper(queries):
            client.get(fragment, **htmx)
        times = []
        db_cpu = backend_cpu(connection)
        cpu_started, db_started = time.process_time(), db_cpu() if db_cpu else None
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(fragment, **htmx)
            times.append((time.perf_counter() - started) * 1000)
        app_ms = (time.process_time() - cpu_started) * 1000 / args.repeat
        db_ms = (db_cpu() - db_started) * 1000 / args.repeat if db_cpu else float("nan")
        pages = []
        for _ in range(max(5, args.repeat // 3)):
            started = time.perf_counter()
            client.get(page)
            pages.append((time.perf_counter() - started) * 1000)
        p95 = percentile(times, 0.95)
        results[label] = p95
        print(f"\n{label}: {len(queries.captured)} queries per refresh, {queries.total:.1f} ms in the database")
        print(
            f"  fragment  p50 {statistics.median(times):.1f}  p95 {p95:.1f}  max {max(times):.1f} ms"
            f"  ({args.repeat} runs)"
        )
        print(f"  CPU per refresh: app {app_ms:.1f} ms + database {db_ms:.1f} ms (not moved by other load)")
        print(f"  page      p50 {statistics.median(pages):.1f}  p95 {percentile(pages, 0.95):.1f} ms")
        for ms, sql, _params in sorted(queries.captured, key=lambda q: -q[0])[:5]:
            print(f"  {ms:7.1f} ms  {sql[:150]}")
        report(
            f"supervisor's board, {label} ({total:,} requests)",
            f"p95 ≤ {goal} ms at 10,000,000 requests",
            f"fragment p50 {statistics.median(times):.1f} / p95 {p95:.1f} ms; page p95 "
            f"{percentile(pages, 0.95):.1f} ms; CPU {app_ms:.0f} + {db_ms:.0f} ms; {len(queries.captured)} queries ({queries.total:.0f} ms in the database)",
            p95 <= goal,
            "measured below 10M requests" if total < 10_000_000 else "",
        )
        if args.plans and label == "project" and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for _ms, sql, params in queries.captured:
                    if not sql.lstrip().upper().startswith("SELECT") or "desk_servicerequest" not in sql:
                        continue
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    print("\n" + sql[:200])
                    print("\n".join(row[0] for row in cursor.fetchall()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
