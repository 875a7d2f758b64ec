"""CPU per registration, split between this Python process and its PostgreSQL backend.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/propdesk_bench .venv/bin/python bench/register_cpu.py [--count 1000]

Runs what `POST /api/requests/` runs after HTTP (the token check and `request_register`) as the CS
staff member of the largest generated project, and reads the backend's CPU time from
/proc/<pid>/stat (so run it on the database's machine). Writes real requests, and deletes them
at the end.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from bench import results  # noqa: E402
from core.auth import TokenAuthentication  # noqa: E402
from core.models import User  # noqa: E402
from desk.models import ServiceRequest  # noqa: E402
from desk.services import Intake, request_register  # noqa: E402
from estate.models import Occupancy  # noqa: E402

MARK = "CPU 计量登记：楼上卫生间漏水。"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--user", default="s018_kefu1")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only: the backend's CPU is read from /proc")
    user = User.objects.get(username=args.user)
    key = Token.objects.get_or_create(user=user)[0].key
    project = min(user.project_ids())
    occ = Occupancy.objects.filter(room__project_id=project, relation="owner", end__isnull=True).order_by("id").first()
    data = dict(project_id=project, kind="repair", title="卫生间漏水", description=MARK, room_id=occ.room_id,
                resident_id=occ.resident_id)  # fmt: skip
    backend_cpu = results.backend_cpu(connection)
    if backend_cpu is None:
        raise SystemExit("the database's backend is not on this machine: its CPU cannot be read")
    first_id = ServiceRequest.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def once():
        TokenAuthentication().authenticate_credentials(key)
        request_register(actor=user, data=Intake(**data))

    try:
        for _ in range(20):  # connection, caches, prepared statements
            once()
        db, app, wall = backend_cpu(), time.process_time(), time.perf_counter()
        for _ in range(args.count):
            once()
        n = args.count
        db = (backend_cpu() - db) / n * 1000
        app = (time.process_time() - app) / n * 1000
        wall = (time.perf_counter() - wall) / n * 1000
        print(
            f"{n} registrations: PostgreSQL {db:.2f} ms, this process {app:.2f} ms, wall {wall:.2f} ms per registration"
        )
        results.report("CPU per registration (in process)", "—", f"app {app:.2f} + db {db:.2f} ms", None)
    finally:
        with connection.cursor() as cursor:
            ids = "SELECT id FROM desk_servicerequest WHERE id > %s AND description = %s"
            cursor.execute(f"DELETE FROM desk_requestevent WHERE request_id IN ({ids})", [first_id, MARK])
            cursor.execute(f"DELETE FROM desk_servicerequest WHERE id IN ({ids})", [first_id, MARK])


if __name__ == "__main__":
    main()
