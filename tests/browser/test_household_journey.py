"""A household's first months in a real browser (issue 4): the CS supervisor imports building 9 from
an Excel file (one bad cell fixed in place, one bad row skipped), a family moves in to one of the new
rooms (documents checked, fees, house rules, keys, inspection with a defect turned into a repair
request, completion, a family member added on the household page), the owner's renovation is filed
with a drawing, approved, paid, permitted, inspected on a phone and accepted, and the household page
shows all of it on its timeline. The database is checked after every step, not just the page."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook
from PIL import Image
from playwright.sync_api import expect

from desk.choices import Channel
from desk.choices import Kind as RequestKind
from desk.models import ServiceRequest
from estate.choices import Relation, RoomState
from estate.models import Building, Occupancy, Resident, Room, Unit
from importer.choices import SessionStatus
from importer.models import ImportRow, ImportSession
from registrations.choices import MoveInState
from registrations.models import Defect, MoveIn, MoveInKey
from renovation.choices import FeeKind, FileKind, InspectionResult
from renovation.choices import State as RenovationState
from renovation.models import Inspection, Payment, Renovation, RenovationFile
from renovation.services import fees_for
from tests.browser.test_journey import signed_in
from tests.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOWN = re.compile(r"(^|\s)show(\s|$)")  # a Bootstrap collapse that has finished opening

HEADERS = ["楼栋", "单元", "房号", "楼层", "产权面积", "户型"]
ROWS = [  # Excel rows 2..6
    ["9", "1", "101", 1, 89.5, "两室一厅"],
    ["9栋", "1单元", "102室", 1, 128.36, "三室两厅"],  # suffixes are cleaned: 9-1-102
    ["9", "2", "201", 2, "约九十平", "两室一厅"],  # row 4: the area is not a number -> fixed in place
    ["9", "2", "2-02", 2, 76, "一室一厅"],  # row 5: "2-02" is no room number -> skipped
    ["9", "2", "202", 2, "95.2㎡", "两室两厅"],
]


def xlsx_bytes() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "9号楼"
    ws.append(HEADERS)
    for row in ROWS:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def png_bytes() -> bytes:
    """A small floor plan: a white sheet with a wall drawn on it."""
    img = Image.new("RGB", (120, 80), (255, 255, 255))
    for x in range(10, 110):
        img.putpixel((x, 40), (0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def submit(page, locator):
    """Click a button that posts a form, and wait for the POST's redirect to load."""
    with page.expect_navigation():
        locator.click()


def open_pane(page, toggle, pane_selector):
    """Open a Bootstrap collapse pane and wait until it has finished opening."""
    toggle.click()
    pane = page.locator(pane_selector)
    expect(pane).to_have_class(SHOWN)
    return pane


def room_state(room) -> str:
    return Room.objects.values_list("state", flat=True).get(pk=room.pk)


def renovation_state(r) -> int:
    return Renovation.objects.values_list("state", flat=True).get(pk=r.pk)


def act(page, action, fill=None, select=None):
    """A renovation page action: open its pane, fill it, confirm it."""
    pane = open_pane(page, page.locator(f"#btn-{action}"), f"#pane-{action}")
    form = pane.locator(f"#form-{action}")
    for selector, value in (select or {}).items():
        form.locator(selector).select_option(value)
    for selector, value in (fill or {}).items():
        form.locator(selector).fill(value)
    submit(page, form.locator(f"button[name=submit-{action}]"))


