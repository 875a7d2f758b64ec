"""The cashier side's pages, as the cast meets them."""

import re
import shutil
import subprocess
from datetime import date

import pytest
from django.urls import reverse

from billing.choices import BillState, Cycle, DayState, EntryKind, EntryState, Method, RunState
from billing.gateway import SimulatedGateway
from billing.models import BillingRun, CashierDay, Entry, FeeRate, MeterReading
from billing.services import balance_refund, billing_run_execute, payment_post, payment_start_online
from billing.tests.books import check_books
from billing.tests.conftest import make_bill
from quality.tests.test_closeout import pdf_font_names

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def account_url(room):
    return reverse("billing:account", args=[room.pk])


def pay_data(amount="100.00", method=Method.CASH, key="k1", **extra):
    return {"amount": amount, "method": method, "key": key, "payer_name": "张三", "note": "", **extra}


# ---------------------------------------------------------------- the account page


def test_the_account_page_shows_bills_balance_and_the_payment_form(client, world, fees):
    make_bill(world.room, 10000, 2550)
    html = login(client, world.cs).get(account_url(world.room)).content.decode()
    assert "125.50" in html and 'id="pay-form"' in html and 'name="key"' in html
    assert 'class="once"' in html or "once" in html


def test_who_sees_an_account(client, world, fees):
    for user in (world.cs, world.supervisor, world.manager, world.pm, world.finance):
        assert login(client, user).get(account_url(world.room)).status_code == 200
    for user in (world.tech, world.guard, world.resident_user):
        assert login(client, user).get(account_url(world.room)).status_code == 403
    assert login(client, world.outsider).get(account_url(world.room)).status_code == 404
    assert login(client, world.cs).get(account_url(world.other_room)).status_code == 404
    client.logout()
    assert client.get(account_url(world.room)).status_code == 302


def test_taking_a_cash_payment_and_sending_the_form_twice_takes_it_once(client, world, fees):
    bill = make_bill(world.room, 10000)
    login(client, world.cs)
    response = client.post(reverse("billing:account-pay", args=[world.room.pk]), pay_data("100"))
    entry = Entry.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"?receipt={entry.pk}")
    again = client.post(reverse("billing:account-pay", args=[world.room.pk]), pay_data("100"), follow=True)
    assert "没有重复收款" in again.content.decode()
    assert Entry.objects.count() == 1
    bill.refresh_from_db()
    assert bill.state == BillState.PAID
    page = client.get(response["Location"]).content.decode()
    assert reverse("billing:receipt", args=[entry.pk]) in page


def test_a_bad_amount_is_shown_on_the_form_and_nothing_is_taken(client, world, fees):
    make_bill(world.room, 10000)
    login(client, world.cs)
    for amount in ("-5", "0", "1.234", "abc"):
        response = client.post(reverse("billing:account-pay", args=[world.room.pk]), pay_data(amount))
        assert response.status_code == 400 and 'id="form-errors"' in response.content.decode()
    response = client.post(reverse("billing:account-pay", args=[world.room.pk]), pay_data("999999"))
    assert response.status_code == 400 and "预存上限" in response.content.decode()
    assert not Entry.objects.exists()


def test_picking_a_bill_on_the_page(client, world, fees):
    old, new = make_bill(world.room, 10000), make_bill(world.room, 5000, start=date(2026, 2, 1))
    login(client, world.cs)
    client.post(reverse("billing:account-pay", args=[world.room.pk]), pay_data("50", bills=[str(new.pk)]))
    old.refresh_from_db(), new.refresh_from_db()
    assert (old.paid_fen, new.state) == (0, BillState.PAID)


def test_people_who_may_not_take_payments_are_refused(client, world, fees):
    make_bill(world.room, 10000)
    for user in (world.tech, world.resident_user):
        assert (
            login(client, user).post(reverse("billing:account-pay", args=[world.room.pk]), pay_data()).status_code
            == 403
        )
    assert (
        login(client, world.outsider).post(reverse("billing:account-pay", args=[world.room.pk]), pay_data()).status_code
        == 404
    )
    assert not Entry.objects.exists()


def test_reversing_and_refunding_on_the_page(client, world, fees):
    make_bill(world.room, 10000)
    entry = payment_post(actor=world.cs, room=world.room, amount_fen=30000, method=Method.CASH)
    login(client, world.cs)
    assert client.post(reverse("billing:entry-reverse", args=[entry.pk]), {"reverse-reason": "错"}).status_code == 400
    login(client, world.finance)
    response = client.post(reverse("billing:account-refund", args=[world.room.pk]),
                           {"refund-amount": "50", "refund-method": "cash", "refund-reason": "退房"})  # fmt: skip
    assert response.status_code == 302
    response = client.post(reverse("billing:entry-reverse", args=[entry.pk]), {"reverse-reason": "收错房"})
    assert response.status_code == 400 and "已退费" in response.content.decode()
    other = payment_post(actor=world.cs, room=world.room, amount_fen=1000, method=Method.CASH)
    assert (
        client.post(reverse("billing:entry-reverse", args=[other.pk]), {"reverse-reason": "收错房"}).status_code == 302
    )
    assert Entry.objects.filter(kind=EntryKind.REVERSAL, reverses=other).exists()
    check_books()


