"""The desk's core journey in a real browser: a phone complaint registered, dispatched,
accepted, resolved with a photo, return-visited as unsatisfied (reopened), resolved again,
return-visited as satisfied, closed."""

import io

import pytest
from PIL import Image

from desk.choices import Action, State
from desk.models import Attachment, RequestEvent, ServiceRequest
from tests.factories import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 60)).save(buf, format="PNG")
    return buf.getvalue()


def signed_in(browser, live_server, username, *, mobile=False):
    viewport = {"width": 390, "height": 844} if mobile else {"width": 1366, "height": 900}
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page


def act(page, action, fill=None):
    """Open an action's pane on the request page, fill it, submit it."""
    page.click(f"#btn-{action}")
    form = page.locator(f"#form-{action}")
    form.wait_for(state="visible")
    for selector, value in (fill or {}).items():
        field = form.locator(selector)
        if selector.startswith("select"):
            field.select_option(label=value)
        elif "rating" in selector:
            form.locator(f"label[for^='{action}-rating-{value}']").click()
            assert form.locator(f"input[name=rating][value={value}]").is_checked()
        else:
            field.fill(value)
    button = form.locator(f"button[name=submit-{action}]")
    button.scroll_into_view_if_needed()
    page.wait_for_timeout(400)  # let Bootstrap's collapse finish moving the pane
    with page.expect_navigation():  # wait for the POST and its redirect, not just the old page
        button.click()


def state_of(pk) -> int:
    return ServiceRequest.objects.values_list("state", flat=True).get(pk=pk)


def test_phone_complaint_to_closed_with_unsatisfied_visit(browser, live_server, shots, tmp_path):
    world = World()
    photo = tmp_path / "leak.png"
    photo.write_bytes(png_bytes())

    desk = signed_in(browser, live_server, "cs")
    desk.goto(f"{live_server.url}/requests/new/")
    desk.fill("#lookup", "3-2-1502")
    desk.locator("#lookup-results [data-room]").first.wait_for()
    shots("lookup", desk)
    desk.keyboard.press("Enter")
    desk.locator("#household-card").wait_for()
    assert "张三" in desk.locator("#household-card").inner_text()
    assert desk.input_value("#id_caller_name") == "张三"
    desk.check("#kind-complaint", force=True)
    desk.fill("#id_title", "楼上漏水")
    desk.fill("#id_description", "卫生间天花板滴水，已持续两天。")
    desk.fill("#category-input", "设施")  # the category's type-ahead
    desk.keyboard.press("Enter")
    assert desk.input_value("#category-input") == "设施设备"
    shots("intake-filled", desk)
    with desk.expect_navigation():
        desk.click("button[name=dispatch_next]")
    sr = ServiceRequest.objects.get(title="楼上漏水")
    assert desk.url.endswith(f"/requests/{sr.pk}/")
    assert sr.state == State.REGISTERED and sr.receiver == world.cs and sr.room == world.room
    assert sr.number.startswith("TS")

    act(
        desk, "dispatch", {"select[name=assignee]": "孙师傅（工程部）· 在办 0 · 超时 0"}
    )  # 工程部: the category's, preselected
    shots("dispatched", desk)
    assert state_of(sr.pk) == State.DISPATCHED

    tech = signed_in(browser, live_server, "tech", mobile=True)
    tech.goto(f"{live_server.url}/jobs/")
    card = tech.locator(f"#job-{sr.pk}")
    assert "楼上漏水" in card.inner_text()
    shots("tech-jobs", tech)
    with tech.expect_navigation():
        card.locator("button[name=submit-accept]").click()
    with tech.expect_navigation():
        tech.locator(f"#job-{sr.pk} button[name=submit-arrive]").click()
    assert state_of(sr.pk) == State.IN_PROGRESS

    def resolve_on_phone(result_text):
        card = tech.locator(f"#job-{sr.pk}")
        card.locator(f"button[data-bs-target='#job-{sr.pk}-resolve']").click()
        form = card.locator("#form-resolve")
        form.wait_for(state="visible")
        form.locator("textarea[name=result]").fill(result_text)
        form.locator("input[type=file]:not([capture])").set_input_files(str(photo))  # the gallery picker
        tech.wait_for_timeout(400)  # let the pane finish opening before the screenshot
        shots("tech-resolve", tech)
        with tech.expect_navigation():
            form.locator("button[name=submit-resolve]").click()

    resolve_on_phone("更换了楼上卫生间的防水层。")
    assert state_of(sr.pk) == State.RESOLVED
    assert Attachment.objects.filter(request=sr, content_type="image/png").count() == 1

    desk.goto(f"{live_server.url}/requests/{sr.pk}/")
    assert desk.locator("#timeline img.thumb").count() == 1
    act(desk, "visit", {"rating": "C", "textarea[name=comment]": "还在滴水。"})
    shots("visited-unsatisfied", desk)
    assert state_of(sr.pk) == State.DISPATCHED
    assert "重开 1 次" in desk.locator("body").inner_text()

    tech.goto(f"{live_server.url}/jobs/")
    with tech.expect_navigation():
        tech.locator(f"#job-{sr.pk} button[name=submit-accept]").click()
    with tech.expect_navigation():
        tech.locator(f"#job-{sr.pk} button[name=submit-arrive]").click()
    resolve_on_phone("重新做了闭水试验，不再渗漏。")
    assert state_of(sr.pk) == State.RESOLVED

    desk.goto(f"{live_server.url}/requests/{sr.pk}/")
    act(desk, "visit", {"rating": "A"})
    assert state_of(sr.pk) == State.VISITED
    act(desk, "close")
    shots("closed", desk)
    assert state_of(sr.pk) == State.CLOSED
    assert "已结案" in desk.locator("#state-badge").inner_text()

    actions = list(RequestEvent.objects.filter(request=sr).values_list("action", flat=True))
    assert actions == [
        Action.REGISTER,
        Action.DISPATCH,
        Action.ACCEPT,
        Action.ARRIVE,
        Action.RESOLVE,
        Action.VISIT,
        Action.REOPEN,
        Action.ACCEPT,
        Action.ARRIVE,
        Action.RESOLVE,
        Action.VISIT,
        Action.CLOSE,
    ]
    assert Attachment.objects.filter(request=sr).count() == 2
    timeline_text = desk.locator("#timeline").inner_text()
    for label in ("登记", "派单", "接单", "完成", "回访", "重新打开", "结案"):
        assert label in timeline_text
