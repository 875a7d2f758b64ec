"""Benchmark: gathering a shift handover with 10,000 open items, on PostgreSQL.

    .venv/bin/python bench/bench_handover.py [--items 10000] [--runs 30] [--rebuild]

Builds its own database `propdesk_bench_duty` on the local PostgreSQL (override the server with
BENCH_PG=postgres://user@host:port), migrates it, and fills one project with open items spread
over every kind registered in `duty.registry` when it runs: the desk's own (requests the outgoing
person received, keys lent out, duty-log entries to follow) and, where their models exist, the
other apps' (parcels waiting, visitors on site, goods passes for today, incidents being handled);
a kind whose rows it does not know how to make is reported and left empty.

Then it times, with p50 / p95 / max over `--runs`:
- `duty.registry.gather(project=, user=outgoing, at=now)`: every kind's collector; target ≤ 200 ms;
- `duty.services.handover_start(...)`: gather plus the snapshot written (handover, items, counts,
  the shift's log lines), each run in a transaction that is rolled back so every run sees the
  same data.
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
DB = "propdesk_bench_duty"
os.environ["DATABASE_URL"] = f"{BASE}/{DB}"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")


# Share of the items per kind; kinds registered but not listed get nothing.
SHARES = {
    "requests": 0.40,
    "keys": 0.15,
    "duty_log": 0.10,
    "parcels": 0.10,
    "visitors": 0.10,
    "goods_passes": 0.05,
    "incidents": 0.10,
}


def build(n_items: int, rng: random.Random) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from core.choices import DepartmentKind, Role
    from core.models import Company, Department, Project, User
    from desk.choices import OPEN_STATES, Kind, State
    from duty import registry
    from duty.models import CountedThing, Key, KeyLoan, LogEntry
    from estate.models import Building, Room, Unit

    now = timezone.now()
    made: dict[str, int] = {}
    skipped: dict[str, str] = {}
    with transaction.atomic():
        company = Company.objects.create(name="基准物业", code="bench")
        project = Project.objects.create(company=company, code="duty", name="交接班基准项目")
        other = Project.objects.create(company=company, code="other", name="另一个项目")
        for p in (project, other):
            Department.objects.bulk_create([Department(project=p, kind=k, name=str(k.label)) for k in DepartmentKind])
        password = make_password("bench")
        outgoing = User.objects.create(username="out", password=password, role=Role.CS_STAFF, company=company)
        incoming = User.objects.create(username="in", password=password, role=Role.CS_STAFF, company=company)
        colleague = User.objects.create(username="col", password=password, role=Role.CS_STAFF, company=company)
        for u in (outgoing, incoming, colleague):
            u.projects.set([project])
        building = Building.objects.create(project=project, number="1", floors=30)
        unit = Unit.objects.create(building=building, number="1")
        Room.objects.bulk_create(
            [
                Room(
                    project=project,
                    building=building,
                    unit=unit,
                    number=f"{f}{r:02d}",
                    code=f"1-1-{f}{r:02d}",
                    sort_key=Room.make_sort_key(f"1-1-{f}{r:02d}"),
                )
                for f in range(1, 31)
                for r in range(1, 9)
            ]
        )
        rooms = list(Room.objects.filter(project=project).values_list("pk", flat=True))
        for i, (name, unit_name, qty) in enumerate([("对讲机", "台", 6), ("手电筒", "把", 4), ("备用金", "元", 500)]):
            CountedThing.objects.create(project=project, name=name, unit=unit_name, expected=qty, order=i)

        kinds = [k.code for k in registry.kinds()]
        want = {code: int(n_items * SHARES.get(code, 0)) for code in kinds}

        def make_requests(n):
            from desk.models import ServiceRequest

            rows = []
            for i in range(n):
                # most received by the outgoing person; some registered by a colleague this shift
                mine = i % 5 != 0
                rows.append(
                    ServiceRequest(
                        project=project,
                        number=f"BX20261126{i:06d}",
                        kind=Kind.REPAIR if i % 2 else Kind.COMPLAINT,
                        title=f"基准工单 {i}",
                        state=rng.choice(OPEN_STATES) if mine else State.REGISTERED,
                        receiver=outgoing if mine else colleague,
                        room_id=rng.choice(rooms),
                        created_at=now - timedelta(minutes=rng.randint(10, 60 * 7 if not mine else 60 * 24 * 30)),
                    )
                )
            # noise: closed ones and another project's, which must not be gathered
            for i in range(n):
                rows.append(
                    ServiceRequest(
                        project=project if i % 2 else other,
                        number=f"TS20261126{i:06d}",
                        kind=Kind.COMPLAINT,
                        title=f"已结案 {i}",
                        state=State.CLOSED if i % 2 else State.REGISTERED,
                        receiver=outgoing,
                        created_at=now - timedelta(days=rng.randint(1, 60)),
                    )
                )
            ServiceRequest.objects.bulk_create(rows, batch_size=5000)

        def make_keys(n):
            keys = Key.objects.bulk_create(
                [Key(project=project, code=f"K{i:05d}", name=f"钥匙 {i}") for i in range(n + n // 2)], batch_size=5000
            )
            loans = []
            for i, k in enumerate(keys):
                lent = now - timedelta(hours=rng.randint(1, 72))
                loans.append(
                    KeyLoan(
                        key=k,
                        project=project,
                        borrower_name=f"借用人{i}",
                        borrower_phone="13812345678",
                        purpose="检修",
                        lent_at=lent,
                        due_back=lent + timedelta(hours=4),
                        lent_by=outgoing,
                        returned_at=None if i < n else lent + timedelta(hours=1),
                    )
                )
            KeyLoan.objects.bulk_create(loans, batch_size=5000)

        def make_log(n):
            LogEntry.objects.bulk_create(
                [
                    LogEntry(
                        project=project,
                        at=now - timedelta(minutes=rng.randint(1, 60 * 7)),
                        category="patrol",
                        text=f"巡查发现事项 {i}，请下一班跟进",
                        hand_over=i < n,
                        author=outgoing,
                    )
                    for i in range(n + n // 2)
                ],
                batch_size=5000,
            )

        def make_parcels(n):
            from frontdesk.choices import ParcelState
            from frontdesk.models import Parcel

            Parcel.objects.bulk_create(
                [
                    Parcel(
                        project=project,
                        room_id=rng.choice(rooms),
                        pickup_code=f"{i:06d}",
                        logged_by=outgoing,
                        state=ParcelState.WAITING,
                        arrived_at=now - timedelta(hours=rng.randint(1, 200)),
                    )
                    for i in range(n)
                ],
                batch_size=5000,
            )

        def make_visitors(n):
            from frontdesk.choices import VisitState
            from frontdesk.models import Visit

            Visit.objects.bulk_create(
                [
                    Visit(
                        project=project,
                        room_id=rng.choice(rooms),
                        name=f"访客{i}",
                        purpose="探亲",
                        created_by=outgoing,
                        state=VisitState.ON_SITE,
                        time_in=now - timedelta(minutes=rng.randint(5, 300)),
                    )
                    for i in range(n)
                ],
                batch_size=5000,
            )

        def make_goods_passes(n):
            from frontdesk.choices import PassState
            from frontdesk.models import GoodsPass

            GoodsPass.objects.bulk_create(
                [
                    GoodsPass(
                        project=project,
                        room_id=rng.choice(rooms),
                        code=f"G{i:07d}",
                        valid_on=timezone.localdate(now),
                        state=PassState.AUTHORISED,
                        applicant_name="业主",
                        applicant_relation="owner",
                        carrier_name=f"搬运{i}",
                        carrier_id_number="330106199001011234",
                        created_by=outgoing,
                    )
                    for i in range(n)
                ],
                batch_size=5000,
            )

        def make_incidents(n):
            from safety.choices import IncidentState
            from safety.models import Incident

            Incident.objects.bulk_create(
                [
                    Incident(
                        project=project,
                        kind=Incident._meta.get_field("kind").choices[0][0],
                        title=f"突发事件 {i}",
                        place="地下车库",
                        reported_by=outgoing,
                        state=IncidentState.OPEN,
                        reported_at=now - timedelta(minutes=rng.randint(5, 600)),
                    )
                    for i in range(n)
                ],
                batch_size=5000,
            )

        makers = {
            "requests": make_requests,
            "keys": make_keys,
            "duty_log": make_log,
            "parcels": make_parcels,
            "visitors": make_visitors,
            "goods_passes": make_goods_passes,
            "incidents": make_incidents,
        }
        for code in kinds:
            n = want.get(code, 0)
            maker = makers.get(code)
            if not maker or not n:
                skipped[code] = "no rows made (unknown kind)"
                continue
            try:
                with transaction.atomic():
                    maker(n)
                made[code] = n
            except Exception as exc:  # another app's model changed shape: report it, go on
                skipped[code] = f"{type(exc).__name__}: {str(exc)[:120]}"
    return {"made": made, "skipped": skipped}


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   max {ordered[-1]:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from bench.results import ensure_database

    fresh = ensure_database(BASE, DB, args.rebuild)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from core.models import Project, User
    from duty import registry, services

    call_command("migrate", verbosity=0)
    if fresh or not Project.objects.filter(code="duty").exists():
        t0 = time.perf_counter()
        info = build(args.items, random.Random(args.seed))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"built in {time.perf_counter() - t0:.1f} s; rows made per kind: {info['made']}")
        for code, why in info["skipped"].items():
            print(f"  kind {code}: {why}")
    project = Project.objects.get(code="duty")
    outgoing = User.objects.get(username="out")
    incoming = User.objects.get(username="in")
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; kinds: {[k.code for k in registry.kinds()]}"
    )

    at = timezone.now()
    found = registry.gather(project=project, user=outgoing, at=at)  # warm-up, and what is gathered
    total = sum(len(v) for v in found.values())
    print("gathered per kind: " + ", ".join(f"{k} {len(v)}" for k, v in found.items()) + f"; total {total}")

    samples, cpu = [], []
    per_kind: dict[str, list[float]] = {k.code: [] for k in registry.kinds()}
    for _ in range(args.runs):
        outgoing.__dict__.pop("_duty_period", None)
        now = timezone.now()
        t0, c0 = time.perf_counter(), time.process_time()
        registry.gather(project=project, user=outgoing, at=now)
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        outgoing.__dict__.pop("_duty_period", None)
        for kind in registry.kinds():  # the same again, kind by kind, to see where the time goes
            t0 = time.perf_counter()
            kind.collect(project=project, user=outgoing, at=now)
            per_kind[kind.code].append((time.perf_counter() - t0) * 1000)
    print(f"gather()         {percentiles(samples)}   (target ≤ 200 ms)")
    gather = sorted(samples)
    gather_p95 = gather[min(len(gather) - 1, int(round(0.95 * (len(gather) - 1))))]
    print(f"  of which Python CPU in this process: p50 {statistics.median(cpu):.1f} ms")
    for code, values in per_kind.items():
        print(f"  {code:<13} {len(found.get(code, [])):>6} items   p50 {statistics.median(values):7.1f} ms")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        t0 = time.perf_counter()
        for _ in range(20):
            cursor.execute("SELECT 1")
        print(f"  (a SELECT 1 round trip right now: {(time.perf_counter() - t0) * 50:.2f} ms: the machine's load)")

    samples = []
    items = 0
    for _ in range(args.runs):
        outgoing.__dict__.pop("_duty_period", None)
        with transaction.atomic():
            t0 = time.perf_counter()
            h = services.handover_start(actor=outgoing, project=project, incoming=incoming)
            samples.append((time.perf_counter() - t0) * 1000)
            items = h.item_count
            transaction.set_rollback(True)
    print(f"handover_start() {percentiles(samples)}   ({items} items written per run, rolled back)")
    from bench.results import report

    report(
        f"handover: gather {total:,} open items",
        "≤ 200 ms",
        f"p50 {statistics.median(gather):.0f} / p95 {gather_p95:.0f} ms",
        gather_p95 <= 200,
    )
    report(f"handover: start (gather + snapshot of {items:,} items)", "—", percentiles(samples).strip(), None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
