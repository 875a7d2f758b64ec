"""The desk's fast paths give exactly what their references give (desk/fragment_check.py):

- the request list's rows written in Python (desk.views.request_rows_html) and the template
  templates/desk/_request_table.html;
- the intake lookup's results (desk.views.lookup_results_html) and templates/desk/_lookup_results.html;
- the API's hand-built list rows and detail (desk.api_rows.request_list_rows, request_detail_data) and
  the serializers of the schema (RequestListSerializer, RequestDetailSerializer).

Editing one copy without the other fails here. The data set is made to hold every case: each kind,
state and severity; overdue, soon due, on track, paused and finished requests; with and without
a room, a category, an assignee, files, a rating, a reopening; hostile text (markup, quotes, &) in
every free text and name; rooms with one, several, more than three and no occupants; users who see
full phone numbers and users who see them masked, in and out of the project; both languages.
"""

import io
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import calendar
from core.choices import DepartmentKind, Role
from core.models import CalendarYear
from desk import sla
from desk.choices import Channel, Kind, Rating, Severity, State, Validity
from desk.fragment_check import Different, check_all, check_list_rows
from desk.models import Attachment, ServiceRequest
from desk.selectors import list_queryset
from desk.services import (
    request_accept,
    request_arrive,
    request_attach,
    request_cancel,
    request_close,
    request_dispatch,
    request_pause,
    request_reclassify,
    request_reply,
    request_resolve,
    request_visit,
)
from estate.choices import Relation, RoomState
from estate.models import Room
from estate.selectors import with_occupants
from tests.factories import make_resident, make_room, make_user

TZ = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
CHECKED_AT = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
# Markup, quotes and ampersands: every one must come out escaped, and the same way on both sides.
HOSTILE = "<script>alert(\"x\")</script> & 'q' <b>"


@contextmanager
def clock(moment):
    with time_machine.travel(moment, tick=False):
        yield


