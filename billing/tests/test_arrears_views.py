"""The arrears side's pages with the whole cast: who may see the ledger, a room's arrears, the
notices and the figures; who may record steps, disputes and plans; another project's room is a 404;
residents never see the ledger."""

from datetime import timedelta
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from billing.choices import DunningStepKind, PlanState
from billing.models import Bill, DunningStep, PaymentPlan
from billing.tests.arrears_factories import fee_item, make_bill, settings_for
from core.models import ExportRecord
from tests.factories import PASSWORD

CAST = ["cs", "supervisor", "manager", "pm", "finance", "lead", "tech", "guard", "resident_user", "outsider"]
LEDGER_OK = {"cs", "supervisor", "manager", "pm", "finance"}
DUN_OK = {"cs", "supervisor", "manager", "pm", "finance"}
FIGURES_OK = {"supervisor", "manager", "pm", "finance"}


@pytest.fixture
def item(world):
    return fee_item(world.company)


@pytest.fixture
def owing(world, item):
    due = timezone.localdate() - timedelta(days=45)
    bill = make_bill(world.room, [(item, 30000)], period_start=due.replace(day=1), due_on=due)
    make_bill(world.other_room, [(fee_item(world.company), 9900)], period_start=due.replace(day=1), due_on=due)
    return bill


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def pages(world, bill):
    p, r = world.project.pk, world.room.pk
    return {
        "ledger": reverse("billing:arrears-project", args=[p]),
        "ledger-rooms": reverse("billing:arrears-project", args=[p]) + "?rooms=1",
        "export": reverse("billing:arrears-export", args=[p]),
        "room": reverse("billing:arrears-room", args=[r]),
        "notice": reverse("billing:notice-room-pdf", args=[r]),
        "building-notices": reverse("billing:notice-building-pdf", args=[p, world.room.building_id]),
        "letter": reverse("billing:letter-pdf", args=[r]),
    }


@pytest.mark.parametrize("who", CAST)
def test_ledger_pages_by_role(client, world, owing, who):
    user = getattr(world, who)
    login(client, user)
    for name, url in pages(world, owing).items():
        if name in ("notice", "building-notices", "letter") and who not in LEDGER_OK:
            continue  # a PDF per role costs a second; the refusal is the same guard as the page's
        response = client.get(url)
        if who in LEDGER_OK:
            assert response.status_code == 200, (name, response.status_code)
        elif who == "outsider":
            assert response.status_code in (403, 404), name
        else:
            assert response.status_code == 403, (name, who)


