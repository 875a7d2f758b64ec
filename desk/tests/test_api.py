"""The service-request API as its users meet it: the desk, the technician, the resident, staff of
another project and an anonymous client."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.test import APIClient

from core.choices import DepartmentKind
from desk.choices import Action, Kind, State
from desk.models import Attachment, RequestEvent, ServiceRequest
from desk.services import ACTION_SERVICES, request_accept, request_arrive, request_dispatch
from tests.factories import PASSWORD

LIST = "/api/requests/"


def detail_url(sr) -> str:
    return f"/api/requests/{sr.pk}/"


def action_url(sr, action: str) -> str:
    return f"/api/requests/{sr.pk}/{action}/"


def client_for(user=None) -> APIClient:
    """A client signed in the way a browser is: each request loads the user afresh."""
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def png(name="现场照片.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def fake_png(name="照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00 this is not a picture", content_type="image/png")


def intake(world, **overrides) -> dict:
    data = {
        "project": world.project.pk,
        "kind": "repair",
        "title": "厨房水管漏水",
        "description": "水槽下方持续滴水",
        "channel": "phone",
        "category": world.category.pk,
        "room": world.room.pk,
        "resident": world.resident.pk,
        "caller_phone": "138-1234-5678",
    }
    data.update(overrides)
    return data


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def dispatched_to_tech(world, **kw):
    sr = world.register(kind=Kind.REPAIR, title="卫生间漏水", **kw)
    request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    return sr


def snapshot(sr) -> tuple:
    sr.refresh_from_db()
    return sr.state, sr.version, RequestEvent.objects.filter(request=sr).count(), Attachment.objects.count()


# ---------------------------------------------------------------- who may see what


def test_it_lists_the_projects_requests_newest_first(world):
    first = world.register(title="楼上漏水")
    second = world.register(title="电梯异响", kind=Kind.REPAIR)
    world.register_other()

    response = client_for(world.cs).get(LIST)

    assert response.status_code == 200
    assert ids(response) == [second.pk, first.pk]
    row = response.json()["results"][0]
    assert row["number"] == second.number
    assert row["state"] == State.REGISTERED and row["state_display"] == "已登记"
    assert row["room"] == {"id": world.room.pk, "code": "3-2-1502"}
    assert row["receiver"]["name"] == "王丽"
    assert "count" not in response.json()  # cursor pages: no COUNT(*) over the table


def test_it_pages_with_a_cursor(world):
    made = [world.register(title=f"投诉{i}") for i in range(3)]
    client = client_for(world.cs)

    page1 = client.get(LIST, {"page_size": 2}).json()
    page2 = client.get(page1["next"]).json()

    assert [r["id"] for r in page1["results"]] == [made[2].pk, made[1].pk]
    assert [r["id"] for r in page2["results"]] == [made[0].pk]
    assert page2["next"] is None


def test_it_hides_our_requests_from_another_project(world):
    ours = world.register()
    theirs = world.register_other()
    outsider = client_for(world.outsider)

    assert ids(outsider.get(LIST)) == [theirs.pk]
    assert outsider.get(detail_url(ours)).status_code == 404
    response = outsider.post(action_url(ours, "cancel"), {"note": "重复登记"}, format="json")
    assert response.status_code == 404
    ours.refresh_from_db()
    assert ours.state == State.REGISTERED
    assert client_for(world.cs).get(detail_url(theirs)).status_code == 404


@pytest.mark.parametrize(
    "method, path",
    [("get", LIST), ("post", LIST), ("get", "/api/requests/{pk}/"), ("post", "/api/requests/{pk}/cancel/")],
)
def test_it_turns_away_anonymous_clients(world, method, path):
    sr = world.register()

    response = getattr(APIClient(), method)(path.format(pk=sr.pk), {}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert ServiceRequest.objects.count() == 1


def test_a_resident_sees_only_requests_of_their_rooms_and_cannot_act(world):
    mine = world.register(title="楼上漏水")
    neighbours = world.register(title="噪音", room_id=world.room2.pk, resident_id=world.neighbour.pk)
    client = client_for(world.resident_user)

    assert ids(client.get(LIST)) == [mine.pk]
    assert client.get(detail_url(neighbours)).status_code == 404
    detail = client.get(detail_url(mine)).json()
    assert detail["allowed_actions"] == []
    assert detail["caller_phone"] == "138****5678"

    response = client.post(action_url(mine, "cancel"), {"note": "不需要了"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "refused"
    assert response.json()["detail"]
    mine.refresh_from_db()
    assert mine.state == State.REGISTERED


# ---------------------------------------------------------------- registering


def test_the_desk_registers_a_request(world):
    response = client_for(world.cs).post(LIST, intake(world), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    sr = ServiceRequest.objects.get()
    assert body["id"] == sr.pk and body["number"] == sr.number and body["number"].startswith("BX")
    assert body["state"] == State.REGISTERED
    assert body["version"] == 1
    assert body["caller_phone"] == "13812345678"  # normalised, and the desk sees it in full
    assert body["resident"] == {"id": world.resident.pk, "name": "张三", "phone": "13812345678"}
    assert body["receiver"]["name"] == "王丽"
    assert "dispatch" in body["allowed_actions"]
    assert [(e["action"], e["actor"], e["to_state"]) for e in body["events"]] == [
        ("register", "王丽", State.REGISTERED)
    ]
    assert body["attachments"] == []


def test_a_public_area_request_needs_no_room(world):
    data = intake(world, kind="complaint", title="小区门口垃圾未清运", location="南门", room=None, resident=None)

    response = client_for(world.cs).post(LIST, data, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["location"] == "南门"
    assert response.json()["validity"] == "valid"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": None}, "title"),
        ({"title": "   "}, "title"),
        ({"kind": "gossip"}, "kind"),
        ({"caller_phone": "12345"}, "caller_phone"),
        ({"room": "other"}, "room"),
        ({"resident": "other"}, "resident"),
        ({"paid": True, "kind": "complaint"}, "paid"),
        ({"room": None, "resident": None, "location": ""}, "location"),
        ({"category": 999999}, "category"),
    ],
)
def test_bad_input_gets_field_errors_and_saves_nothing(world, change, field):
    data = intake(world)
    for key, value in change.items():
        if value is None:
            data.pop(key, None)
        elif value == "other":
            data[key] = world.other_room.pk if key == "room" else world.other_resident.pk
        else:
            data[key] = value
    before = (ServiceRequest.objects.count(), RequestEvent.objects.count())

    response = client_for(world.cs).post(LIST, data, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"], body
    assert body["detail"]
    assert (ServiceRequest.objects.count(), RequestEvent.objects.count()) == before


def test_the_bad_phone_message_is_in_chinese(world):
    response = client_for(world.cs).post(LIST, intake(world, caller_phone="12345"), format="json")

    assert response.json()["errors"]["caller_phone"] == ["“12345”不是有效的电话号码。"]


@pytest.mark.parametrize(
    "phone",
    [
        "15412345678",  # 1[3-9] and 11 digits, but no such mobile range
        "00000000000",  # '0' and 10 digits, but no such area code
        "0571-8888 888",  # Hangzhou numbers have 8 digits
        "138١2345678",  # an Arabic-Indic digit was stored as typed
    ],
)
def test_a_phone_number_that_does_not_exist_is_refused(world, phone):
    response = client_for(world.cs).post(LIST, intake(world, caller_phone=phone), format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["caller_phone"] == [f"“{phone}”不是有效的电话号码。"]
    assert ServiceRequest.objects.count() == 0


@pytest.mark.parametrize("who", ["resident_user", "tech", "finance", "outsider"])
def test_only_the_desk_of_the_project_registers(world, who):
    response = client_for(getattr(world, who)).post(LIST, intake(world), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "refused"
    assert response.json()["detail"] == "您不能在这个项目登记工单。"
    assert ServiceRequest.objects.count() == 0


# ---------------------------------------------------------------- detail


def test_the_detail_shows_what_the_user_may_do_and_the_history(world):
    sr = world.register()

    body = client_for(world.cs).get(detail_url(sr)).json()

    assert body["title"] == "楼上漏水" and body["description"] == "卫生间天花板漏水"
    assert body["kind"] == "complaint" and body["kind_display"] == "投诉"
    assert body["category"] == {"id": world.category.pk, "name": "设施设备"}
    assert body["version"] == 1
    assert body["allowed_actions"] == ["dispatch", "reply", "cancel", "reclassify", "validity", "attach"]
    event = body["events"][0]
    assert event["actor"] == "王丽" and event["action_display"] == "登记"
    assert event["from_state"] is None and event["to_state_display"] == "已登记"
    assert event["note"] == "卫生间天花板漏水"


def test_a_technician_sees_masked_phones(world):
    sr = dispatched_to_tech(world)

    body = client_for(world.tech).get(detail_url(sr)).json()

    assert body["caller_phone"] == "138****5678"
    assert body["resident"]["phone"] == "138****5678"
    assert body["allowed_actions"] == ["accept", "return", "attach"]


# ---------------------------------------------------------------- actions


def test_the_desk_dispatches_to_a_technician_who_then_sees_the_job(world):
    sr = world.register(kind=Kind.REPAIR, title="卫生间漏水")
    assert client_for(world.tech).get(detail_url(sr)).status_code == 404

    response = client_for(world.cs).post(
        action_url(sr, "dispatch"), {"assignee": world.tech.pk, "note": "请尽快上门"}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == State.DISPATCHED and body["version"] == 2
    assert body["assignee"]["name"] == "孙师傅"
    assert body["department"]["id"] == world.dept[DepartmentKind.ENGINEERING].pk
    assert body["events"][-1]["note"] == "请尽快上门"
    assert ids(client_for(world.tech).get(LIST)) == [sr.pk]
    assert client_for(world.tech2).get(detail_url(sr)).status_code == 404
    assert ids(client_for(world.tech2).get(LIST)) == []


def test_a_technician_accepts_arrives_and_resolves_with_a_photo(world):
    sr = dispatched_to_tech(world)
    tech = client_for(world.tech)

    assert tech.post(action_url(sr, "accept"), {}, format="json").json()["state"] == State.ACCEPTED
    assert tech.post(action_url(sr, "arrive"), {"note": "已到现场"}, format="json").json()["state"] == State.IN_PROGRESS
    response = tech.post(
        action_url(sr, "resolve"), {"result": "更换了水管接头", "files": [png()], "version": 4}, format="multipart"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == State.RESOLVED
    assert body["result"] == "更换了水管接头"
    assert body["implementer"]["name"] == "孙师傅"
    [attachment] = body["attachments"]
    assert attachment["name"] == "现场照片.png" and attachment["content_type"] == "image/png"
    assert body["events"][-1]["attachments"] == [attachment["id"]]
    assert [e["action"] for e in body["events"]] == ["register", "dispatch", "accept", "arrive", "resolve"]
    # the link works for the technician, and not for staff of another project
    assert tech.get(attachment["url"]).status_code == 200
    assert client_for(world.outsider).get(attachment["url"]).status_code == 404


def test_resolving_by_form_leaves_paid_alone_unless_given(world):
    sr = dispatched_to_tech(world, paid=True)
    request_accept(actor=world.tech, request=sr)
    tech = client_for(world.tech)

    response = tech.post(action_url(sr, "resolve"), {"result": "已修好"}, format="multipart")

    assert response.status_code == 200, response.json()
    assert response.json()["paid"] is True  # a form without `paid` is not "false"


def test_the_technician_confirms_on_site_that_the_repair_is_free(world):
    sr = dispatched_to_tech(world, paid=True)
    request_accept(actor=world.tech, request=sr)

    response = client_for(world.tech).post(
        action_url(sr, "resolve"), {"result": "保修期内", "paid": False}, format="json"
    )

    assert response.json()["paid"] is False


def test_a_technician_cannot_dispatch_or_cancel(world):
    sr = dispatched_to_tech(world)
    tech = client_for(world.tech)
    before = snapshot(sr)

    dispatch = tech.post(action_url(sr, "dispatch"), {"assignee": world.tech2.pk}, format="json")
    cancel = tech.post(action_url(sr, "cancel"), {"note": "不想去"}, format="json")

    assert dispatch.status_code == 403
    assert dispatch.json()["code"] == "refused"
    assert dispatch.json()["detail"] == "工单当前状态为“已派单”，不能执行“派单”。"
    assert cancel.status_code == 403
    assert cancel.json()["detail"] == "只有首问责任人或主管可以执行此操作。"
    assert snapshot(sr) == before


def test_a_technician_cannot_take_a_job_sent_to_a_colleague(world):
    sr = world.register(kind=Kind.REPAIR)
    request_dispatch(actor=world.cs, request=sr, department=world.dept[DepartmentKind.ENGINEERING])
    request_accept(actor=world.tech2, request=sr)  # tech2 took it from the department queue

    assert client_for(world.tech).post(action_url(sr, "arrive"), {}, format="json").status_code == 404


def test_the_desk_cannot_resolve_a_repair_for_the_technician(world):
    sr = dispatched_to_tech(world)
    request_accept(actor=world.tech, request=sr)

    response = client_for(world.cs).post(action_url(sr, "resolve"), {"result": "好了"}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == "只有被派单的处理人或其部门可以执行此操作。"


def test_a_stale_version_gets_409_and_changes_nothing(world):
    sr = world.register()
    seen = client_for(world.cs).get(detail_url(sr)).json()["version"]
    client_for(world.cs2).post(action_url(sr, "dispatch"), {"assignee": world.tech.pk}, format="json")
    before = snapshot(sr)

    response = client_for(world.cs).post(action_url(sr, "cancel"), {"note": "重复", "version": seen}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["detail"] == "这张工单刚被其他人修改过，请刷新后再试。"
    assert snapshot(sr) == before


def test_dispatching_with_the_version_read_before_another_dispatch_is_a_conflict(world):
    """The caller read version 1; meanwhile a colleague dispatched. Their dispatch no longer fits
    the state either, but what they must learn is that the request changed: 409, not 403."""
    sr = world.register()
    seen = client_for(world.cs).get(detail_url(sr)).json()["version"]
    client_for(world.cs2).post(action_url(sr, "dispatch"), {"assignee": world.tech.pk}, format="json")
    before = snapshot(sr)

    response = client_for(world.cs).post(
        action_url(sr, "dispatch"), {"assignee": world.tech2.pk, "version": seen}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["detail"] == "这张工单刚被其他人修改过，请刷新后再试。"
    assert snapshot(sr) == before
    assert sr.assignee == world.tech


def test_the_current_version_is_accepted(world):
    sr = world.register()

    response = client_for(world.cs).post(action_url(sr, "cancel"), {"note": "重复登记", "version": 1}, format="json")

    assert response.status_code == 200
    assert response.json()["state"] == State.CANCELLED


def test_a_file_that_only_pretends_to_be_a_png_is_refused(world):
    sr = dispatched_to_tech(world)
    request_accept(actor=world.tech, request=sr)
    request_arrive(actor=world.tech, request=sr)
    tech = client_for(world.tech)
    before = snapshot(sr)

    resolve = tech.post(
        action_url(sr, "resolve"), {"result": "修好了", "files": [png(), fake_png()]}, format="multipart"
    )
    attach = tech.post(action_url(sr, "attach"), {"files": [fake_png()]}, format="multipart")

    for response in (resolve, attach):
        assert response.status_code == 400
        assert response.json()["errors"]["files"] == ["文件“照片.png”不是图片（JPEG/PNG/WebP/GIF）或 PDF。"]
    assert snapshot(sr) == before
    assert sr.state == State.IN_PROGRESS


def test_attach_needs_a_file(world):
    sr = world.register()

    response = client_for(world.cs).post(action_url(sr, "attach"), {"note": "补充"}, format="multipart")

    assert response.status_code == 400
    assert "files" in response.json()["errors"]


def test_the_desk_attaches_a_photo(world):
    sr = world.register()

    response = client_for(world.cs).post(
        action_url(sr, "attach"), {"files": [png("a.png"), png("b.png")], "note": "业户发来的照片"}, format="multipart"
    )

    assert response.status_code == 200, response.json()
    assert [a["name"] for a in response.json()["attachments"]] == ["a.png", "b.png"]
    assert response.json()["state"] == State.REGISTERED


@pytest.mark.parametrize(
    "body, field",
    [
        ({"assignee": 999999}, "assignee"),
        ({"department": 999999}, "department"),
        ({"assignee": "other_tech"}, "assignee"),
        ({"department": "other"}, "department"),
        ({"assignee": "resident_user"}, "assignee"),
        ({}, "department"),
        ({"assignee": "x"}, "assignee"),
    ],
)
def test_dispatch_to_someone_outside_the_project_is_a_field_error(world, body, field):
    sr = world.register()
    if body.get("assignee") in ("other_tech", "resident_user"):
        body["assignee"] = getattr(world, body["assignee"]).pk
    if body.get("department") == "other":
        body["department"] = world.other_dept[DepartmentKind.ENGINEERING].pk
    before = snapshot(sr)

    response = client_for(world.cs).post(action_url(sr, "dispatch"), body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert snapshot(sr) == before


@pytest.mark.parametrize(
    "action, field", [("pause", "note"), ("return", "note"), ("reply", "reply"), ("visit", "rating")]
)
def test_required_reasons_are_field_errors(world, action, field):
    sr = dispatched_to_tech(world)
    request_accept(actor=world.tech, request=sr)
    who = world.tech if action in ("pause", "return") else world.cs

    response = client_for(who).post(action_url(sr, action), {}, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_whole_repair_through_the_api(world):
    desk, desk2, tech = client_for(world.cs), client_for(world.cs2), client_for(world.tech)
    sr_id = desk.post(LIST, intake(world), format="json").json()["id"]
    sr = ServiceRequest.objects.get(pk=sr_id)
    eng = world.dept[DepartmentKind.ENGINEERING].pk

    steps = [
        (desk, "dispatch", {"department": eng}, State.DISPATCHED),
        (tech, "accept", {}, State.ACCEPTED),
        (tech, "pause", {"note": "等待配件"}, State.PAUSED),
        (tech, "resume", {}, State.ACCEPTED),  # back to where the pause began: nobody on site yet
        (tech, "resolve", {"result": "更换阀门"}, State.RESOLVED),
        (desk, "reply", {"reply": "已为您更换阀门"}, State.REPLIED),
        (desk2, "visit", {"rating": "C"}, None),  # unsatisfied needs a comment
        (desk2, "visit", {"rating": "C", "comment": "还在滴水"}, State.DISPATCHED),
        (tech, "arrive", {}, None),  # reopened: must accept again first
        (desk, "transfer", {"assignee": world.tech2.pk, "note": "换人处理"}, State.DISPATCHED),
        (client_for(world.tech2), "accept", {}, State.ACCEPTED),
        (client_for(world.tech2), "resolve", {"result": "重新密封"}, State.RESOLVED),
        (desk2, "visit", {"rating": "A"}, State.VISITED),
        (desk, "close", {}, State.CLOSED),
        (desk, "reopen", {"note": "业户反映又漏了"}, State.DISPATCHED),
    ]
    for client, action, body, expected in steps:
        response = client.post(action_url(sr, action), body, format="json")
        if expected is None:
            assert response.status_code in (400, 403), (action, response.json())
        else:
            assert response.status_code == 200, (action, response.json())
            assert response.json()["state"] == expected, action
    sr.refresh_from_db()
    assert sr.reopen_count == 2
    history = desk.get(detail_url(sr)).json()["events"]
    assert [e["action"] for e in history].count("reopen") == 2


def test_a_technician_who_returns_a_job_gets_the_result_once(world):
    sr = dispatched_to_tech(world)
    tech = client_for(world.tech)

    response = tech.post(action_url(sr, "return"), {"note": "不是工程问题"}, format="json")

    assert response.status_code == 200
    assert response.json()["state"] == State.REGISTERED
    assert tech.get(detail_url(sr)).status_code == 404


def test_there_is_an_endpoint_for_every_action_and_no_other(world):
    sr = world.register()
    client = client_for(world.cs)

    for action in ACTION_SERVICES:
        assert client.options(action_url(sr, action)).status_code == 200, action
    assert client.post(action_url(sr, "edit"), {}, format="json").status_code == 404
    assert client.post(action_url(sr, "register"), {}, format="json").status_code == 404


# ---------------------------------------------------------------- filters and query counts


def test_filters_work_through_the_api(world):
    leak = world.register(title="楼上漏水")
    lift = world.register(title="电梯异响", kind=Kind.REPAIR, description="三号电梯运行时有异响")
    gate = world.register(title="门禁卡失灵", kind=Kind.REPAIR, description="刷卡没反应")
    request_dispatch(actor=world.cs, request=gate, assignee=world.tech)
    world.register_other(title="楼上漏水")
    client = client_for(world.cs)

    assert ids(client.get(LIST, {"kind": "repair"})) == [gate.pk, lift.pk]
    assert ids(client.get(LIST, {"kind": "complaint"})) == [leak.pk]
    assert ids(client.get(LIST, {"state": State.DISPATCHED})) == [gate.pk]
    assert ids(client.get(LIST, {"state": [State.REGISTERED, State.DISPATCHED]})) == [gate.pk, lift.pk, leak.pk]
    assert ids(client.get(LIST, {"q": "漏水"})) == [leak.pk]
    assert ids(client.get(LIST, {"q": "异响"})) == [lift.pk]
    assert ids(client.get(LIST, {"q": lift.number})) == [lift.pk]
    assert ids(client.get(LIST, {"assignee": world.tech.pk})) == [gate.pk]
    assert ids(client.get(LIST, {"room": world.room.pk, "kind": "repair"})) == [gate.pk, lift.pk]


def test_a_bad_filter_is_a_field_error(world):
    client = client_for(world.cs)

    response = client.get(LIST, {"state": 999})
    other_project = client.get(LIST, {"project": world.other_project.pk})

    assert response.status_code == 400 and "state" in response.json()["errors"]
    assert other_project.status_code == 400 and "project" in other_project.json()["errors"]


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


def test_the_list_costs_the_same_queries_for_3_rows_as_for_30(world):
    def make(n):
        for i in range(n):
            sr = world.register(title=f"工单{i}", kind=Kind.REPAIR)
            if i % 2:
                request_dispatch(actor=world.cs, request=sr, assignee=world.tech if i % 4 == 1 else world.tech2)

    client = client_for(world.cs)
    make(3)
    few, rows_few = _list_queries(client)
    make(27)
    many, rows_many = _list_queries(client)

    assert (rows_few, rows_many) == (3, 25)
    assert few == many


# ---------------------------------------------------------------- token and schema


def test_token_auth_works(world):
    anonymous = APIClient()

    bad = anonymous.post("/api/token/", {"username": "cs", "password": "wrong"}, format="json")
    good = anonymous.post("/api/token/", {"username": "cs", "password": PASSWORD}, format="json")

    assert bad.status_code == 400
    assert good.status_code == 200
    token = good.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    sr = world.register()
    assert ids(client.get(LIST)) == [sr.pk]
    created = client.post(LIST, intake(world), format="json")  # no CSRF token needed with a token
    assert created.status_code == 201
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(LIST).status_code == 401


def test_the_schema_is_served_and_documents_every_action(world):
    response = client_for(world.cs).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for action in ACTION_SERVICES:
        operation = paths[f"/api/requests/{{id}}/{action}/"]["post"]
        assert operation["summary"] == Action(action).label
        body = operation["requestBody"]["content"]
        ref = next(iter(body.values()))["schema"]["$ref"].rsplit("/", 1)[-1]
        properties = schema["components"]["schemas"][ref]["properties"]
        assert "version" in properties
        assert set(ACTION_SERVICES[action][1]) <= set(properties)
        assert set(operation["responses"]) >= {"200", "400", "403", "404", "409"}
    resolve = paths["/api/requests/{id}/resolve/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in resolve
    assert {"/api/requests/", "/api/rooms/", "/api/residents/", "/api/token/"} <= set(paths)


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_the_docs_page_is_served(world):
    assert client_for(world.cs).get("/api/docs/").status_code == 200
