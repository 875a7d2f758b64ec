"""The money side in a real browser: finance runs a month's billing (preview, start, the progress bar
polling until the worker has billed every room); the desk takes a cash payment on a household's
account and prints the receipt, and a simulated online payment (the payer page plays the resident
and the gateway's signed callback posts it); finance reverses the cash payment with a reason; the
cashier closes the day, handing it to finance with a signature."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.choices import BillState, DayState, EntryKind, EntryState, Method, RunState
from billing.models import Bill, BillingRun, CashierDay, Entry
from billing.services import billing_run_execute
from billing.tests.books import check_books
from billing.tests.conftest import Fees
from tests.browser.test_journey import signed_in
from tests.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page, locator):
    with page.expect_navigation():
        locator.click()


def test_billing_journey(browser, live_server, shots, settings, monkeypatch):
    settings.BILLING_SIMULATED_PAYMENTS = True
    # the worker is this test: a started run waits on the queue until the test bills it
    queued = []
    monkeypatch.setattr("billing.services.runs._enqueue", queued.append)
    world = World()
    Fees(world)
    month = timezone.localdate().replace(day=1)

    # ---------------------------------------------------------------- 1. a month's billing run
    fin = signed_in(browser, live_server, "fin")
    fin.goto(f"{live_server.url}/billing/runs/")
    submit(fin, fin.locator("#new-run"))
    fin.select_option("#id_project", label="翠湖花园")
    fin.fill("#id_period", f"{month:%Y-%m}")
    submit(fin, fin.locator("#preview"))
    expect(fin.locator("#preview-billed")).to_have_text("2")
    expect(fin.locator("#preview-total")).to_have_text("500.00")
    shots("preview", fin)
    assert not Bill.objects.exists()
    submit(fin, fin.locator("#start-run"))
    run = BillingRun.objects.get()
    assert queued == [run.pk] and run.state == RunState.QUEUED
    expect(fin.locator("#progress .progress")).to_be_visible()
    expect(fin.locator("#progress")).to_contain_text("0 / 2")
    shots("progress", fin)
    billing_run_execute(run_id=run.pk)  # the worker bills the rooms; the page polls and reloads
    expect(fin.locator("#bills-created")).to_have_text("2", timeout=15_000)
    expect(fin.locator("#run-state")).to_have_text("已出账")
    shots("run-done", fin)

    # ---------------------------------------------------------------- 2. a cash payment, its receipt
    cs = signed_in(browser, live_server, "cs")
    cs.goto(f"{live_server.url}/estate/rooms/{world.room.pk}/")
    expect(cs.locator("#account")).to_contain_text("250.00")
    submit(cs, cs.locator("#account a").first)
    expect(cs.locator("#owed")).to_have_text("250.00")
    cs.fill("#id_amount", "250")
    cs.fill("#id_payer_name", "张三")
    submit(cs, cs.locator("#pay-submit"))
    expect(cs.locator("#receipt-ready")).to_be_visible()
    expect(cs.locator("#owed")).to_have_text("0.00")
    cash = Entry.objects.get(method=Method.CASH)
    assert Bill.objects.get(room=world.room).state == BillState.PAID
    receipt = cs.request.get(live_server.url + cs.locator("#print-receipt").get_attribute("href"))
    assert receipt.status == 200 and receipt.headers["content-type"] == "application/pdf"
    assert receipt.body().startswith(b"%PDF")
    shots("paid", cs)

    # ---------------------------------------------------------------- 3. a simulated online payment
    cs.goto(f"{live_server.url}/billing/account/{world.room2.pk}/")
    cs.fill("#id_amount", "250")
    cs.select_option("#id_method", value=Method.ALIPAY)
    submit(cs, cs.locator("#pay-submit"))
    expect(cs.locator("#sim-amount")).to_have_text("250.00")
    shots("payer-page", cs)
    submit(cs, cs.locator("#sim-confirm"))
    expect(cs.locator("#receipt-ready")).to_be_visible()
    online = Entry.objects.get(method=Method.ALIPAY)
    assert online.state == EntryState.POSTED and Bill.objects.get(room=world.room2).state == BillState.PAID

    # ---------------------------------------------------------------- 4. finance reverses the cash payment
    fin.goto(f"{live_server.url}/billing/account/{world.room.pk}/")
    form = fin.locator(f"#reverse-{cash.pk}")
    expect(form.locator("input[name=reverse-reason]")).to_be_hidden()  # folded until asked for
    form.locator("summary").focus()
    fin.keyboard.press("Enter")  # the keyboard opens it
    expect(form.locator("input[name=reverse-reason]")).to_be_visible()
    form.locator("input[name=reverse-reason]").fill("收错房号")
    submit(fin, form.locator("button"))
    expect(fin.locator("#owed")).to_have_text("250.00")
    reversal = Entry.objects.get(kind=EntryKind.REVERSAL)
    assert reversal.reverses == cash and reversal.amount_fen == -25000
    shots("reversed", fin)

    # ---------------------------------------------------------------- 5. the cashier closes the day
    cs.goto(f"{live_server.url}/billing/cashier/")
    day = CashierDay.objects.get(cashier=world.cs, day=timezone.localdate())
    expect(cs.locator("#day-totals")).to_contain_text("250.00")
    cs.select_option(f"#id_d{day.pk}-handed_to", label=world.finance.name)
    cs.fill(f"#id_d{day.pk}-signature", "王丽")
    submit(cs, cs.locator("#close-day"))
    day.refresh_from_db()
    assert day.state == DayState.CLOSED and day.net_fen == 25000 and day.handed_to == world.finance
    expect(cs.locator("body")).to_contain_text("已日结")
    shots("day-closed", cs)
    check_books()
