"""The residents' money pages with the cast (owner, family member, tenant, another building's
resident, staff): who sees the bills and pays, another household's payment or receipt by id is 404,
and a payment through the simulated gateway end to end (signed callback, posted once)."""

from datetime import date
from unittest import mock

import pytest
from django.urls import reverse

from billing.choices import BillState, EntryState, Method
from billing.gateway import BadCallback, SimulatedGateway, gateway_callback_receive
from billing.models import Bill, Entry, GatewayCallback
from billing.services import payment_post, payment_start_online
from billing.tests.books import check_books
from billing.tests.conftest import Fees, make_bill
from core.errors import ActionRefused, Conflict
from core.models import Delivery, Notification, NotificationProfile

MONEY_PAGES = [("portal:bills", "GET"), ("portal:bills-paid", "GET"), ("portal:pay", "POST")]


@pytest.fixture(autouse=True)
def simulated(settings):
    settings.BILLING_SIMULATED_PAYMENTS = True


@pytest.fixture
def fees(world):
    return Fees(world)


@pytest.fixture
def owed(cast, fees):
    """Two open bills of 3-2-1502 (older 100.00, newer 50.00) and one of the other building's room."""
    older = make_bill(cast.world.room, 10000, start=date(2026, 1, 1))
    newer = make_bill(cast.world.room, 5000, start=date(2026, 2, 1))
    theirs = make_bill(cast.world.other_room, 7000, start=date(2026, 1, 1))
    return older, newer, theirs


class QuickPDF:
    def __init__(self, string="", **kw):
        self.string = string

    def write_pdf(self, *a, **kw):
        return b"%PDF-1.7 " + self.string.encode()


@pytest.mark.parametrize("name,method", MONEY_PAGES + [("portal:notice-settings", "GET")])
def test_who_reaches_each_money_page(client, cast, owed, name, method):
    url = reverse(name)
    call = client.post if method == "POST" else client.get
    assert call(url).status_code == 302  # not signed in: to the sign-in page
    payers = (cast.owner, cast.tenant, cast.other)
    for who in payers:
        client.force_login(who)
        assert call(url).status_code in ((400,) if method == "POST" else (200,)), (who, name)
    client.force_login(cast.family)
    expected = 200 if name == "portal:notice-settings" else 403  # a family member: the owner or tenant pays
    assert call(url).status_code == expected
    client.force_login(cast.staff)
    assert call(url).status_code == 403


def test_the_owner_sees_the_open_bills_with_lines_due_dates_and_totals(client, cast, owed):
    older, newer, theirs = owed
    client.force_login(cast.owner)
    page = client.get(reverse("portal:bills")).content.decode()
    assert "150.00" in page and "有偿服务" in page and older.due_on.strftime("%Y-%m-%d") in page
    assert f'value="{older.pk}" checked' in page and f'value="{newer.pk}" checked' in page
    assert theirs.number not in page and f'value="{theirs.pk}"' not in page
    assert "派单" not in page and "收款人" not in page
    # the other building's resident sees only their own
    client.force_login(cast.other)
    page = client.get(reverse("portal:bills")).content.decode()
    assert "70.00" in page and f'value="{older.pk}"' not in page


def test_home_shows_the_bill_due_with_a_pay_link_to_payers_only(client, cast, owed):
    for who in (cast.owner, cast.tenant):
        client.force_login(who)
        page = client.get(reverse("portal:home")).content.decode()
        assert 'id="bill-due"' in page and "150.00" in page and reverse("portal:bills") in page
    client.force_login(cast.family)
    assert 'id="bill-due"' not in client.get(reverse("portal:home")).content.decode()


def pay(client, bills, method=Method.WECHAT, key="k1"):
    return client.post(reverse("portal:pay"), {"bills": [b.pk for b in bills], "method": method, "key": key})


def sim_confirm(client, entry, action="pay"):
    return client.post(reverse("portal:sim-pay", args=[entry.pk]), {"action": action})


