"""A resident on a 390 px phone (issue 14): signs in with a code read from the outbox, reports a
leak with a photo, follows it on the timeline as the desk dispatches it, rates it unsatisfied and
sees it reopen; invites a visitor and gets the QR image. No page scrolls sideways, at 390 or 360."""

import io
import re

import pytest
from PIL import Image

from desk.choices import Channel, State
from desk.models import ServiceRequest
from desk.services import request_accept, request_arrive, request_resolve
from portal.models import DevOutbox
from tests.browser.test_journey import act, signed_in
from tests.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def test_resident_reports_a_leak_and_follows_it(browser, live_server, shots, tmp_path):
    world = World()
    photo = tmp_path / "leak.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "navy").save(buf, "JPEG")
    photo.write_bytes(buf.getvalue())

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/my/")
    assert "/my/signin/" in page.url
    no_sideways_scroll(page)
    page.fill("#id_phone", "13812345678")
    page.click("button[type=submit]")
    page.wait_for_selector("#id_code")
    code = re.search(r"\d{6}", DevOutbox.objects.get(phone="13812345678").text).group()
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.rstrip("/").endswith("/my")
    no_sideways_scroll(page)
    shots("home", page)

    page.click("text=报修 / 投诉")
    page.fill("#id_title", "卫生间天花板漏水")
    page.fill("#id_description", "楼上渗水，滴到洗手台")
    page.set_input_files("#id_photos", str(photo))
    no_sideways_scroll(page)
    with page.expect_navigation():
        page.click("button[type=submit]")
    sr = ServiceRequest.objects.get()
    assert sr.channel == Channel.PORTAL and sr.state == State.REGISTERED and sr.attachments.count() == 1
    assert page.locator("#timeline").inner_text().count("物业已收到") == 1
    assert page.locator(".photos img").count() == 1
    no_sideways_scroll(page)
    shots("timeline", page)

    # the desk, in a browser of its own, dispatches it from the request page; the technician does the work
    desk = signed_in(browser, live_server, "cs")
    desk.goto(f"{live_server.url}/requests/{sr.pk}/")
    act(desk, "dispatch", {"select[name=assignee]": "孙师傅（工程部）· 在办 0 · 超时 0"})
    sr.refresh_from_db()
    assert sr.state == State.DISPATCHED and sr.assignee == world.tech
    desk.context.close()
    page.reload()
    assert "已派给" in page.locator("#timeline").inner_text() and "孙师傅" in page.locator("#timeline").inner_text()
    request_accept(actor=world.tech, request=sr)
    request_arrive(actor=world.tech, request=sr)
    request_resolve(actor=world.tech, request=sr, result="疏通了楼上地漏")
    page.reload()
    page.check("input[name=rating][value=C]")
    page.fill("#id_comment", "还在滴水")
    with page.expect_navigation():
        page.click("#rate button[type=submit]")
    sr.refresh_from_db()
    assert sr.state == State.DISPATCHED and sr.reopen_count == 1
    assert "重新处理" in page.locator("#timeline").inner_text()
    no_sideways_scroll(page)
    shots("reopened", page)

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/my/visitors/")
    page.fill("#id_name", "周先生")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator(".qr img").count() == 1
    page.wait_for_function("document.querySelector('.qr img').complete")
    assert page.evaluate("document.querySelector('.qr img').naturalWidth") > 0
    for path in ("/my/", "/my/requests/", "/my/home/", "/my/parcels/", "/my/visitors/", "/my/notices/"):
        page.goto(f"{live_server.url}{path}")
        no_sideways_scroll(page)
    shots("visitors-360", page)
    context.close()
