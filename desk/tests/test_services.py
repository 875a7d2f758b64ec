"""desk/services/: the request lifecycle, one journey and one rule at a time.

Every refused write must change nothing: `unchanged(sr)` compares the row, its timeline and its
attachments before and after.
"""

import datetime
import io
import os
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone as dj_timezone
from PIL import Image

from core.choices import DepartmentKind
from core.errors import ActionRefused, Conflict
from core.models import Company
from desk.choices import Action, Kind, Severity, State, Validity
from desk.models import Attachment, Category, NumberSequence, RequestEvent, ServiceRequest
from desk.selectors import request_timeline
from desk.services import (
    request_accept,
    request_arrive,
    request_attach,
    request_cancel,
    request_close,
    request_dispatch,
    request_pause,
    request_reopen,
    request_reply,
    request_resolve,
    request_resume,
    request_return,
    request_transfer,
    request_visit,
)
from tests.files import pdf_bytes

# ---------------------------------------------------------------- helpers


def png_bytes(size=(64, 48), noise=False) -> bytes:
    image = Image.new("RGB", size, "blue")
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


PDF = pdf_bytes()  # a real one-page PDF


def png(name="photo.png", **kw) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(**kw), content_type="image/png")


def fake_png() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.png", b"just text, not a picture at all", content_type="image/png")


def fresh(sr) -> ServiceRequest:
    return ServiceRequest.objects.get(pk=sr.pk)


def state_of(sr):
    row = ServiceRequest.objects.filter(pk=sr.pk).values().get()
    events = list(RequestEvent.objects.filter(request_id=sr.pk).order_by("id").values_list("id", "action"))
    attachments = list(Attachment.objects.filter(request_id=sr.pk).values_list("id", flat=True))
    return row, events, attachments


@contextmanager
def unchanged(sr, raises):
    """The write inside must raise `raises` and leave the request, its timeline and attachments as they were."""
    before = state_of(sr)
    in_memory = (sr.state, sr.version)
    with pytest.raises(raises) as exc:
        yield exc
    assert state_of(sr) == before
    assert (sr.state, sr.version) == in_memory


def actions(sr) -> list[str]:
    return list(RequestEvent.objects.filter(request_id=sr.pk).order_by("id").values_list("action", flat=True))


def media_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files] if os.path.exists(root) else []


@pytest.fixture
def eng(world):
    return world.dept[DepartmentKind.ENGINEERING]


def dispatched(world, eng, assignee=None, **kw):
    sr = world.register(**kw)
    request_dispatch(actor=world.cs, request=sr, department=eng, assignee=assignee)
    return sr


def resolved(world, eng, by=None, **kw):
    by = by or world.tech
    sr = dispatched(world, eng, assignee=by, **kw)
    request_accept(actor=by, request=sr)
    request_arrive(actor=by, request=sr)
    request_resolve(actor=by, request=sr, result="已修好")
    return sr


# ---------------------------------------------------------------- the journey


