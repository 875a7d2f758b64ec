"""A resident on a 390 px phone pays their bills (issues 13 and 14): signs in with a code, sees the
bill due on the home page, pays online through the simulated gateway (its signed callback posts the
payment), sees the bills paid and opens the receipt PDF. No page scrolls sideways."""

import re
from datetime import date

import pytest

from billing.choices import BillState, EntryState
from billing.models import Bill, Entry
from billing.tests.conftest import Fees, make_bill
from portal.models import DevOutbox
from tests.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def test_resident_pays_the_bill_due_online_and_opens_the_receipt(browser, live_server, shots, settings):
    settings.BILLING_SIMULATED_PAYMENTS = True
    world = World()
    Fees(world)
    older = make_bill(world.room, 25000, start=date(2026, 1, 1))
    newer = make_bill(world.room, 12000, start=date(2026, 2, 1))

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/my/")
    page.fill("#id_phone", "13812345678")
    page.click("button[type=submit]")
    page.wait_for_selector("#id_code")
    code = re.search(r"\d{6}", DevOutbox.objects.get(phone="13812345678").text).group()
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.click("button[type=submit]")

    # home: the bill due, with its amount and a pay link
    card = page.locator("#bill-due")
    assert "370.00" in card.inner_text()
    no_sideways_scroll(page)
    shots("home-bill-due", page)
    with page.expect_navigation():
        card.locator("a").click()

    # the bills: both open ones picked by default, oldest first
    assert page.locator("input[name=bills]:checked").count() == 2
    assert "370.00" in page.locator("#owed").inner_text()
    no_sideways_scroll(page)
    shots("bills", page)
    with page.expect_navigation():
        page.click("#pay")

    # the simulated gateway's page: pay
    assert "370.00" in page.locator("#sim-amount").inner_text()
    no_sideways_scroll(page)
    shots("gateway", page)
    with page.expect_navigation():
        page.click("#sim-confirm")

    # back on the result page: paid, with the receipt
    assert "缴费成功" in page.locator("#result").inner_text()
    entry = Entry.objects.get(paid_by=world.resident_user)
    assert entry.state == EntryState.POSTED and entry.amount_fen == 37000
    assert {b.state for b in Bill.objects.filter(pk__in=[older.pk, newer.pk])} == {BillState.PAID}
    no_sideways_scroll(page)
    shots("paid", page)
    href = page.locator("#receipt").get_attribute("href")
    receipt = context.request.get(f"{live_server.url}{href}")
    assert receipt.status == 200 and receipt.headers["content-type"] == "application/pdf"
    assert receipt.body()[:5] == b"%PDF-"

    # nothing due any more on home
    page.goto(f"{live_server.url}/my/")
    assert page.locator("#bill-due").count() == 0
    context.close()
