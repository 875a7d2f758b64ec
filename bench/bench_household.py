#!/usr/bin/env python3
"""The household file at scale: the estate search and the household page on PostgreSQL.

    .venv/bin/python bench/bench_household.py [--households 100000] [--runs 200] [--fresh]

Builds (once) a database of its own, `propdesk_bench_estate` on the local PostgreSQL (or the
server in BENCH_DATABASE_URL): 100,000 households with residents (generate_scale, no requests),
their pinyin initials and name index (estate.indexing), a vehicle for ~45 % of them, and one
room with 500 timeline entries (250 requests, 250 notes). Then, in process with the Django test
client (middleware, selector and template rendering included), it times:

- search by a Chinese name part, pinyin initials, a full phone, the last four digits, a plate,
  a room number, as a project's CS clerk (5,000 households) and as the company administrator
  (all 100,000 households): p50 / p95 / max over --runs requests with varied terms;
- the household page of the room with 500 timeline entries, and its query count next to a room
  with none.

Targets: search ≤ 50 ms, page ≤ 100 ms, the same number of queries whatever the timeline's size.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = os.environ.get("BENCH_DB", "propdesk_bench_estate")
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{SERVER.rstrip('/')}/{DB_NAME}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")


def ensure_database(fresh: bool) -> None:
    from bench.results import ensure_database as make_database

    make_database(SERVER.rstrip("/"), DB_NAME, rebuild=fresh)


def build(households: int) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from core.models import Company, User
    from desk.models import ServiceRequest
    from estate.demo import BRANDS, COLOURS, plate
    from estate.indexing import reindex_residents
    from estate.models import HouseholdNote, Occupancy, Resident, ResidentNameGram, Room, Vehicle

    call_command("migrate", verbosity=0)
    if not Company.objects.filter(code="scale").exists():
        t = time.monotonic()
        call_command("generate_scale", households=households, requests=20_000, verbosity=1)
        print(f"generate_scale: {time.monotonic() - t:.0f} s")
    # the generator fills initials and pinyin; the name substrings are indexed here
    if not ResidentNameGram.objects.filter(project__company__code="scale").exists():
        t = time.monotonic()
        n = reindex_residents(Resident.objects.filter(project__company__code="scale"), batch=20_000)
        print(f"name index of {n:,} residents: {time.monotonic() - t:.0f} s")
    if not Vehicle.objects.exists():
        t = time.monotonic()
        rng = random.Random(7)
        owners = Occupancy.objects.filter(relation="owner").values_list("room_id", "room__project_id", "resident_id")
        seen, rows = set(), []
        for room_id, project_id, resident_id in owners.iterator(chunk_size=20_000):
            if rng.random() < 0.45:
                p = plate(rng)
                if (project_id, p) in seen:
                    continue
                seen.add((project_id, p))
                rows.append(
                    Vehicle(
                        project_id=project_id,
                        room_id=room_id,
                        resident_id=resident_id,
                        plate=p,
                        plate_body=p[1:],
                        brand=rng.choice(BRANDS),
                        colour=rng.choice(COLOURS),
                    )
                )
        Vehicle.objects.bulk_create(rows, batch_size=10_000)
        print(f"{len(rows):,} vehicles: {time.monotonic() - t:.0f} s")
    room = Room.objects.filter(project__company__code="scale").order_by("id").first()
    have = ServiceRequest.objects.filter(room=room).count() + HouseholdNote.objects.filter(room=room).count()
    if have < 500:
        sr = ServiceRequest.objects.filter(project_id=room.project_id).first()
        fields = {
            f.attname: getattr(sr, f.attname)
            for f in ServiceRequest._meta.concrete_fields
            if f.attname not in ("id", "number", "created_at", "room_id")
        }
        now = timezone.now()
        ServiceRequest.objects.bulk_create(
            [
                ServiceRequest(
                    **fields, room_id=room.pk, number=f"BENCH{n:05d}", created_at=now - timezone.timedelta(hours=n)
                )
                for n in range(250)
            ]
        )
        author = User.objects.get(username=f"{room.project.code}_kefu1")
        HouseholdNote.objects.bulk_create(
            [
                HouseholdNote(
                    room=room, author=author, text=f"测试备注{n}", created_at=now - timezone.timedelta(minutes=n * 7)
                )
                for n in range(250)
            ]
        )
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("VACUUM ANALYZE estate_resident, estate_residentnamegram, estate_vehicle, estate_room")


def timed(client, url, runs_of_terms, path) -> list[float]:
    times = []
    for term in runs_of_terms:
        t = time.perf_counter()
        response = client.get(path, {"q": term} if term is not None else None)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, term, response.status_code)
    return times


class QueryCount:
    """Counts the queries run inside the block (the test client's request signals do not reset it)."""

    def __init__(self, connection):
        self.connection, self.n = connection, 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._cm = self.connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def p95_of(times: list[float]) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, int(len(times) * 0.95))]


