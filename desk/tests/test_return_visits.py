"""Return visits (回访): which requests get one (desk/sla.py choose_return_visit), who may do it
(desk/rules.py), what an unsatisfied visit does (desk/services/closing.py request_visit), and the /visits/
page that lists what is owed."""

from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils.dateparse import parse_datetime

from core import calendar
from core.errors import ActionRefused
from core.models import CalendarYear, Notification
from desk import rules, sla
from desk.choices import Action, Kind, Rating, Severity, State
from desk.models import Category, DeskSettings, RequestEvent, ServiceRequest, SlaPolicy
from desk.services import (
    request_accept,
    request_arrive,
    request_dispatch,
    request_reply,
    request_resolve,
    request_visit,
)

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
SAMPLE = 2000


def at(y, mo, d, h=0, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


@contextmanager
def clock(moment):
    with time_machine.travel(moment, tick=False):
        yield


@pytest.fixture(autouse=True)
def _fresh_calendar(db):
    if CalendarYear.objects.filter(year__in=[2025, 2026]).count() < 2:
        calendar.seed_from_package([2025, 2026])
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def w(world):
    sla.install_default_policies(world.company)
    return world


def set_rate(w, percent):
    DeskSettings.objects.update_or_create(company=w.company, defaults={"repair_visit_percent": percent})


def unsaved_repairs(w, count=SAMPLE, **fields):
    """Requests as the draw sees them: only the pk, kind, paid, category and project matter."""
    fields = {"kind": Kind.REPAIR, "paid": False, "project": w.project, **fields}
    return [ServiceRequest(pk=pk, **fields) for pk in range(1, count + 1)]


def share(requests) -> float:
    return sum(sla.choose_return_visit(sr) for sr in requests) / len(requests)


def fresh(sr):
    return ServiceRequest.objects.get(pk=sr.pk)


def resolved(w, moment=at(2026, 11, 23, 9, 0), by=None, kind=Kind.COMPLAINT, **kw):
    """Registered at `moment`, dispatched to `by` (the technician), accepted, resolved an hour later."""
    by = by or w.tech
    with clock(moment):
        sr = w.register(kind=kind, **kw)
        request_dispatch(actor=w.cs, request=sr, department=by.department, assignee=by)
        request_accept(actor=by, request=sr)
        request_arrive(actor=by, request=sr)
    with clock(moment.replace(hour=moment.hour + 1)):
        request_resolve(actor=by, request=sr, result="已处理完毕")
    return sr


# ---------------------------------------------------------------- who gets a visit


def test_every_complaint_is_visited_whatever_the_rate(w):
    set_rate(w, 0)
    assert all(
        sla.choose_return_visit(ServiceRequest(pk=pk, kind=Kind.COMPLAINT, project=w.project)) for pk in range(1, 201)
    )
    assert resolved(w).needs_return_visit


@pytest.mark.parametrize("kind", [Kind.ENQUIRY, Kind.SUGGESTION, Kind.PRAISE])
def test_enquiries_suggestions_and_praise_are_not_visited(w, kind):
    set_rate(w, 100)
    assert not sla.choose_return_visit(ServiceRequest(pk=7, kind=kind, project=w.project))


def test_paid_repairs_are_always_visited(w):
    set_rate(w, 0)
    assert share(unsaved_repairs(w, 300)) == 0
    paid = [ServiceRequest(pk=pk, kind=Kind.REPAIR, paid=True, project=w.project) for pk in range(1, 301)]
    assert share(paid) == 1
    # Confirmed on site when resolving: the answer follows what the technician records.
    unpaid = unsaved_repairs(w, 300)
    assert all(sla.choose_return_visit(sr, paid=True) for sr in unpaid)
    sr = resolved(w, kind=Kind.REPAIR, category_id=None, paid=False)
    assert not fresh(sr).needs_return_visit


def test_paid_confirmed_on_site_is_visited(w):
    set_rate(w, 0)
    with clock(at(2026, 11, 23, 9, 0)):
        sr = w.register(kind=Kind.REPAIR, category_id=None)
        request_dispatch(actor=w.cs, request=sr, department=w.tech.department, assignee=w.tech)
        request_accept(actor=w.tech, request=sr)
        request_arrive(actor=w.tech, request=sr)
        request_resolve(actor=w.tech, request=sr, result="更换水龙头", paid=True)
    row = fresh(sr)
    assert row.paid is True and row.needs_return_visit


def test_an_always_visit_category_is_always_visited(w):
    set_rate(w, 0)
    leaks = Category.objects.create(company=w.company, name="漏水", code="leak", always_visit=True, visit_limit="3d")
    assert share(unsaved_repairs(w, 300, category=leaks)) == 1
    sr = resolved(w, kind=Kind.REPAIR, category_id=leaks.pk)
    assert fresh(sr).needs_return_visit
    assert sr.sla["steps"]["visit"]["limit"] == "3d"


FIXED_KEY = "a fixed key, so the draw is the same on every machine"


def rate(draws) -> float:
    return sum(draws) / len(draws)


def test_other_repairs_are_sampled_at_thirty_percent_fairly(w, settings):
    """The default 30 % over 2000 requests, and a keyed hash, not pk % 100: no pattern in the pk."""
    settings.SECRET_KEY = FIXED_KEY
    set_rate(w, 30)
    drawn = [sla.choose_return_visit(sr) for sr in unsaved_repairs(w, SAMPLE)]
    # Binomial with n = 2000: one standard deviation is 1.0 point; 4 points is four of them.
    assert abs(rate(drawn) - 0.30) <= 0.04, rate(drawn)
    assert abs(rate(drawn[0::2]) - rate(drawn[1::2])) <= 0.06  # odd and even alike
    assert abs(rate(drawn[:1000]) - rate(drawn[1000:])) <= 0.06  # old and new alike
    assert all(abs(rate(drawn[k::10]) - 0.30) <= 0.10 for k in range(10))  # no last digit is favoured


@pytest.mark.parametrize("percent", [10, 85])
def test_other_repairs_follow_the_company_rate(w, settings, percent):
    settings.SECRET_KEY = FIXED_KEY
    set_rate(w, percent)
    # n = 1000: one standard deviation is at most 1.6 points.
    assert abs(share(unsaved_repairs(w, 1000)) - percent / 100) <= 0.05


def test_the_sample_is_thirty_percent_by_default_even_without_settings(w, settings):
    settings.SECRET_KEY = "another fixed key"
    DeskSettings.objects.filter(company=w.company).delete()
    assert abs(share(unsaved_repairs(w, 1000)) - 0.30) <= 0.05


@pytest.mark.parametrize("percent, expected", [(0, 0.0), (100, 1.0)])
def test_zero_percent_is_never_and_a_hundred_is_always(w, percent, expected):
    set_rate(w, percent)
    assert share(unsaved_repairs(w, 300)) == expected


def test_the_draw_is_the_same_when_asked_again_and_differs_between_requests(w):
    set_rate(w, 50)
    requests = unsaved_repairs(w, 200)
    first = [sla.choose_return_visit(sr) for sr in requests]
    assert first == [sla.choose_return_visit(sr) for sr in requests]
    assert 0 < sum(first) < len(first)
    # Nothing but the request's identity and the key decide: the title cannot steer it.
    renamed = [
        ServiceRequest(pk=sr.pk, kind=Kind.REPAIR, paid=False, project=w.project, title="请回访") for sr in requests
    ]
    assert first == [sla.choose_return_visit(sr) for sr in renamed]


# ---------------------------------------------------------------- who may visit


def test_the_implementer_may_not_do_the_visit(w):
    # A supervisor who did the work herself (dispatched to her as the person) may not visit it.
    sr = resolved(w, by=w.supervisor)
    assert fresh(sr).implementer == w.supervisor
    with pytest.raises(ActionRefused, match="处理人以外"):
        request_visit(actor=w.supervisor, request=sr, rating=Rating.SATISFIED)
    assert Action.VISIT not in rules.allowed_actions(w.supervisor, sr)
    assert Action.VISIT in rules.allowed_actions(w.cs2, sr)
    request_visit(actor=w.cs2, request=sr, rating=Rating.SATISFIED)
    assert fresh(sr).state == State.VISITED


def test_a_technician_may_not_do_the_visit(w):
    sr = resolved(w)
    with pytest.raises(ActionRefused):
        request_visit(actor=w.tech, request=sr, rating=Rating.SATISFIED)
    with pytest.raises(ActionRefused):
        request_visit(actor=w.tech2, request=sr, rating=Rating.SATISFIED)
    assert fresh(sr).state == State.RESOLVED


def test_a_major_complaint_is_visited_by_the_project_manager_only(w):
    sr = resolved(w, severity=Severity.MAJOR)
    for someone in (w.cs, w.cs2, w.supervisor, w.manager):
        with pytest.raises(ActionRefused, match="项目经理"):
            request_visit(actor=someone, request=sr, rating=Rating.SATISFIED)
    assert fresh(sr).state == State.RESOLVED
    request_visit(actor=w.pm, request=sr, rating=Rating.FAIRLY, comment="基本满意")
    row = fresh(sr)
    assert (row.state, row.rating) == (State.VISITED, Rating.FAIRLY)


def test_a_visit_from_another_project_is_refused(w):
    sr = resolved(w)
    with pytest.raises(ActionRefused):
        request_visit(actor=w.outsider, request=sr, rating=Rating.SATISFIED)


# ---------------------------------------------------------------- the result


def test_unsatisfied_reopens_and_tells_the_supervisors(w):
    sr = resolved(w)
    with clock(at(2026, 11, 24, 10, 0)):
        request_visit(actor=w.cs2, request=sr, rating=Rating.UNSATISFIED, comment="还是漏水")
    row = fresh(sr)
    assert row.state == State.DISPATCHED  # back to whoever did the work
    assert row.assignee == w.tech and row.reopen_count == 1
    assert row.resolved_at is None and row.visited_at is None
    assert row.rating == Rating.UNSATISFIED and row.visit_comment == "还是漏水"
    actions = list(RequestEvent.objects.filter(request=sr).order_by("id").values_list("action", flat=True))
    assert actions[-2:] == [Action.VISIT, Action.REOPEN]
    told = Notification.objects.filter(url=f"/requests/{sr.pk}/", title__startswith="回访不满意")
    assert sorted(told.values_list("user__username", flat=True)) == ["mgr", "sup"]
    assert told.first().body == "还是漏水"
    # A new round of time limits from the reopening.
    assert row.sla["round"] == 1
    assert parse_datetime(row.sla["steps"]["resolve"]["start"]) == at(2026, 11, 24, 10, 0)
    assert "visit" not in row.sla["steps"]


def test_unsatisfied_needs_a_comment(w):
    from django.core.exceptions import ValidationError

    sr = resolved(w)
    with pytest.raises(ValidationError):
        request_visit(actor=w.cs2, request=sr, rating=Rating.UNSATISFIED, comment="  ")
    with pytest.raises(ValidationError):
        request_visit(actor=w.cs2, request=sr, rating="D")
    assert (
        fresh(sr).state == State.RESOLVED and not Notification.objects.filter(title__startswith="回访不满意").exists()
    )


def test_satisfied_changes_nothing_else(w):
    sr = resolved(w)
    request_visit(actor=w.cs2, request=sr, rating=Rating.SATISFIED)
    row = fresh(sr)
    assert row.state == State.VISITED and row.reopen_count == 0
    assert not Notification.objects.filter(title__startswith="回访不满意").exists()


# ---------------------------------------------------------------- the /visits/ page


def test_the_visits_page_lists_what_is_owed_soonest_first(client, w):
    set_rate(w, 0)
    # The soonest deadline of each: complaints are replied to within 24h of registration and visited
    # within 3 days of resolution; repairs visited within 7 days (this leak category: 2 days).
    leak = Category.objects.create(company=w.company, name="漏水", code="leak", always_visit=True, visit_limit="2d")
    # Not replied yet: its reply (Tue 11-24 09:00) comes before its visit (Thu 11-26 10:00).
    complaint = resolved(w, at(2026, 11, 23, 9, 0), title="投诉甲")
    paid = resolved(w, at(2026, 11, 23, 14, 0), kind=Kind.REPAIR, category_id=None, paid=True, title="有偿乙")
    leaking = resolved(w, at(2026, 11, 24, 9, 0), kind=Kind.REPAIR, category_id=leak.pk, title="漏水丙")
    replied = resolved(w, at(2026, 11, 24, 8, 0), title="投诉丁")  # resolved 09:00, replied: visit by Fri 09:00
    with clock(at(2026, 11, 24, 10, 0)):
        request_reply(actor=w.cs, request=replied, reply="已处理，请您确认")
    # Not owed: a sampled-out repair, a visited complaint, an open request.
    resolved(w, at(2026, 11, 23, 10, 0), kind=Kind.REPAIR, category_id=None, title="免费戊")
    done = resolved(w, at(2026, 11, 23, 11, 0), title="已访己")
    request_visit(actor=w.cs2, request=done, rating=Rating.SATISFIED)
    with clock(at(2026, 11, 23, 9, 0)):
        w.register(title="未完庚")
    assert [fresh(sr).due_at for sr in (complaint, leaking, replied, paid)] == [
        at(2026, 11, 24, 9, 0),
        at(2026, 11, 26, 10, 0),
        at(2026, 11, 27, 9, 0),
        at(2026, 11, 30, 15, 0),
    ]
    client.force_login(w.cs)
    with clock(at(2026, 11, 25, 9, 0)):
        page = client.get("/visits/").content.decode()
    titles = ["投诉甲", "有偿乙", "漏水丙", "投诉丁", "免费戊", "已访己", "未完庚"]
    shown = [t for _pos, t in sorted((page.index(t), t) for t in titles if t in page)]
    assert shown == ["投诉甲", "漏水丙", "投诉丁", "有偿乙"]


def test_the_visits_page_is_forbidden_to_a_technician_and_a_resident(client, w):
    client.force_login(w.tech)
    assert client.get("/visits/").status_code == 403
    client.force_login(w.resident_user)
    assert client.get("/visits/").status_code == 403
    client.logout()
    assert client.get("/visits/").status_code == 302


def test_the_visits_page_shows_only_my_projects(client, w):
    sr = resolved(w, title="本项目投诉")
    client.force_login(w.outsider)
    page = client.get("/visits/").content.decode()
    assert "本项目投诉" not in page
    client.force_login(w.supervisor)
    assert "本项目投诉" in client.get("/visits/").content.decode()
    assert sr


def test_a_visit_owed_without_a_deadline_is_still_listed(client, w):
    policy = SlaPolicy.objects.get(
        company=w.company, project=None, category=None, kind=Kind.COMPLAINT, severity=Severity.GENERAL
    )
    policy.visit_limit = ""
    policy.save()
    sr = resolved(w, title="无时限回访")
    with clock(at(2026, 11, 24, 10, 0)):
        request_reply(actor=w.cs, request=sr, reply="已处理")
    row = fresh(sr)
    assert row.needs_return_visit and row.state == State.REPLIED and row.due_at is None
    client.force_login(w.cs)
    assert "无时限回访" in client.get("/visits/").content.decode()
