"""A front-desk shift in a real browser: two parcels logged on the fast arrival screen, a walk-in
visitor registered with the host's agreement, a goods release pass issued for the owner and
released at the gate by the guard, a patrol walked on the guard's phone whose finding the desk
turns into a service request with one tap, and the handover to the next shift — counted, signed,
every item answered (one refused, which the supervisors are told of), countersigned."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from core.choices import DepartmentKind
from core.models import Notification
from desk.choices import Channel, Kind, State
from desk.models import ServiceRequest
from duty import services as duty_services
from duty.choices import HandoverState, ItemAnswer, LogCategory
from duty.models import CountedThing, Handover, HandoverItem, Key
from frontdesk.choices import AgreedVia, CheckOutcome, ParcelKind, ParcelState, PassState, VisitState
from frontdesk.models import GoodsPass, Parcel, Visit
from safety.choices import FindingState, PointKind, RunState, StopState
from safety.models import CheckPoint, Finding, PatrolRun, Route, RouteStop, StopPhoto
from tests.browser.test_journey import signed_in
from tests.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_card(first17: str) -> str:
    """A mainland ID card number with its check character (GB 11643)."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


VISITOR_ID = id_card("33010619900101123")
MOVER_ID = id_card("11010519800202451")


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 200)).save(buf, format="PNG")
    return buf.getvalue()


def set_up_duty_and_patrol(world):
    """What the supervisor has set up before the shift: two shifts with cs on the current one and cs2
    on the next, things counted at every handover, a key out on loan, a duty-log line to follow up,
    and a security patrol route of two check points."""
    project, sup = world.project, world.supervisor
    now = timezone.localtime()
    start = (now - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=8)
    current = duty_services.shift_save(actor=sup, project=project, name="甲班", start=start.time(), end=end.time())
    following = duty_services.shift_save(
        actor=sup, project=project, name="乙班", start=end.time(), end=(end + timedelta(hours=8)).time(), order=1
    )
    duty_services.assignment_add(actor=sup, project=project, day=start.date(), shift=current, user=world.cs)
    duty_services.assignment_add(actor=sup, project=project, day=end.date(), shift=following, user=world.cs2)
    duty_services.counted_thing_save(actor=sup, project=project, name="对讲机", unit="台", expected=6)
    duty_services.counted_thing_save(actor=sup, project=project, name="手电筒", unit="把", expected=4, order=1)
    key = duty_services.key_save(actor=sup, project=project, code="K01", name="天台门钥匙", location="钥匙柜 A 排")
    loan = duty_services.key_lend(
        actor=world.cs,
        key=key,
        borrower_name="周师傅",
        borrower_unit="电梯维保",
        borrower_phone="13600001234",
        purpose="机房检修",
        due_back=timezone.now() + timedelta(hours=2),
    )
    log = duty_services.log_add(
        actor=world.cs,
        project=project,
        category=LogCategory.CALL,
        text="1501 业主来电：明早 9 点有家具送货，请门岗放行",
        hand_over=True,
    )
    fire = CheckPoint.objects.create(
        project=project,
        code="F01",
        name="2号楼消防通道",
        kind=PointKind.FIRE,
        place="2号楼一层东侧",
        checklist="灭火器压力正常\n消防通道畅通",
    )
    lobby = CheckPoint.objects.create(
        project=project,
        code="P01",
        name="3号楼大堂",
        kind=PointKind.PUBLIC_AREA,
        place="3号楼一层大堂",
        checklist="照明正常\n地面无积水",
    )
    route = Route.objects.create(
        project=project, name="夜间安防巡逻", department=world.dept[DepartmentKind.SECURITY], grace_minutes=60
    )
    RouteStop.objects.create(route=route, point=fire, order=1)
    RouteStop.objects.create(route=route, point=lobby, order=2)
    return {"shift": current, "loan": loan, "log": log, "route": route, "lobby": lobby}


def choose_room(page, text):
    """Type into the room picker, wait for the matches, take the first with Enter."""
    page.fill("#room-lookup", text)
    page.locator("#room-results [data-room]").first.wait_for()
    page.press("#room-lookup", "Enter")


def stop_state(stop) -> int:
    stop.refresh_from_db()
    return stop.state


def submit(page, locator):
    with page.expect_navigation():
        locator.click()


