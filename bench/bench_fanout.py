"""Benchmark: one announcement to 10,000 homes, through the product's own path.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/propdesk_bench_fanout .venv/bin/python bench/bench_fanout.py [--homes 10000]

Uses a database of its own (created and migrated when missing; the one named by DATABASE_URL is
only the server to use), or the one named by BENCH_FANOUT_DB: set it to the generated database
(`propdesk_bench`) to tell the 10,000 homes inside a company of a million households. Makes once: a project of --homes rooms, each with a resident who has an
account and a phone, every one of whom chose SMS for announcements too (the pessimistic case: by
default an announcement goes in-app and by WeChat only). Then times:
- the publishing, as the supervisor's page calls it (community.services.announcement_publish): the
  telling is queued after it commits, so this is what the page waits for;
- the queued task that tells the audience (community.notices.announcement_tell: the audience's
  accounts, an inbox row and an SMS outbox row each, in bulk, in one transaction), while another
  process keeps reading a desk page's query and records its worst time: the telling must not block it;
- the worker sending the SMS outbox with the recording backend (send_pending, 500 at a time).
Target (issue 14): the telling ≤ 30 s, and the desk not held up.
"""

import argparse
import datetime
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")

BASE = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
DB = os.environ.get("BENCH_FANOUT_DB", "propdesk_bench_fanout")
os.environ["DATABASE_URL"] = f"{BASE}/{DB}"


