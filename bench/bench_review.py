#!/usr/bin/env python3
"""Time the monthly review's computation (quality.review.monthly_review) against a real database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/propdesk_bench \\
        .venv/bin/python bench/bench_review.py [--project ID|CODE] [--month YYYY-MM] [--repeat 5]

Without --project: the project with the most requests; without --month: that project's busiest
month. Read-only: it runs SELECTs and nothing else. Prints the size of the month, every run's
wall time, the best and the median, the number of queries, and the time of each piece (one run),
so a slow figure names the query behind it. Target: ≤ 2 s for 100,000 requests in a month on
PostgreSQL.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")


def main() -> int:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from core.models import Project
    from desk.models import ServiceRequest
    from quality import review

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", help="project id or code (default: the one with the most requests)")
    parser.add_argument("--month", help="YYYY-MM (default: the project's busiest month)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    if args.project:
        field = "pk" if args.project.isdigit() else "code"
        project = Project.objects.get(**{field: args.project})
    else:
        top = ServiceRequest.objects.values("project_id").annotate(n=Count("id")).order_by("-n").first()
        if not top:
            print("no requests in this database")
            return 1
        project = Project.objects.get(pk=top["project_id"])
    if args.month:
        year, month = args.month.split("-")
        month = date(int(year), int(month), 1)
    else:
        tz = timezone.get_default_timezone()
        busiest = (
            ServiceRequest.objects.filter(project=project)
            .annotate(m=TruncMonth("created_at", tzinfo=tz))
            .values("m")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        month = busiest["m"].date() if hasattr(busiest["m"], "date") else busiest["m"]

    size = review.month_requests(project.pk, month).count()
    settings = connection.settings_dict
    print(f"database   {connection.vendor} {settings.get('NAME')}")
    print(f"project    {project.pk} {project.code} {project.name}")
    print(f"month      {month:%Y-%m}: {size:,} requests")

    # One warm-up run (plans, caches), then the timed runs.
    with CaptureQueriesContext(connection) as queries:
        review.monthly_review(project.pk, month)
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        review.monthly_review(project.pk, month)
        times.append(time.perf_counter() - started)
    print(f"queries    {len(queries.captured_queries)}")
    print("runs       " + "  ".join(f"{t * 1000:.0f} ms" for t in times))
    print(f"best       {min(times) * 1000:.0f} ms")
    print(f"median     {statistics.median(times) * 1000:.0f} ms")
    from bench.results import report

    median = statistics.median(times)
    report(
        f"monthly review, {size:,} requests in a month",
        "≤ 2 s for 100,000 a month",
        f"median {median * 1000:,.0f} ms; {len(queries.captured_queries)} queries",
        median <= 2,
    )

    base = review.month_requests(project.pk, month)
    pieces = {
        "fact_groups": lambda: review.fact_groups(base),
        "time_groups": lambda: review.time_groups(base),
        "resolution_times": lambda: review.resolution_times(base),
        "repeat_complaints": lambda: review.repeat_complaints(base),
        "complaints_by_building": lambda: review.complaints_by_building(base),
        "households": lambda: review.households(project.pk),
    }
    print("pieces (one run each, as monthly_review runs them):")
    with review.without_jit():
        for name, run in pieces.items():
            started = time.perf_counter()
            run()
            print(f"  {name:<24}{(time.perf_counter() - started) * 1000:8.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
