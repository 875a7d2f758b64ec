"""Paid repairs (有偿维修): the implementer picks items from the published price list on the request
page, the resident agrees or refuses (with a reason); agreed, the charge lands on the room's account
as a bill whose lines point at the request."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing.choices import BillState
from billing.models import Bill, BillLine, PriceListItem
from billing.services import paid_repair_record
from billing.tests.arrears_factories import fee_item
from core.errors import ActionRefused
from core.models import AuditEntry
from desk.choices import Kind
from desk.services import request_cancel, request_dispatch
from tests.factories import PASSWORD


@pytest.fixture
def prices(world):
    item = fee_item(world.company, "repair", "有偿维修", account_code="6051", periodic=False)
    return {
        "tap": PriceListItem.objects.create(
            company=world.company, name="更换水龙头", unit="个", price="35.00", item=item
        ),
        "pipe": PriceListItem.objects.create(
            company=world.company, name="疏通下水管", unit="次", price="80.50", item=item
        ),
        "old": PriceListItem.objects.create(
            company=world.company, name="停用项目", unit="次", price="1.00", item=item, active=False
        ),
    }


@pytest.fixture
def repair(world):
    sr = world.register(kind=Kind.REPAIR, title="厨房水龙头坏了")
    request_dispatch(actor=world.cs, request=sr, department=world.dept["engineering"], assignee=world.tech)
    sr.refresh_from_db()
    return sr


def test_agreed_items_land_on_the_rooms_account_linked_to_the_request(world, prices, repair):
    bill = paid_repair_record(
        actor=world.tech, request=repair, picks=[(prices["tap"].pk, "2"), (prices["pipe"].pk, "1")], agreed=True
    )
    assert bill.room == world.room and bill.state == BillState.OPEN
    lines = list(bill.lines.order_by("id"))
    assert [(line.amount_fen, line.request_id) for line in lines] == [(7000, repair.pk), (8050, repair.pk)]
    assert bill.total_fen == 15050 == sum(line.amount_fen for line in lines)
    assert "更换水龙头" in lines[0].description and repair.number in lines[0].description
    assert AuditEntry.objects.filter(action="charge", object_id=str(repair.pk)).exists()


def test_a_refusal_needs_a_reason_and_charges_nothing(world, prices, repair):
    with pytest.raises(ValidationError) as exc:
        paid_repair_record(actor=world.tech, request=repair, picks=[(prices["tap"].pk, "1")], agreed=False)
    assert "reason" in exc.value.message_dict
    assert (
        paid_repair_record(
            actor=world.tech, request=repair, picks=[(prices["tap"].pk, "1")], agreed=False, reason="自己买配件"
        )
        is None
    )
    assert not Bill.objects.exists()
    entry = AuditEntry.objects.get(action="charge_refused")
    assert entry.changes["reason"] == "自己买配件" and entry.changes["total_fen"] == 3500


@pytest.mark.parametrize(
    "picks",
    [
        [],
        [(None, "")],
        [("tap", "0")],
        [("tap", "-1")],
        [("tap", "1.234")],
        [("tap", "x")],
        [("old", "1")],
        [(999, "1")],
    ],
)
def test_bad_picks_are_refused_and_nothing_is_charged(world, prices, repair, picks):
    resolved = [(prices[p].pk if isinstance(p, str) else p, q) for p, q in picks]
    with pytest.raises(ValidationError):
        paid_repair_record(actor=world.tech, request=repair, picks=resolved, agreed=True)
    assert not Bill.objects.exists()


def test_another_companys_price_is_not_offered(world, prices, repair):
    from core.models import Company

    other = Company.objects.create(name="别家", code="o")
    foreign = PriceListItem.objects.create(
        company=other, name="外部", unit="次", price="1", item=fee_item(other, "x", "x")
    )
    with pytest.raises(ValidationError):
        paid_repair_record(actor=world.tech, request=repair, picks=[(foreign.pk, "1")], agreed=True)


@pytest.mark.parametrize("who", ["tech2", "guard", "cs", "finance", "outsider", "resident_user"])
def test_who_may_not_record_a_paid_repair(world, prices, repair, who):
    with pytest.raises(ActionRefused):
        paid_repair_record(actor=getattr(world, who), request=repair, picks=[(prices["tap"].pk, "1")], agreed=True)


@pytest.mark.parametrize("who", ["tech", "lead", "supervisor", "pm"])
def test_who_may_record_a_paid_repair(world, prices, repair, who):
    assert paid_repair_record(actor=getattr(world, who), request=repair, picks=[(prices["tap"].pk, "1")], agreed=True)


def test_only_repairs_of_a_room_and_not_cancelled(world, prices, repair):
    complaint = world.register()
    with pytest.raises(ActionRefused):
        paid_repair_record(actor=world.supervisor, request=complaint, picks=[(prices["tap"].pk, "1")], agreed=True)
    request_cancel(actor=world.cs, request=repair, note="业户自行处理")
    repair.refresh_from_db()
    with pytest.raises(ActionRefused):
        paid_repair_record(actor=world.supervisor, request=repair, picks=[(prices["tap"].pk, "1")], agreed=True)


def test_the_request_page_shows_the_panel_and_the_form_posts_the_charge(client, world, prices, repair):
    client.login(username="tech", password=PASSWORD)
    page = client.get(reverse("desk:detail", args=[repair.pk])).content.decode()
    assert 'id="repair-charges"' in page and "更换水龙头" in page and "停用项目" not in page
    url = reverse("billing:repair-charge", args=[repair.pk])
    response = client.post(url, {"price_1": prices["tap"].pk, "qty_1": "3", "agreed": "yes"})
    assert response.status_code == 302
    assert BillLine.objects.get(request=repair).amount_fen == 10500
    page = client.get(reverse("desk:detail", args=[repair.pk])).content.decode()
    assert "105.00" in page
    client.post(url, {"price_1": prices["pipe"].pk, "qty_1": "1", "agreed": "no", "reason": "太贵"})
    page = client.get(reverse("desk:detail", args=[repair.pk])).content.decode()
    assert "太贵" in page


def test_the_panel_is_not_shown_to_whom_it_does_not_concern(client, world, prices, repair):
    client.login(username="guard", password=PASSWORD)
    response = client.get(reverse("desk:detail", args=[repair.pk]))
    assert response.status_code in (200, 404)
    assert 'id="repair-charges"' not in response.content.decode()
    complaint = world.register()
    client.login(username="sup", password=PASSWORD)
    assert 'id="repair-charges"' not in client.get(reverse("desk:detail", args=[complaint.pk])).content.decode()


def test_posting_to_another_projects_request_is_404(client, world, prices):
    other = world.register_other()
    client.login(username="tech", password=PASSWORD)
    response = client.post(reverse("billing:repair-charge", args=[other.pk]), {"price_1": prices["tap"].pk})
    assert response.status_code == 404
    assert not Bill.objects.exists()


def test_the_amount_is_exact(world, prices, repair):
    price = PriceListItem.objects.create(
        company=world.company, name="小五金", unit="个", price=Decimal("0.35"), item=prices["tap"].item
    )
    bill = paid_repair_record(actor=world.tech, request=repair, picks=[(price.pk, "1.5")], agreed=True)
    assert bill.total_fen == 53  # 0.525 yuan rounds half up to 0.53