def test_a_complaint_goes_the_whole_way_round(world, eng, settings):
    sr = world.register()
    assert (sr.state, sr.version, sr.reopen_count) == (State.REGISTERED, 1, 0)
    assert sr.receiver == world.cs
    assert sr.validity == Validity.VALID and sr.paid is None and sr.needs_return_visit
    assert (sr.caller_name, sr.caller_phone) == ("张三", "13812345678")  # taken from the resident

    request_dispatch(
        actor=world.cs, request=sr, department=eng, assignee=world.tech, note="请尽快上门", expected_version=1
    )
    assert (sr.state, sr.version, sr.assignee, sr.department) == (State.DISPATCHED, 2, world.tech, eng)
    assert sr.dispatched_at is not None

    request_accept(actor=world.tech, request=sr, expected_version=2)
    assert (sr.state, sr.version) == (State.ACCEPTED, 3) and sr.accepted_at is not None

    request_arrive(actor=world.tech, request=sr, expected_version=3)
    assert (sr.state, sr.version) == (State.IN_PROGRESS, 4) and sr.arrived_at is not None

    photo = png_bytes()
    event = request_resolve(
        actor=world.tech,
        request=sr,
        result="更换楼上卫生间防水层",
        files=[SimpleUploadedFile("现场.png", photo)],
        expected_version=4,
    )
    assert (sr.state, sr.version, sr.implementer) == (State.RESOLVED, 5, world.tech)
    (attachment,) = Attachment.objects.filter(request=sr)
    assert attachment.event == event and event.action == Action.RESOLVE
    assert (attachment.content_type, attachment.size, attachment.name) == ("image/png", len(photo), "现场.png")
    assert attachment.file.name.endswith(".png") and attachment.is_image
    with attachment.file.open("rb") as stored:
        assert stored.read() == photo
    assert attachment.uploaded_by == world.tech

    request_reply(actor=world.cs, request=sr, reply="已安排维修，请留意", expected_version=5)
    assert (sr.state, sr.version, sr.reply) == (State.REPLIED, 6, "已安排维修，请留意")

    request_visit(actor=world.cs2, request=sr, rating="C", comment="还在滴水", expected_version=6)
    sr = fresh(sr)
    assert (sr.state, sr.version, sr.reopen_count) == (State.DISPATCHED, 8, 1)
    assert (sr.rating, sr.visit_comment, sr.assignee) == ("C", "还在滴水", world.tech)
    assert sr.accepted_at is None

    request_accept(actor=world.tech, request=sr, expected_version=8)
    request_resolve(actor=world.tech, request=sr, result="重新打胶", expected_version=9)
    request_visit(actor=world.cs2, request=sr, rating="A", comment="", expected_version=10)
    assert (sr.state, sr.rating) == (State.VISITED, "A")
    with unchanged(sr, ActionRefused):  # only the first receiver or a supervisor closes
        request_close(actor=world.cs2, request=sr)
    request_close(actor=world.cs, request=sr, expected_version=11)

    sr = fresh(sr)
    assert (sr.state, sr.version, sr.reopen_count) == (State.CLOSED, 12, 1)
    assert sr.closed_at is not None and sr.visited_at is not None and sr.resolved_at is not None
    assert actions(sr) == [
        "register", "dispatch", "accept", "arrive", "resolve", "reply", "visit", "reopen", "accept", "resolve",
        "visit", "close",
    ]  # fmt: skip
    events = list(RequestEvent.objects.filter(request=sr).order_by("id"))
    assert [(e.from_state, e.to_state) for e in events] == [
        (None, State.REGISTERED),
        (State.REGISTERED, State.DISPATCHED),
        (State.DISPATCHED, State.ACCEPTED),
        (State.ACCEPTED, State.IN_PROGRESS),
        (State.IN_PROGRESS, State.RESOLVED),
        (State.RESOLVED, State.REPLIED),
        (State.REPLIED, State.VISITED),
        (State.VISITED, State.DISPATCHED),
        (State.DISPATCHED, State.ACCEPTED),
        (State.ACCEPTED, State.RESOLVED),
        (State.RESOLVED, State.VISITED),
        (State.VISITED, State.CLOSED),
    ]
    assert [e.actor for e in events][:3] == [world.cs, world.cs, world.tech]
    assert events[1].note == "请尽快上门" and events[1].data["assignee"] == world.tech.name
    assert events[6].data == {"rating": "C"} and events[7].data == {"by": "visit"}


def test_the_timeline_shows_an_unsatisfied_visit_before_the_reopen_it_causes(world, eng, monkeypatch):
    """The timeline is ordered by time: the reopen a C rating causes must not be stamped before the visit."""

    real_now, readings = dj_timezone.now, []

    def stepping_now():
        """The clock every module reads (django.utils.timezone.now), moving a second per reading."""
        readings.append(real_now() + datetime.timedelta(seconds=len(readings) + 1))
        return readings[-1]

    monkeypatch.setattr(dj_timezone, "now", stepping_now)
    sr = resolved(world, eng)
    request_visit(actor=world.cs2, request=sr, rating="C", comment="没修好")
    assert [e.action for e in request_timeline(sr)][-2:] == ["visit", "reopen"]


@pytest.mark.parametrize("kind", [Kind.ENQUIRY, Kind.SUGGESTION, Kind.PRAISE])
def test_the_desk_answers_an_enquiry_itself(world, kind):
    sr = world.register(kind=kind, title="物业费怎么交", category_id=None)
    assert sr.validity == "" and not sr.needs_return_visit
    with unchanged(sr, ActionRefused):  # a technician does not answer enquiries at the desk
        request_resolve(actor=world.tech, request=sr, result="可以在APP缴纳")
    with unchanged(sr, ValidationError) as exc:
        request_resolve(actor=world.cs2, request=sr, result="  ")
    assert "result" in exc.value.message_dict

    request_resolve(actor=world.cs2, request=sr, result="可以在物业APP缴纳")
    assert (sr.state, sr.implementer, sr.department, sr.assignee) == (State.RESOLVED, world.cs2, None, None)
    request_close(actor=world.cs, request=sr)  # no return visit needed
    assert fresh(sr).state == State.CLOSED
    assert actions(sr) == ["register", "resolve", "close"]


