"""The daily close-out: what a day shows, the sign-off that freezes it, the PDF, and who may do what."""

import re
import threading
import zlib
from datetime import date

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.errors import ActionRefused
from desk.choices import Kind, State
from desk.models import ServiceRequest
from desk.services import request_close, request_dispatch, request_pause
from quality import selectors, services
from quality.models import DailyCloseout
from quality.services import closeout_sign

from .helpers import at, clock, dispatch, done, login, register, resolve, simple_limits, work

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 10)


@pytest.fixture
def day(world):
    """Requests around Tuesday 2026-11-10.

    P1 complaint 11-09 10:00  dispatched: resolve due 11-10 10:00 → overdue
    P2 repair    11-10 09:00  registered: resolve due 13:00 → overdue, awaiting dispatch
    P3 complaint 11-10 11:00  paused, waiting for parts (no clock, so not overdue)
    P4 repair    11-10 08:00  resolved 10:00, return visit owed
    P5 enquiry   11-10 15:00  answered and closed
    P6 complaint 11-11 09:00  the next day: not in the close-out of the 10th
    and a request of the other project on the 10th.
    """
    simple_limits(world)
    r = {}
    r["P1"] = register(world, at(2026, 11, 9, 10, 0), title="P1 电梯异响")
    dispatch(world, r["P1"], at(2026, 11, 9, 10, 20))
    r["P2"] = register(world, at(2026, 11, 10, 9, 0), kind=Kind.REPAIR, title="P2 灯不亮", room_id=world.room2.pk)
    r["P3"] = register(world, at(2026, 11, 10, 11, 0), title="P3 楼道灯闪")
    dispatch(world, r["P3"], at(2026, 11, 10, 11, 10))
    work(world, r["P3"], at(2026, 11, 10, 11, 30))
    with clock(at(2026, 11, 10, 12, 0)):
        request_pause(actor=world.tech, request=r["P3"], note="等待配件")
    r["P4"] = register(world, at(2026, 11, 10, 8, 0), kind=Kind.REPAIR, title="P4 水龙头")
    done(world, r["P4"], at(2026, 11, 10, 8, 10), at(2026, 11, 10, 10, 0))
    r["P5"] = register(world, at(2026, 11, 10, 15, 0), kind=Kind.ENQUIRY, title="P5 停车费")
    resolve(world, r["P5"], at(2026, 11, 10, 15, 5), by=world.cs)
    with clock(at(2026, 11, 10, 15, 6)):
        request_close(actor=world.cs, request=r["P5"])
    r["P6"] = register(world, at(2026, 11, 11, 9, 0), title="P6 第二天")
    with clock(at(2026, 11, 10, 9, 30)):
        world.register_other()
    return r


def page(client, project_id=None, d=DAY, when=at(2026, 11, 10, 18, 0), **post):
    url = reverse("quality:closeout-day", args=[project_id, d])
    with clock(when):
        return client.post(url, post) if post else client.get(url)