def test_a_one_off_charge_on_the_page(client, world, fees):
    login(client, world.cs)
    response = client.post(
        reverse("billing:account-charge", args=[world.room.pk]),
        {"charge-item": fees.service.pk, "charge-amount": "35", "charge-description": "疏通下水道"},
    )
    assert response.status_code == 302
    assert world.room.bills.get().total_fen == 3500


# ---------------------------------------------------------------- receipts


def test_the_receipt_is_a_pdf_in_chinese_with_hostile_text_escaped(client, world, fees, tmp_path):
    make_bill(world.room, 10000)
    entry = payment_post(
        actor=world.cs, room=world.room, amount_fen=12345, method=Method.CASH, payer_name="<b>王</b>五"
    )
    response = login(client, world.cs).get(reverse("billing:receipt", args=[entry.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "Noto-Sans-CJK-SC" in pdf_font_names(response.content)
    if shutil.which("pdftotext"):
        path = tmp_path / "r.pdf"
        path.write_bytes(response.content)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "壹佰贰拾叁元肆角伍分" in text and entry.number in text
        assert "<b>王</b>五" in re.sub(r"\s", "", text)  # shown as typed, not read as markup
        assert "转入预存" in text and "23.45" in text
    assert login(client, world.outsider).get(reverse("billing:receipt", args=[entry.pk])).status_code == 404
    assert login(client, world.tech).get(reverse("billing:receipt", args=[entry.pk])).status_code == 403


# ---------------------------------------------------------------- the cashier's day


def test_the_cashier_page_counts_the_day_and_closes_it(client, world, fees):
    make_bill(world.room, 100000)
    payment_post(actor=world.cs, room=world.room, amount_fen=10000, method=Method.CASH)
    payment_post(actor=world.cs, room=world.room, amount_fen=2500, method=Method.CARD)
    login(client, world.cs)
    html = client.get(reverse("billing:cashier")).content.decode()
    assert "125.00" in html and "100.00" in html and "25.00" in html and 'id="close-day"' in html
    day = CashierDay.objects.get(cashier=world.cs)
    response = client.post(
        reverse("billing:day-close", args=[day.pk]),
        {f"d{day.pk}-handed_to": world.finance.pk, f"d{day.pk}-signature": "王丽"},
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.state == DayState.CLOSED and day.handed_to == world.finance and day.net_fen == 12500
    assert "交接给我的日结" in login(client, world.finance).get(reverse("billing:cashier")).content.decode()
    assert login(client, world.tech).get(reverse("billing:cashier")).status_code == 403
    # another cashier cannot close this day
    assert login(client, world.cs2).post(reverse("billing:day-close", args=[day.pk]), {}).status_code == 404


# ---------------------------------------------------------------- billing runs


def test_a_billing_run_from_the_page_preview_then_start_then_progress(
    client, world, fees, django_capture_on_commit_callbacks
):
    login(client, world.finance)
    data = {"project": world.project.pk, "period": "2026-03", "cycle": Cycle.MONTH, "action": "preview"}
    response = client.post(reverse("billing:run-new"), data)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="preview-result"' in html and "500.00" in html
    assert not BillingRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("billing:run-new"), {**data, "action": "start"})
    run = BillingRun.objects.get()
    assert response.status_code == 302 and run.state == RunState.QUEUED and len(callbacks) == 1
    page = client.get(reverse("billing:run", args=[run.pk])).content.decode()
    assert "every 1s" in page
    progress = client.get(reverse("billing:run-progress", args=[run.pk]))
    assert progress.status_code == 200 and "0 / 2" in progress.content.decode()
    billing_run_execute(run_id=run.pk)  # what the worker does
    done = client.get(reverse("billing:run-progress", args=[run.pk]))
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    assert 'id="bills-created">2<' in client.get(reverse("billing:run", args=[run.pk])).content.decode()
    response = client.post(reverse("billing:run-reverse", args=[run.pk]), {"reason": "单价有误"})
    run.refresh_from_db()
    assert response.status_code == 302 and run.state == RunState.REVERSED


def test_the_background_task_bills_when_huey_runs_it(client, world, fees):
    from huey.contrib.djhuey import HUEY

    immediate = HUEY.immediate
    HUEY.immediate = True
    try:
        from billing.services import billing_run_start
        from billing.tasks import run_billing

        run = billing_run_start(
            actor=world.finance, project=world.project, period_start=date(2026, 3, 1), cycle=Cycle.MONTH
        )
        assert run_billing(run.pk)() == RunState.DONE
    finally:
        HUEY.immediate = immediate


def test_run_pages_are_for_money_deciders_of_the_project(client, world, fees):
    for user in (world.cs, world.supervisor, world.tech):
        assert login(client, user).get(reverse("billing:run-new")).status_code == 403
    run = BillingRun.objects.create(
        project=world.other_project,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        started_by=world.finance,
    )
    assert login(client, world.finance).get(reverse("billing:run", args=[run.pk])).status_code == 404


def test_a_bad_period_is_shown_on_the_form(client, world, fees):
    login(client, world.finance)
    response = client.post(
        reverse("billing:run-new"), {"project": world.project.pk, "period": "2026-13", "cycle": "month"}
    )
    assert response.status_code == 400 and 'id="form-errors"' in response.content.decode()
    response = client.post(
        reverse("billing:run-new"), {"project": world.other_project.pk, "period": "2026-03", "cycle": "month"}
    )
    assert response.status_code == 400  # not one of the projects offered


# ---------------------------------------------------------------- rates and readings


def test_the_price_table_and_adding_a_rate(client, world, fees):
    html = login(client, world.cs).get(reverse("billing:rates")).content.decode()
    assert "物业服务费" in html and "2.5000" in html and "<form" not in html.split("</nav>")[1]
    login(client, world.finance)
    response = client.post(
        reverse("billing:rates"),
        {"item": fees.property.pk, "project": world.project.pk, "price": "2.88", "effective_from": "2027-01-01"},
    )
    assert response.status_code == 302 and FeeRate.objects.filter(price="2.88", project=world.project).exists()
    response = client.post(
        reverse("billing:rates"),
        {"item": fees.property.pk, "project": world.project.pk, "price": "2.88888", "effective_from": "2027-01-01"},
    )
    assert response.status_code == 400 and "四位小数" in response.content.decode()
    assert login(client, world.cs).post(reverse("billing:rates"), {}).status_code == 403


def test_recording_a_reading_on_the_page(client, world, fees):
    login(client, world.tech)
    data = {"room": "3-2-1502", "item": fees.water.pk, "read_on": "2026-03-25", "value": "12.5", "source": "transfer"}
    assert client.post(reverse("billing:readings"), data).status_code == 302
    reading = MeterReading.objects.get()
    assert (reading.source, reading.read_by) == ("transfer", world.tech)
    response = client.post(reverse("billing:readings"), {**data, "room": "1-1-101"})  # another project's room
    assert response.status_code == 400 and MeterReading.objects.count() == 1


# ---------------------------------------------------------------- online payments


def test_an_online_payment_through_the_simulated_payer_page(client, world, fees, settings):
    settings.BILLING_SIMULATED_PAYMENTS = True
    bill = make_bill(world.room, 10000)
    login(client, world.cs)
    response = client.post(reverse("billing:account-pay", args=[world.room.pk]), pay_data("100", method=Method.ALIPAY))
    entry = Entry.objects.get()
    assert entry.state == EntryState.PENDING and response["Location"] == reverse(
        "billing:sim-pay", args=[entry.gateway_ref]
    )
    assert "100.00" in client.get(response["Location"]).content.decode()
    response = client.post(response["Location"], {"action": "pay"})
    entry.refresh_from_db(), bill.refresh_from_db()
    assert entry.state == EntryState.POSTED and bill.state == BillState.PAID
    assert response["Location"].endswith(f"?receipt={entry.pk}")


def test_the_payer_page_is_off_unless_simulation_is_on(client, world, fees, settings):
    settings.BILLING_SIMULATED_PAYMENTS = False
    entry = payment_start_online(actor=world.cs, room=world.room, amount_fen=100, method=Method.WECHAT)
    assert login(client, world.cs).get(reverse("billing:sim-pay", args=[entry.gateway_ref])).status_code == 404


def test_the_callback_endpoint_verifies_like_a_real_gateway(client, world, fees):
    make_bill(world.room, 10000)
    entry = payment_start_online(actor=world.cs, room=world.room, amount_fen=10000, method=Method.WECHAT)
    gateway = SimulatedGateway(Method.WECHAT)
    body, headers = gateway.callback_for(entry)
    url = reverse("billing:gateway-notify", args=["wechat"])
    bad = client.post(url, body, content_type="application/json", HTTP_X_SIM_SIGNATURE="f" * 64)
    assert bad.status_code == 400 and bad.json()["code"] == "FAIL"
    ok = client.post(url, body, content_type="application/json", HTTP_X_SIM_SIGNATURE=headers["X-Sim-Signature"])
    assert ok.status_code == 200 and ok.json()["code"] == "SUCCESS"
    replay = client.post(url, body, content_type="application/json", HTTP_X_SIM_SIGNATURE=headers["X-Sim-Signature"])
    assert replay.status_code == 409
    assert client.get(url).status_code == 405
    entry.refresh_from_db()
    assert entry.state == EntryState.POSTED
    check_books()


# ---------------------------------------------------------------- the household page


def test_the_household_page_shows_the_account_card(client, world, fees):
    make_bill(world.room, 10000)
    html = login(client, world.cs).get(reverse("estate:household", args=[world.room.pk])).content.decode()
    assert 'id="account"' in html and "100.00" in html and account_url(world.room) in html


# ---------------------------------------------------------------- reliefs and invoices


def test_a_relief_proposed_and_approved_on_the_page(client, world, fees):
    bill = make_bill(world.room, 10000)
    line = bill.lines.get()
    login(client, world.cs)
    data = {"relief-line": line.pk, "relief-kind": "hardship", "relief-amount": "30", "relief-reason": "困难户"}
    assert client.post(reverse("billing:account-relief", args=[world.room.pk]), data).status_code == 302
    from billing.models import Relief

    relief = Relief.objects.get()
    html = client.get(account_url(world.room)).content.decode()
    assert "困难户" in html and reverse("billing:relief-decide", args=[relief.pk]) not in html  # cs may not approve
    login(client, world.manager)
    assert reverse("billing:relief-decide", args=[relief.pk]) in client.get(account_url(world.room)).content.decode()
    client.post(reverse("billing:relief-decide", args=[relief.pk]), {"decision": "approve"})
    bill.refresh_from_db()
    assert bill.total_fen == 7000
    bad = login(client, world.cs).post(
        reverse("billing:account-relief", args=[world.room.pk]), {**data, "relief-amount": "999"}
    )
    assert bad.status_code == 400 and "超过" in bad.content.decode()
    assert login(client, world.outsider).post(reverse("billing:relief-decide", args=[relief.pk]), {}).status_code == 404


def test_an_invoice_requested_on_a_payment(client, world, fees):
    make_bill(world.room, 10000)
    entry = payment_post(actor=world.cs, room=world.room, amount_fen=10000, method=Method.CASH)
    login(client, world.cs)
    response = client.post(
        reverse("billing:entry-invoice", args=[entry.pk]), {"invoice-title": "张三", "invoice-tax_number": ""}
    )
    assert response.status_code == 302
    assert entry.invoices.get().invoice_number.startswith("DEV")
    assert "DEV" in client.get(account_url(world.room)).content.decode()
    bad = client.post(
        reverse("billing:entry-invoice", args=[entry.pk]), {"invoice-title": "张三", "invoice-tax_number": "12"}
    )
    assert bad.status_code == 400


def _details(html, entry):
    """The opening tag of an entry's reversal <details>, or None."""
    found = re.search(rf'<details[^>]*id="reverse-{entry.pk}"[^>]*>', html)
    return found.group(0) if found else None


def test_reversal_forms_are_folded_and_a_refused_one_comes_back_open_with_its_error(client, world, fees):
    make_bill(world.room, 10000)
    first = payment_post(actor=world.cs, room=world.room, amount_fen=3000, method=Method.CASH)
    second = payment_post(actor=world.cs, room=world.room, amount_fen=15000, method=Method.CASH)  # 80 prepaid
    html = login(client, world.finance).get(account_url(world.room)).content.decode()
    for entry in (first, second):
        tag = _details(html, entry)
        assert tag is not None and " open" not in tag  # folded: a <summary> opens it, by keyboard too
    assert html.count("<summary") >= 2 and "确认冲红" in html
    # the reason typed, then refused by the service (the payment was refunded from since): that
    # entry's form comes back open with the error and the reason; the other stays folded
    balance_refund(actor=world.finance, room=world.room, amount_fen=1000, method=Method.CASH, reason="退房")
    response = client.post(reverse("billing:entry-reverse", args=[second.pk]), {"reverse-reason": "收错房<b>"})
    html = response.content.decode()
    assert response.status_code == 400
    assert " open" in _details(html, second) and " open" not in _details(html, first)
    start = html.index(f'id="reverse-{second.pk}"')
    opened = html[start : html.index("</details>", start)]
    assert "已退费" in opened and 'value="收错房&lt;b&gt;"' in opened
    assert not Entry.objects.filter(kind=EntryKind.REVERSAL).exists()
    # a blank reason: the form's own error, on that entry's form
    response = client.post(reverse("billing:entry-reverse", args=[first.pk]), {"reverse-reason": " "})
    html = response.content.decode()
    assert response.status_code == 400 and " open" in _details(html, first) and " open" not in _details(html, second)
    # who may not reverse sees no reversal form at all
    html = login(client, world.cs).get(account_url(world.room)).content.decode()
    assert _details(html, first) is None
