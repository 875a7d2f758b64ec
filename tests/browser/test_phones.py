"""The phone pages at 390 px (an iPhone 12-15's width): the technician's job list, the guard's gate
and a pass waiting for the owner, the patrol's point page. Each must fit the width (no sideways
scrolling) and no action button may be under 44 px tall (a thumb). The gate's scanner reads a real
QR code: from a photo, and from a (fake) camera stream."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from core.choices import DepartmentKind
from core.models import RevealLog
from desk import services as desk_services
from desk.choices import Kind, Severity, State
from desk.models import ServiceRequest
from frontdesk import services as front_services
from frontdesk.choices import PassState
from frontdesk.models import GoodsPass
from frontdesk.services import PassApplication
from safety import services as safety_services
from safety.choices import StopState
from safety.models import CheckPoint, Route
from tests.browser.conftest import CHROMIUM, FLAGS
from tests.browser.test_journey import signed_in
from tests.factories import World, make_resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QR = Path(__file__).parent / "files" / "qr-246810.png"  # a QR code holding "246810"
CODE = "246810"
MIN_TAP = 44

FITS = """(MIN_TAP) => {
  const doc = document.scrollingElement;
  const shown = el => el.offsetParent !== null && getComputedStyle(el).visibility !== "hidden";
  const buttons = [...document.querySelectorAll("main .btn, main button, main input[type=submit]")].filter(shown);
  return {
    scrollWidth: doc.scrollWidth,
    clientWidth: doc.clientWidth,
    buttons: buttons.length,
    small: buttons.map(b => ({text: (b.innerText || b.getAttribute("aria-label") || b.className).trim().slice(0, 40),
                             height: b.getBoundingClientRect().height}))
                  .filter(b => b.height < MIN_TAP),
  };
}"""


def assert_fits(page, shots=None, name=""):
    if shots:
        shots(name, page)
    got = page.evaluate(FITS, MIN_TAP)
    assert got["scrollWidth"] <= got["clientWidth"], f"{name}: scrolls sideways {got}"
    assert got["buttons"] > 0
    assert got["small"] == [], f"{name}: buttons under {MIN_TAP} px: {got['small']}"


def assert_full_width(page, selector, within=".card-body"):
    """Every visible button in `selector` as wide as the content of the box around it (on a phone)."""
    widths = page.evaluate(
        """([sel, within]) => [...document.querySelectorAll(sel)].filter(b => b.offsetParent !== null).map(b => {
             const around = b.closest(within), box = around.getBoundingClientRect(), style = getComputedStyle(around);
             const inner = box.width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
             return [b.innerText.trim(), b.getBoundingClientRect().width, inner];
           })""",
        [selector, within],
    )
    assert widths
    for text, width, inner in widths:
        assert width >= inner - 1, f"{text}: {width} of {inner}"


# ------------------------------------------------------------------ the technician


def test_the_technicians_jobs_fit_a_phone_and_keep_their_place(browser, live_server, shots):
    world = World()
    now = timezone.now()
    jobs = []
    for i, (title, minutes) in enumerate(
        [("楼道灯不亮", 300), ("水管爆裂", -20), ("门禁坏了", 50), ("墙面渗水", 2000)]
    ):
        sr = world.register(
            kind=Kind.REPAIR,
            title=title,
            description=f"第一行说明{i}：" + "很长的说明文字" * 12 + "\n第二行不显示",
            caller_name="张三",
            caller_phone="13812345678",
            severity=Severity.URGENT if minutes < 0 else Severity.GENERAL,
            room_id=world.room.pk if i % 2 == 0 else None,
            location="" if i % 2 == 0 else "地下车库B区",
        )
        desk_services.request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
        ServiceRequest.objects.filter(pk=sr.pk).update(due_at=now + timedelta(minutes=minutes))
        jobs.append(sr)
    # one already under way, so the card offers resolve (with the photo picker), pause and return
    desk_services.request_accept(actor=world.tech, request=ServiceRequest.objects.get(pk=jobs[3].pk))
    desk_services.request_arrive(actor=world.tech, request=ServiceRequest.objects.get(pk=jobs[3].pk))

    tech = signed_in(browser, live_server, "tech", mobile=True)
    tech.goto(f"{live_server.url}/jobs/")
    order = tech.eval_on_selector_all(".job-card", "cards => cards.map(c => c.id)")
    assert order == [f"job-{jobs[i].pk}" for i in (1, 2, 0, 3)]  # nearest deadline first
    first = tech.locator(f"#job-{jobs[1].pk}")
    assert "超时" in first.locator(".job-due").inner_text()
    assert "第一行说明1" in first.locator(".job-head").inner_text()
    assert "第二行" not in first.inner_text()
    assert "地下车库B区" in first.locator(".job-place").inner_text()
    assert_fits(tech, shots, "jobs")
    assert_full_width(tech, ".pd-actions > .btn, .pd-actions form .btn")

    # the resolve pane: result, paid, gallery and camera pickers, its submit button full width
    last = tech.locator(f"#job-{jobs[3].pk}")
    last.locator(f"button[data-bs-target='#job-{jobs[3].pk}-resolve']").click()
    form = last.locator("#form-resolve")
    form.wait_for(state="visible")
    tech.wait_for_timeout(400)
    assert form.locator("input[type=file]:not([capture])").count() == 1
    assert form.locator("input[type=file][capture=environment]").count() == 1
    assert_fits(tech, shots, "jobs-resolve-open")
    assert_full_width(tech, "#form-resolve button[type=submit]", within="form")

    # an action on a card far down the page returns to that card
    card = tech.locator(f"#job-{jobs[0].pk}")
    with tech.expect_navigation():
        card.locator("button[name=submit-accept]").click()
    assert tech.url.endswith(f"/jobs/#job-{jobs[0].pk}")
    assert ServiceRequest.objects.get(pk=jobs[0].pk).state == State.ACCEPTED
    # the card comes to the top of the screen (the browser scrolls to #job-<id> as the page settles)
    tech.wait_for_function(
        "id => { const top = document.getElementById(id).getBoundingClientRect().top; return top >= 0 && top < 200; }",
        arg=f"job-{jobs[0].pk}",
        timeout=5000,
    )
    assert tech.evaluate("window.scrollY") > 300  # not the page's beginning
    shots("jobs-after-accept", tech)

    # the call button: the number is not on the page; the tap logs the reveal and rings tel:
    assert "13812345678" not in tech.content()
    with tech.expect_response(lambda r: r.url.endswith(f"/requests/{jobs[0].pk}/call/")) as call:
        tech.locator(f"#job-{jobs[0].pk} .pd-call").click()
    assert call.value.status == 302 and call.value.headers["location"] == "tel:13812345678"
    assert RevealLog.objects.filter(user=world.tech, object_id=str(jobs[0].pk)).count() == 1


# ------------------------------------------------------------------ the gate


def goods_pass_waiting_for_the_owner(world) -> GoodsPass:
    tenant = make_resident(world.room, "租客小王", "13500001111", relation="tenant")
    gp = front_services.goods_pass_apply(
        actor=world.cs,
        data=PassApplication(
            room_id=world.room.pk,
            valid_on=timezone.localdate(),
            carrier_name="搬家师傅",
            carrier_id_number="11010519491231002X",
            items=[("沙发", 1), ("纸箱", 5)],
            applicant_id=tenant.pk,
            authorised_via="phone",
        ),
    )
    assert gp.state == PassState.AWAITING_OWNER
    GoodsPass.objects.filter(pk=gp.pk).update(code=CODE)  # the code the QR code in files/ holds
    return gp


def test_the_gate_fits_a_phone_focuses_the_code_and_scans_a_photo_without_a_camera(browser, live_server, shots):
    world = World()
    gp = goods_pass_waiting_for_the_owner(world)
    guard = signed_in(browser, live_server, "guard", mobile=True)
    guard.goto(f"{live_server.url}/frontdesk/gate/")
    assert guard.evaluate("document.activeElement.id") == "visit-code"
    scan = guard.locator("[data-scan-for=pass-code]")
    scan.wait_for(state="visible")  # the reader loaded from our own static files
    assert_fits(guard, shots, "gate")

    # typing the code by hand opens the pass
    guard.fill("#pass-code", CODE)
    with guard.expect_navigation(url=f"**/frontdesk/passes/{gp.pk}/"):
        guard.press("#pass-code", "Enter")
    guard.goto(f"{live_server.url}/frontdesk/gate/")

    # no camera here (headless, no device): the page says so and offers a photo; typing still works
    scan.click()
    note = guard.locator("#scan-panel [data-scan-note]")
    guard.wait_for_function("() => document.querySelector('#scan-panel [data-scan-note]').className.includes('danger')")
    assert "拍照识别" in note.inner_text() and "输入" in note.inner_text()
    assert_fits(guard, shots, "gate-no-camera")

    # a photo of the pass's QR code fills the field and opens the pass
    with guard.expect_navigation(url=f"**/frontdesk/passes/{gp.pk}/"):
        guard.set_input_files("#scan-photo", str(QR))
    assert guard.locator("#pass-owners").is_visible()
    owners = guard.locator("#pass-owners").inner_text()
    assert "张三" in owners and "13812345678" not in guard.content()
    assert_fits(guard, shots, "pass-waiting-for-owner")
    assert_full_width(guard, "#pass-owners .btn")
    # last: a tel: link leaves the headless browser waiting on a dialer it does not have
    with guard.expect_response(lambda r: "/call/" in r.url) as call:
        guard.locator("#pass-owners .pd-call").first.click()
    assert call.value.headers["location"] == "tel:13812345678"
    assert RevealLog.objects.filter(user=world.guard, object_type="estate.Resident").count() == 1


def y4m_of(png: Path, path: Path, frames: int = 10) -> Path:
    """A short grey video of the image, centred on white, as Chrome's fake camera reads it (Y4M)."""
    width, height = 640, 480
    image = Image.open(png).convert("L")
    canvas = Image.new("L", (width, height), 255)
    canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
    luma = canvas.tobytes()
    chroma = bytes([128]) * (width * height // 4)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


def test_the_gate_scans_a_qr_code_with_the_camera(browser, live_server, tmp_path, shots):
    """Chrome's fake camera shows the QR code: the live scanner reads it and opens the pass."""
    world = World()
    gp = goods_pass_waiting_for_the_owner(world)
    video = y4m_of(QR, tmp_path / "qr.y4m")
    flags = [
        *FLAGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    camera_browser = browser.browser_type.launch(executable_path=CHROMIUM, args=flags)
    try:
        guard = signed_in(camera_browser, live_server, "guard", mobile=True)
        guard.context.grant_permissions(["camera"], origin=live_server.url)
        guard.goto(f"{live_server.url}/frontdesk/gate/")
        with guard.expect_navigation(url=f"**/frontdesk/passes/{gp.pk}/", timeout=30_000):
            guard.locator("[data-scan-for=pass-code]").click()
        assert "张三" in guard.locator("#pass-owners").inner_text()
        shots("scanned-with-camera", guard)
    finally:
        camera_browser.close()


# ------------------------------------------------------------------ the patrol


def test_the_patrol_point_fits_a_phone_and_all_normal_takes_one_tap(browser, live_server, shots):
    world = World()
    points = [
        safety_services.point_save(
            actor=world.supervisor,
            point=CheckPoint(
                project=world.project,
                code=code,
                name=name,
                kind="fire",
                place="1号楼一楼大堂东侧消防通道入口处",
                checklist="消防通道畅通｜消防通道堵塞\n应急灯亮｜应急灯不亮\n灭火器压力正常",
            ),
        )
        for code, name in (("E01", "1号楼安全出口"), ("E02", "2号楼安全出口"))
    ]
    route = safety_services.route_save(
        actor=world.supervisor,
        route=Route(project=world.project, name="白班消防巡查", department=world.dept[DepartmentKind.SECURITY]),
        points=points,
    )
    run = safety_services.run_start(actor=world.guard, route=route)
    first, second = run.stops.order_by("order", "id")

    guard = signed_in(browser, live_server, "guard", mobile=True)
    guard.goto(f"{live_server.url}/safety/p/{world.project.pk}/E01/")  # the point card's address
    assert guard.url.endswith(f"#stop-{first.pk}")
    assert_fits(guard, shots, "patrol-point")

    with guard.expect_navigation():
        guard.locator(f"#stop-{first.pk} .all-normal button").click()
    first.refresh_from_db()
    assert first.state == StopState.DONE and all(r["ok"] for r in first.results) and len(first.results) == 3
    assert guard.url.endswith(f"#stop-{second.pk}")  # on to the next point

    # the next point has a problem: the page says the problem, not the check's normal text
    guard.locator(f"#stop-{second.pk} label[for=s{second.pk}-0-bad]").click()
    guard.fill(f"#stop-{second.pk} input[name=note-0]", "堆放纸箱")
    guard.locator(f"#stop-{second.pk} label[for=s{second.pk}-1-ok]").click()
    guard.locator(f"#stop-{second.pk} label[for=s{second.pk}-2-ok]").click()
    assert_fits(guard, shots, "patrol-point-form")
    with guard.expect_navigation():
        guard.locator(f"#stop-{second.pk} .check-form button:not([type=button])").last.click()
    results = guard.locator(f"#stop-{second.pk} .stop-results").inner_text()
    assert "消防通道堵塞" in results and "消防通道畅通" not in results
    assert "消防通道堵塞 — 堆放纸箱" in guard.locator(f"#stop-{second.pk} .finding").inner_text()
    assert_fits(guard, shots, "patrol-point-problem")