def test_front_desk_shift(browser, live_server, shots, tmp_path):
    world = World()
    setup = set_up_duty_and_patrol(world)
    project = world.project
    photo = tmp_path / "puddle.png"
    photo.write_bytes(png_bytes())

    # ---------------------------------------------------------------- 1. two parcels arrive
    desk = signed_in(browser, live_server, "cs")
    desk.goto(f"{live_server.url}/frontdesk/parcels/")
    desk.fill("#id_carrier", "顺丰")
    desk.fill("#id_shelf", "A-3")
    desk.fill("#id_tracking_number", "sf 1234 5678 901")
    desk.press("#id_tracking_number", "Enter")  # the scanner's Enter moves on to the room
    assert desk.evaluate("document.activeElement.id") == "room-lookup"
    desk.fill("#room-lookup", "3-2-1502")
    desk.locator("#room-results [data-room]").first.wait_for()
    shots("parcel-room-found", desk)
    with desk.expect_navigation():  # Enter on the room saves the arrival
        desk.press("#room-lookup", "Enter")
    first = Parcel.objects.get(room=world.room)
    assert first.state == ParcelState.WAITING and first.kind == ParcelKind.PARCEL
    assert (first.tracking_number, first.carrier, first.shelf) == ("SF12345678901", "顺丰", "A-3")
    assert first.logged_by == world.cs and first.project == project
    assert len(first.pickup_code) == 6 and first.pickup_code.isdigit()
    assert first.pickup_code in desk.locator("#logged").inner_text()
    assert Notification.objects.filter(user=world.resident_user).exists()  # the owner is told

    # the carrier and shelf stay for the next parcel; this one is important mail for 1501
    assert desk.input_value("#id_carrier") == "顺丰" and desk.input_value("#id_shelf") == "A-3"
    desk.click("label[for=kind-important]")
    desk.fill("#id_carrier", "邮政EMS")
    desk.fill("#id_tracking_number", "EMS9988776655")
    desk.press("#id_tracking_number", "Enter")
    desk.fill("#room-lookup", "3-2-1501")
    desk.locator("#room-results [data-room]").first.wait_for()
    with desk.expect_navigation():
        desk.press("#room-lookup", "Enter")
    second = Parcel.objects.get(room=world.room2)
    assert second.kind == ParcelKind.IMPORTANT and second.carrier == "邮政EMS" and second.due_at is not None
    assert second.pickup_code != first.pickup_code
    assert Parcel.objects.filter(project=project, state=ParcelState.WAITING).count() == 2
    waiting = desk.locator("#waiting tbody").inner_text()
    assert "3-2-1502" in waiting and "3-2-1501" in waiting and "重要邮件" in waiting
    shots("parcels-waiting", desk)

    # ---------------------------------------------------------------- 2. a walk-in visitor
    desk.goto(f"{live_server.url}/frontdesk/visitors/")
    choose_room(desk, "3-2-1502")
    assert "3-2-1502" in desk.locator("#room-label").inner_text()
    desk.fill("#id_name", "赵敏")
    desk.fill("#id_people", "2")
    desk.select_option("#id_id_type", value="id_card")
    desk.fill("#id_id_number", VISITOR_ID)
    desk.fill("#id_phone", "13900002222")
    desk.fill("#id_purpose", "探望亲友")
    desk.fill("#id_agreed_by", "张三")
    desk.select_option("#id_agreed_via", label="电话确认")
    shots("visitor-form", desk)
    submit(desk, desk.get_by_role("button", name="登记进入"))
    visit = Visit.objects.get(name="赵敏")
    assert visit.state == VisitState.ON_SITE and visit.room == world.room and visit.people == 2
    assert (visit.agreed_by, visit.agreed_via) == ("张三", AgreedVia.PHONE) and visit.agreed_at is not None
    assert visit.id_number == VISITOR_ID and visit.created_by == world.cs and visit.time_in is not None
    on_site = desk.locator("#on-site").inner_text()
    assert "赵敏" in on_site and "3-2-1502" in on_site and VISITOR_ID not in on_site  # the ID is masked
    shots("visitor-on-site", desk)

    # ---------------------------------------------------------------- 3. goods pass, released at the gate
    desk.goto(f"{live_server.url}/frontdesk/passes/new/")
    choose_room(desk, "3-2-1502")
    # the applicant is the person picked in the lookup, one of the room's people today
    desk.wait_for_function(f"document.getElementById('id_applicant').value === '{world.resident.pk}'")
    assert desk.input_value("#id_valid_on") == timezone.localdate().isoformat()
    desk.select_option("#id_authorised_via", label="电话确认")
    desk.fill("#id_carrier_name", "刘师傅")
    desk.fill("#id_carrier_id_number", MOVER_ID)
    desk.fill("#id_items", "沙发 1\n纸箱 5")
    submit(desk, desk.get_by_role("button", name="登记放行单"))
    gp = GoodsPass.objects.get(room=world.room)
    assert desk.url.endswith(f"/frontdesk/passes/{gp.pk}/")
    assert gp.state == PassState.AUTHORISED and gp.valid_on == timezone.localdate()
    assert (gp.applicant_name, gp.authorised_via, gp.created_by) == ("张三", AgreedVia.PHONE, world.cs)
    assert sorted(gp.items.values_list("name", "quantity")) == [("沙发", 1), ("纸箱", 5)]
    assert gp.code in desk.locator("body").inner_text()
    shots("pass-issued", desk)

    guard = signed_in(browser, live_server, "guard", mobile=True)
    guard.goto(f"{live_server.url}/frontdesk/")  # a guard's front desk is the gate page
    assert guard.url.endswith("/frontdesk/gate/")
    assert "3-2-1502" in guard.locator("body").inner_text()  # today's passes
    guard.fill("form[action$='/gate/pass/'] input[name=code]", gp.code)
    submit(guard, guard.get_by_role("button", name="查看物品"))
    assert guard.url.endswith(f"/frontdesk/passes/{gp.pk}/")
    verify = guard.locator("#verify-form")
    assert verify.get_by_label("沙发").input_value() == "1" and verify.get_by_label("纸箱").input_value() == "5"
    shots("gate-check", guard)
    submit(guard, verify.get_by_role("button", name="核对并放行"))
    gp.refresh_from_db()
    assert gp.state == PassState.RELEASED and gp.released_by == world.guard and gp.released_at is not None
    assert [(i.name, i.released_quantity) for i in gp.items.order_by("id")] == [("沙发", 1), ("纸箱", 5)]
    check = gp.checks.get()
    assert check.outcome == CheckOutcome.RELEASED and check.guard == world.guard and check.differences == []
    assert "核对无误，已放行" in guard.locator(".alert-success").inner_text()
    assert "放行" in guard.locator("#checks").inner_text()
    shots("gate-released", guard)

    # ---------------------------------------------------------------- 4. a patrol on the guard's phone
    guard.goto(f"{live_server.url}/safety/patrols/")
    route_card = guard.locator("#routes .card").filter(has_text="夜间安防巡逻")
    submit(guard, route_card.get_by_role("button", name="开始巡检"))
    run = PatrolRun.objects.get(route=setup["route"])
    assert run.state == RunState.IN_PROGRESS and run.started_by == world.guard and run.points_total == 2
    assert guard.url.endswith(f"/safety/runs/{run.pk}/")

    stops = {s.point.code: s for s in run.stops.select_related("point")}
    guard.fill("input[name=code]", "F01")  # the number on the point's plate
    submit(guard, guard.get_by_role("button", name="前往"))
    fire_stop = guard.locator(f"#check-{stops['F01'].pk}")
    fire_stop.wait_for(state="visible")
    fire_stop.locator(f"label[for=s{stops['F01'].pk}-0-ok]").click()
    fire_stop.locator(f"label[for=s{stops['F01'].pk}-1-ok]").click()
    submit(guard, fire_stop.get_by_role("button", name="提交此点位"))
    assert stop_state(stops["F01"]) == StopState.DONE

    lobby_stop = guard.locator(f"#check-{stops['P01'].pk}")  # the next point opens by itself
    lobby_stop.wait_for(state="visible")
    lobby_stop.locator(f"label[for=s{stops['P01'].pk}-0-ok]").click()
    lobby_stop.locator(f"label[for=s{stops['P01'].pk}-1-bad]").click()
    lobby_stop.locator("input[name=note-1]").fill("大堂东侧地面积水约 2 平方米，有滑倒风险")
    lobby_stop.locator("input[type=file]").set_input_files(str(photo))
    shots("patrol-point", guard)
    submit(guard, lobby_stop.get_by_role("button", name="提交此点位"))
    finding = Finding.objects.get(stop=stops["P01"])
    assert finding.state == FindingState.NEW and finding.item == "地面无积水" and finding.found_by == world.guard
    assert StopPhoto.objects.filter(stop=stops["P01"]).count() == 1
    card = guard.locator(f"#finding-{finding.pk}")
    # a guard cannot register requests (first-receiver ownership is the desk's): the tap hands it over
    submit(guard, card.get_by_role("button", name="报修（交客服）"))
    finding.refresh_from_db()
    assert finding.state == FindingState.HANDED and finding.request_kind == Kind.REPAIR and finding.request is None
    assert not ServiceRequest.objects.exists()
    assert Notification.objects.filter(user=world.cs, url="/safety/findings/").exists()
    assert "已交客服登记工单" in guard.locator(f"#finding-{finding.pk}").inner_text()
    submit(guard, guard.get_by_role("button", name="结束巡检"))  # every point checked: no confirm
    run.refresh_from_db()
    assert run.state == RunState.DONE and run.points_missed == 0 and run.findings_count == 1
    shots("patrol-finished", guard)

    desk.goto(f"{live_server.url}/safety/findings/")
    item = desk.locator("#findings .list-group-item").filter(has_text="地面无积水")
    assert "3号楼大堂" in item.inner_text() and "巡检员建议" in item.inner_text()
    shots("findings-to-register", desk)
    submit(desk, item.get_by_role("button", name="转报修工单"))
    finding.refresh_from_db()
    sr = finding.request
    assert finding.state == FindingState.REQUESTED and sr is not None
    assert sr.channel == Channel.PATROL and sr.kind == Kind.REPAIR and sr.state == State.REGISTERED
    assert sr.receiver == world.cs and sr.project == project and sr.category == world.category
    assert sr.location == "3号楼一层大堂" and f"/safety/runs/{run.pk}/" in sr.description
    assert ServiceRequest.objects.get(patrol_finding=finding) == sr
    assert sr.number in desk.locator(".alert-success").inner_text()
    assert "没有待登记的巡检发现" in desk.locator("#findings").inner_text()

    desk.goto(f"{live_server.url}/safety/runs/{run.pk}/")  # the run links to the request for the desk
    link = desk.locator(f"#finding-{finding.pk} a")
    assert link.inner_text() == sr.number and link.get_attribute("href") == f"/requests/{sr.pk}/"
    guard.goto(f"{live_server.url}/safety/runs/{run.pk}/")  # the guard may not open it: number, no link
    assert sr.number in guard.locator(f"#finding-{finding.pk}").inner_text()
    assert guard.locator(f"#finding-{finding.pk} a").count() == 0
    desk.goto(f"{live_server.url}/requests/{sr.pk}/")
    assert "巡检发现" in desk.locator("body").inner_text()

    # ---------------------------------------------------------------- 5. handover to the next shift
    desk.goto(f"{live_server.url}/duty/")
    assert desk.url.endswith(f"/duty/p/{project.pk}/")
    desk.goto(f"{live_server.url}/duty/p/{project.pk}/handovers/")
    desk.select_option("#id_incoming", value=str(world.cs2.pk))
    submit(desk, desk.get_by_role("button", name="开始交接"))
    h = Handover.objects.get(project=project)
    assert desk.url.endswith(f"/duty/handovers/{h.pk}/")
    assert (h.outgoing, h.incoming, h.state, h.shift) == (world.cs, world.cs2, HandoverState.DRAFT, setup["shift"])
    keys = set(h.items.values_list("key", flat=True))
    assert keys == {
        f"parcel:{first.pk}",
        f"parcel:{second.pk}",
        f"visit:{visit.pk}",
        f"request:{sr.pk}",
        f"keyloan:{setup['loan'].pk}",
        f"log:{setup['log'].pk}",
    }, keys  # the released pass and the finished patrol are not open any more
    assert h.item_count == 6
    listed = desk.locator("#items").inner_text()
    for text in (
        "待领快递",
        "3-2-1502 · 快递包裹",
        "3-2-1501 · 重要邮件",
        "在访访客",
        "赵敏 → 3-2-1502",
        "未结工单",
        sr.number,
        "借出钥匙",
        "K01 天台门钥匙",
        "值班记录待跟进",
    ):
        assert text in listed, text
    shots("handover-started", desk)

    counts = {c.name: c for c in h.counts.all()}
    desk.fill(f"input[name=count_{counts['对讲机'].pk}]", "6")
    desk.fill(f"input[name=count_{counts['手电筒'].pk}]", "3")
    desk.fill(f"input[name=expl_{counts['手电筒'].pk}]", "1 把送工程部维修")
    desk.fill("#id_notes", "1501 明早家具送货，已告知门岗；3号楼大堂积水已转报修。")
    submit(desk, desk.get_by_role("button", name="交班人签字"))
    h.refresh_from_db()
    assert h.state == HandoverState.OUTGOING_SIGNED and h.outgoing_signed_at is not None
    assert h.notes.startswith("1501 明早家具送货")
    saved = {c.name: (c.counted, c.explanation) for c in h.counts.all()}
    assert saved == {"对讲机": (6, ""), "手电筒": (3, "1 把送工程部维修")}
    shots("handover-signed-out", desk)

    incoming = signed_in(browser, live_server, "cs2")
    incoming.goto(f"{live_server.url}/duty/handovers/{h.pk}/")
    key_item = h.items.get(kind="keys")
    row = incoming.locator(f"#item-{key_item.pk}")
    row.locator("input[name=reason]").fill("钥匙柜里没有，也没有借条")
    with incoming.expect_response(lambda r: r.url.endswith(f"/duty/items/{key_item.pk}/answer/")):
        row.get_by_role("button", name="拒收").click()
    row.locator("form").wait_for(state="detached")  # the row was swapped in place
    assert "拒收原因：钥匙柜里没有，也没有借条" in row.inner_text()
    key_item.refresh_from_db()
    assert key_item.answer == ItemAnswer.REFUSED and key_item.reason == "钥匙柜里没有，也没有借条"
    told = Notification.objects.filter(user=world.supervisor, title__startswith="交接事项被拒收")
    assert told.count() == 1 and "钥匙柜里没有" in told.get().body
    assert Notification.objects.filter(user=world.manager, title__startswith="交接事项被拒收").count() == 1

    others = list(h.items.exclude(pk=key_item.pk).order_by("order", "id"))
    for it in others[:-1]:
        with incoming.expect_response(lambda r, pk=it.pk: r.url.endswith(f"/duty/items/{pk}/answer/")):
            incoming.locator(f"#item-{it.pk}").get_by_role("button", name="确认").click()
        incoming.locator(f"#item-{it.pk} form").wait_for(state="detached")
    with incoming.expect_navigation():  # the last answer: the page reloads with the signature open
        incoming.locator(f"#item-{others[-1].pk}").get_by_role("button", name="确认").click()
    answers = dict(h.items.values_list("key", "answer"))
    assert sorted(answers.values()) == [ItemAnswer.ACKNOWLEDGED] * 5 + [ItemAnswer.REFUSED]
    shots("handover-answered", incoming)

    incoming.fill("#id_comment", "钥匙 K01 去向不明，已报主管。")
    sign = incoming.locator("#sign-in").get_by_role("button", name="接班人签字")
    assert sign.is_enabled()
    submit(incoming, sign)
    h.refresh_from_db()
    assert h.state == HandoverState.COMPLETED and h.incoming_signed_at is not None
    assert h.incoming_comment == "钥匙 K01 去向不明，已报主管。"
    assert HandoverItem.objects.filter(handover=h, answer=ItemAnswer.PENDING).count() == 0
    assert Notification.objects.filter(user=world.cs, title__contains="交接完成").exists()
    assert "已完成" in incoming.locator("body").inner_text()
    shots("handover-complete", incoming)

    incoming.goto(f"{live_server.url}/duty/p/{project.pk}/")  # the refusal stays on the duty board
    refused = incoming.locator(".card.border-danger").inner_text()
    assert "K01 天台门钥匙" in refused and "钥匙柜里没有，也没有借条" in refused
    shots("board-refused", incoming)

    # nothing of the shift was lost on the way
    assert Parcel.objects.filter(project=project, state=ParcelState.WAITING).count() == 2
    assert Visit.objects.filter(project=project, state=VisitState.ON_SITE).count() == 1
    assert CountedThing.objects.filter(project=project).count() == 2 and Key.objects.count() == 1
    for page in (desk, guard, incoming):
        page.context.close()
