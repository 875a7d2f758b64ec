"""The household page's money cards (一户一档): the account and the arrears with the dunning history,
shown to staff who see accounts, never to others; their queries do not grow with the room's history."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.choices import DunningStepKind, Method, PlanState
from billing.models import PaymentPlan
from billing.services import dunning_step_record, payment_post
from billing.tests.arrears_factories import fee_item, make_bill

pytestmark = pytest.mark.django_db


def household(client, user, room):
    client.force_login(user)
    return client.get(reverse("estate:household", args=[room.pk]))


def card(html: str, anchor: str) -> str:
    start = html.find(f'id="{anchor}"')
    return "" if start < 0 else html[start : html.find('<div class="card mb-3"', start + 1)]


@pytest.fixture
def owing(world):
    due = timezone.localdate() - timedelta(days=45)
    bill = make_bill(world.room, [(fee_item(world.company), 30000)], period_start=due.replace(day=1), due_on=due)
    make_bill(
        world.room,
        [(fee_item(world.company, "sf", "水费"), 5000)],
        period_start=due.replace(day=1),
        due_on=due,
        disputed=True,
        dispute_reason="读数有误",
    )
    dunning_step_record(actor=world.cs, room=world.room, kind=DunningStepKind.PHONE, answer="下周一<b>来缴</b>")
    return bill


@pytest.mark.parametrize("who", ["cs", "supervisor", "manager", "pm", "finance"])
def test_staff_who_see_accounts_see_the_dunning_history_and_the_aged_arrears(client, world, owing, who):
    html = household(client, getattr(world, who), world.room).content.decode()
    arrears = card(html, "arrears-panel")
    assert "欠费与催缴" in arrears and "电话催缴" in arrears
    assert "下周一&lt;b&gt;来缴&lt;/b&gt;" in arrears and "<b>来缴" not in html  # the answer, escaped
    assert "350.00" in arrears and "300.00" in arrears and "50.00" in arrears  # owed, overdue, disputed
    assert reverse("billing:arrears-room", args=[world.room.pk]) in arrears
    assert "350.00" in card(html, "account")  # the account card reads the same open bills


@pytest.mark.parametrize("who", ["tech", "guard"])
def test_staff_who_may_not_see_accounts_get_no_money_card(client, world, owing, who):
    response = household(client, getattr(world, who), world.room)
    html = response.content.decode()
    if response.status_code == 200:
        assert 'id="arrears-panel"' not in html and 'id="account"' not in html and "下周一" not in html
    else:
        assert response.status_code in (403, 404)


def test_a_running_payment_plan_shows_on_the_card(client, world, owing):
    PaymentPlan.objects.create(
        project=world.project, room=world.room, total_fen=30000, state=PlanState.ACTIVE, agreed_by=world.cs
    )
    assert "分期中" in card(household(client, world.cs, world.room).content.decode(), "arrears-panel")


def test_the_money_cards_cost_the_same_queries_whatever_the_rooms_history(client, world, owing):
    """world.room2: two bills, one paid; world.room: sixty bills more, twelve payments, twelve dunning
    steps more."""
    item = fee_item(world.company)
    start = timezone.localdate().replace(day=1)
    for room, bills, payments in ((world.room2, 2, 1), (world.room, 60, 12)):
        for n in range(bills):
            make_bill(room, [(item, 10000)], period_start=start - timedelta(days=31 * (n + 3)))
        for n in range(payments):
            payment_post(actor=world.cs, room=room, amount_fen=10000 + n, method=Method.CASH)
            dunning_step_record(actor=world.cs, room=room, kind=DunningStepKind.REMINDER)
    client.force_login(world.cs)
    url = "estate:household"
    client.get(reverse(url, args=[world.room2.pk]))  # warm (session, registries discovered)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(url, args=[world.room2.pk])).status_code == 200
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse(url, args=[world.room.pk])).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries), [q["sql"][:90] for q in many.captured_queries]
    assert len(few.captured_queries) <= 30  # the household page's budget (estate/tests/test_household.py)
    assert card(html, "arrears-panel").count("list-group-item") == 5  # the latest five steps
