"""Time the main pages in-process (no HTTP server, no network) against DATABASE_URL: a quick look
at the Python side of each page while tuning. The figures that count come from http_bench.py.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/propdesk_bench .venv/bin/python bench/profile_pages.py [name ...]
        [--rounds 50] [--profile NAME]   (--profile prints cProfile's top functions for one page)

Each figure is wall time and process CPU time per request (the CPU time includes this process's
side of the database calls, not PostgreSQL's). `register` writes real requests (POST
/api/requests/ with a token, as the benchmark does).
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from core.models import User  # noqa: E402
from desk.models import ServiceRequest  # noqa: E402
from estate.models import Occupancy  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*")
    parser.add_argument("--user", default="s004_kefu1")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--profile", help="cProfile this page and print the top functions")
    args = parser.parse_args()
    user = User.objects.get(username=args.user)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    token = Token.objects.get_or_create(user=user)[0].key
    projects = sorted(user.project_ids())
    request_pk = (
        ServiceRequest.objects.filter(project_id__in=projects, room__isnull=False)
        .order_by("-id")
        .values_list("pk", flat=True)[0]
    )
    occ = (
        Occupancy.objects.filter(room__project_id=projects[0], relation="owner", end__isnull=True)
        .select_related("room", "resident")
        .order_by("room_id")
        .first()
    )
    phone = occ.resident.phone
    body = json.dumps(
        {
            "project": projects[0],
            "kind": "repair",
            "title": "卫生间漏水",
            "description": "压测登记：楼上卫生间漏水。",
            "room": occ.room_id,
            "resident": occ.resident_id,
            "channel": "phone",
        }
    )
    api = {"HTTP_AUTHORIZATION": f"Token {token}", "HTTP_ACCEPT": "application/json"}
    pages = {
        "list": ("get", "/requests/?kind=complaint&open=true", {}, 200),
        "list_htmx": ("get", "/requests/?kind=complaint&open=true", {"HTTP_HX_REQUEST": "true"}, 200),
        "api": ("get", "/api/requests/?kind=complaint&open=true", api, 200),
        "detail": ("get", f"/requests/{request_pk}/", {}, 200),
        "lookup_phone": ("get", f"/intake/lookup/?q={phone}", {"HTTP_HX_REQUEST": "true"}, 200),
        "lookup_last4": ("get", f"/intake/lookup/?q={phone[-4:]}", {"HTTP_HX_REQUEST": "true"}, 200),
        "lookup_room": ("get", f"/intake/lookup/?q={quote(occ.room.code)}", {"HTTP_HX_REQUEST": "true"}, 200),
        "search": ("get", f"/requests/?q={quote('漏水')}&project={projects[0]}", {}, 200),
        "register": ("post", "/api/requests/", {**api, "content_type": "application/json", "data": body}, 201),
        "healthz": ("get", "/healthz", {}, 200),
    }
    # The API's pages are signed in by token, like the benchmark: no session.
    api_client = Client(HTTP_HOST="localhost")

    def call(name):
        method, url, extra, expect = pages[name]
        extra = dict(extra)
        c = api_client if "HTTP_AUTHORIZATION" in extra else client
        if method == "post":
            response = c.post(url, **extra)
        else:
            response = c.get(url, **extra)
        assert response.status_code == expect, (url, response.status_code, response.content[:300])

    if args.profile:
        for _ in range(5):
            call(args.profile)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.rounds):
            call(args.profile)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        return
    for name in pages:
        if args.names and name not in args.names:
            continue
        for _ in range(5):
            call(name)
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.rounds):
            call(name)
        wall = (time.perf_counter() - start) / args.rounds * 1000
        cpu = (time.process_time() - cpu) / args.rounds * 1000
        print(f"{name:14s} wall {wall:6.1f} ms   CPU {cpu:6.1f} ms", flush=True)


if __name__ == "__main__":
    main()