def make_homes(homes: int):
    """The project, its rooms, residents and accounts (once)."""
    from decimal import Decimal

    from core.choices import Role
    from core.models import Company, NotificationProfile, Project, User
    from estate.choices import Relation, RoomState
    from estate.models import Building, Occupancy, Resident, Room, Unit

    company, _ = Company.objects.get_or_create(code="fanout", defaults={"name": "通知压测物业"})
    project = Project.objects.filter(company=company, code="fanout").first()
    if project is None:
        project = Project.objects.create(company=company, code="fanout", name="通知压测花园")
    have = Room.objects.filter(project=project).count()
    if have < homes:
        per_building = 500
        rooms, places = [], {}
        for i in range(have, homes):
            number = str(i // per_building + 1)
            if number not in places:
                b, _ = Building.objects.get_or_create(project=project, number=number, defaults={"floors": 30})
                places[number] = (b, Unit.objects.get_or_create(building=b, number="1")[0])
            b, u = places[number]
            code = Room.make_code(b.number, u.number, f"{i % per_building + 101}")
            rooms.append(
                Room(project=project, building=b, unit=u, number=f"{i % per_building + 101}", code=code,
                     sort_key=Room.make_sort_key(code), area=Decimal("90.00"), state=RoomState.OCCUPIED)
            )  # fmt: skip
        Room.objects.bulk_create(rooms, batch_size=2000)
        new_rooms = list(Room.objects.filter(project=project).order_by("pk")[have:homes])
        users = User.objects.bulk_create(
            [
                User(
                    username=f"fanout-{r.pk}",
                    role=Role.RESIDENT,
                    phone=f"139{r.pk:08d}"[-11:],
                    password="!",
                    company=company,
                    display_name=f"业主{r.pk}",
                )
                for r in new_rooms
            ],  # fmt: skip
            batch_size=2000,
        )
        residents = Resident.objects.bulk_create(
            [
                Resident(project=project, name=u.display_name, phone=u.phone, phone_last4=u.phone[-4:], user=u)
                for u in users
            ],
            batch_size=2000,
        )
        Occupancy.objects.bulk_create(
            [
                Occupancy(room=r, resident=res, relation=Relation.OWNER)
                for r, res in zip(new_rooms, residents, strict=True)
            ],
            batch_size=2000,
        )
        NotificationProfile.objects.bulk_create(
            [NotificationProfile(user=u, channels={"announcement_published": ["inapp", "sms"]}) for u in users],
            batch_size=2000,
        )
    # no quiet hours (start = end): the worker's figure must not depend on the hour the bench runs at
    NotificationProfile.objects.filter(user__username__startswith="fanout-").update(
        quiet_start=datetime.time(0), quiet_end=datetime.time(0)
    )
    supervisor = User.objects.filter(username="fanout-supervisor").first()
    if supervisor is None:
        supervisor = User.objects.create(username="fanout-supervisor", role=Role.CS_SUPERVISOR, company=company)
        supervisor.projects.add(project)
    return project, supervisor


def desk_reader(stop: threading.Event, worst: list, project_id: int) -> None:
    """Another connection reads what a desk page reads (the project's announcements and rooms: a desk
    reads its own project, never every company's rooms) while the telling runs; the slowest read is
    recorded."""
    from django.db import connections

    from community.models import Announcement
    from estate.models import Room

    try:
        while not stop.is_set():
            start = time.perf_counter()
            list(Announcement.objects.filter(project_id=project_id).order_by("-id")[:20])
            Room.objects.filter(project_id=project_id, code__startswith="1-1-1").count()
            worst.append(time.perf_counter() - start)
            time.sleep(0.05)
    finally:
        connections.close_all()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--homes", type=int, default=10_000)
    args = parser.parse_args()
    from bench.results import ensure_database

    ensure_database(BASE, DB)

    import django

    django.setup()
    import logging
    from unittest import mock

    from django.conf import settings
    from django.core.management import call_command

    from bench import results

    logging.getLogger("propdesk.notify").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    from community import services
    from community.notices import announcement_tell
    from core import notify
    from core.models import Delivery, Notification
    from estate.models import Room

    settings.PROPDESK_NOTIFICATION_CHANNELS = ["core.notify.SmsChannel"]
    start = time.perf_counter()
    project, supervisor = make_homes(args.homes)
    homes = Room.objects.filter(project=project).count()  # a smaller --homes than made before: all of them
    print(f"data ready in {time.perf_counter() - start:.1f} s")
    Delivery.objects.filter(user__username__startswith="fanout-").delete()
    Notification.objects.filter(user__username__startswith="fanout-").delete()

    notice = services.announcement_create(
        actor=supervisor,
        data=services.NoticeData(project_id=project.pk, title="停水通知", body="明天 9:00–12:00 停水，请提前储水。"),
    )
    with mock.patch("community.tasks.tell_announcement") as queued:  # the queue is timed below, on its own
        start = time.perf_counter()
        services.announcement_publish(actor=supervisor, announcement=notice)
        publish = time.perf_counter() - start
    assert queued.called, "publishing did not queue the telling"

    stop, reads = threading.Event(), []
    reader = threading.Thread(target=desk_reader, args=(stop, reads, project.pk))
    reader.start()
    time.sleep(0.3)
    start = time.perf_counter()
    told = announcement_tell(notice.pk)
    tell = time.perf_counter() - start
    stop.set()
    reader.join()
    sms = Delivery.objects.filter(user__username__startswith="fanout-", channel="sms").count()
    start = time.perf_counter()
    sent = 0
    while n := notify.send_pending(limit=500):
        sent += n
    drain = time.perf_counter() - start
    worst = max(reads) * 1000 if reads else float("nan")
    print(f"publishing (the page's wait): {publish * 1000:.1f} ms")
    print(f"telling {told} people: {sms} SMS rows and {told} inbox rows in {tell:.2f} s (target <= 30 s)")
    print(f"desk reads meanwhile: {len(reads)}, worst {worst:.1f} ms")
    print(f"worker sent {sent} SMS in {drain:.2f} s ({sent / drain:.0f}/s, recording backend)")
    results.report(
        f"announcement to {homes:,} homes: the telling",
        "≤ 30 s, the desk not held up",
        f"{tell:.2f} s",
        tell <= 30 and told >= homes and worst < 1000,
        f"publishing {publish * 1000:.0f} ms; {sms:,} SMS rows; desk reads meanwhile worst {worst:.0f} ms; "
        f"worker sent {sent:,} in {drain:.1f} s",
    )


if __name__ == "__main__":
    main()