def test_paying_online_end_to_end_through_the_simulated_gateway(client, cast, owed):
    older, newer, _theirs = owed
    client.force_login(cast.tenant)
    response = pay(client, [older, newer])
    entry = Entry.objects.get(paid_by=cast.tenant)
    assert response.status_code == 302 and response["Location"] == reverse("portal:sim-pay", args=[entry.pk])
    assert entry.state == EntryState.PENDING and entry.amount_fen == 15000 and entry.cashier is None
    assert entry.payer_name == "租客王" and sorted(entry.bill_ids) == sorted([older.pk, newer.pk])
    # before the callback: the result page says it is waiting, and refreshes itself
    page = client.get(reverse("portal:payment", args=[entry.pk])).content.decode()
    assert "正在确认" in page and 'http-equiv="refresh"' in page
    # the payer pays on the gateway's page: its signed callback posts the payment
    response = sim_confirm(client, entry)
    assert response["Location"] == reverse("portal:payment", args=[entry.pk])
    entry.refresh_from_db()
    assert entry.state == EntryState.POSTED and entry.number.startswith("SK")
    assert {b.state for b in Bill.objects.filter(pk__in=[older.pk, newer.pk])} == {BillState.PAID}
    page = client.get(reverse("portal:payment", args=[entry.pk])).content.decode()
    assert "缴费成功" in page and entry.number in page and reverse("portal:receipt", args=[entry.pk]) in page
    assert 'http-equiv="refresh"' not in page
    # the payer is told (payment_posted), once
    assert Notification.objects.filter(user=cast.tenant, title="缴费成功").count() == 1
    with mock.patch("weasyprint.HTML", QuickPDF):
        receipt = client.get(reverse("portal:receipt", args=[entry.pk]))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert entry.number in receipt.content.decode()
    # the home page has nothing due any more; the paid list shows both bills and the payment
    assert 'id="bill-due"' not in client.get(reverse("portal:home")).content.decode()
    page = client.get(reverse("portal:bills-paid")).content.decode()
    assert older.period_start.strftime("%Y-%m-%d") in page and reverse("portal:receipt", args=[entry.pk]) in page
    check_books()


def test_a_replayed_or_forged_callback_posts_nothing_more(client, cast, owed):
    older, _newer, _theirs = owed
    client.force_login(cast.owner)
    pay(client, [older])
    entry = Entry.objects.get(paid_by=cast.owner)
    gateway = SimulatedGateway(entry.method)
    body, headers = gateway.callback_for(entry)
    with pytest.raises(BadCallback):  # a wrong signature
        gateway_callback_receive(method=entry.method, body=body, headers={gateway.SIGNATURE_HEADER: "0" * 64})
    entry.refresh_from_db()
    assert entry.state == EntryState.PENDING
    # the genuine one through the public endpoint, then the same callback again
    url = reverse("billing:gateway-notify", args=[entry.method])
    first = client.post(
        url, body, content_type="application/json", headers={"X-Sim-Signature": headers["X-Sim-Signature"]}
    )
    again = client.post(
        url, body, content_type="application/json", headers={"X-Sim-Signature": headers["X-Sim-Signature"]}
    )
    assert first.status_code == 200 and again.status_code == 409
    # a fresh, validly signed callback for the same order: settled already, nothing changes
    fresh_body, fresh_headers = gateway.callback_for(entry)
    gateway_callback_receive(method=entry.method, body=fresh_body, headers=fresh_headers)
    entry.refresh_from_db()
    older.refresh_from_db()
    assert entry.state == EntryState.POSTED and older.paid_fen == 10000
    assert Entry.objects.filter(paid_by=cast.owner).count() == 1
    assert GatewayCallback.objects.filter(valid=True).count() == 2
    assert Notification.objects.filter(user=cast.owner, title="缴费成功").count() == 1
    check_books()


def test_the_picked_bill_takes_the_money_not_the_oldest(client, cast, owed):
    older, newer, _theirs = owed
    client.force_login(cast.owner)
    pay(client, [newer])
    entry = Entry.objects.get(paid_by=cast.owner)
    assert entry.amount_fen == 5000
    sim_confirm(client, entry)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.state, newer.state) == (BillState.OPEN, BillState.PAID)
    check_books()


def test_the_same_button_twice_makes_one_payment_and_a_cancel_pays_nothing(client, cast, owed):
    older, newer, _theirs = owed
    client.force_login(cast.owner)
    pay(client, [older, newer], key="same")
    pay(client, [older, newer], key="same")
    assert Entry.objects.filter(paid_by=cast.owner).count() == 1
    # the same key with other bills: refused, nothing made
    assert pay(client, [older], key="same").status_code == 400
    entry = Entry.objects.get(paid_by=cast.owner)
    sim_confirm(client, entry, action="cancel")
    entry.refresh_from_db()
    assert entry.state == EntryState.FAILED
    assert "没有支付成功" in client.get(reverse("portal:payment", args=[entry.pk])).content.decode()
    older.refresh_from_db()
    assert older.paid_fen == 0


def test_bad_picks_are_refused_and_change_nothing(client, cast, owed):
    older, _newer, theirs = owed
    client.force_login(cast.owner)
    assert pay(client, []).status_code == 400
    assert pay(client, [theirs]).status_code == 400  # another household's bill is not a choice
    assert client.post(reverse("portal:pay"), {"bills": [older.pk], "method": "cash", "key": "x"}).status_code == 400
    assert not Entry.objects.exists()