def pdf_font_names(pdf: bytes) -> str:
    """The PDF's text with its compressed object streams inflated, enough to find the font names."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            pass
    return b"".join(re.findall(rb"/BaseFont\s*/([^\s/<>\[\]]+)", b"\n".join(parts))).decode("latin-1")


def numbers(rows):
    return [r["number"] for r in rows]


def test_the_days_close_out(world, day):
    with clock(at(2026, 11, 10, 18, 0)):
        data = selectors.closeout_data(world.project, DAY)
    assert data["registered"] == 4
    assert data["by_state"] == [
        {"state": State.REGISTERED, "n": 1},
        {"state": State.PAUSED, "n": 1},
        {"state": State.RESOLVED, "n": 1},
        {"state": State.CLOSED, "n": 1},
    ]
    assert data["by_kind"] == [{"kind": "complaint", "n": 1}, {"kind": "repair", "n": 2}, {"kind": "enquiry", "n": 1}]
    r = day
    # Four unfinished, in three lists that do not overlap.
    assert data["unfinished"]["count"] == 4
    assert data["overdue"]["count"] == 2
    assert numbers(data["overdue"]["rows"]) == [r["P1"].number, r["P2"].number]  # soonest deadline first
    assert data["visits"]["count"] == 1 and numbers(data["visits"]["rows"]) == [r["P4"].number]
    assert data["others"]["count"] == 1 and numbers(data["others"]["rows"]) == [r["P3"].number]

    rows = data["overdue"]["rows"] + data["visits"]["rows"] + data["others"]["rows"]
    why = {row["number"]: row["why"] for row in rows}
    assert why == {
        r["P1"].number: "accept",
        r["P2"].number: "dispatch",
        r["P3"].number: "paused",
        r["P4"].number: "visit",
    }
    shown = selectors.present_closeout(data)
    rows = shown["overdue"]["rows"] + shown["visits"]["rows"] + shown["others"]["rows"]
    labels = {row["number"]: row["why_label"] for row in rows}
    assert labels[r["P3"].number] == "暂停：等待配件" and labels[r["P2"].number] == "待派单"
    p1 = shown["overdue"]["rows"][0]
    assert p1["assignee"] == "孙师傅" and p1["department"] == "工程部" and p1["overdue"] is True


def test_long_lists_are_cut_and_say_so(world, day):
    data = selectors.closeout_data(world.project, DAY, limit=1)
    shown = selectors.present_closeout(data)
    assert data["overdue"]["count"] == 2 and len(shown["overdue"]["rows"]) == 1
    assert shown["overdue"]["truncated"] is True and shown["visits"]["truncated"] is False


def test_the_page_lists_what_is_unfinished(client, world, day):
    login(client, world.supervisor)
    response = page(client, world.project.pk)
    assert response.status_code == 200
    html = response.content.decode()
    for text in ["未结清", "待派单", "暂停：等待配件", "已派单，待接单", "待回访", day["P1"].number, "签字结清"]:
        assert text in html, text
    assert "P3 楼道灯闪" in html
    assert day["P6"].number not in html and "门禁坏了" not in html  # the next day's, the other project's


def test_signing_freezes_the_day(client, world, day):
    login(client, world.supervisor)
    before = page(client, world.project.pk).context["c"]
    response = page(client, world.project.pk, comment="P1 已催工程部，明早处理")
    assert response.status_code == 302
    closeout = DailyCloseout.objects.get()
    assert (closeout.project, closeout.date, closeout.signed_by) == (world.project, DAY, world.supervisor)
    assert closeout.signed_at == at(2026, 11, 10, 18, 0)

    # The next day the work goes on: P2 is dispatched, P1 finished.
    with clock(at(2026, 11, 11, 9, 0)):
        request_dispatch(actor=world.cs, request=day["P2"], assignee=world.tech)
    work(world, day["P1"], at(2026, 11, 11, 9, 10))
    resolve(world, day["P1"], at(2026, 11, 11, 9, 30))
    register(world, at(2026, 11, 10, 23, 0), title="迟到的登记")

    after = page(client, world.project.pk, when=at(2026, 11, 11, 10, 0))
    assert after.status_code == 200
    frozen = after.context["c"]
    for key in ("registered", "by_state", "by_kind", "unfinished", "overdue", "visits", "others"):
        assert frozen[key] == before[key], key
    html = after.content.decode()
    assert "已结清" in html and "P1 已催工程部，明早处理" in html and "待派单" in html
    assert 'name="comment"' not in html  # no second sign-off form
    assert "迟到的登记" not in html
    # The live figures have moved on; the frozen page has not.
    assert selectors.closeout_data(world.project, DAY)["registered"] == 5


def test_a_second_sign_off_is_refused_and_changes_nothing(client, world, day):
    login(client, world.supervisor)
    page(client, world.project.pk, comment="第一次")
    first = DailyCloseout.objects.get()
    login(client, world.manager)
    response = page(client, world.project.pk, when=at(2026, 11, 10, 19, 0), comment="第二次")
    assert response.status_code == 302
    with clock(at(2026, 11, 10, 19, 0)):
        html = client.get(response["Location"]).content.decode()
    assert "已由 陈静 于 2026-11-10 18:00 签字结清，不能再次签字。" in html
    again = DailyCloseout.objects.get()
    assert (again.pk, again.comment, again.signed_by, again.signed_at, again.snapshot) == (
        first.pk,
        "第一次",
        world.supervisor,
        first.signed_at,
        first.snapshot,
    )


def test_two_sign_offs_at_the_same_moment_one_wins(world, day, monkeypatch):
    """Both found the day unsigned; the other one's row lands first: the unique constraint refuses ours."""
    real = selectors.closeout_data

    def meanwhile(project, d, **kw):
        DailyCloseout.objects.create(
            project=project, date=d, signed_by=world.manager, signed_at=at(2026, 11, 10, 17, 59), snapshot={}
        )
        return real(project, d, **kw)

    monkeypatch.setattr(services.selectors, "closeout_data", meanwhile)
    with clock(at(2026, 11, 10, 18, 0)), pytest.raises(ActionRefused) as refused:
        closeout_sign(actor=world.supervisor, project=world.project, day=DAY, comment="同时")
    assert "不能再次签字" in refused.value.message and world.manager.name in refused.value.message
    closeout = DailyCloseout.objects.get()
    assert closeout.signed_by == world.manager and closeout.comment == ""


