"""Benchmark: an announcement to 10,000 residents through core.notify.notify_event.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_notify .venv/bin/python bench/bench_fanout.py [--people 10000]

Migrates the database given, creates the residents once (user accounts with phones), then times:
- the fan-out: inbox rows and SMS delivery rows for everyone (what the page's request waits for);
- the worker draining the outbox with the recording SMS backend (send_pending in batches of 500).
Target: the fan-out ≤ 30 s (it is bulk INSERTs; the sending happens in the task queue).
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    from django.conf import settings
    from django.core.management import call_command

    logging.getLogger("propdesk.notify").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    from core import notify
    from core.models import Delivery, Notification, User

    settings.PROPDESK_NOTIFICATION_CHANNELS = ["core.notify.SmsChannel"]
    have = User.objects.filter(username__startswith="fanout-").count()
    if have < args.people:
        User.objects.bulk_create(
            [
                User(username=f"fanout-{i}", role="resident", phone=f"139{i:08d}", password="!")
                for i in range(have, args.people)
            ],
            batch_size=2000,
        )
    people = list(User.objects.filter(username__startswith="fanout-").order_by("pk")[: args.people])
    Delivery.objects.filter(user__in=people).delete()
    Notification.objects.filter(user__in=people).delete()

    start = time.perf_counter()
    queued = notify.notify_event(
        people, "bill_issued", {"room": "1-1-101", "period": "12月", "amount": "1,200.00"}, urgent=True
    )
    fanout = time.perf_counter() - start
    start = time.perf_counter()
    sent = 0
    while n := notify.send_pending(limit=500):
        sent += n
    drain = time.perf_counter() - start
    print(f"fan-out to {len(people)} people: {queued} SMS rows queued in {fanout:.2f} s (target <= 30 s)")
    print(f"worker drained {sent} deliveries in {drain:.2f} s ({sent / drain:.0f}/s, recording backend)")


if __name__ == "__main__":
    main()