@pytest.mark.parametrize("kind", [Kind.COMPLAINT, Kind.REPAIR])
def test_complaints_and_repairs_cannot_be_finished_at_the_desk(world, kind):
    sr = world.register(kind=kind)
    with unchanged(sr, ActionRefused):
        request_resolve(actor=world.cs, request=sr, result="已处理")
    with unchanged(sr, ActionRefused):  # nor closed without being worked on
        request_close(actor=world.cs, request=sr, note="已处理")


def test_a_repair_needs_its_return_visit_before_closing(world, eng):
    sr = resolved(world, eng, kind=Kind.REPAIR, paid=True)
    with unchanged(sr, ActionRefused):
        request_close(actor=world.cs, request=sr)
    request_visit(actor=world.cs2, request=sr, rating="B")
    request_close(actor=world.supervisor, request=sr)  # a supervisor may close another's request
    assert fresh(sr).state == State.CLOSED


# ---------------------------------------------------------------- invalid complaints


def test_an_invalid_complaint_is_explained_and_closed_never_dispatched(world, eng):
    sr = world.register(validity=Validity.INVALID, title="要求物业赔偿邻居装修损失")
    assert sr.validity == Validity.INVALID
    with unchanged(sr, ActionRefused):
        request_dispatch(actor=world.cs, request=sr, department=eng)
    with unchanged(sr, ActionRefused):
        request_dispatch(actor=world.supervisor, request=sr, assignee=world.tech)
    with unchanged(sr, ValidationError) as exc:
        request_close(actor=world.cs, request=sr, note="   ")
    assert "note" in exc.value.message_dict
    with unchanged(sr, ActionRefused):  # a technician cannot close it
        request_close(actor=world.tech, request=sr, note="不归物业管")

    request_close(actor=world.cs, request=sr, note="已向业户解释：属邻里纠纷，建议社区调解")
    sr = fresh(sr)
    assert sr.state == State.CLOSED and sr.closed_at is not None
    assert actions(sr) == ["register", "close"]
    assert RequestEvent.objects.get(request=sr, action=Action.CLOSE).note.startswith("已向业户解释")


def test_a_valid_complaint_cannot_be_closed_straight_away(world):
    sr = world.register()
    with unchanged(sr, ActionRefused):
        request_close(actor=world.cs, request=sr, note="已解释")


# ---------------------------------------------------------------- return, transfer, pause


