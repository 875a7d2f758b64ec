"""The monthly review: counts and KPIs of a hand-made October 2026, its page, who may see it, and
that its cost in queries does not depend on how many requests the month holds."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.choices import Role
from core.models import Company
from desk.choices import Kind, State
from desk.models import Category, ServiceRequest
from desk.services import request_cancel, request_close, request_reply, request_visit
from estate.choices import RoomState, RoomUse
from estate.models import Room
from quality.kpis import kpis, present_review
from quality.review import monthly_review
from tests.factories import make_project, make_room, make_user

from .helpers import at, clock, dispatch, done, login, register, resolve, simple_limits

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)


@pytest.fixture
def october(world):
    """Nine requests registered in October 2026 (Shanghai time), three outside it.

    A  complaint 1502  10-05 09:00  resolved after 2h (on time), replied, visited A, closed
    B  complaint 1502  10-12 20:30  resolved after 48h (late), visited C → reopened
    C  complaint 1501  10-20 14:00  invalid: explained and closed
    D  complaint —     10-28 09:15  still registered (another category, public place)
    E  repair    1501  10-05 10:00  resolved after 2h (on time), visited B
    F  repair    1502  10-07 08:00  resolved after 6h (late), visited C → reopened
    G  repair    1501  10-30 16:00  dispatched, not resolved
    H  enquiry   1502  10-09 10:00  answered at the desk after 5 minutes
    I  complaint 1502  10-31 23:30  cancelled
    """
    simple_limits(world)
    # 100 households: the two rooms of the world and 98 more occupied homes; a vacant home and an
    # occupied parking space do not count.
    for i in range(98):
        make_room(world.project, "5", "1", f"{1000 + i}")
    vacant = make_room(world.project, "6", "1", "101")
    parking = make_room(world.project, "6", "1", "B1-001")
    Room.objects.filter(pk=vacant.pk).update(state=RoomState.VACANT)
    Room.objects.filter(pk=parking.pk).update(use=RoomUse.PARKING)

    sanitation = Category.objects.create(company=world.company, name="环境卫生", code="sanitation")
    r = {}
    r["A"] = register(world, at(2026, 10, 5, 9, 0), title="A 楼上噪音")
    done(world, r["A"], at(2026, 10, 5, 9, 10), at(2026, 10, 5, 11, 0))
    with clock(at(2026, 10, 5, 11, 30)):
        request_reply(actor=world.cs, request=r["A"], reply="已处理")
    with clock(at(2026, 10, 6, 10, 0)):
        request_visit(actor=world.cs, request=r["A"], rating="A")
        request_close(actor=world.cs, request=r["A"])

    r["B"] = register(world, at(2026, 10, 12, 20, 30), title="B 漏水又来了")
    done(world, r["B"], at(2026, 10, 12, 20, 40), at(2026, 10, 14, 20, 30))
    with clock(at(2026, 10, 15, 10, 0)):
        request_visit(actor=world.cs, request=r["B"], rating="C", comment="还在漏")

    r["C"] = register(
        world, at(2026, 10, 20, 14, 0), title="C 邻居装修", validity="invalid", room_id=world.room2.pk, resident_id=None
    )
    with clock(at(2026, 10, 20, 14, 30)):
        request_close(actor=world.cs, request=r["C"], note="不属于物业服务范围，已解释")

    r["D"] = register(
        world,
        at(2026, 10, 28, 9, 15),
        title="D 垃圾桶满了",
        category_id=sanitation.pk,
        room_id=None,
        resident_id=None,
        location="2号门",
    )

    r["E"] = register(world, at(2026, 10, 5, 10, 0), kind=Kind.REPAIR, title="E 灯坏了", room_id=world.room2.pk)
    done(world, r["E"], at(2026, 10, 5, 10, 5), at(2026, 10, 5, 12, 0))
    with clock(at(2026, 10, 6, 9, 0)):
        request_visit(actor=world.cs, request=r["E"], rating="B")

    r["F"] = register(world, at(2026, 10, 7, 8, 0), kind=Kind.REPAIR, title="F 水龙头")
    done(world, r["F"], at(2026, 10, 7, 8, 10), at(2026, 10, 7, 14, 0))
    with clock(at(2026, 10, 8, 9, 0)):
        request_visit(actor=world.cs, request=r["F"], rating="C", comment="又坏了")

    r["G"] = register(world, at(2026, 10, 30, 16, 0), kind=Kind.REPAIR, title="G 门禁", room_id=world.room2.pk)
    dispatch(world, r["G"], at(2026, 10, 30, 16, 10))

    r["H"] = register(world, at(2026, 10, 9, 10, 0), kind=Kind.ENQUIRY, title="H 停水通知")
    resolve(world, r["H"], at(2026, 10, 9, 10, 5), by=world.cs)

    r["I"] = register(world, at(2026, 10, 31, 23, 30), title="I 重复登记")
    with clock(at(2026, 10, 31, 23, 40)):
        request_cancel(actor=world.cs, request=r["I"], note="重复登记")

    # Outside the month (local time) or the project.
    register(world, at(2026, 9, 30, 23, 50), title="九月")
    register(world, at(2026, 11, 1, 0, 10), title="十一月")
    with clock(at(2026, 10, 15, 9, 0)):
        world.register_other()
    return r


def test_the_months_counts_and_kpis(october):
    review = monthly_review(october["A"].project_id, OCTOBER)
    c = review["counts"]
    assert c["total"] == 9 and c["cancelled"] == 1
    assert (c["complaints"], c["complaints_handled"], c["complaints_resolved"], c["complaints_visited"]) == (4, 3, 2, 2)
    assert (c["complaints_timed"], c["complaints_on_time"], c["complaints_valid"], c["complaints_invalid"]) == (
        2,
        1,
        3,
        1,
    )
    assert (c["repairs"], c["repairs_resolved"], c["repairs_timed"], c["repairs_on_time"]) == (3, 2, 2, 1)
    assert (c["repairs_visited"], c["repairs_passed"]) == (2, 1)
    assert (c["rated"], c["good"], c["satisfied"], c["fairly"], c["unsatisfied"]) == (4, 2, 1, 1, 2)
    assert (c["timed"], c["on_time"], c["visits_owed"], c["visits_done"], c["reopened"]) == (4, 2, 4, 4, 2)
    assert review["households"] == 100

    figures = {k.key: (k.numerator, k.denominator, k.value) for k in kpis(review)}
    assert figures == {
        "complaint_handling": (3, 4, 75.0),
        "complaint_timeliness": (1, 2, 50.0),
        "complaint_visit": (2, 2, 100.0),
        "valid_complaint": (3, 100, 3.0),
        "repair_timeliness": (1, 2, 50.0),
        "repair_pass": (1, 2, 50.0),
        "satisfaction": (2, 4, 50.0),
    }


def test_the_months_breakdowns(october):
    review = monthly_review(october["A"].project_id, OCTOBER)
    kinds = {(r["kind"], r["state"]): r["n"] for r in review["kind_state"]}
    assert kinds == {
        (Kind.COMPLAINT, State.CLOSED): 2,
        (Kind.COMPLAINT, State.DISPATCHED): 1,
        (Kind.COMPLAINT, State.REGISTERED): 1,
        (Kind.COMPLAINT, State.CANCELLED): 1,
        (Kind.REPAIR, State.VISITED): 1,
        (Kind.REPAIR, State.DISPATCHED): 2,
        (Kind.ENQUIRY, State.RESOLVED): 1,
    }
    categories = {
        r["name"]: (r["total"], r["complaints"], r["repairs"], r["rated"], r["good"]) for r in review["by_category"]
    }
    assert categories == {"设施设备": (8, 3, 3, 4, 2), "环境卫生": (1, 1, 0, 0, 0)}
    departments = {r["name"]: (r["total"], r["timed"], r["on_time"]) for r in review["by_department"]}
    assert departments == {"工程部": (5, 4, 2), None: (4, 0, 0)}

    daily = {d["day"]: (d["total"], d["complaints"], d["repairs"]) for d in review["daily"]}
    assert len(daily) == 31
    assert daily[date(2026, 10, 5)] == (2, 1, 1) and daily[date(2026, 10, 31)] == (1, 1, 0)
    assert daily[date(2026, 10, 1)] == (0, 0, 0)
    hours = {h["hour"]: (h["total"], h["complaints"]) for h in review["hourly"]}
    assert len(hours) == 24
    assert hours[9] == (2, 2) and hours[10] == (2, 0) and hours[20] == (1, 1) and hours[23] == (1, 1)
    assert sum(t for t, _c in hours.values()) == 9

    assert review["repeat_count"] == 1
    assert review["repeat"] == [{"room_id": october["A"].room_id, "room": "3-2-1502", "n": 2}]
    assert review["by_building"] == [{"building": "3", "n": 3}, {"building": None, "n": 1}]


def test_resolution_times_come_from_the_first_resolution(october):
    times = monthly_review(october["A"].project_id, OCTOBER)["resolution"]
    # First resolutions: A 2h, B 48h, E 2h, F 6h, H 5 min (B and F were reopened later).
    assert times["all"]["n"] == 5
    assert times["all"]["avg"] == pytest.approx((300 + 7200 + 7200 + 21600 + 172800) / 5, abs=1)
    assert times["all"]["p50"] == pytest.approx(7200, abs=1)
    assert times["complaint"]["n"] == 2 and times["complaint"]["avg"] == pytest.approx(90000, abs=1)
    assert times["repair"]["n"] == 2 and times["repair"]["avg"] == pytest.approx(14400, abs=1)
    if connection.vendor == "postgresql":  # percentile_cont interpolates
        assert times["all"]["p90"] == pytest.approx(21600 + 0.6 * (172800 - 21600), abs=1)
        assert times["complaint"]["p50"] == pytest.approx(90000, abs=1)
    else:  # nearest rank
        assert times["all"]["p90"] == pytest.approx(172800, abs=1)
        assert times["complaint"]["p50"] == pytest.approx(7200, abs=1)


def test_resolution_time_falls_back_to_the_timeline(october):
    """Requests resolved before the request kept its first resolution still count, from the timeline."""
    ServiceRequest.objects.filter(pk=october["F"].pk).update(first_resolved_at=None)
    times = monthly_review(october["A"].project_id, OCTOBER)["resolution"]
    assert times["repair"]["n"] == 2 and times["repair"]["avg"] == pytest.approx(14400, abs=1)


def test_an_empty_month_has_no_figures(world):
    review = monthly_review(world.project.pk, OCTOBER)
    assert review["counts"]["total"] == 0
    figures = {k.key: k.display for k in kpis(review)}
    assert figures.pop("valid_complaint") == "0.00%"  # no complaints among the 2 households
    assert set(figures.values()) == {"—"}
    assert review["resolution"]["all"] == {"n": 0, "avg": None, "p50": None, "p90": None}
    page = present_review(review)
    assert page["kind_rows"] == [] and page["busiest_hour"] is None


# ------------------------------------------------------------------ the page


def test_the_page_shows_each_figure_with_its_definition(client, world, october):
    login(client, world.pm)
    with clock(at(2026, 11, 3, 9, 0)):
        response = client.get(reverse("quality:review-month", args=[world.project.pk, OCTOBER]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "投诉处理率",
        "已处理投诉 ÷ 受理投诉",
        "75.0%",
        "有效投诉率",
        "本月有效投诉 ÷ 入住户数",
        "统计期为本月",
        "3.00%",
        "维修合格率",
        "本系统以回访代替验收",
        "满意率",
        "（满意 + 基本满意）÷（满意 + 基本满意 + 不满意）",
        "3-2-1502",
        'id="chart-category"',
        'id="chart-department"',
        'id="chart-daily"',
        'id="chart-hourly"',
        "vendor/echarts/echarts.min.js",
    ]:
        assert text in html, text
    charts = response.context["r"]["charts"]
    assert charts["category"]["names"] == ["设施设备", "环境卫生"]
    assert charts["hourly"]["series"][0]["data"][9] == 2


def test_the_review_opens_on_the_current_month_with_the_previous_beside_it(client, world, october):
    login(client, world.pm)
    november = date(2026, 11, 1)
    with clock(at(2026, 11, 3, 9, 0)):
        response = client.get(reverse("quality:review"))
        assert response["Location"] == reverse("quality:review-month", args=[world.project.pk, november])
        response = client.get(reverse("quality:review-project", args=[world.project.pk]))
        assert response["Location"] == reverse("quality:review-month", args=[world.project.pk, november])
        response = client.get(response["Location"])
    html = response.content.decode()
    assert "本月还没有结束" in html
    assert response.context["p"]["counts"]["complaints"] == 4  # October's, beside November's
    kpi = next(k for k in response.context["r"]["kpis"] if k.key == "complaint_handling")
    assert kpi.previous.display == "75.0%" and 'class="kpi-previous">75.0%<' in html
    assert "“上月”是" in html


def test_a_month_not_yet_begun_is_not_found(client, world):
    login(client, world.pm)
    with clock(at(2026, 11, 3, 9, 0)):
        assert (
            client.get(reverse("quality:review-month", args=[world.project.pk, date(2026, 12, 1)])).status_code == 404
        )
        assert client.get(f"/review/{world.project.pk}/2026-13/").status_code == 404
        assert (
            client.get(reverse("quality:review-month", args=[world.project.pk, date(2026, 11, 1)])).status_code == 200
        )


def test_the_picker_takes_a_project_and_a_month(client, world):
    admin = make_user("admin", Role.COMPANY_ADMIN, company=world.company)
    login(client, admin)
    response = client.get(reverse("quality:review"))
    assert response.status_code == 200 and "锦江公寓" in response.content.decode()
    response = client.get(reverse("quality:review"), {"project": world.other_project.pk, "month": "2026-10"})
    assert response["Location"] == reverse("quality:review-month", args=[world.other_project.pk, OCTOBER])
    response = client.get(reverse("quality:review"), {"project": world.other_project.pk, "month": "10/2026"})
    assert response.status_code == 200 and "请按 年-月 填写" in response.content.decode()


# ------------------------------------------------------------------ who may see it


@pytest.mark.parametrize("who", ["pm", "manager", "supervisor"])
def test_managers_see_their_projects_review(client, world, who):
    login(client, getattr(world, who))
    assert client.get(reverse("quality:review-month", args=[world.project.pk, OCTOBER])).status_code == 200


@pytest.mark.parametrize("who", ["cs", "tech", "lead", "finance", "resident_user", "outsider"])
def test_other_roles_may_not_see_the_review(client, world, who):
    login(client, getattr(world, who))
    assert client.get(reverse("quality:review-month", args=[world.project.pk, OCTOBER])).status_code == 403
    assert client.get(reverse("quality:review")).status_code == 403


def test_a_project_manager_of_another_project_gets_not_found(client, world):
    other_pm = make_user("pm2", Role.PROJECT_MANAGER, [world.other_project], company=world.company)
    login(client, other_pm)
    assert client.get(reverse("quality:review-month", args=[world.project.pk, OCTOBER])).status_code == 404
    assert client.get(reverse("quality:review-project", args=[world.project.pk])).status_code == 404
    assert client.get(reverse("quality:review-month", args=[world.other_project.pk, OCTOBER])).status_code == 200
    assert client.get(reverse("quality:review-month", args=[999999, OCTOBER])).status_code == 404


def test_a_company_admin_sees_only_their_companys_projects(client, world):
    admin = make_user("admin", Role.COMPANY_ADMIN, company=world.company)
    other_company = Company.objects.create(name="别家物业", code="x")
    foreign = make_project(other_company, "x1", "别家小区")
    login(client, admin)
    assert client.get(reverse("quality:review-month", args=[world.other_project.pk, OCTOBER])).status_code == 200
    assert client.get(reverse("quality:review-month", args=[foreign.pk, OCTOBER])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(reverse("quality:review-month", args=[world.project.pk, OCTOBER]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# ------------------------------------------------------------------ cost


def _month_of(world, n, offset=0):
    """n requests in October: complaints and repairs, every third one resolved."""
    for i in range(offset, offset + n):
        day, hour = 1 + i % 28, 8 + i % 12
        kind = Kind.COMPLAINT if i % 2 else Kind.REPAIR
        sr = register(world, at(2026, 10, day, hour, 0), kind=kind, title=f"第{i}张")
        if i % 3 == 0 or i < 2:
            done(world, sr, at(2026, 10, day, hour, 5), at(2026, 10, day, hour + 2, 0))


def test_the_reviews_queries_do_not_grow_with_the_month(client, world):
    simple_limits(world)
    _month_of(world, 5)
    login(client, world.pm)
    url = reverse("quality:review-month", args=[world.project.pk, OCTOBER])
    with CaptureQueriesContext(connection) as few:
        monthly_review(world.project.pk, OCTOBER)
    with clock(at(2026, 11, 3, 9, 0)), CaptureQueriesContext(connection) as few_page:
        assert client.get(url).status_code == 200
    _month_of(world, 35, offset=5)
    assert monthly_review(world.project.pk, OCTOBER)["counts"]["total"] == 40
    with CaptureQueriesContext(connection) as many:
        monthly_review(world.project.pk, OCTOBER)
    with clock(at(2026, 11, 3, 9, 0)), CaptureQueriesContext(connection) as many_page:
        assert client.get(url).status_code == 200
    assert len(few) == len(many) and len(few) <= 24
    assert len(few_page) == len(many_page)
