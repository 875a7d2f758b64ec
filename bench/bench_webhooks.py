"""Benchmark: 1,000 webhook deliveries to a local receiver, drained by two workers.

    .venv/bin/python bench/bench_webhooks.py [--deliveries 1000] [--workers 2]

Uses its own database `propdesk_bench_webhooks` (override the server with BENCH_PG, the name with
BENCH_WEBHOOKS_DB), migrated on first use. Makes a company with one endpoint pointing at a receiver
on 127.0.0.1 (http.server, threaded, checking every signature and timestamp as the user guide's
recipe does), queues `--deliveries` events of realistic size, then starts `--workers` processes that
each run what the task queue's worker runs (`webhooks.sending.drain`: claim with SKIP LOCKED, POST,
record the attempt). Measured: clock time from the workers' start to the last delivery recorded.
Target (issue 14): 1,000 drained in ≤ 10 s by two workers, every one delivered once, signatures valid.
"""

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

BASE = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_WEBHOOKS_DB", "propdesk_bench_webhooks")
os.environ["DATABASE_URL"] = f"{BASE}/{DB}"
os.environ["PROPDESK_WEBHOOK_ALLOW_PRIVATE"] = "1"  # the local receiver
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")


def worker(_n: int) -> tuple[int, float]:
    """Drain until nothing is due: (deliveries tried, this process's CPU seconds)."""
    import django

    django.setup()
    from webhooks import sending

    done, cpu = 0, time.process_time()
    while True:
        tried = sending.drain(limit=20)
        if not tried:
            return done, time.process_time() - cpu
        done += tried


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from bench.results import ensure_database

    ensure_database(BASE, DB)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from bench import results
    from core.events import Event
    from core.models import Company
    from webhooks import sending
    from webhooks.choices import Status
    from webhooks.models import Delivery, Endpoint
    from webhooks.tests.receiver import Receiver

    Company.objects.filter(code="bench-hooks").delete()
    company = Company.objects.create(name="Webhook 压测物业", code="bench-hooks")
    with Receiver() as receiver:
        endpoint = Endpoint.objects.create(company=company, name="bench", url=receiver.url, events=["parcel.logged"])
        receiver.secret = endpoint.secret
        payload = {
            "parcel": {"id": 0, "room_id": 1502, "carrier": "顺丰", "tracking_number": "SF1234567890", "state": 10}
        }
        rows = []
        for n in range(args.deliveries):
            event = Event(
                name="parcel.logged", company_id=company.pk, payload={"parcel": {**payload["parcel"], "id": n}}
            )
            rows.append(
                Delivery(endpoint=endpoint, event_id=event.id, event=event.name, payload=sending.envelope(event))
            )
        Delivery.objects.bulk_create(rows, batch_size=1000)
        from django.db import connections

        connections.close_all()
        started = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            outcomes = pool.map(worker, range(args.workers))
        seconds = time.perf_counter() - started
        received = list(receiver.received)
    per_worker = [n for n, _cpu in outcomes]
    cpu_ms = sum(cpu for _n, cpu in outcomes) / args.deliveries * 1000
    delivered = Delivery.objects.filter(endpoint=endpoint, status=Status.DELIVERED).count()
    ids = [r["json"]["data"]["parcel"]["id"] for r in received]
    unsigned = sum(1 for r in received if not r["signed"])
    twice = len(ids) - len(set(ids))
    print(f"{args.deliveries} deliveries, {args.workers} workers: {seconds:.2f} s "
          f"({args.deliveries / seconds:.0f}/s); per worker {per_worker}; delivered {delivered}; "
          f"received {len(received)}, sent twice {twice}, bad signatures {unsigned}; "
          f"worker CPU {cpu_ms:.1f} ms a delivery; load {results.load_average()}")  # fmt: skip
    ok = seconds <= 10 and delivered == args.deliveries and not twice and not unsigned
    results.report(
        f"{args.deliveries:,} webhook deliveries, {args.workers} workers",
        "≤ 10 s, each once, signed",
        f"{seconds:.2f} s ({args.deliveries / seconds:.0f}/s)",
        ok,
        f"per worker {per_worker}; worker CPU {cpu_ms:.1f} ms a delivery; duplicates {twice}; "
        f"bad signatures {unsigned}",
    )
    Company.objects.filter(pk=company.pk).delete()


if __name__ == "__main__":
    main()