@pytest.mark.django_db(transaction=True)
def test_two_sign_offs_from_two_connections_one_wins(world):
    """PostgreSQL, two real connections: both read the day as unsigned, both insert; the unique
    constraint makes the second wait for the first and then refuses it with a clear message."""
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once are tested on PostgreSQL; SQLite serialises writers")
    barrier = threading.Barrier(2)
    real = selectors.closeout_data

    def after_both_checked(project, d, **kw):
        barrier.wait(timeout=10)  # both have found no sign-off before either inserts
        return real(project, d, **kw)

    people = [world.supervisor, world.manager]
    results: list = [None, None]

    def sign(i):
        try:
            closeout_sign(actor=people[i], project=world.project, day=DAY, comment=f"第{i}位")
            results[i] = "signed"
        except ActionRefused as exc:
            results[i] = exc.message
        finally:
            connection.close()

    with clock(at(2026, 11, 10, 18, 0)):
        original, services.selectors.closeout_data = services.selectors.closeout_data, after_both_checked
        try:
            threads = [threading.Thread(target=sign, args=(i,)) for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        finally:
            services.selectors.closeout_data = original
    close_old_connections()
    assert sorted(r == "signed" for r in results) == [False, True]
    closeout = DailyCloseout.objects.select_related("signed_by").get()
    refused = next(r for r in results if r != "signed")
    assert refused == f"2026-11-10 已由 {closeout.signed_by.name} 于 2026-11-10 18:00 签字结清，不能再次签字。"


def test_overdue_work_needs_a_comment(client, world, day):
    login(client, world.supervisor)
    response = page(client, world.project.pk, comment="  ")
    assert response.status_code == 400
    assert "有 2 张工单超时，请说明原因和跟进安排后再签字。" in response.content.decode()
    assert not DailyCloseout.objects.exists()


def test_a_day_without_overdue_work_is_signed_without_comment(world):
    with clock(at(2026, 11, 10, 18, 0)):
        closeout = closeout_sign(actor=world.pm, project=world.project, day=DAY)
    assert closeout.comment == "" and closeout.snapshot["registered"] == 0


def test_a_day_not_yet_come_cannot_be_seen_or_signed(client, world):
    login(client, world.supervisor)
    assert page(client, world.project.pk, d=date(2026, 11, 11)).status_code == 404
    assert client.get(f"/closeout/{world.project.pk}/2026-02-30/").status_code == 404
    with clock(at(2026, 11, 10, 18, 0)), pytest.raises(ActionRefused):
        closeout_sign(actor=world.supervisor, project=world.project, day=date(2026, 11, 11))


def test_the_picker_opens_a_day_and_shows_the_last_week(client, world, day):
    login(client, world.supervisor)
    with clock(at(2026, 11, 10, 18, 0)):
        closeout_sign(actor=world.supervisor, project=world.project, day=date(2026, 11, 9))
        response = client.get(reverse("quality:closeout"))
        assert response.status_code == 200
        overview = dict(response.context["overview"][0][1])
        assert overview[date(2026, 11, 9)] is True and overview[DAY] is False
        response = client.get(reverse("quality:closeout"), {"project": world.project.pk, "day": "2026-11-10"})
        assert response["Location"] == reverse("quality:closeout-day", args=[world.project.pk, DAY])
        response = client.get(reverse("quality:closeout"), {"project": world.other_project.pk, "day": "2026-11-10"})
        assert response.status_code == 200  # not one of the supervisor's projects: the form refuses it


# ------------------------------------------------------------------ the PDF


def test_the_pdf_prints_the_day(client, world, day):
    login(client, world.supervisor)
    with clock(at(2026, 11, 10, 18, 0)):
        response = client.get(reverse("quality:closeout-pdf", args=[world.project.pk, DAY]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "Noto-Sans-CJK-SC" in pdf_font_names(response.content)  # a Chinese font is embedded: no tofu


def test_the_pdf_of_a_signed_day_is_the_frozen_one(client, world, day):
    login(client, world.supervisor)
    page(client, world.project.pk, comment="已安排")
    with clock(at(2026, 11, 11, 9, 0)):
        request_dispatch(actor=world.cs, request=day["P2"], assignee=world.tech)
    from quality.views import _closeout_context

    context = _closeout_context(world.project, DAY)
    assert context["signed"] is not None
    rows = {r["number"]: r["state"] for r in context["c"]["overdue"]["rows"]}
    assert rows[day["P2"].number] == State.REGISTERED


# ------------------------------------------------------------------ who may do what


@pytest.mark.parametrize("who", ["supervisor", "manager", "pm"])
def test_supervisors_managers_and_project_managers_sign(client, world, day, who):
    login(client, getattr(world, who))
    response = page(client, world.project.pk)
    assert response.status_code == 200 and 'name="comment"' in response.content.decode()
    assert page(client, world.project.pk, comment="已处理").status_code == 302
    assert DailyCloseout.objects.get().signed_by == getattr(world, who)


def test_the_desk_may_read_but_not_sign(client, world, day):
    login(client, world.cs)
    response = page(client, world.project.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="comment"' not in html and "只有客服主管、客服经理、项目经理可以签字结清。" in html
    assert page(client, world.project.pk, comment="我来签").status_code == 403
    assert not DailyCloseout.objects.exists()
    with clock(at(2026, 11, 10, 18, 0)), pytest.raises(ActionRefused):
        closeout_sign(actor=world.cs, project=world.project, day=DAY, comment="我来签")


@pytest.mark.parametrize("who", ["tech", "lead", "finance", "resident_user"])
def test_others_may_not_see_the_close_out(client, world, day, who):
    login(client, getattr(world, who))
    assert page(client, world.project.pk).status_code == 403
    assert page(client, world.project.pk, comment="x").status_code == 403
    with clock(at(2026, 11, 10, 18, 0)):
        assert client.get(reverse("quality:closeout-pdf", args=[world.project.pk, DAY])).status_code == 403
    assert client.get(reverse("quality:closeout")).status_code == 403


def test_staff_of_another_project_get_not_found(client, world, day):
    login(client, world.outsider)
    assert page(client, world.project.pk).status_code == 404
    with clock(at(2026, 11, 10, 18, 0)):
        assert client.get(reverse("quality:closeout-pdf", args=[world.project.pk, DAY])).status_code == 404
    assert page(client, world.other_project.pk).status_code == 200
    login(client, world.supervisor)
    assert page(client, world.other_project.pk).status_code == 404
    assert page(client, world.other_project.pk, comment="x").status_code == 404
    assert page(client, 999999).status_code == 404
    with clock(at(2026, 11, 10, 18, 0)), pytest.raises(ActionRefused):
        closeout_sign(actor=world.supervisor, project=world.other_project, day=DAY, comment="x")
    assert not DailyCloseout.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in (
        reverse("quality:closeout"),
        reverse("quality:closeout-day", args=[world.project.pk, DAY]),
        reverse("quality:closeout-pdf", args=[world.project.pk, DAY]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_close_outs_queries_do_not_grow_with_the_day(client, world):
    simple_limits(world)
    login(client, world.supervisor)

    def requests(n):
        for i in range(n):
            sr = register(world, at(2026, 11, 10, 8 + i % 10, i % 60), title=f"第{i}张")
            if i % 2:
                dispatch(world, sr, at(2026, 11, 10, 8 + i % 10, 59))

    requests(4)
    with CaptureQueriesContext(connection) as few:
        assert page(client, world.project.pk).status_code == 200
    requests(30)
    with CaptureQueriesContext(connection) as many:
        assert page(client, world.project.pk).status_code == 200
    assert len(few) == len(many)


def test_the_visits_card_counts_what_its_list_shows(client, world, day):
    """The 待回访 card once counted every visit owed while its list left out the overdue ones
    (listed with the overdue): the card now counts the list, and says where the others are."""
    ServiceRequest.objects.filter(pk=day["P4"].pk).update(due_at=at(2026, 11, 10, 12, 0))  # its visit overdue
    second = register(world, at(2026, 11, 10, 8, 30), kind=Kind.REPAIR, title="P7 水管")
    done(world, second, at(2026, 11, 10, 8, 40), at(2026, 11, 10, 11, 0))
    ServiceRequest.objects.filter(pk=second.pk).update(needs_return_visit=True, due_at=at(2026, 11, 13, 11, 0))
    login(client, world.supervisor)
    html = page(client, world.project.pk).content.decode()
    card = int(re.search(r'id="card-visits">(\d+)<', html).group(1))
    section = html[html.index('id="visits"') : html.index('id="others"')]
    rows = re.findall(r'<a href="/requests/\d+/">', section)
    assert card == len(rows) == 1
    assert "待回访（未超时）" in html and "另有 1 张已超时，计入超时" in html