def test_returning_a_job_needs_a_reason_and_clears_who_has_it(world, eng):
    sr = dispatched(world, eng, assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    for note in ("", "   "):
        with unchanged(sr, ValidationError) as exc:
            request_return(actor=world.tech, request=sr, note=note)
        assert "note" in exc.value.message_dict
    with unchanged(sr, ActionRefused):  # only the assignee (or their lead) returns it
        request_return(actor=world.tech2, request=sr, note="不是我的")
    with unchanged(sr, ActionRefused):
        request_return(actor=world.cs, request=sr, note="客服不能退单")

    request_return(actor=world.tech, request=sr, note="不属于工程范围，应由秩序部处理")
    sr = fresh(sr)
    assert (sr.state, sr.assignee, sr.department, sr.accepted_at) == (State.REGISTERED, None, None, None)
    assert RequestEvent.objects.get(request=sr, action=Action.RETURN).note == "不属于工程范围，应由秩序部处理"
    # back at the desk, it can be sent elsewhere
    request_dispatch(actor=world.cs, request=sr, department=world.dept[DepartmentKind.SECURITY])
    assert fresh(sr).state == State.DISPATCHED


def test_a_job_sent_to_a_department_is_taken_by_whoever_accepts_it(world, eng):
    sr = dispatched(world, eng)
    assert sr.assignee is None
    with unchanged(sr, ActionRefused):  # the guard is not in engineering
        request_accept(actor=world.guard, request=sr)
    request_accept(actor=world.tech2, request=sr)
    assert fresh(sr).assignee == world.tech2
    with unchanged(sr, ActionRefused):  # now it is tech2's
        request_arrive(actor=world.tech, request=sr)


def test_transfer_moves_the_job_and_needs_a_reason(world, eng):
    sr = dispatched(world, eng, assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    with unchanged(sr, ValidationError) as exc:
        request_transfer(actor=world.lead, request=sr, assignee=world.tech2, note="")
    assert "note" in exc.value.message_dict
    with unchanged(sr, ValidationError) as exc:
        request_transfer(actor=world.lead, request=sr, department=eng, assignee=world.tech, note="换人")
    assert "assignee" in exc.value.message_dict
    with unchanged(sr, ValidationError):  # someone of another project
        request_transfer(actor=world.lead, request=sr, assignee=world.other_tech, note="换人")
    with unchanged(sr, ValidationError):  # a department of another project
        request_transfer(
            actor=world.cs, request=sr, department=world.other_dept[DepartmentKind.ENGINEERING], note="换部门"
        )
    with unchanged(sr, ValidationError):  # the guard is not in engineering
        request_transfer(actor=world.cs, request=sr, department=eng, assignee=world.guard, note="换人")
    with unchanged(sr, ActionRefused):  # a technician cannot transfer
        request_transfer(actor=world.tech, request=sr, assignee=world.tech2, note="我忙")

    request_transfer(actor=world.lead, request=sr, assignee=world.tech2, note="孙师傅休假")
    sr = fresh(sr)
    assert (sr.state, sr.assignee, sr.department, sr.accepted_at) == (State.DISPATCHED, world.tech2, eng, None)
    event = RequestEvent.objects.get(request=sr, action=Action.TRANSFER)
    assert (event.from_state, event.note, event.data["assignee"]) == (State.ACCEPTED, "孙师傅休假", world.tech2.name)
    with unchanged(sr, ActionRefused):  # the old assignee has lost it
        request_accept(actor=world.tech, request=sr)
    request_accept(actor=world.tech2, request=sr)

    # the desk may move it to another department altogether
    security = world.dept[DepartmentKind.SECURITY]
    request_transfer(actor=world.cs2, request=sr, department=security, note="涉及门禁，转秩序部")
    sr = fresh(sr)
    assert (sr.department, sr.assignee) == (security, None)


def test_pause_needs_a_reason_and_resume_clears_it(world, eng):
    sr = dispatched(world, eng, assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    request_arrive(actor=world.tech, request=sr)
    with unchanged(sr, ValidationError) as exc:
        request_pause(actor=world.tech, request=sr, note=" ")
    assert "note" in exc.value.message_dict
    with unchanged(sr, ActionRefused):  # a guard has nothing to do with it
        request_pause(actor=world.guard, request=sr, note="等配件")

    request_pause(actor=world.tech, request=sr, note="等待配件：角阀")
    sr = fresh(sr)
    assert (sr.state, sr.pause_reason) == (State.PAUSED, "等待配件：角阀")
    assert RequestEvent.objects.get(request=sr, action=Action.PAUSE).data == {"from": State.IN_PROGRESS}
    with unchanged(sr, ActionRefused):  # while paused only resume (or attach)
        request_resolve(actor=world.tech, request=sr, result="已修好")
    with unchanged(sr, ActionRefused):
        request_transfer(actor=world.lead, request=sr, assignee=world.tech2, note="换人")

    request_resume(actor=world.cs, request=sr)  # the desk may resume when the resident is back
    sr = fresh(sr)
    assert (sr.state, sr.pause_reason) == (State.IN_PROGRESS, "")
    request_resolve(actor=world.tech, request=sr, result="已更换角阀")
    assert fresh(sr).state == State.RESOLVED


def test_a_reply_before_resolution_is_interim_and_keeps_the_state(world, eng):
    sr = dispatched(world, eng, assignee=world.tech)
    with unchanged(sr, ValidationError) as exc:
        request_reply(actor=world.cs, request=sr, reply="  ")
    assert "reply" in exc.value.message_dict
    with unchanged(sr, ActionRefused):  # the desk replies to residents, not the technician
        request_reply(actor=world.tech, request=sr, reply="明天来")

    request_reply(actor=world.cs, request=sr, reply="已安排师傅下午上门")
    sr = fresh(sr)
    assert (sr.state, sr.version, sr.reply) == (State.DISPATCHED, 3, "已安排师傅下午上门")
    first_reply_at = sr.replied_at
    assert first_reply_at is not None
    event = RequestEvent.objects.get(request=sr, action=Action.REPLY)
    assert (event.from_state, event.to_state, event.data) == (State.DISPATCHED, State.DISPATCHED, {"interim": True})

    request_accept(actor=world.tech, request=sr)
    request_resolve(actor=world.tech, request=sr, result="已修好")
    request_reply(actor=world.cs2, request=sr, reply="已修好，请查看")
    sr = fresh(sr)
    assert (sr.state, sr.reply) == (State.REPLIED, "已修好，请查看")
    assert sr.replied_at == first_reply_at  # the first reply is the one the time limit counts
    with unchanged(sr, ActionRefused):  # once replied, no second final reply
        request_reply(actor=world.cs, request=sr, reply="再说一遍")


# ---------------------------------------------------------------- return visits


def test_a_major_complaints_visit_is_done_by_the_project_manager(world, eng):
    sr = resolved(world, eng, severity=Severity.MAJOR)
    for actor in (world.cs, world.cs2, world.supervisor, world.manager):
        with unchanged(sr, ActionRefused):
            request_visit(actor=actor, request=sr, rating="A")
    request_visit(actor=world.pm, request=sr, rating="B", comment="基本满意")
    sr = fresh(sr)
    assert (sr.state, sr.rating) == (State.VISITED, "B")
    assert RequestEvent.objects.get(request=sr, action=Action.VISIT).actor == world.pm


def test_the_implementer_does_not_visit_their_own_work(world):
    cs_dept = world.dept[DepartmentKind.CUSTOMER_SERVICE]
    sr = resolved(world, cs_dept, by=world.cs2)  # the desk colleague did the work herself
    assert sr.implementer == world.cs2
    with unchanged(sr, ActionRefused):
        request_visit(actor=world.cs2, request=sr, rating="A")
    with unchanged(sr, ActionRefused):  # a technician never does return visits
        request_visit(actor=world.tech, request=sr, rating="A")
    request_visit(actor=world.cs, request=sr, rating="A")
    assert fresh(sr).state == State.VISITED


def test_an_unsatisfied_visit_needs_the_residents_words(world, eng):
    sr = resolved(world, eng)
    with unchanged(sr, ValidationError) as exc:
        request_visit(actor=world.cs2, request=sr, rating="C", comment="  ")
    assert "comment" in exc.value.message_dict
    for rating in ("", "D", "a", None):
        with unchanged(sr, ValidationError) as exc:
            request_visit(actor=world.cs2, request=sr, rating=rating)
        assert "rating" in exc.value.message_dict


def test_an_unsatisfied_visit_of_undispatched_work_goes_back_to_the_desk(world):
    sr = world.register(kind=Kind.SUGGESTION, title="增加快递柜", category_id=None)
    request_resolve(actor=world.cs, request=sr, result="已反映给项目")
    request_visit(actor=world.cs2, request=sr, rating="C", comment="没有下文")
    sr = fresh(sr)
    assert (sr.state, sr.reopen_count, sr.version) == (State.REGISTERED, 1, 4)
    assert sr.dispatched_at is None


# ---------------------------------------------------------------- cancel and reopen


def test_cancel_needs_a_reason_and_ends_everything(world, eng):
    sr = dispatched(world, eng)
    with unchanged(sr, ValidationError):
        request_cancel(actor=world.cs, request=sr, note="")
    with unchanged(sr, ActionRefused):  # not the first receiver nor a supervisor
        request_cancel(actor=world.cs2, request=sr, note="重复登记")
    request_cancel(actor=world.cs, request=sr, note="业户已自行处理")
    sr = fresh(sr)
    assert sr.state == State.CANCELLED and sr.closed_at is not None
    with unchanged(sr, ActionRefused):
        request_reopen(actor=world.supervisor, request=sr, note="业户又来电")
    with unchanged(sr, ActionRefused):
        request_attach(actor=world.cs, request=sr, files=[png()])


def test_a_closed_request_can_only_be_reopened(world, eng):
    sr = resolved(world, eng)
    request_visit(actor=world.cs2, request=sr, rating="A")
    request_close(actor=world.cs, request=sr)
    sr = fresh(sr)
    with unchanged(sr, ActionRefused):
        request_attach(actor=world.cs, request=sr, files=[png()])
    with unchanged(sr, ActionRefused):
        request_cancel(actor=world.cs, request=sr, note="取消")
    with unchanged(sr, ValidationError):
        request_reopen(actor=world.cs, request=sr, note="")
    with unchanged(sr, ActionRefused):
        request_reopen(actor=world.cs2, request=sr, note="业户又来电")

    request_reopen(actor=world.cs, request=sr, note="一周后又漏了")
    sr = fresh(sr)
    assert (sr.state, sr.reopen_count, sr.closed_at, sr.assignee) == (State.DISPATCHED, 1, None, world.tech)


def test_a_refused_user_learns_why_not_what_to_fill_in(world, eng):
    sr = dispatched(world, eng, assignee=world.tech)
    with unchanged(sr, ActionRefused):
        request_return(actor=world.tech2, request=sr, note="")
    with unchanged(sr, ActionRefused):
        request_transfer(actor=world.tech, request=sr, note="")
    with unchanged(sr, ActionRefused):
        request_cancel(actor=world.cs2, request=sr, note="")
    with unchanged(sr, ActionRefused):
        request_pause(actor=world.guard, request=sr, note="")
    with unchanged(sr, ActionRefused):
        request_visit(actor=world.tech, request=sr, rating="")
    with unchanged(sr, ActionRefused):
        request_attach(actor=world.finance, request=sr, files=[])
    with unchanged(sr, ActionRefused):
        request_dispatch(actor=world.cs, request=sr)  # already dispatched


# ---------------------------------------------------------------- concurrency without threads


def test_a_stale_copy_or_version_is_a_conflict_and_changes_nothing(world, eng):
    sr = world.register()
    stale = fresh(sr)
    request_dispatch(actor=world.cs, request=sr, department=eng)
    with unchanged(sr, Conflict):  # the stale copy still thinks it is registered
        request_cancel(actor=world.cs, request=stale, note="重复")
    with unchanged(sr, Conflict):
        request_dispatch(actor=world.cs, request=stale, assignee=world.tech2)
    with unchanged(sr, Conflict):  # the page was loaded before the dispatch
        request_accept(actor=world.tech, request=fresh(sr), expected_version=1)
    with unchanged(sr, Conflict):
        request_accept(actor=world.tech, request=fresh(sr), expected_version=3)
    request_accept(actor=world.tech, request=fresh(sr), expected_version=2)
    assert (fresh(sr).state, fresh(sr).version) == (State.ACCEPTED, 3)


# ---------------------------------------------------------------- intake


def counts():
    return ServiceRequest.objects.count(), RequestEvent.objects.count(), list(NumberSequence.objects.values_list())


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"caller_phone": "abc"}, "caller_phone"),
        ({"caller_phone": "12345"}, "caller_phone"),
        ({"room_id": "other_room"}, "room"),
        ({"resident_id": "other_resident"}, "resident"),
        ({"paid": True}, "paid"),
        ({"paid": False}, "paid"),
        ({"kind": "gossip"}, "kind"),
        ({"kind": Kind.REPAIR, "validity": Validity.INVALID}, "validity"),
        ({"validity": "maybe"}, "validity"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"channel": "pigeon"}, "channel"),
        ({"room_id": None, "location": "  "}, "location"),
        ({"category_id": "other_category"}, "category"),
    ],
)
def test_bad_intake_gets_a_field_error_and_saves_nothing(world, change, field):
    world.register()  # so the day's counter exists and must not move
    other_company = Company.objects.create(name="别家物业", code="x")
    known = {
        "other_room": world.other_room.pk,
        "other_resident": world.other_resident.pk,
        "other_category": Category.objects.create(company=other_company, name="其他", code="other").pk,
    }
    change = {k: known.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    before = counts()
    with pytest.raises(ValidationError) as exc:
        world.register(**change)
    assert field in exc.value.message_dict
    assert counts() == before


def test_intake_reports_every_bad_field_at_once(world):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        world.register(title="", caller_phone="abc", room_id=world.other_room.pk, paid=True)
    assert {"title", "caller_phone", "room", "paid"} <= set(exc.value.message_dict)
    assert counts() == before


def test_intake_normalizes_the_phone_and_takes_a_public_location(world):
    sr = world.register(
        kind=Kind.REPAIR, room_id=None, resident_id=None, location=" 3栋大堂 ", caller_name="路人",
        caller_phone="+86 139-0000-1111", paid=False,
    )  # fmt: skip
    sr = fresh(sr)
    assert (sr.caller_phone, sr.location, sr.room, sr.paid) == ("13900001111", "3栋大堂", None, False)
    assert sr.number.startswith("BX")


@pytest.mark.parametrize("who", ["outsider", "tech", "lead", "finance", "resident_user"])
def test_only_desk_staff_of_the_project_register(world, who):
    before = counts()
    with pytest.raises(ActionRefused):
        world.register(actor=getattr(world, who))
    assert counts() == before


@pytest.mark.parametrize(("field", "limit"), [("title", 200), ("caller_name", 50), ("location", 200)])
def test_overlong_text_is_a_field_error_not_a_database_error(world, field, limit):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        world.register(**{field: "漏" * (limit + 1)})
    assert field in exc.value.message_dict
    assert counts() == before
    sr = world.register(**{field: "漏" * limit})  # exactly at the limit is fine, on every database
    assert len(getattr(fresh(sr), field)) == limit


# ---------------------------------------------------------------- files


def test_a_fake_png_is_refused_and_nothing_is_saved(world, eng, settings):
    sr = dispatched(world, eng, assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    with unchanged(sr, ValidationError) as exc:
        request_resolve(actor=world.tech, request=sr, result="已修好", files=[png(), fake_png()])
    assert "photos" in exc.value.message_dict
    with unchanged(sr, ValidationError) as exc:
        request_attach(actor=world.tech, request=sr, files=[fake_png()])
    assert "photos" in exc.value.message_dict
    assert fresh(sr).state == State.ACCEPTED
    assert not Attachment.objects.exists()
    assert media_files(settings) == []


def test_an_oversize_photo_is_refused(world, eng, settings):
    settings.PROPDESK_MAX_UPLOAD_BYTES = 2048
    sr = dispatched(world, eng, assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    big = png(size=(64, 64), noise=True)
    assert big.size > 2048
    with unchanged(sr, ValidationError) as exc:
        request_resolve(actor=world.tech, request=sr, result="已修好", files=[big])
    assert "photos" in exc.value.message_dict
    assert not Attachment.objects.exists() and media_files(settings) == []
    request_resolve(actor=world.tech, request=sr, result="已修好", files=[png(size=(8, 8))])
    assert Attachment.objects.filter(request=sr).count() == 1


def test_a_pdf_is_attached_with_its_own_timeline_entry(world, eng):
    sr = dispatched(world, eng, assignee=world.tech)
    (attachment,) = request_attach(
        actor=world.tech, request=sr, files=[SimpleUploadedFile("报价单.pdf", PDF)], note="报价单"
    )
    sr = fresh(sr)
    assert (sr.state, sr.version) == (State.DISPATCHED, 3)  # an attachment changes the version, not the state
    event = RequestEvent.objects.get(request=sr, action=Action.ATTACH)
    assert (event.from_state, event.to_state, event.note, event.data) == (
        State.DISPATCHED, State.DISPATCHED, "报价单", {"count": 1},
    )  # fmt: skip
    assert (attachment.event, attachment.content_type, attachment.name) == (event, "application/pdf", "报价单.pdf")
    assert attachment.file.name.endswith(".pdf") and not attachment.is_image
    with attachment.file.open("rb") as stored:
        assert stored.read() == PDF


def test_attaching_needs_a_file_and_a_hand_in_the_job(world, eng):
    sr = dispatched(world, eng, assignee=world.tech)
    with unchanged(sr, ValidationError):
        request_attach(actor=world.tech, request=sr, files=[])
    for who in (world.guard, world.tech2, world.finance, world.outsider, world.resident_user):
        with unchanged(sr, ActionRefused):
            request_attach(actor=who, request=sr, files=[png()])
    request_attach(actor=world.cs2, request=sr, files=[png(), SimpleUploadedFile("a.pdf", PDF)])
    assert Attachment.objects.filter(request=sr).count() == 2


def test_another_project_cannot_touch_the_request(world, eng):
    sr = world.register()
    for who in (world.outsider, world.other_tech, world.resident_user):
        with unchanged(sr, ActionRefused):
            request_dispatch(actor=who, request=sr, department=eng)
        with unchanged(sr, ActionRefused):
            request_cancel(actor=who, request=sr, note="无关")
    other = world.register_other()
    with unchanged(other, ActionRefused):
        request_cancel(actor=world.cs, request=other, note="无关")