def test_household_journey(browser, live_server, shots, tmp_path):
    world = World()
    project = world.project
    today = timezone.localdate()
    workbook = tmp_path / "9号楼房屋.xlsx"
    workbook.write_bytes(xlsx_bytes())
    drawing = tmp_path / "平面图.png"
    drawing.write_bytes(png_bytes())
    rooms_before = set(Room.objects.values_list("pk", flat=True))

    # ---------------------------------------------------------------- 1. import building 9
    sup = signed_in(browser, live_server, "sup")
    sup.goto(f"{live_server.url}/import/")
    sup.select_option("#id_project", label="翠湖花园")
    sup.select_option("#id_kind", value="rooms")
    sup.set_input_files("#id_file", str(workbook))
    submit(sup, sup.get_by_role("button", name="上传并匹配列"))
    session = ImportSession.objects.get()
    assert sup.url.endswith(f"/import/{session.pk}/")
    assert session.status == SessionStatus.MAPPING and session.project == project
    assert session.created_by == world.supervisor and session.file_name == "9号楼房屋.xlsx"
    # the guesses from the Chinese headers are right: accept them as they are
    for field, column in (("building", "A"), ("unit", "B"), ("number", "C"), ("floor", "D"), ("area", "E")):
        chosen = sup.locator(f"select[name={field}] option:checked").inner_text()
        assert chosen.startswith(f"{column} · "), (field, chosen)
    shots("import-mapping", sup)
    submit(sup, sup.get_by_role("button", name="开始校验"))
    session.refresh_from_db()
    assert session.status == SessionStatus.REVIEW
    assert (session.total_rows, session.error_rows) == (5, 2)
    assert not Room.objects.filter(building__number="9").exists()  # nothing written before the commit

    rows = {r.number: r for r in ImportRow.objects.filter(session=session)}
    bad_area, bad_number = rows[4], rows[5]
    assert set(bad_area.errors) == {"area"} and set(bad_number.errors) == {"number"}
    grid = sup.locator("#rows")
    assert "E列：" in grid.locator(f"#row-{bad_area.pk} .cell-error").inner_text()
    assert "C列：" in grid.locator(f"#row-{bad_number.pk} .cell-error").inner_text()
    expect(sup.locator("#error-count")).to_have_text("2 行有错误")
    shots("import-errors", sup)

    # fix the area in place: the cell becomes an input, the row is re-checked when saved
    row = sup.locator(f"#row-{bad_area.pk}")
    row.locator("a.link-danger").click()
    cell = row.locator("input[name=value]")
    expect(cell).to_have_value("约九十平")
    cell.fill("91.25")
    row.get_by_role("button", name="保存").click()
    expect(row.locator("input[name=value]")).to_have_count(0)  # the row was swapped back
    expect(row).not_to_have_class(re.compile("table-danger"))
    expect(row.locator(".cell-error")).to_have_count(0)
    expect(sup.locator("#error-count")).to_have_text("1 行有错误")  # the counts reload after the swap
    bad_area.refresh_from_db()
    assert bad_area.data["area"] == "91.25" and not bad_area.has_errors and bad_area.edited

    # skip the row whose room number is wrong
    row = sup.locator(f"#row-{bad_number.pk}")
    row.get_by_role("button", name="跳过").click()
    expect(row.get_by_role("button", name="取消跳过")).to_be_visible()
    expect(sup.locator("#error-count")).to_have_text("0 行有错误")
    bad_number.refresh_from_db()
    assert bad_number.skipped
    shots("import-fixed", sup)

    submit(sup, sup.locator("#commit-button"))
    session.refresh_from_db()
    assert session.status == SessionStatus.DONE and session.imported_rows == 4 and session.skipped_rows == 1
    assert "导入完成：4 行" in sup.locator(".alert-success").inner_text()
    shots("import-done", sup)

    new_rooms = Room.objects.exclude(pk__in=rooms_before)
    imported = {r.code: r for r in new_rooms}
    assert set(imported) == {"9-1-101", "9-1-102", "9-2-201", "9-2-202"}
    assert {code: r.area for code, r in imported.items()} == {
        "9-1-101": Decimal("89.50"),
        "9-1-102": Decimal("128.36"),
        "9-2-201": Decimal("91.25"),  # the corrected value
        "9-2-202": Decimal("95.20"),
    }
    assert all(r.project == project and r.state == RoomState.VACANT for r in imported.values())
    assert imported["9-1-102"].floor == 1 and imported["9-1-102"].layout == "三室两厅"
    building = Building.objects.get(project=project, number="9")
    assert set(Unit.objects.filter(building=building).values_list("number", flat=True)) == {"1", "2"}
    assert Room.objects.filter(building=building).count() == 4  # nothing from the skipped row
    assert not Room.objects.filter(number__contains="2-02").exists()
    assert not Occupancy.objects.filter(room__building=building).exists()
    room = imported["9-1-102"]

    # ---------------------------------------------------------------- 2. the family moves in
    desk = signed_in(browser, live_server, "cs")
    desk.goto(f"{live_server.url}/registrations/moveins/new/?room={room.pk}")
    assert desk.input_value("#id_room_code") == "9-1-102"
    desk.fill("#id_person_name", "周明")
    desk.fill("#id_person_phone", "139 1234 5678")
    desk.select_option("#id_relation", value="owner")
    assert desk.input_value("#id_move_in_on") == today.isoformat()
    submit(desk, desk.locator("#new-form").get_by_role("button", name="登记"))
    movein = MoveIn.objects.get(room=room)
    assert desk.url.endswith(f"/registrations/moveins/{movein.pk}/")
    assert movein.state == MoveInState.OPEN and movein.number.startswith("RZ")
    assert (movein.person_name, movein.person_phone, movein.relation) == ("周明", "13912345678", "owner")
    assert movein.created_by == world.cs
    assert "办结前还需" in desk.locator(".alert-warning").inner_text()
    assert desk.locator("#complete button[data-bs-target='#pane-complete']").is_disabled()

    # the documents: every mandatory one checked
    mandatory = movein.checks.filter(mandatory=True)
    assert mandatory.count() >= 1
    for check in mandatory.order_by("position"):
        item = desk.locator("#check li").filter(has_text=check.label)
        submit(desk, item.get_by_role("button", name="已核验"))
        expect(
            desk.locator("#check li").filter(has_text=check.label).get_by_role("button", name="撤销")
        ).to_be_visible()
    assert not movein.checks.filter(mandatory=True, checked_at__isnull=True).exists()
    assert movein.checks.filter(checked_by=world.cs).count() == mandatory.count()

    pane = open_pane(desk, desk.get_by_role("button", name="登记预交费用"), "#pane-fees")
    pane.locator("#id_fees_amount").fill("3600")
    pane.locator("#id_fees_months").fill("12")
    pane.locator("#id_fees_receipt").fill("SJ-2026-0088")
    submit(desk, pane.get_by_role("button", name="保存"))
    submit(desk, desk.get_by_role("button", name="业主已签署"))

    pane = open_pane(desk, desk.get_by_role("button", name="交付钥匙"), "#pane-key")
    pane.locator("#id_key_kind").select_option(index=0)
    pane.locator("#id_key_count").fill("3")
    pane.locator("#id_key_receiver").fill("周明")
    submit(desk, pane.get_by_role("button", name="保存"))

    pane = open_pane(
        desk, desk.locator("#inspect .card-header").get_by_role("button", name="验房完成"), "#pane-inspect"
    )
    pane.locator("#id_inspect_note").fill("与业主一同验房，主卧窗户密封条脱落，其余正常。")
    submit(desk, pane.get_by_role("button", name="验房完成"))
    pane = open_pane(desk, desk.locator("#inspect .card-header").get_by_role("button", name="记录缺陷"), "#pane-defect")
    pane.locator("#id_defect_location").fill("主卧窗户")
    pane.locator("#id_defect_description").fill("窗户密封条脱落，关窗漏风")
    submit(desk, pane.get_by_role("button", name="记录缺陷"))
    defect = Defect.objects.get(movein=movein)
    assert defect.request is None
    shots("movein-inspected", desk)

    submit(desk, desk.locator("#defects").get_by_role("button", name="转报修"))
    defect.refresh_from_db()
    sr = defect.request
    assert sr is not None and sr.room == room and sr.project == project
    assert (sr.kind, sr.channel, sr.paid) == (RequestKind.REPAIR, Channel.WALK_IN, False)
    assert sr.receiver == world.cs and sr.title == "收楼验房：主卧窗户"
    assert ServiceRequest.objects.filter(room=room).count() == 1
    link = desk.locator("#defects a")
    assert link.inner_text() == sr.number and link.get_attribute("href") == f"/requests/{sr.pk}/"

    movein.refresh_from_db()
    assert movein.fees_amount == Decimal("3600.00") and movein.fees_months == 12
    assert movein.fees_receipt == "SJ-2026-0088" and movein.rules_signed_at is not None
    assert movein.inspected_at is not None and movein.inspected_by == world.cs
    assert list(MoveInKey.objects.filter(movein=movein).values_list("count", "receiver")) == [(3, "周明")]
    assert room_state(room) == RoomState.VACANT and not Occupancy.objects.filter(room=room).exists()

    expect(desk.locator(".alert-warning")).to_have_count(0)  # nothing missing any more
    pane = open_pane(desk, desk.locator("#complete button[data-bs-target='#pane-complete']"), "#pane-complete")
    submit(desk, pane.get_by_role("button", name="办结入住"))
    movein.refresh_from_db()
    assert movein.state == MoveInState.COMPLETED and movein.completed_by == world.cs
    assert room_state(room) == RoomState.OCCUPIED
    owner = Occupancy.objects.get(room=room)
    assert (owner.relation, owner.start, owner.end) == (Relation.OWNER, today, None)
    assert (owner.resident.name, owner.resident.phone, owner.resident.project) == ("周明", "13912345678", project)
    assert movein.resident == owner.resident and movein.occupancy == owner
    shots("movein-completed", desk)

    # the move-in registers one person; the spouse is added on the household page
    desk.goto(f"{live_server.url}/estate/rooms/{room.pk}/")
    pane = open_pane(desk, desk.locator("#people").get_by_role("button", name="新增人员"), "#pane-person")
    pane.locator("#id_person-name").fill("李芳")  # the pane's form is fetched by htmx when opened
    pane.locator("#id_person-phone").fill("13712345678")
    pane.locator("#id_person-relation").select_option(value=Relation.FAMILY)
    pane.locator("#id_person-start").fill(today.isoformat())
    submit(desk, pane.get_by_role("button", name="添加"))
    occupancies = Occupancy.objects.filter(room=room).select_related("resident").order_by("id")
    assert [(o.resident.name, o.relation, o.end) for o in occupancies] == [
        ("周明", Relation.OWNER, None),
        ("李芳", Relation.FAMILY, None),
    ]
    assert Resident.objects.get(name="李芳").phone == "13712345678"
    people = desk.locator("#people tbody").inner_text()
    assert "周明" in people and "李芳" in people and "家庭成员" in people

    # ---------------------------------------------------------------- 3. the renovation
    desk.goto(f"{live_server.url}/renovation/new/")
    form = desk.locator("#apply-form")
    form.locator("#id_room_code").fill("9-1-102")
    form.locator("#id_scope").fill("厨卫改造，客厅铺木地板，主卧更换窗户")
    form.locator("#id_planned_start").fill(today.isoformat())
    form.locator("#id_planned_end").fill((today + timedelta(days=45)).isoformat())
    form.locator("#id_contractor_name").fill("杭州匠心装饰有限公司")
    form.locator("#id_contractor_licence").fill("91330106MA2XXXXX1K")
    form.locator("#id_contractor_person").fill("吴工")
    form.locator("#id_contractor_phone").fill("13600001111")
    form.locator("#id_drawings").set_input_files(str(drawing))
    shots("renovation-apply", desk)
    submit(desk, form.get_by_role("button", name="提交申请"))
    renovation = Renovation.objects.get(room=room)
    assert desk.url.endswith(f"/renovation/{renovation.pk}/")
    assert renovation.state == RenovationState.SUBMITTED and renovation.number.startswith("ZXSQ")
    assert renovation.owner == owner.resident and renovation.owner_name == "周明"
    assert renovation.submitted_by == world.cs and not renovation.by_resident
    drawings = RenovationFile.objects.filter(renovation=renovation, kind=FileKind.DRAWING)
    assert [(f.name, f.content_type) for f in drawings] == [("平面图.png", "image/png")]
    assert desk.locator("#drawings img").count() == 1
    assert room_state(room) == RoomState.OCCUPIED

    review = signed_in(browser, live_server, "sup")
    review.goto(f"{live_server.url}/renovation/{renovation.pk}/")
    pane = open_pane(review, review.locator("#btn-approve"), "#pane-approve")
    deposit_due = Decimal(pane.locator("#approve-deposit").input_value())
    fee_due = Decimal(pane.locator("#approve-fee").input_value())
    assert (deposit_due, fee_due) == fees_for(renovation)  # the project's deposit; area × price per m²
    assert deposit_due > 0 and fee_due > 0
    pane.locator("#approve-note").fill("图纸齐全，不涉及承重结构，同意。")
    shots("renovation-review", review)
    submit(review, pane.locator("button[name=submit-approve]"))
    renovation.refresh_from_db()
    assert renovation.state == RenovationState.APPROVED and renovation.reviewed_by == world.supervisor
    assert (renovation.deposit_due, renovation.fee_due) == (deposit_due, fee_due)
    assert renovation.review_note == "图纸齐全，不涉及承重结构，同意。"

    desk.goto(f"{live_server.url}/renovation/{renovation.pk}/")
    act(
        desk,
        "pay",
        fill={"#pay-amount": str(deposit_due), "#pay-receipt_number": "YJ-0001"},
        select={"#pay-kind": FeeKind.DEPOSIT},
    )
    assert renovation_state(renovation) == RenovationState.APPROVED  # the fee is still owed
    act(
        desk,
        "pay",
        fill={"#pay-amount": str(fee_due), "#pay-receipt_number": "GLF-0001"},
        select={"#pay-kind": FeeKind.MANAGEMENT},
    )
    assert renovation_state(renovation) == RenovationState.PAID
    payments = Payment.objects.filter(renovation=renovation).order_by("id")
    assert [(p.kind, p.amount, p.receipt_number, p.recorded_by) for p in payments] == [
        (FeeKind.DEPOSIT, deposit_due, "YJ-0001", world.cs),
        (FeeKind.MANAGEMENT, fee_due, "GLF-0001", world.cs),
    ]
    assert room_state(room) == RoomState.OCCUPIED

    act(desk, "permit", fill={"#permit-note": "许可证已张贴于入户门"})
    renovation.refresh_from_db()
    assert renovation.state == RenovationState.IN_PROGRESS and renovation.permit_number.startswith("ZXXK")
    assert renovation.permit_issued_by == world.cs
    assert room_state(room) == RoomState.RENOVATING
    assert renovation.permit_number in desk.locator("#permit-link").inner_text()
    shots("renovation-permit", desk)

    tech = signed_in(browser, live_server, "tech", mobile=True)
    tech.goto(f"{live_server.url}/renovation/{renovation.pk}/inspect/")
    inspect = tech.locator("#inspect-form")
    assert inspect.locator("#result-passed").is_checked()
    inspect.locator("#id_note").fill("水电改造完成，线管走向与图纸一致。")
    shots("renovation-inspect-phone", tech)
    submit(tech, inspect.get_by_role("button", name="保存巡查记录"))
    visit = Inspection.objects.get(renovation=renovation)
    assert (visit.result, visit.is_final, visit.inspector) == (InspectionResult.PASSED, False, world.tech)
    assert visit.inspected_on == today and not visit.violations.exists()
    assert renovation_state(renovation) == RenovationState.IN_PROGRESS
    assert room_state(room) == RoomState.RENOVATING

    assert tech.url.endswith(f"/renovation/{renovation.pk}/")
    act(tech, "accept", fill={"#accept-note": "竣工验收合格。"})
    renovation.refresh_from_db()
    assert renovation.state == RenovationState.ACCEPTED and renovation.accepted_at is not None
    assert renovation.refund_due_on is not None and renovation.refund_due_on > today
    final = Inspection.objects.get(renovation=renovation, is_final=True)
    assert (final.result, final.inspector, final.note) == (InspectionResult.PASSED, world.tech, "竣工验收合格。")
    assert room_state(room) == RoomState.OCCUPIED
    assert "已验收" in tech.locator("#state-badge").inner_text()
    shots("renovation-accepted", tech)

    # ---------------------------------------------------------------- 4. the household page
    desk.goto(f"{live_server.url}/estate/rooms/{room.pk}/")
    assert "已入住" in desk.locator("h1 ~ .badge.text-bg-info").inner_text()
    timeline = desk.locator("#timeline")
    text = timeline.inner_text()
    for expected in (
        f"入住登记 {movein.number}：周明",
        f"{sr.number} 收楼验房：主卧窗户",
        f"提交申请 · {renovation.number}",
        f"批准 · {renovation.number}",
        f"发放装修许可证 · {renovation.number}",
        f"装修巡查 · {renovation.number}",
        f"竣工验收 · {renovation.number}",
    ):
        assert expected in text, expected
    # newest first: the acceptance on top, the move-in at the bottom
    assert text.index(f"竣工验收 · {renovation.number}") < text.index(f"提交申请 · {renovation.number}")
    assert text.index(f"提交申请 · {renovation.number}") < text.index(movein.number)
    hrefs = [a.get_attribute("href") for a in timeline.locator("li a").all()]
    assert f"/registrations/moveins/{movein.pk}/" in hrefs
    assert f"/requests/{sr.pk}/" in hrefs
    assert f"/renovation/{renovation.pk}/" in hrefs
    shots("household-timeline", desk)

    with desk.expect_navigation():  # the source filter: only the renovation's entries
        timeline.get_by_role("link", name="装修", exact=True).click()
    filtered = desk.locator("#timeline").inner_text()
    assert f"竣工验收 · {renovation.number}" in filtered
    assert movein.number not in filtered and sr.number not in filtered

    # nothing else was made on the way: one request, one move-in, one renovation for this room
    assert ServiceRequest.objects.filter(room=room).count() == 1
    assert MoveIn.objects.filter(room=room).count() == 1 and Renovation.objects.filter(room=room).count() == 1
    for page in (sup, desk, review, tech):
        page.context.close()
