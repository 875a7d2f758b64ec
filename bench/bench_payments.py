"""Benchmark: posting payments at the desk on PostgreSQL.

    .venv/bin/python bench/bench_payments.py [--rooms 20000] [--runs 300] [--clients 4] [--each 150] [--rebuild]

Builds (once) its own database `propdesk_bench_payments` (override the server with BENCH_PG, the name
with BENCH_PAYMENTS_DB): the estate of bench_billing_run.py with `--rooms` rooms and twelve months
of bills made by twelve billing runs. Then times the service `payment_post` (room lock, cashier's
day, allocation to the oldest open lines, receipt number, audit), each in its own transaction:

- one client: `--runs` payments on random rooms, p50 / p95 / max (target p95 ≤ 50 ms);
- `--clients` processes at once, each a cashier of its own posting `--each` payments on random rooms
  (two may hit the same room: the Account lock serialises them): payments per second and errors
  (target ≥ 100 a second, 0 errors).
Amounts are what a household pays: a month's bill, sometimes a part, sometimes a little ahead.
"""

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import time
from pathlib import Path

BASE = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_PAYMENTS_DB", "propdesk_bench_payments")
os.environ["DATABASE_URL"] = f"{BASE}/{DB}"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")


def prepare(n_rooms: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from bench.bench_billing_run import PERIOD, build
    from billing.choices import Cycle
    from billing.money import month_add
    from billing.services import billing_run_execute, billing_run_start
    from core.choices import Role
    from core.models import Project, User

    build(n_rooms, random.Random(2026))
    project = Project.objects.get(code="big")
    finance = User.objects.get(username="bench_finance")
    password = make_password("bench")
    for n in range(8):
        user = User.objects.create(
            username=f"bench_cashier{n}", password=password, role=Role.FINANCE, company=project.company
        )
        user.projects.set([project])
    t0 = time.perf_counter()
    month = month_add(PERIOD, -11)
    while month <= PERIOD:
        run = billing_run_start(actor=finance, project=project, period_start=month, cycle=Cycle.MONTH)
        billing_run_execute(run_id=run.pk)
        month = month_add(month, 1)
    with connection.cursor() as cursor:
        for table in ("billing_bill", "billing_billline", "billing_entry", "billing_account", "billing_allocation"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"twelve monthly runs ({time.perf_counter() - t0:.1f} s)")


def amount_for(room_id: int, rng: random.Random) -> int:
    from billing.models import Bill

    bill = Bill.objects.filter(room_id=room_id).order_by("-period_start").values_list("total_fen", flat=True).first()
    bill = bill or 10000
    roll = rng.random()
    if roll < 0.15:
        return max(bill // 2, 1)
    if roll < 0.25:
        return bill * 2
    return bill


def post_many(args) -> tuple[list[float], int, int, float, float, float, float | None]:
    """One client: a cashier posting `count` payments; (milliseconds each, errors, refused, when its
    posting started and ended (wall clock), and the CPU seconds of the posting alone: this process's
    and its database backend's)."""
    index, count, seed = args
    import django

    django.setup()
    from django.core.exceptions import ValidationError

    from billing.choices import Method
    from billing.services import payment_post
    from core.errors import ServiceError
    from core.models import User
    from estate.models import Room

    rng = random.Random(seed)
    cashier = User.objects.get(username=f"bench_cashier{index}")
    rooms = list(Room.objects.select_related("project__company").order_by("?")[:2000])
    amounts = {room.pk: amount_for(room.pk, rng) for room in rooms[:count]}
    from django.db import connection

    from bench.results import backend_cpu

    cpu = backend_cpu(connection)
    times, errors, refused = [], 0, 0
    db0, app0 = (cpu() if cpu else None), time.process_time()
    began = time.time()
    for i in range(count):
        room = rooms[i % len(rooms)]
        amount = amounts.get(room.pk) or 10000
        t0 = time.perf_counter()
        try:
            payment_post(actor=cashier, room=room, amount_fen=amount, method=Method.CASH, payer_name="业主")
        except (ServiceError, ValidationError):
            refused += 1  # e.g. the prepayment cap: a refusal the cashier is shown, not a failure
        except Exception:  # noqa: BLE001 - counted: the target is zero
            errors += 1
        times.append((time.perf_counter() - t0) * 1000)
    ended = time.time()
    return times, errors, refused, began, ended, time.process_time() - app0, (cpu() - db0) if cpu else None


def figures(label: str, samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[max(int(len(samples) * 0.95) - 1, 0)]
    print(f"{label:<44} n={len(samples):>5}  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  max {samples[-1]:6.2f} ms")
    return p50, p95


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--each", type=int, default=150)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    from bench.results import ensure_database

    ensure_database(BASE, DB, args.rebuild)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext

    from bench.results import report
    from billing.choices import Method
    from billing.services import payment_post
    from core.models import User
    from estate.models import Room

    call_command("migrate", verbosity=0)
    if not Room.objects.exists():
        prepare(args.rooms)
    print(f"database {DB}: {Room.objects.count():,} rooms")

    cashier = User.objects.get(username="bench_cashier7")
    room = Room.objects.select_related("project__company").order_by("pk").first()
    payment_post(actor=cashier, room=room, amount_fen=100, method=Method.CASH)  # warm up
    with CaptureQueriesContext(connection) as queries:
        payment_post(actor=cashier, room=room, amount_fen=100, method=Method.CASH)
    print(f"payment_post runs {len(queries)} statements (incl. savepoints)")

    load = os.getloadavg()[0]
    times, errors, refused, _began, _ended, app_s, db_s = post_many((6, args.runs, 1))
    app_ms = app_s * 1000 / args.runs
    db_ms = db_s * 1000 / args.runs if db_s is not None else None
    p50, p95 = figures("one client: payment_post", times)
    print(
        f"   errors {errors}, refused {refused}; CPU a payment: application {app_ms:.1f} ms"
        + (f", database {db_ms:.1f} ms" if db_ms is not None else "")
        + f" (load average {load:.1f} → {os.getloadavg()[0]:.1f})"
    )

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(args.clients) as pool:
        results = pool.map(post_many, [(i, args.each, 100 + i) for i in range(args.clients)])
    wall = max(r[4] for r in results) - min(r[3] for r in results)  # first payment to last
    all_times = [t for r in results for t in r[0]]
    all_errors = sum(r[1] for r in results)
    all_refused = sum(r[2] for r in results)
    rate = len(all_times) / wall
    figures(f"{args.clients} clients: payment_post", all_times)
    print(
        f"{args.clients} clients: {len(all_times)} payments in {wall:.1f} s = {rate:.0f} a second "
        f"(first payment to last), errors {all_errors}, refused {all_refused}"
    )
    ok_p95 = p95 <= 50
    ok_rate = rate >= 100 and all_errors == 0
    report(
        "payment posted, one client (p95)",
        "≤ 50 ms",
        f"p50 {p50:.1f} / p95 {p95:.1f} ms",
        ok_p95,
        f"CPU {app_ms:.1f} ms app" + (f" + {db_ms:.1f} ms database" if db_ms is not None else ""),
    )
    report(
        f"payments from {args.clients} clients",
        "≥ 100/s, 0 errors",
        f"{rate:.0f}/s, {all_errors} errors",
        ok_rate,
        f"{all_refused} refused (prepayment cap)",
    )
    return 0 if ok_p95 and ok_rate else 1


if __name__ == "__main__":
    sys.exit(main())
