"""EXPLAIN ANALYZE of the key queries against a database made by `manage.py generate_scale`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/propdesk_bench .venv/bin/python bench/scale_sql.py [--plans]

Two kinds of query for each case: the raw SQL the design is built around (docs: DESIGN.md,
"Measured facts about the data"), and the SQL the application's own selectors and filter set
generate today (what the pages and the API really run). Each is run a few times (warm cache); the
best and median execution and planning times are printed, and with --plans the plan of the last run.
"""

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from core.models import Project, User  # noqa: E402
from desk import selectors  # noqa: E402
from desk.choices import OPEN_STATES  # noqa: E402
from desk.filters import RequestFilter  # noqa: E402
from desk.models import ServiceRequest  # noqa: E402
from estate.models import Resident  # noqa: E402

OPEN = ", ".join(str(int(s)) for s in OPEN_STATES)
LIST_COLUMNS = "id, number, kind, state, severity, title, created_at, room_id, assignee_id"


def explain(sql: str, params, runs: int) -> tuple[list[float], list[float], str, int]:
    """(execution times, planning times, text plan, rows) over `runs` runs of EXPLAIN ANALYZE."""
    executions, plannings = [], []
    with connection.cursor() as cursor:
        for _ in range(runs):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            raw = cursor.fetchone()[0]
            doc = (json.loads(raw) if isinstance(raw, str) else raw)[0]
            executions.append(doc["Execution Time"])
            plannings.append(doc["Planning Time"])
        rows = doc["Plan"].get("Actual Rows", 0)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(r[0] for r in cursor.fetchall())
    return executions, plannings, plan, rows


def orm_sql(qs):
    return qs.query.sql_with_params()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--plans", action="store_true", help="print every plan")
    parser.add_argument("--term", default="漏水")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to the PostgreSQL database made by generate_scale.")

    project = Project.objects.filter(company__code="scale").annotate(n=Count("rooms")).order_by("-n", "id").first()
    if project is None:
        raise SystemExit("No generated data: run `manage.py generate_scale` first.")
    user = User.objects.get(username=f"{project.code}_kefu1")
    resident = Resident.objects.filter(project=project).exclude(phone="").order_by("id").first()
    last4 = resident.phone[-4:]
    open_count = ServiceRequest.objects.filter(project=project, state__in=OPEN_STATES).count()
    offset = min(5000, open_count // 2 // 100 * 100)
    page2 = (
        ServiceRequest.objects.filter(project=project, state__in=OPEN_STATES)
        .order_by("-created_at", "-id")
        .values_list("created_at", "id")[24]
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM desk_servicerequest")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
    print(
        f"{version.split(',')[0]}; {total:,} requests; project {project.code} (id {project.pk}, {project.n:,} rooms, "
        f"{open_count:,} open requests)"
    )

    request = RequestFactory().get("/requests/")
    request.user = user

    def app_list(params: dict):
        base = selectors.list_queryset(selectors.visible_requests(user))
        qs = RequestFilter(params, queryset=base, request=request).qs
        return qs.order_by("-created_at", "-id")[:26]

    term_like = f"%{args.term}%"
    cases = [
        (
            "open list of a project, newest first, 25 rows (raw)",
            f"SELECT {LIST_COLUMNS} FROM desk_servicerequest WHERE project_id = %s AND state IN ({OPEN}) "
            "ORDER BY created_at DESC, id DESC LIMIT 25",
            [project.pk],
        ),
        (
            "open list, next page by keyset (raw)",
            f"SELECT {LIST_COLUMNS} FROM desk_servicerequest WHERE project_id = %s AND state IN ({OPEN}) "
            "AND (created_at, id) < (%s, %s) ORDER BY created_at DESC, id DESC LIMIT 25",
            [project.pk, page2[0], page2[1]],
        ),
        (
            f"open list, OFFSET {offset} (raw, for comparison)",
            f"SELECT {LIST_COLUMNS} FROM desk_servicerequest WHERE project_id = %s AND state IN ({OPEN}) "
            "ORDER BY created_at DESC, id DESC LIMIT 25 OFFSET %s",
            [project.pk, offset],
        ),
        (
            "open complaints of the user's projects (app: /requests/?kind=complaint&open=true)",
            *orm_sql(app_list({"kind": "complaint", "open": "true"})),
        ),
        (
            f"search {args.term} within a project, newest first (raw: grams @> + ILIKE)",
            f"SELECT {LIST_COLUMNS} FROM desk_servicerequest WHERE project_id = %s AND search_grams @> %s::jsonb "
            "AND (title ILIKE %s OR description ILIKE %s OR location ILIKE %s) "
            "ORDER BY created_at DESC, id DESC LIMIT 25",
            [project.pk, json.dumps([args.term], ensure_ascii=False), term_like, term_like, term_like],
        ),
        (
            f"search {args.term} within a project (app: /requests/?q={args.term}&project=…)",
            *orm_sql(app_list({"q": args.term, "project": str(project.pk)})),
        ),
        (
            "residents by phone last 4 digits in a project (raw)",
            "SELECT id, name, phone FROM estate_resident WHERE project_id = %s AND phone_last4 = %s",
            [project.pk, last4],
        ),
        (
            "residents by phone last 4 digits, whole company (raw)",
            "SELECT r.id, r.name, r.phone FROM estate_resident r JOIN core_project p ON p.id = r.project_id "
            "WHERE p.company_id = %s AND r.phone_last4 = %s",
            [project.company_id, last4],
        ),
        (
            "residents by LIKE '%last4' (raw, the scan the design avoids)",
            "SELECT id, name, phone FROM estate_resident WHERE phone LIKE %s",
            [f"%{last4}"],
        ),
    ]
    try:
        from estate.selectors import lookup_rooms  # noqa: F401

        cases.append(("intake lookup by last 4 digits (app: lookup_rooms)", *_lookup_sql(user, project, last4)))
        cases.append(("intake lookup by full phone (app: lookup_rooms)", *_lookup_sql(user, project, resident.phone)))
    except ImportError:
        pass

    print(f"\n{'query':<88} {'exec best':>10} {'median':>9} {'plan':>7} {'rows':>6}")
    for title, sql, params in cases:
        executions, plannings, plan, rows = explain(sql, params, args.runs)
        print(
            f"{title:<88} {min(executions):8.2f}ms {statistics.median(executions):7.2f}ms "
            f"{statistics.median(plannings):5.2f}ms {rows:>6}"
        )
        if args.plans:
            print("\n" + plan + "\n")


def _lookup_sql(user, project, text):
    """The room query `lookup_rooms` runs (captured, since it evaluates its queryset itself)."""
    from django.test.utils import CaptureQueriesContext

    from estate.selectors import lookup_rooms

    with CaptureQueriesContext(connection) as ctx:
        lookup_rooms(user, text, project_id=project.pk)
    sql = max(ctx.captured_queries, key=lambda q: len(q["sql"]))["sql"]
    return sql.replace("%", "%%"), []


if __name__ == "__main__":
    main()
