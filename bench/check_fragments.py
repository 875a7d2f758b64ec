"""Check that the fragments written in Python give what their templates / serializer give, over
many rows of a big database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/propdesk_bench .venv/bin/python bench/check_fragments.py

The comparison itself is desk/fragment_check.py (the test suite runs the same one over a small
data set made to hold every case: desk/tests/test_fragments.py). Here it runs over the newest
rows of the database (every kind, state and severity; rooms with and without occupants; a user
who sees full phone numbers and one who sees them masked; both languages). Exit status 1 on the
first difference, printed.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")

import django  # noqa: E402

django.setup()

from core.models import User  # noqa: E402
from desk.fragment_check import Different, check_all  # noqa: E402
from desk.models import Attachment, ServiceRequest  # noqa: E402
from desk.selectors import list_queryset  # noqa: E402
from estate.models import Room  # noqa: E402
from estate.selectors import with_occupants  # noqa: E402


def users() -> list[User]:
    """One staff member who sees full phone numbers and one who sees them masked."""
    staff = User.objects.filter(is_active=True).exclude(role="resident")
    chosen = []
    for user in staff.order_by("id")[:200]:
        if not user.project_ids():
            continue
        if not any(u.sees_full_phone == user.sees_full_phone for u in chosen):
            chosen.append(user)
    return chosen


def main() -> int:
    with_files = list(Attachment.objects.order_by("-id").values_list("request_id", flat=True)[:20])
    detail_ids = (
        with_files
        + list(ServiceRequest.objects.filter(state__gte=60).order_by("-id").values_list("id", flat=True)[:40])
        + [row.pk for row in ServiceRequest.objects.order_by("-id")[:40]]
    )
    rows = list(list_queryset(ServiceRequest.objects.all()).order_by("-id")[:400]) + list(
        list_queryset(ServiceRequest.objects.filter(room__isnull=True)).order_by("-id")[:50]
    )
    rooms = list(with_occupants(Room.objects.all()).order_by("-id")[:300])
    empty_rooms = [r for r in rooms if not r.current]
    if not empty_rooms:
        room = with_occupants(Room.objects.filter(occupancies__isnull=True)).first()
        if room:
            empty_rooms = [room]
    try:
        checked = check_all(rows=rows, rooms=rooms, empty_rooms=empty_rooms, users=users(), detail_ids=detail_ids)
    except Different as exc:
        print(exc)
        return 1
    print(
        f"same output: {checked['rows']} list rows, {checked['lookup']} lookup rooms, {checked['api']} API rows, "
        f"{checked['detail']} API details"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