def test_another_households_payment_and_receipt_are_404(client, cast, owed):
    older, _newer, theirs = owed
    mine = payment_post(actor=cast.world.cs, room=cast.world.room, amount_fen=10000, method=Method.CASH)
    other = payment_post(actor=cast.world.outsider, room=cast.world.other_room, amount_fen=7000, method=Method.CASH)
    client.force_login(cast.owner)
    with mock.patch("weasyprint.HTML", QuickPDF):
        assert client.get(reverse("portal:receipt", args=[mine.pk])).status_code == 200
        for name in ("portal:receipt", "portal:payment", "portal:sim-pay"):
            assert client.get(reverse(name, args=[other.pk])).status_code == 404, name
    # the desk's cash payment is not played on the simulated gateway page
    assert client.get(reverse("portal:sim-pay", args=[mine.pk])).status_code == 404
    client.force_login(cast.other)
    with mock.patch("weasyprint.HTML", QuickPDF):
        assert client.get(reverse("portal:receipt", args=[mine.pk])).status_code == 404
        assert client.get(reverse("portal:receipt", args=[other.pk])).status_code == 200
    for who in (cast.family, cast.staff):  # a family member of the same room (not one who pays), staff
        client.force_login(who)
        for name in ("portal:receipt", "portal:payment", "portal:sim-pay"):
            assert client.get(reverse(name, args=[mine.pk])).status_code == 403, (who, name)
    client.logout()
    for name in ("portal:receipt", "portal:payment", "portal:sim-pay"):
        assert client.get(reverse(name, args=[mine.pk]))["Location"] == reverse("portal:signin")


def test_the_service_refuses_a_family_member_and_another_rooms_resident(cast, owed):
    for who, room in ((cast.family, cast.world.room), (cast.other, cast.world.room)):
        with pytest.raises(ActionRefused):
            payment_start_online(actor=who, room=room, amount_fen=100, method=Method.WECHAT)
    assert not Entry.objects.exists()


def test_a_key_reused_for_another_payment_is_a_conflict(cast, owed):
    older, newer, _theirs = owed
    room = cast.world.room
    payment_start_online(
        actor=cast.owner, room=room, amount_fen=10000, method=Method.WECHAT, idempotency_key="a", bill_ids=[older.pk]
    )
    with pytest.raises(Conflict):
        payment_start_online(
            actor=cast.owner, room=room, amount_fen=5000, method=Method.WECHAT, idempotency_key="a", bill_ids=[newer.pk]
        )


def test_notice_settings_turn_channels_off_per_event(client, cast, settings):
    settings.PROPDESK_NOTIFICATION_CHANNELS = ["core.notify.SmsChannel"]
    client.force_login(cast.owner)
    assert 'value="sms"' not in client.get(reverse("portal:notice-settings")).content.decode()  # no phone yet
    cast.owner.phone = "13812345678"
    cast.owner.save(update_fields=["phone"])
    page = client.get(reverse("portal:notice-settings")).content.decode()
    assert "新账单" in page and 'value="sms"' in page
    data = {
        f"ev_{e}": ["inapp", "sms"]
        for e in (
            "request_dispatched",
            "request_on_the_way",
            "request_resolved",
            "parcel_arrived",
            "visitor_at_gate",
            "payment_posted",
        )
    }
    data["ev_bill_issued"] = ["inapp"]  # no SMS for new bills
    data.update({"quiet_start": "21:00", "quiet_end": "07:30"})
    r = client.post(reverse("portal:notice-settings"), data)
    assert r.status_code == 302, r.content.decode()[r.content.decode().find("<main") :][:1500]
    profile = NotificationProfile.objects.get(user=cast.owner)
    assert profile.channels["bill_issued"] == ["inapp"] and profile.channels["parcel_arrived"] == ["inapp", "sms"]
    assert str(profile.quiet_start) == "21:00:00"
    # the choice is what notify_event obeys
    from core.notify import notify_event

    Delivery.objects.all().delete()
    notify_event([cast.owner], "bill_issued", {"room": "3-2-1502", "period": "2026-03", "amount": "1.00"})
    assert not Delivery.objects.filter(user=cast.owner).exists()
    assert Notification.objects.filter(user=cast.owner, title="账单已出").exists()
    # half a quiet-hours pair: refused, nothing changed
    data.update({"quiet_end": ""})
    assert client.post(reverse("portal:notice-settings"), data).status_code == 400
    profile.refresh_from_db()
    assert str(profile.quiet_end) == "07:30:00"