def png(name="现场<照片>&.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "green").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def data(world):
    """The varied data set (registered from Monday 09:00, looked at 10:00)."""
    w = world
    if CalendarYear.objects.filter(year__in=[2025, 2026]).count() < 2:  # the migration seeds around today
        calendar.seed_from_package([2025, 2026])
    calendar.clear_cache()
    sla.install_default_policies(w.company)

    # hostile names wherever a name is shown
    w.project.name = f"翠湖花园 {HOSTILE}"
    w.project.save()
    eng = w.dept[DepartmentKind.ENGINEERING]
    eng.name = f"工程部 {HOSTILE}"
    eng.save()
    w.tech.display_name = f"孙师傅 {HOSTILE}"
    w.tech.save()
    w.category.name = f"设施 {HOSTILE}"
    w.category.save()
    w.resident.name = f"张三 {HOSTILE}"
    w.resident.save()
    hostile_room = make_room(w.project, "3", "2", "15&02")
    for i, relation in enumerate([Relation.OWNER, Relation.CO_OWNER, Relation.FAMILY, Relation.TENANT]):
        make_resident(hostile_room, f'住户{i} "{HOSTILE}"', f"1350000{i:04d}", relation=relation)
    make_resident(w.room2, "无电话", "", relation=Relation.EMERGENCY)
    empty_room = make_room(w.project, "3", "2", "1503")
    Room.objects.filter(pk=empty_room.pk).update(state=RoomState.VACANT)
    make_room(w.project, "3", "2", "1504")  # occupied, nobody recorded
    pm_in_dept = make_user("pm2", Role.PROJECT_MANAGER, [w.project], None, w.company, display_name=HOSTILE)

    channels = list(Channel.values)
    with clock(MONDAY_9):
        # every kind in every severity, still registered (their dispatch time has passed at 10:00)
        for i, (kind, severity) in enumerate((k, s) for k in Kind.values for s in Severity.values):
            extra = {}
            if kind == Kind.REPAIR:
                extra["paid"] = i % 2 == 0
            if kind == Kind.COMPLAINT and severity == Severity.GENERAL:
                extra["validity"] = Validity.INVALID
            if i % 3 == 0:  # a public area: no room, a long location (cut to 16 characters)
                extra.update(room_id=None, resident_id=None, location=f"3栋大堂电梯口旁边 {HOSTILE}")
            if i % 4 == 1:  # another household concerned (the flat upstairs)
                extra["related_room_id"] = hostile_room.pk
            w.register(
                kind=kind,
                severity=severity,
                title=f"{kind} {severity} {HOSTILE}",
                description=f"描述 {HOSTILE}",
                channel=channels[i % len(channels)],
                category_id=w.category.pk if i % 2 else None,
                caller_name=f"来电人 {HOSTILE}"[:50],
                caller_phone="13812345678" if i % 2 else "",
                **extra,
            )
        lifecycle = {step: w.register(kind=Kind.REPAIR, title=f"{step} {HOSTILE}") for step in range(11)}
        w.register_other(title=f"另一项目 {HOSTILE}")
        major = w.register(kind=Kind.COMPLAINT, severity=Severity.MAJOR, title=f"重大投诉 {HOSTILE}")
        enquiry = w.register(kind=Kind.ENQUIRY, category_id=None, title=f"咨询 {HOSTILE}")

    def at(minutes):
        return clock(MONDAY_9 + timedelta(minutes=minutes))

    note = f"备注 {HOSTILE}"
    with at(5):
        for step, sr in lifecycle.items():
            if step == 0:
                continue  # stays registered
            assignee = None if step == 1 else w.tech
            request_dispatch(actor=w.cs, request=sr, department=eng, assignee=assignee, note=note)
        request_dispatch(actor=w.cs, request=major, department=eng, assignee=w.tech)
    with at(10):
        for step in range(3, 11):
            request_accept(actor=w.tech, request=lifecycle[step])
        request_accept(actor=w.tech, request=major)
    with at(15):
        for step in range(4, 11):
            request_arrive(actor=w.tech, request=lifecycle[step], note=note)
        request_arrive(actor=w.tech, request=major)
    with at(20):
        request_pause(actor=w.tech, request=lifecycle[5], note=f"等待配件 {HOSTILE}")
        for step in range(6, 11):
            request_resolve(actor=w.tech, request=lifecycle[step], result=f"已修好 {HOSTILE}", files=[png()])
        request_resolve(actor=w.tech, request=major, result=note)
        request_resolve(actor=w.cs, request=enquiry, result=f"已答复 {HOSTILE}")
        request_attach(actor=w.cs, request=lifecycle[4], files=[png("单据.png")], note=note)
        request_reclassify(actor=w.cs, request=lifecycle[3], severity=Severity.URGENT, category=w.category, note=note)
    with at(25):
        for step in range(7, 11):
            request_reply(actor=w.cs, request=lifecycle[step], reply=f"回复 {HOSTILE}")
    with at(30):
        request_visit(actor=w.cs, request=lifecycle[8], rating=Rating.SATISFIED, comment=note)
        request_visit(actor=w.cs, request=lifecycle[9], rating=Rating.UNSATISFIED, comment=note)  # reopened
        request_visit(actor=w.cs, request=lifecycle[10], rating=Rating.FAIRLY)
        request_visit(actor=pm_in_dept, request=major, rating=Rating.SATISFIED)
    with at(35):
        request_close(actor=w.cs, request=lifecycle[10], note=note)
        request_cancel(actor=w.cs, request=lifecycle[0], note=f"重复登记 {HOSTILE}")
    with at(50):
        w.register(title=f"将到期 {HOSTILE}")  # dispatch due within the hour at 10:00
    return w, empty_room


def test_every_fast_path_gives_what_its_template_or_serializer_gives(data):
    w, empty_room = data
    users = [w.cs, w.pm, w.tech, w.outsider]  # desk, supervising, the worker on the jobs, out of the project
    assert {u.sees_full_phone for u in users} == {True, False}
    with clock(CHECKED_AT):
        rows = list(list_queryset(ServiceRequest.objects.all()).order_by("-created_at", "-id"))
        rooms = list(with_occupants(Room.objects.all()).order_by("id"))
        empty_rooms = [room for room in rooms if not room.current]

        # the data set holds every case it claims to
        assert {sr.kind for sr in rows} == set(Kind.values)
        assert {sr.severity for sr in rows} == set(Severity.values)
        assert {sr.state for sr in rows} == set(State.values)
        assert {sla.status(sr) for sr in rows} == {"overdue", "soon", "ok", "paused", ""}
        assert {sr.category_id is None for sr in rows} == {True, False}
        assert {sr.room_id is None for sr in rows} == {True, False}
        assert {sr.related_room_id is None for sr in rows} == {True, False}
        assert any(sr.reopen_count for sr in rows) and any(sr.assignee_id for sr in rows)
        assert {r.state for r in empty_rooms} >= {RoomState.VACANT, RoomState.OCCUPIED}
        assert max(len(room.current) for room in rooms) > 3  # the lookup shows three
        assert Attachment.objects.exists()
        assert empty_room in empty_rooms

        checked = check_all(
            rows=rows,
            rooms=rooms,
            empty_rooms=empty_rooms,
            users=users,
            detail_ids=[sr.pk for sr in rows],
            chunk=10,
        )
    # every row, room and detail was compared, in both languages and for each user
    assert checked["rows"] == 2 * len(rows)
    assert checked["api"] == checked["detail"] == 2 * len(users) * len(rows)
    assert checked["lookup"] >= 2 * len(users) * len(rooms)


def test_a_difference_is_found_and_shown(data, monkeypatch):
    """The check can fail: one character changed in the Python copy of the list rows."""
    import desk.views

    original = desk.views.request_rows_html
    monkeypatch.setattr(desk.views, "request_rows_html", lambda rows: original(rows).replace("title", "titel", 1))
    monkeypatch.setattr("desk.fragment_check.request_rows_html", desk.views.request_rows_html)
    rows = list(list_queryset(ServiceRequest.objects.all()))
    with pytest.raises(Different) as caught:
        check_list_rows(rows, "all")
    assert 'class="titel"' in str(caught.value) and 'class="title"' in str(caught.value)
