"""Time the main pages in-process (no HTTP server, no network) against DATABASE_URL: a quick look
at the Python side of each page while tuning. The figures that count come from http_bench.py.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/propdesk_bench .venv/bin/python bench/profile_pages.py [name ...]
"""

import os
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from core.models import User  # noqa: E402
from desk.models import ServiceRequest  # noqa: E402
from estate.models import Resident  # noqa: E402


def main(names: list[str], username: str = "s004_kefu1", rounds: int = 20) -> None:
    user = User.objects.get(username=username)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    projects = sorted(user.project_ids())
    request_pk = (
        ServiceRequest.objects.filter(project_id__in=projects, room__isnull=False)
        .order_by("-id")
        .values_list("pk", flat=True)[0]
    )
    phone = Resident.objects.filter(project_id__in=projects).values_list("phone", flat=True)[0]
    urls = {
        "list": "/requests/?kind=complaint&open=true",
        "api": "/api/requests/?kind=complaint&open=true",
        "detail": f"/requests/{request_pk}/",
        "lookup_phone": f"/intake/lookup/?q={phone}",
        "lookup_last4": f"/intake/lookup/?q={phone[-4:]}",
        "search": f"/requests/?q={quote('漏水')}&project={projects[0]}",
        "healthz": "/healthz",
    }
    for name, url in urls.items():
        if names and name not in names:
            continue
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        start = time.perf_counter()
        for _ in range(rounds):
            client.get(url)
        print(f"{name:14s} {(time.perf_counter() - start) / rounds * 1000:6.1f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
