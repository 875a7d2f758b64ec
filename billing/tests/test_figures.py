"""Collection rate (收缴率) by amount and by household, arrears recovered (清欠率), by building and fee
item; the monthly review shows them beside the desk's KPIs; finance's month of paid and free work
and the accounting export."""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from billing.figures import accounting_sheets, collection_figures, paid_and_free_work
from billing.tests.arrears_factories import fee_item, make_bill, pay
from billing.tests.arrears_factories import reverse as reverse_entry
from desk.choices import Kind
from tests.factories import PASSWORD, make_room

NOV = date(2026, 11, 1)


def at(y, m, d):
    return timezone.make_aware(datetime(y, m, d, 10, 0))


@pytest.fixture
def money(world):
    """November: 3-2-1502 billed 300 (wuye) + 100 (parking), paid in full; 3-2-1501 billed 300, paid
    120; 5-1-101 billed 200, unpaid. Older arrears: 3-2-1501 owed 500 from September (100 of it paid
    in October), of which 200 recovered in November and then 50 reversed."""
    wuye = fee_item(world.company)
    parking = fee_item(world.company, "tc", "停车费", account_code="6002")
    other = make_room(world.project, "5", "1", "101")
    a = make_bill(world.room, [(wuye, 30000), (parking, 10000)], period_start=NOV, due_on=date(2026, 11, 15))
    b = make_bill(world.room2, [(wuye, 30000)], period_start=NOV, due_on=date(2026, 11, 15))
    make_bill(other, [(wuye, 20000)], period_start=NOV, due_on=date(2026, 11, 15))
    old = make_bill(world.room2, [(wuye, 50000)], period_start=date(2026, 9, 1), due_on=date(2026, 9, 15))
    make_bill(world.other_room, [(fee_item(world.company), 99900)], period_start=NOV, due_on=date(2026, 11, 15))
    pay(world.room, 40000, bills=[a], at=at(2026, 11, 5))
    pay(world.room2, 12000, bills=[b], at=at(2026, 11, 6))
    pay(world.room2, 10000, bills=[old], at=at(2026, 10, 3))
    recovered = pay(world.room2, 20000, bills=[old], at=at(2026, 11, 20))
    small = pay(world.room2, 5000, bills=[old], at=at(2026, 11, 21))
    reverse_entry(small, at=at(2026, 11, 22))
    return {"a": a, "b": b, "old": old, "recovered": recovered}


def test_collection_rate_by_amount_and_by_household(world, money):
    f = collection_figures(world.project.pk, NOV)
    assert (f.total.billed, f.total.collected) == (90000, 52000)
    assert f.total.rate == pytest.approx(100 * 52000 / 90000)
    assert (f.rooms_billed, f.rooms_paid) == (3, 1)
    assert f.household_rate == pytest.approx(100 / 3)


def test_arrears_recovered(world, money):
    f = collection_figures(world.project.pk, NOV)
    assert f.total.owed_start == 40000  # 500 billed in September less 100 paid in October
    assert f.total.recovered == 20000  # 200, and 50 paid then reversed
    assert f.total.recovery == pytest.approx(50.0)
    assert f.cash_in == 40000 + 12000 + 20000  # payments less the reversal, in November


def test_by_building_and_by_item(world, money):
    f = collection_figures(world.project.pk, NOV)
    buildings = {r.name: (r.billed, r.collected, r.owed_start, r.recovered) for r in f.by_building}
    assert buildings == {"3 栋": (70000, 52000, 40000, 20000), "5 栋": (20000, 0, 0, 0)}
    items = {r.name: (r.billed, r.collected) for r in f.by_item}
    assert items == {"物业服务费": (80000, 42000), "停车费": (10000, 10000)}


def test_an_empty_month_has_no_rates(world):
    f = collection_figures(world.project.pk, NOV)
    assert f.total.rate is None and f.household_rate is None and f.total.recovery is None


def test_the_figures_page_and_the_monthly_review(client, world, money):
    client.login(username="pm", password=PASSWORD)
    page = client.get(reverse("billing:figures", args=[world.project.pk]) + "?month=2026-11").content.decode()
    assert "57.8%" in page and "33.3%" in page and "50.0%" in page and "figures-charts" in page
    assert "999.00" not in page  # another project's bills
    page = client.get(reverse("quality:review-month", args=[world.project.pk, "2026-11"])).content.decode()
    assert "kpi-collection_amount" in page and "57.8%" in page and "520.00 ÷ 900.00" in page
    assert "kpi-recovery" in page and "50.0%" in page


def test_a_bad_month_falls_back_to_this_month(client, world):
    client.login(username="fin", password=PASSWORD)
    assert client.get(reverse("billing:figures", args=[world.project.pk]) + "?month=2026-13").status_code == 200


def test_paid_and_free_work_of_the_month(world):
    from billing.models import PriceListItem
    from billing.services import paid_repair_record
    from desk.services import request_accept, request_arrive, request_dispatch, request_resolve

    item = fee_item(world.company, "repair", "有偿维修", periodic=False)
    tap = PriceListItem.objects.create(company=world.company, name="更换水龙头", unit="个", price="35", item=item)
    done = []
    for title in ("水龙头", "灯泡", "门锁"):
        sr = world.register(kind=Kind.REPAIR, title=title)
        request_dispatch(actor=world.cs, request=sr, department=world.dept["engineering"], assignee=world.tech)
        sr.refresh_from_db()
        done.append(sr)
    paid_repair_record(actor=world.tech, request=done[0], picks=[(tap.pk, "1")], agreed=True)
    for sr in done[:2]:
        for step in (request_accept, request_arrive):
            sr.refresh_from_db()
            step(actor=world.tech, request=sr)
        sr.refresh_from_db()
        request_resolve(actor=world.tech, request=sr, result="修好了")
    month = timezone.localdate().replace(day=1)
    work = paid_and_free_work(world.project.pk, month)
    assert (work["paid"], work["free"], work["fen"]) == (1, 1, 3500)
    assert [r["number"] for r in work["paid_rows"]] == [done[0].number]


def test_the_accounting_export_has_a_row_per_line_and_per_allocation_with_account_codes(client, world, money):
    sheets = accounting_sheets(world.project.pk, NOV)
    lines, entries, allocations = [list(rows) for _t, _h, rows in sheets]
    assert len(lines) == 4  # the November bills' lines (the other project's not)
    assert {row[5] for row in lines} == {"6001", "6002"}
    assert len(entries) == 5 and len(allocations) == 6
    assert sum(row[-1] for row in allocations) == Decimal("720.00")  # 400 + 120 + 200: the reversal nets out
    client.login(username="fin", password=PASSWORD)
    response = client.get(reverse("billing:finance-ledger", args=[world.project.pk]) + "?month=2026-11")
    book = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["账单明细", "收退款", "核销"]
    assert book["核销"].max_row == 7