def test_anonymous_is_sent_to_sign_in(client, world, owing):
    response = client.get(reverse("billing:arrears-project", args=[world.project.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_another_projects_room_and_project_are_404(client, world, owing):
    login(client, world.cs)
    assert client.get(reverse("billing:arrears-room", args=[world.other_room.pk])).status_code == 404
    assert client.get(reverse("billing:arrears-project", args=[world.other_project.pk])).status_code == 404
    assert client.get(reverse("billing:notice-room-pdf", args=[world.other_room.pk])).status_code == 404
    assert client.get(reverse("billing:letter-pdf", args=[world.other_room.pk])).status_code == 404
    url = reverse("billing:arrears-dun", args=[world.other_room.pk])
    assert client.post(url, {"kind": DunningStepKind.REMINDER}).status_code == 404
    assert not DunningStep.objects.exists()


def test_the_ledger_lists_buildings_then_rooms_with_the_owner_but_no_phone(client, world, owing):
    login(client, world.cs)
    page = client.get(reverse("billing:arrears-project", args=[world.project.pk])).content.decode()
    assert "300.00" in page and "99.00" not in page  # the other project's arrears are not here
    page = client.get(
        reverse("billing:arrears-project", args=[world.project.pk]) + f"?building={world.room.building_id}"
    ).content.decode()
    assert "3-2-1502" in page and "张三" in page
    assert "13812345678" not in page and "138****5678" not in page


def test_the_export_is_formula_safe_has_no_phone_and_is_recorded(client, world, owing):
    world.resident.name = '=HYPERLINK("http://x","点")'
    world.resident.save()
    login(client, world.supervisor)
    response = client.get(reverse("billing:arrears-export", args=[world.project.pk]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][0] == "3-2-1502"
    assert rows[1][1].startswith("'=")  # stays text
    flat = " ".join(str(c) for row in rows for c in row)
    assert "13812345678" not in flat and "1381234" not in flat
    record = ExportRecord.objects.get()
    assert record.user == world.supervisor and record.rows == 1


def test_recording_a_step_from_the_room_page(client, world, owing):
    login(client, world.cs)
    url = reverse("billing:arrears-dun", args=[world.room.pk])
    response = client.post(url, {"kind": DunningStepKind.PHONE, "answer": ""})
    assert response.status_code == 400 and "答复" in response.content.decode()
    response = client.post(url, {"kind": DunningStepKind.PHONE, "answer": "周五来缴"})
    assert response.status_code == 302
    step = DunningStep.objects.get()
    assert (step.by, step.owed_fen) == (world.cs, 30000)
    page = client.get(reverse("billing:arrears-room", args=[world.room.pk])).content.decode()
    assert "周五来缴" in page and "电话催缴" in page


@pytest.mark.parametrize("who", ["tech", "guard", "lead", "resident_user"])
def test_who_may_not_record_steps_disputes_or_plans(client, world, owing, who):
    login(client, getattr(world, who))
    r = world.room.pk
    assert client.post(reverse("billing:arrears-dun", args=[r]), {"kind": 10}).status_code == 403
    assert client.post(reverse("billing:arrears-dispute", args=[r, owing.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("billing:arrears-plan", args=[r]), {}).status_code == 403
    assert not DunningStep.objects.exists() and not Bill.objects.filter(disputed=True).exists()


def test_dispute_and_settle_from_the_room_page(client, world, owing):
    sr = world.register()
    login(client, world.cs)
    url = reverse("billing:arrears-dispute", args=[world.room.pk, owing.pk])
    response = client.post(url, {"reason": "面积多算", "request": ""})
    assert response.status_code == 400
    client.post(url, {"reason": "面积多算", "request": sr.pk})
    owing.refresh_from_db()
    assert owing.disputed and owing.dispute_request == sr
    response = client.post(reverse("billing:arrears-dun", args=[world.room.pk]), {"kind": 10})
    assert response.status_code == 302 and not DunningStep.objects.exists()  # refused: all disputed
    client.post(reverse("billing:arrears-settle", args=[world.room.pk, owing.pk]), {"outcome": "复测无误"})
    owing.refresh_from_db()
    assert not owing.disputed


def test_a_bill_of_another_room_cannot_be_disputed_through_this_room(client, world, owing, item):
    other = make_bill(world.room2, [(item, 100)], period_start=owing.period_start, due_on=owing.due_on)
    login(client, world.cs)
    url = reverse("billing:arrears-dispute", args=[world.room.pk, other.pk])
    assert client.post(url, {"reason": "x"}).status_code == 404


def test_agreeing_a_plan_from_the_room_page(client, world, owing):
    login(client, world.cs)
    today = timezone.localdate()
    url = reverse("billing:arrears-plan", args=[world.room.pk])
    bad = client.post(url, {"due_1": str(today + timedelta(days=5)), "amount_1": "-5"})
    assert bad.status_code == 400 and not PaymentPlan.objects.exists()
    client.post(
        url,
        {
            "due_1": str(today + timedelta(days=5)),
            "amount_1": "100",
            "due_2": str(today + timedelta(days=35)),
            "amount_2": "200.00",
            "note": "分两期",
        },
    )
    plan = PaymentPlan.objects.get()
    assert plan.total_fen == 30000 and plan.state == PlanState.ACTIVE
    page = client.get(reverse("billing:arrears-room", args=[world.room.pk])).content.decode()
    assert "分两期" in page
    client.post(reverse("billing:arrears-plan-cancel", args=[world.room.pk, plan.pk]), {"reason": "一次缴清"})
    plan.refresh_from_db()
    assert plan.state == PlanState.CANCELLED


def test_the_lobby_notice_needs_the_setting_and_names_no_one(client, world, owing):
    login(client, world.cs)
    url = reverse("billing:lobby-notice", args=[world.project.pk])
    assert client.get(url).status_code == 403
    settings_for(world.company, lobby_notice_rooms=True)
    page = client.get(url).content.decode()
    assert "3-2-1502" in page and "300.00" in page
    assert "张三" not in page and "13812345678" not in page
    login(client, world.tech)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("who", CAST)
def test_figures_and_finance_pages_by_role(client, world, owing, who):
    login(client, getattr(world, who))
    urls = [
        reverse("billing:figures", args=[world.project.pk]),
        reverse("billing:finance-month", args=[world.project.pk]),
        reverse("billing:finance-ledger", args=[world.project.pk]),
    ]
    for url in urls:
        response = client.get(url)
        if who in FIGURES_OK:
            assert response.status_code == 200, url
        elif who == "outsider":
            assert response.status_code in (403, 404)
        else:
            assert response.status_code == 403, (url, who)


def test_the_menu_shows_what_opens(client, world):
    login(client, world.cs)
    page = client.get(reverse("desk:home")).content.decode()
    assert reverse("billing:arrears") in page and reverse("billing:figures-index") not in page
    login(client, world.tech)
    page = client.get(reverse("desk:jobs")).content.decode()
    assert reverse("billing:arrears") not in page


@pytest.mark.parametrize(("who", "status"), [("cs", 302), ("pm", 302), ("tech", 403), ("resident_user", 403)])
def test_the_index_pages_open_the_users_project(client, world, who, status):
    login(client, getattr(world, who))
    response = client.get(reverse("billing:arrears"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == reverse("billing:arrears-project", args=[world.project.pk])


@pytest.mark.parametrize(("who", "status"), [("finance", 302), ("supervisor", 302), ("cs", 403), ("tech", 403)])
def test_the_figures_index_by_role(client, world, who, status):
    login(client, getattr(world, who))
    assert client.get(reverse("billing:figures-index")).status_code == status


def test_the_household_page_shows_the_dunning_history_on_its_timeline(client, world, owing):
    from billing import services

    services.dunning_step_record(actor=world.cs, room=world.room, kind=DunningStepKind.PHONE, answer="下周一来缴")
    login(client, world.cs)
    page = client.get(reverse("estate:household", args=[world.room.pk])).content.decode()
    assert "电话催缴" in page and "下周一来缴" in page and "300.00" in page
    login(client, world.tech)
    response = client.get(reverse("estate:household", args=[world.room.pk]))
    assert "下周一来缴" not in response.content.decode()


def test_the_household_panel_fragment(rf, world, owing):
    from billing import services
    from billing.household_arrears import dunning_panel

    services.dunning_step_record(actor=world.cs, room=world.room, kind=DunningStepKind.REMINDER)
    request = rf.get("/")
    request.user = world.cs
    html = dunning_panel(request, world.room)
    assert "300.00" in html and "缴费提醒" in html and reverse("billing:arrears-room", args=[world.room.pk]) in html
    request.user = world.tech
    assert dunning_panel(request, world.room) == ""
    request.user = world.resident_user
    assert dunning_panel(request, world.room) == ""
