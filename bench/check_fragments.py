"""Check that the fragments written in Python give what their templates / serializer give.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/propdesk_bench .venv/bin/python bench/check_fragments.py

The request list's rows (desk.views.request_rows_html vs templates/desk/_request_table.html), the
intake lookup's results (desk.views.lookup_results_html vs templates/desk/_lookup_results.html) and
the API list's rows (desk.api.request_list_rows vs RequestListSerializer) are compared over many
rows of the database (every kind, state and severity; rooms with and without occupants; a user
who sees full phone numbers and one who sees them masked; both languages). Whitespace between
tags is ignored. Exit status 1 on the first difference, printed.
"""

import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")

import django  # noqa: E402

django.setup()

from django.template.loader import render_to_string  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import translation  # noqa: E402

from core.models import User  # noqa: E402
from desk.api import (  # noqa: E402
    RequestDetailSerializer,
    RequestListSerializer,
    request_detail_data,
    request_list_rows,
)
from desk.models import Attachment, ServiceRequest  # noqa: E402
from desk.selectors import list_queryset, request_timeline  # noqa: E402
from desk.views import lookup_results_html, request_rows_html  # noqa: E402
from estate.models import Room  # noqa: E402
from estate.selectors import with_occupants  # noqa: E402


def norm(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def fail(what: str, expected, got) -> None:
    print(f"DIFFERENT: {what}\n--- template/serializer\n{expected}\n--- python\n{got}")
    sys.exit(1)


def users() -> list[User]:
    staff = User.objects.filter(is_active=True).exclude(role="resident")
    chosen = []
    for user in staff.order_by("id")[:200]:
        if not user.project_ids():
            continue
        if not any(u.sees_full_phone == user.sees_full_phone for u in chosen):
            chosen.append(user)
    return chosen


def main() -> int:
    factory = RequestFactory()
    checked = {"rows": 0, "lookup": 0, "api": 0, "detail": 0}
    with_files = list(Attachment.objects.order_by("-id").values_list("request_id", flat=True)[:20])
    detail_ids = (
        with_files
        + list(ServiceRequest.objects.filter(state__gte=60).order_by("-id").values_list("id", flat=True)[:40])
        + [row.pk for row in ServiceRequest.objects.order_by("-id")[:40]]
    )
    sample = list(list_queryset(ServiceRequest.objects.all()).order_by("-id")[:400]) + list(
        list_queryset(ServiceRequest.objects.filter(room__isnull=True)).order_by("-id")[:50]
    )
    rooms = list(with_occupants(Room.objects.all()).order_by("-id")[:300])
    empty_rooms = [r for r in rooms if not r.current]
    if not empty_rooms:
        room = with_occupants(Room.objects.filter(occupancies__isnull=True)).first()
        if room:
            empty_rooms = [room]
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for start in range(0, len(sample), 25):
                rows = sample[start : start + 25]
                expected = render_to_string("desk/_request_table.html", {"rows": rows})
                got = request_rows_html(rows)
                if norm(expected) != norm(got):
                    fail(f"list rows {start}..{start + 25} ({language})", norm(expected), norm(got))
                checked["rows"] += len(rows)
            if norm(render_to_string("desk/_request_table.html", {"rows": []})) != norm(request_rows_html([])):
                fail("empty list", render_to_string("desk/_request_table.html", {"rows": []}), request_rows_html([]))
            for user in users():
                request = factory.get("/")
                request.user = user
                for start in range(0, len(rooms), 8):
                    chunk = rooms[start : start + 8] + empty_rooms[:1]
                    context = {"rooms": chunk, "q": "3-2", "user": user}
                    expected = render_to_string("desk/_lookup_results.html", context)
                    got = lookup_results_html(chunk, "3-2", user)
                    if norm(expected) != norm(got):
                        fail(f"lookup rooms {start} ({language}, {user.role})", norm(expected), norm(got))
                    checked["lookup"] += len(chunk)
                for q in ("", "<b>没有</b>&"):
                    expected = render_to_string("desk/_lookup_results.html", {"rooms": [], "q": q, "user": user})
                    if norm(expected) != norm(lookup_results_html([], q, user)):
                        fail(f"lookup nothing found {q!r}", expected, lookup_results_html([], q, user))
                for start in range(0, len(sample), 25):
                    rows = sample[start : start + 25]
                    expected = RequestListSerializer(rows, many=True, context={"request": request}).data
                    got = request_list_rows(rows, request)
                    expected = [dict(row) for row in expected]
                    if expected != got:
                        for e, g in zip(expected, got, strict=True):
                            if e != g:
                                fail(f"API row {e['id']} ({language}, {user.role})", e, g)
                    checked["api"] += len(rows)
            for user in users():
                request = factory.get("/")
                request.user = user
                for pk in detail_ids:
                    sr = (
                        ServiceRequest.objects.select_related(
                            "project",
                            "room",
                            "resident",
                            "category",
                            "department",
                            "assignee",
                            "receiver",
                            "implementer",
                        )
                        .defer("search_grams")
                        .get(pk=pk)
                    )
                    events = request_timeline(sr)
                    attachments = list(Attachment.objects.filter(request=sr))
                    sr.timeline, sr.attachment_list = events, attachments
                    expected = RequestDetailSerializer(sr, context={"request": request}).data
                    for event in events:
                        event.attachment_ids = [a.pk for a in event.attachments.all()]
                    got = request_detail_data(sr, request, events, attachments)
                    expected = {k: v for k, v in expected.items()}
                    expected["events"] = [dict(e) for e in expected["events"]]
                    expected["attachments"] = [dict(a) for a in expected["attachments"]]
                    if expected != got:
                        diff = {
                            k: (expected.get(k), got.get(k))
                            for k in set(expected) | set(got)
                            if expected.get(k) != got.get(k)
                        }
                        fail(f"API detail {pk} ({language}, {user.role})", diff, "")
                    checked["detail"] += 1
    print(
        f"same output: {checked['rows']} list rows, {checked['lookup']} lookup rooms, {checked['api']} API rows, "
        f"{checked['detail']} API details"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