def figures(times: list[float]) -> str:
    times = sorted(times)
    p95 = p95_of(times)
    return f"p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  max {times[-1]:6.1f} ms  (n={len(times)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the benchmark database")
    args = parser.parse_args()
    ensure_database(args.fresh)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from core.models import User
    from estate.models import HouseholdNote, Resident, Room, Vehicle
    from estate.selectors import search
    from estate.timeline import room_timeline

    settings.ALLOWED_HOSTS = ["*"]
    build(args.households)

    rng = random.Random(11)
    print(f"database   postgresql {connection.settings_dict['NAME']}")
    print(
        f"size       {Room.objects.count():,} rooms, {Resident.objects.count():,} residents, "
        f"{Vehicle.objects.count():,} vehicles"
    )
    kefu = User.objects.get(username="s001_kefu1")
    admin = User.objects.get(username="scale_admin")
    sample = list(
        Resident.objects.filter(project_id__in=kefu.project_ids())
        .exclude(phone="")
        .order_by("?")
        .values_list("name", "phone", "name_initials")[: args.runs]
    )
    plates = list(
        Vehicle.objects.filter(project_id__in=kefu.project_ids())
        .order_by("?")
        .values_list("plate", flat=True)[: args.runs]
    )
    codes = list(
        Room.objects.filter(project_id__in=kefu.project_ids()).order_by("?").values_list("code", flat=True)[: args.runs]
    )
    kinds = {
        "name (given name part)": [n[1:] for n, _p, _i in sample],
        "name (surname, common)": [n[:1] for n, _p, _i in sample],
        "name (full)": [n for n, _p, _i in sample],
        "pinyin initials": [i for _n, _p, i in sample],
        "phone (full)": [p for _n, p, _i in sample],
        "phone (last 4)": [p[-4:] for _n, p, _i in sample],
        "plate (lower, spaced)": [f"{p[:2].lower()} {p[2:]}" for p in plates],
        "plate (no province)": [p[1:].lower() for p in plates],
        "room (3栋2单元1502)": [c.replace("-", "栋", 1).replace("-", "单元", 1) for c in codes],
    }
    from bench.results import report

    path = reverse("estate:search")
    for label, user in (("CS clerk, 1 project", kefu), ("company admin, all projects", admin)):
        client = Client()
        client.force_login(user)
        client.get(path, {"q": "张"})  # warm up
        print(f"\nsearch as {label} ({len(user.project_ids())} projects)")
        print(f"  {'empty search page (base)':26s} {figures(timed(client, 'base', [''] * 50, path))}")
        worst = (0.0, "")
        for kind, terms in kinds.items():
            rng.shuffle(terms)
            with QueryCount(connection) as q:
                client.get(path, {"q": terms[0]})
            page_times = timed(client, kind, terms, path)
            page = figures(page_times)
            worst = max(worst, (p95_of(page_times), kind))
            selector = []
            for term in terms:
                t = time.perf_counter()
                search(user, term)
                selector.append((time.perf_counter() - t) * 1000)
            print(f"  {kind:26s} page {page}  queries {q.n}")
            print(f"  {'':26s} selector only {figures(selector)}")
        report(
            f"household search as {label}",
            "p95 ≤ 50 ms",
            f"slowest kind: {worst[1]}, p95 {worst[0]:.1f} ms",
            worst[0] <= 50,
        )

    big = Room.objects.filter(project__company__code="scale").order_by("id").first()
    empty = Room.objects.filter(project_id=big.project_id, requests__isnull=True).exclude(pk=big.pk).first()
    client = Client()
    client_user = User.objects.get(username=f"{big.project.code}_kefu1")
    client.force_login(client_user)
    page, blank = reverse("estate:household", args=[big.pk]), reverse("estate:household", args=[empty.pk])
    client.get(page)
    with QueryCount(connection) as q_big:
        response = client.get(page)
    with QueryCount(connection) as q_empty:
        client.get(blank)
    notes = HouseholdNote.objects.filter(room=big).count()
    entries = len(room_timeline(room=big, user=client_user))
    assert response.status_code == 200
    print(f"\nhousehold page {big.code}: {entries} timeline entries ({notes} notes)")
    big_times = timed(client, "page", [None] * 50, page)
    print(f"  500 entries   {figures(big_times)}  queries {q_big.n}")
    print(f"  empty room    {figures(timed(client, 'page', [None] * 50, blank))}  queries {q_empty.n}")
    report(
        f"household page, {entries} timeline entries",
        "p95 ≤ 100 ms, as many queries as an empty room",
        f"p95 {p95_of(big_times):.1f} ms; {q_big.n} queries (empty room {q_empty.n})",
        p95_of(big_times) <= 100 and q_big.n == q_empty.n,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
