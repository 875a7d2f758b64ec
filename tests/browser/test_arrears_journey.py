"""Arrears in a real browser (issue 13, 欠费与催缴): a CS clerk opens the project's arrears ledger,
filters it to a building, exports it to Excel (aged totals, no phone numbers), records a phone call
with the resident's answer and prints the written notice (催缴函); a supervisor agrees a payment
plan; finance marks a bill disputed, linked to the complaint behind it, and its dunning pauses; the
lobby notice exists only once the company turns it on, and lists rooms and totals, never people.
A maintenance worker is refused the ledger."""

import subprocess
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.choices import DunningStepKind, PlanState
from billing.models import Bill, DunningStep, PaymentPlan
from billing.tests.arrears_factories import fee_item, make_bill, settings_for
from tests.browser.test_journey import signed_in
from tests.factories import World, make_resident, make_room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page, locator):
    with page.expect_navigation():
        locator.click()


def pdf_text(page, url, tmp_path, name) -> str:
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(body)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


def test_arrears_journey(browser, live_server, shots, tmp_path):
    world = World()
    today = timezone.localdate()
    wy, sf = fee_item(world.company), fee_item(world.company, "sf", "水费")
    # 3-2-1502 (张三): 300.00 overdue 45 days (31–90) and 200.00 overdue 120 days (91–180);
    # 3-2-1501 (李四): 99.00 overdue 10 days; 5-1-101 (王五), another building: 400.00 overdue 45 days.
    water = make_bill(world.room, [(sf, 30000)], period_start=(today - timedelta(days=75)).replace(day=1),
                      due_on=today - timedelta(days=45))  # fmt: skip
    make_bill(world.room, [(wy, 20000)], period_start=(today - timedelta(days=150)).replace(day=1),
              due_on=today - timedelta(days=120))  # fmt: skip
    make_bill(world.room2, [(wy, 9900)], period_start=(today - timedelta(days=40)).replace(day=1),
              due_on=today - timedelta(days=10))  # fmt: skip
    far = make_room(world.project, "5", "1", "101")
    make_resident(far, "王五", "13600005555")
    make_bill(far, [(wy, 40000)], period_start=(today - timedelta(days=75)).replace(day=1),
              due_on=today - timedelta(days=45))  # fmt: skip
    complaint = world.register(title="水费读数有误")
    ledger_url = f"{live_server.url}/billing/arrears/{world.project.pk}/"
    room_url = f"{live_server.url}/billing/arrears/rooms/{world.room.pk}/"

    # ---------------------------------------------------------------- who may not
    tech = signed_in(browser, live_server, "tech")
    assert tech.goto(ledger_url).status == 403
    assert tech.goto(room_url).status == 403

    # ---------------------------------------------------------------- 1. the clerk's ledger, one building
    cs = signed_in(browser, live_server, "cs")
    cs.goto(f"{live_server.url}/billing/arrears/")  # the only project: straight to its ledger
    assert cs.url == ledger_url
    expect(cs.locator("#ledger")).to_contain_text("3 栋")
    expect(cs.locator("#ledger")).to_contain_text("5 栋")
    expect(cs.locator("#total-rooms")).to_have_text("3")
    cs.select_option("#ledger-filters select[name=building]", label="3")
    submit(cs, cs.locator("#ledger-filters button", has_text="筛选"))
    expect(cs.locator("#ledger")).to_contain_text("3-2-1502")
    expect(cs.locator("#ledger")).to_contain_text("3-2-1501")
    expect(cs.locator("#ledger")).not_to_contain_text("5-1-101")
    shots("ledger-building", cs)

    # ---------------------------------------------------------------- 2. the building's export
    with cs.expect_download() as download:
        cs.locator("#export").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    download.value.save_as(tmp_path / "ledger.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "ledger.xlsx").active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if "房屋" in r)
    by_room = {r[0]: dict(zip(header, r, strict=False)) for r in rows if r and r[0] in ("3-2-1502", "3-2-1501")}
    assert set(by_room) == {"3-2-1502", "3-2-1501"}  # the building's rooms only
    assert not any("5-1-101" in str(c) for r in rows for c in r)
    zhang = by_room["3-2-1502"]
    aged = {k: Decimal(str(v or 0)) for k, v in zhang.items() if k and str(k).startswith("账龄")}
    assert aged == {
        "账龄 30天以内(元)": 0,
        "账龄 31–90天(元)": Decimal("300"),
        "账龄 91–180天(元)": Decimal("200"),
        "账龄 181–365天(元)": 0,
        "账龄 1年以上(元)": 0,
    }
    assert Decimal(str(by_room["3-2-1501"]["账龄 30天以内(元)"])) == Decimal("99")
    assert Decimal(str(zhang["欠费合计(元)"])) == Decimal("500") and zhang["业主"] == "张三"
    assert not any("13812345678" in str(c) for r in rows for c in r)  # no phone numbers

    # ---------------------------------------------------------------- 3. a phone call, its answer
    submit(cs, cs.locator("#ledger a", has_text="3-2-1502"))
    assert cs.url == room_url
    expect(cs.locator("#owed")).to_have_text("500.00")
    cs.select_option("#dun-form select[name=kind]", value=str(DunningStepKind.PHONE))
    submit(cs, cs.locator("#dun-form button"))  # no answer: a phone call needs one
    expect(cs.locator("#dun-form")).to_contain_text("答复")
    assert not DunningStep.objects.exists()
    cs.select_option("#dun-form select[name=kind]", value=str(DunningStepKind.PHONE))
    cs.fill("#id_answer", "业主答应月底前缴清")
    submit(cs, cs.locator("#dun-form button"))
    expect(cs.locator("#dunning tbody tr").first).to_contain_text("电话催缴")
    expect(cs.locator("#dunning tbody tr").first).to_contain_text("业主答应月底前缴清")
    expect(cs.locator("#dunning tbody tr").first).to_contain_text("王丽")
    expect(cs.locator("#dunning tbody tr").first).to_contain_text("500.00")
    shots("phone-call", cs)

    # ---------------------------------------------------------------- 4. the written notice
    letter = pdf_text(cs, live_server.url + cs.locator("#letter-pdf").get_attribute("href"), tmp_path, "letter")
    assert "催缴函" in letter and "3-2-1502" in letter and "500.00" in letter
    assert "13812345678" not in letter

    # ---------------------------------------------------------------- 5. the supervisor agrees a plan
    sup = signed_in(browser, live_server, "sup")
    sup.goto(room_url)
    sup.locator("#plan summary", has_text="办理分期").click()
    sup.fill("#plan-form input[name=due_1]", (today + timedelta(days=20)).isoformat())
    sup.fill("#plan-form input[name=amount_1]", "150")
    sup.fill("#plan-form input[name=due_2]", (today + timedelta(days=50)).isoformat())
    sup.fill("#plan-form input[name=amount_2]", "150")
    submit(sup, sup.locator("#plan-form button", has_text="签订分期协议"))
    expect(sup.locator("#plan")).to_contain_text("300.00")
    expect(sup.locator("#plan tbody tr")).to_have_count(2)
    plan = PaymentPlan.objects.get(room=world.room)
    assert plan.state == PlanState.ACTIVE and plan.total_fen == 30000 and plan.agreed_by == world.supervisor
    shots("plan", sup)

    # ---------------------------------------------------------------- 6. finance marks a bill disputed
    fin = signed_in(browser, live_server, "fin")
    fin.goto(room_url)
    row = fin.locator(f"#bill-{water.pk}")
    row.locator("summary", has_text="标记争议").click()
    row.locator("input[name=reason]").fill("业户认为水表读数有误")
    row.locator("select[name=request]").select_option(str(complaint.pk))
    submit(fin, row.locator("button", has_text="标记为有争议"))
    row = fin.locator(f"#bill-{water.pk}")
    expect(row).to_contain_text("有争议")
    expect(row.locator("a", has_text=complaint.number)).to_be_visible()
    expect(fin.locator("#disputed")).to_have_text("300.00")
    expect(fin.locator("#overdue")).to_have_text("200.00")  # what is dunned now
    water.refresh_from_db()
    assert water.disputed and water.dispute_request == complaint
    # its dunning pauses: the next step counts only the bill not in dispute
    fin.select_option("#dun-form select[name=kind]", value=str(DunningStepKind.REMINDER))
    submit(fin, fin.locator("#dun-form button"))
    expect(fin.locator("#dunning tbody tr").first).to_contain_text("200.00")
    assert DunningStep.objects.order_by("-at", "-id").first().owed_fen == 20000
    letter = pdf_text(fin, live_server.url + fin.locator("#letter-pdf").get_attribute("href"), tmp_path, "letter2")
    assert "200.00" in letter and water.number not in letter
    shots("disputed", fin)

    # ---------------------------------------------------------------- 7. the lobby notice
    fin.goto(ledger_url)
    expect(fin.locator("a", has_text="欠费公示")).to_have_count(0)  # off by default
    assert fin.goto(f"{ledger_url}lobby/").status == 403
    settings_for(world.company, lobby_notice_rooms=True)
    fin.goto(ledger_url)
    submit(fin, fin.locator("a", has_text="欠费公示"))
    rows = fin.locator("#lobby-rows")
    expect(rows).to_contain_text("5-1-101")
    expect(rows).to_contain_text("400.00")
    expect(rows).to_contain_text("3-2-1501")
    expect(rows).not_to_contain_text("3-2-1502")  # paying by its plan: not listed
    page = fin.content()
    for person in ("张三", "李四", "王五", "13812345678", "13900001111", "13600005555"):
        assert person not in page
    lobby = pdf_text(fin, f"{ledger_url}lobby.pdf", tmp_path, "lobby")
    assert "5-1-101" in lobby and "400.00" in lobby
    assert not any(person in lobby for person in ("张三", "李四", "王五"))
    shots("lobby", fin)
    assert Bill.objects.filter(room=world.room, disputed=True).count() == 1
