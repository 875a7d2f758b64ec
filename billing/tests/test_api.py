"""The money side over the API: scoped lists, cursor paging, posting a payment with an
Idempotency-Key (same key same body: one payment; same key other body: 409)."""

from datetime import date

import pytest

from billing.choices import BillState, Method
from billing.models import Entry
from billing.services import payment_post
from billing.tests.books import check_books
from billing.tests.conftest import make_bill
from desk.tests.test_api import client_for

pytestmark = pytest.mark.django_db

BILLS, ENTRIES = "/api/billing/bills/", "/api/billing/entries/"


def post(client, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(ENTRIES, body, format="json", **headers)


def test_bills_are_scoped_and_cursor_paged(world, fees):
    for month in range(1, 4):
        make_bill(world.room, 1000 * month, start=date(2026, month, 1))
    make_bill(world.other_room, 999)
    page = client_for(world.cs).get(BILLS, {"page_size": 2}).json()
    assert [b["total_fen"] for b in page["results"]] == [3000, 2000] and page["next"]
    rest = client_for(world.cs).get(page["next"]).json()
    assert [b["total_fen"] for b in rest["results"]] == [1000] and rest["next"] is None
    assert page["results"][0]["lines"][0]["item_name"] == "有偿服务"
    assert [b["total_fen"] for b in client_for(world.outsider).get(BILLS).json()["results"]] == [999]
    assert client_for(world.tech).get(BILLS).json()["results"] == []
    # a resident sees their own room's bills
    own = client_for(world.resident_user).get(BILLS).json()["results"]
    assert {b["room"] for b in own} == {world.room.pk}
    assert client_for().get(BILLS).status_code in (401, 403)
    filtered = client_for(world.cs).get(BILLS, {"state": BillState.PAID}).json()["results"]
    assert filtered == []


def test_posting_a_payment_with_an_idempotency_key(world, fees):
    bill = make_bill(world.room, 10000)
    client = client_for(world.cs)
    body = {"room": world.room.pk, "amount": "100.00", "method": Method.CASH, "payer_name": "张三"}
    first = post(client, body, key="pos-42")
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["amount_fen"] == 10000 and data["number"].startswith("SK") and data["receipt_url"]
    again = post(client, body, key="pos-42")
    assert again.status_code == 201 and again.json()["id"] == data["id"] and again["Idempotent-Replayed"] == "true"
    other = post(client, {**body, "amount": "50.00"}, key="pos-42")
    assert other.status_code == 409 and other.json()["code"] == "conflict"
    assert Entry.objects.count() == 1
    bill.refresh_from_db()
    assert bill.state == BillState.PAID
    check_books()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": 100.5}, "amount"),
        ({"method": "wechat"}, "method"),
        ({"room": "abc"}, "room"),
        ({"payer_name": "长" * 51}, "payer_name"),
    ],
)
def test_bad_payments_are_refused_with_field_errors(world, fees, change, field):
    make_bill(world.room, 10000)
    body = {"room": world.room.pk, "amount": "10", "method": "cash", **change}
    response = post(client_for(world.cs), body)
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Entry.objects.exists()


def test_payments_are_refused_to_whoever_may_not(world, fees):
    make_bill(world.room, 10000)
    make_bill(world.other_room, 10000)
    body = {"room": world.room.pk, "amount": "10", "method": "cash"}
    assert post(client_for(world.tech), body).status_code == 403
    assert post(client_for(world.resident_user), body).status_code == 403
    assert post(client_for(world.cs), {**body, "room": world.other_room.pk}).status_code == 404
    assert post(client_for(world.cs), {**body, "amount": "99999"}).json()["errors"]["amount"]
    assert not Entry.objects.exists()


def test_entries_are_scoped(world, fees):
    make_bill(world.room, 10000)
    payment_post(actor=world.cs, room=world.room, amount_fen=5000, method=Method.CASH)
    assert len(client_for(world.finance).get(ENTRIES).json()["results"]) == 1
    assert client_for(world.outsider).get(ENTRIES).json()["results"] == []
    assert len(client_for(world.resident_user).get(ENTRIES).json()["results"]) == 1


def test_a_family_member_reads_no_money_over_the_api_as_in_the_app(world, fees):
    """The payer rule (billing.rules.pays_for_room) holds for the API too: the owner sees the room's
    bills and payments, a family member of the same room sees none."""
    from estate.choices import Relation
    from tests.factories import make_resident, make_user

    make_bill(world.room, 5000)
    payment_post(actor=world.cs, room=world.room, amount_fen=5000, method=Method.CASH, payer_name="张三")
    family_user = make_user("family", "resident", company=world.company)
    make_resident(world.room, name="张小妹", phone="13812340000", relation=Relation.FAMILY, user=family_user)
    assert client_for(world.resident_user).get(BILLS).json()["results"]
    assert client_for(world.resident_user).get(ENTRIES).json()["results"]
    assert client_for(family_user).get(BILLS).json()["results"] == []
    assert client_for(family_user).get(ENTRIES).json()["results"] == []
