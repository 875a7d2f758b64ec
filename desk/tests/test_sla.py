"""desk/sla.py and desk/limits.py: which policy applies, the deadlines a request gets, and how
reclassifying, pausing and resuming move them; the list page's deadline filter and sort.

Every request here is registered at a known moment with time-machine. The reference moment is
Monday 2026-11-23 09:00 (Asia/Shanghai), an ordinary working week with the default schedule
08:30-12:00 / 13:00-17:30 (480 working minutes a day).
"""

from contextlib import contextmanager
from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from core import calendar
from core.choices import DepartmentKind
from core.models import CalendarYear, Company, WorkSchedule
from core.worktime import add_working, working_between
from desk import sla
from desk.choices import Kind, Severity, State
from desk.limits import Limit, parse_limit
from desk.models import Category, PauseSpan, ServiceRequest, SlaPolicy
from desk.services import (
    request_accept,
    request_arrive,
    request_dispatch,
    request_pause,
    request_reclassify,
    request_reopen,
    request_resolve,
    request_resume,
)
from tests.factories import make_project

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(y, mo, d, h=0, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


MONDAY_9 = at(2026, 11, 23, 9, 0)


@contextmanager
def clock(moment):
    with time_machine.travel(moment, tick=False):
        yield


@pytest.fixture(autouse=True)
def _fresh_calendar():
    if CalendarYear.objects.filter(year__in=[2025, 2026]).count() < 2:  # the migration seeds around today
        calendar.seed_from_package([2025, 2026])
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def w(world):
    sla.install_default_policies(world.company)
    return world


def steps(sr) -> dict:
    sr = ServiceRequest.objects.get(pk=sr.pk)
    return {
        name: {k: (parse_datetime(v) if k not in ("limit",) else v) for k, v in e.items()}
        for name, e in sr.sla["steps"].items()
    }


def fresh(sr) -> ServiceRequest:
    return ServiceRequest.objects.get(pk=sr.pk)


def work_add(start, minutes):
    return add_working(start, minutes, calendar.DEFAULT_SCHEDULE, calendar.current_calendar(), TZ)


def work_between(a, b):
    return working_between(a, b, calendar.DEFAULT_SCHEDULE, calendar.current_calendar(), TZ)


def company_policy(w, kind=Kind.COMPLAINT, severity=Severity.GENERAL) -> SlaPolicy:
    return SlaPolicy.objects.get(company=w.company, project=None, category=None, kind=kind, severity=severity)


def in_progress(w, moment=MONDAY_9, **kw):
    """Registered at `moment`, dispatched to the technician at +5, accepted +10, on site +15."""
    with clock(moment):
        sr = w.register(**kw)
    with clock(moment + timedelta(minutes=5)):
        request_dispatch(actor=w.cs, request=sr, department=w.dept[DepartmentKind.ENGINEERING], assignee=w.tech)
    with clock(moment + timedelta(minutes=10)):
        request_accept(actor=w.tech, request=sr)
    with clock(moment + timedelta(minutes=15)):
        request_arrive(actor=w.tech, request=sr)
    return sr


# ---------------------------------------------------------------- limits as written


@pytest.mark.parametrize(
    "text, amount, unit, working",
    [("20m", 20, "m", False), ("2h", 2, "h", False), ("3d", 3, "d", False), ("4wh", 4, "wh", True)]
    + [("7wd", 7, "wd", True), (" 1.5H ", 1.5, "h", False), ("30WM", 30, "wm", True)],
)
def test_parse_limit_understands_clock_and_working_time(text, amount, unit, working):
    limit = parse_limit(text)
    assert (limit.amount, limit.unit, limit.working) == (amount, unit, working)
    assert str(Limit(7.0, "wd")) == "7wd" and str(Limit(1.5, "h")) == "1.5h"


@pytest.mark.parametrize("text", ["0m", "0.0wd", "-5h", "abc", "7x", "", "5", "h", "2 h 3", "1e3m"])
def test_parse_limit_refuses_nonsense_with_a_message(text):
    with pytest.raises(ValidationError) as caught:
        parse_limit(text)
    assert caught.value.messages[0]


# ---------------------------------------------------------------- policies


def test_policy_for_prefers_the_project_and_the_category(w):
    company_generic = company_policy(w)
    other_category = Category.objects.create(company=w.company, name="噪音", code="noise")
    assert sla.policy_for(w.project, Kind.COMPLAINT, Severity.GENERAL, w.category.pk) == company_generic
    company_category = SlaPolicy.objects.create(
        company=w.company, kind=Kind.COMPLAINT, severity=Severity.GENERAL, category=w.category, resolve_limit="5wd"
    )
    assert sla.policy_for(w.project, Kind.COMPLAINT, Severity.GENERAL, w.category.pk) == company_category
    assert sla.policy_for(w.project, Kind.COMPLAINT, Severity.GENERAL, other_category.pk) == company_generic
    assert sla.policy_for(w.project, Kind.COMPLAINT, Severity.GENERAL, None) == company_generic
    project_generic = SlaPolicy.objects.create(
        company=w.company, project=w.project, kind=Kind.COMPLAINT, severity=Severity.GENERAL, resolve_limit="4wd"
    )
    # The project's own rule beats the company's, even the company's rule for the category.
    assert sla.policy_for(w.project, Kind.COMPLAINT, Severity.GENERAL, w.category.pk) == project_generic
    assert sla.policy_for(w.other_project, Kind.COMPLAINT, Severity.GENERAL, w.category.pk) == company_category
    project_category = SlaPolicy.objects.create(
        company=w.company,
        project=w.project,
        kind=Kind.COMPLAINT,
        severity=Severity.GENERAL,
        category=w.category,
        resolve_limit="3wd",
    )
    assert sla.policy_for(w.project, Kind.COMPLAINT, Severity.GENERAL, w.category.pk) == project_category
    assert sla.policy_for(w.project, Kind.COMPLAINT, Severity.GENERAL, other_category.pk) == project_generic
    project_category.active = False
    project_category.save()
    assert sla.policy_for(w.project, Kind.COMPLAINT, Severity.GENERAL, w.category.pk) == project_generic


def test_policy_for_never_takes_another_companys_rule(w):
    other = Company.objects.create(name="别家物业", code="o")
    theirs = make_project(other, "x1", "别家小区")
    SlaPolicy.objects.create(company=other, kind=Kind.ENQUIRY, severity=Severity.GENERAL, resolve_limit="1h")
    assert sla.policy_for(w.project, Kind.ENQUIRY, Severity.GENERAL, None) == company_policy(w, Kind.ENQUIRY)
    assert sla.policy_for(theirs, Kind.ENQUIRY, Severity.GENERAL, None).resolve_limit == "1h"
    assert sla.policy_for(theirs, Kind.COMPLAINT, Severity.GENERAL, None) is None


def test_default_policies_follow_the_domain(w):
    general = company_policy(w)
    assert (general.dispatch_limit, general.reply_limit, general.resolve_limit) == ("20m", "24h", "7wd")
    major = company_policy(w, Kind.COMPLAINT, Severity.MAJOR)
    assert (major.response_limit, major.reply_limit, major.resolve_limit) == ("12h", "2wd", "5wd")
    urgent_repair = company_policy(w, Kind.REPAIR, Severity.URGENT)
    assert (urgent_repair.response_limit, urgent_repair.resolve_limit) == ("30m", "24h")
    assert company_policy(w, Kind.REPAIR).resolve_limit == "1wd"
    assert (general.at_risk_percent, general.pm_after, general.company_after) == (80, "2h", "8h")
    assert sla.install_default_policies(w.company) == 0  # installing twice adds nothing


@pytest.mark.parametrize("field", ["dispatch_limit", "resolve_limit", "visit_limit", "pm_after", "company_after"])
def test_a_policy_with_a_bad_limit_is_refused_and_nothing_is_saved(w, field):
    before = SlaPolicy.objects.count()
    for bad in ("0m", "-5h", "abc", "7x"):
        policy = SlaPolicy(
            company=w.company, project=w.project, kind=Kind.REPAIR, severity=Severity.MAJOR, resolve_limit="3wd"
        )
        setattr(policy, field, bad)
        with pytest.raises(ValidationError) as caught:
            policy.full_clean()
        assert field in caught.value.message_dict, bad
        message = caught.value.message_dict[field][0]
        assert ("20m" in message and bad in message) or "大于零" in message, (bad, message)
    assert SlaPolicy.objects.count() == before


def test_a_policy_without_any_limit_is_refused(w):
    policy = SlaPolicy(company=w.company, project=w.project, kind=Kind.REPAIR, severity=Severity.MAJOR)
    with pytest.raises(ValidationError) as caught:
        policy.full_clean()
    assert "至少要设置一个时限" in " ".join(caught.value.messages)


def test_a_second_active_policy_for_the_same_scope_is_refused(w):
    duplicate = SlaPolicy(company=w.company, kind=Kind.COMPLAINT, severity=Severity.GENERAL, resolve_limit="3wd")
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert "同一范围" in " ".join(caught.value.messages)
    duplicate.active = False
    duplicate.full_clean()  # an inactive draft of the same scope is fine
    # Other scopes are not clashes: a project, a category, another severity.
    SlaPolicy(
        company=w.company, project=w.project, kind=Kind.COMPLAINT, severity=Severity.GENERAL, resolve_limit="3wd"
    ).full_clean()
    SlaPolicy(
        company=w.company, category=w.category, kind=Kind.COMPLAINT, severity=Severity.GENERAL, resolve_limit="3wd"
    ).full_clean()
    # Editing the existing rule itself is not a clash with itself.
    existing = company_policy(w)
    existing.resolve_limit = "6wd"
    existing.full_clean()


def test_a_policy_for_another_companys_project_is_refused(w):
    other = Company.objects.create(name="别家物业", code="o")
    policy = SlaPolicy(
        company=other, project=w.project, kind=Kind.REPAIR, severity=Severity.GENERAL, resolve_limit="1wd"
    )
    with pytest.raises(ValidationError) as caught:
        policy.full_clean()
    assert "project" in caught.value.message_dict


# ---------------------------------------------------------------- deadlines at registration


def test_a_general_complaint_gets_its_deadlines_at_registration(w):
    with clock(MONDAY_9):
        sr = w.register()
    s = steps(sr)
    assert set(s) == {"dispatch", "reply", "resolve"}  # visit is planned when resolved
    assert s["dispatch"]["limit"] == "20m" and s["dispatch"]["due"] == at(2026, 11, 23, 9, 20)
    assert s["dispatch"]["risk"] == at(2026, 11, 23, 9, 16)  # 80 % of 20 minutes
    assert s["dispatch"]["manager"] == at(2026, 11, 23, 11, 20)  # + pm_after 2h
    assert s["dispatch"]["company"] == at(2026, 11, 23, 17, 20)  # + company_after 8h
    assert s["reply"]["limit"] == "24h" and s["reply"]["due"] == at(2026, 11, 24, 9, 0)
    # 7 working days from Monday 09:00: Tue 1, Wed 2, Thu 3, Fri 4, Mon 5, Tue 6, Wed 7 -> 12-02 09:00.
    assert s["resolve"]["limit"] == "7wd" and s["resolve"]["due"] == at(2026, 12, 2, 9, 0)
    # 80 % of 3360 working minutes = 2688: 450 on Monday, 480 a day Tue-Fri (2370), 318 on Monday
    # 11-30: 210 in the morning, 108 after lunch -> 14:48.
    assert s["resolve"]["risk"] == at(2026, 11, 30, 14, 48)
    # The further spans are written as clock time ("2h", "8h"): after the due moment, whatever the
    # step's own kind of time.
    assert s["resolve"]["manager"] == at(2026, 12, 2, 11, 0)
    assert s["resolve"]["company"] == at(2026, 12, 2, 17, 0)
    sr = fresh(sr)
    assert sr.due_at == at(2026, 11, 23, 9, 20)  # the earliest
    assert sr.escalate_at == at(2026, 11, 23, 9, 16)
    assert sr.sla_policy == company_policy(w)
    assert sr.sla["round"] == 0 and sr.sla["at_risk_percent"] == 80
    assert sla.status(sr, at(2026, 11, 23, 9, 0)) == "soon"
    assert sla.status(sr, at(2026, 11, 23, 9, 21)) == "overdue"


def test_due_at_moves_on_when_the_earliest_step_is_met(w):
    sr = in_progress(w)
    assert fresh(sr).due_at == at(2026, 11, 24, 9, 0)  # dispatched: the reply is next


def test_a_registration_in_the_evening_starts_the_working_clock_next_morning(w):
    with clock(at(2026, 11, 27, 19, 0)):  # Friday evening
        sr = w.register(kind=Kind.REPAIR, category_id=None)
    s = steps(sr)
    assert s["dispatch"]["due"] == at(2026, 11, 27, 19, 20)  # clock time runs in the evening
    assert s["resolve"]["due"] == at(2026, 11, 30, 17, 30)  # one working day: all of Monday


def test_a_project_work_schedule_changes_working_limits(w):
    WorkSchedule.objects.create(project=w.project, start=time(9, 0), lunch_start=None, lunch_end=None, end=time(18, 0))
    calendar.clear_cache()
    with clock(MONDAY_9):
        sr = w.register(kind=Kind.REPAIR, category_id=None)
    assert steps(sr)["resolve"]["due"] == at(2026, 11, 23, 18, 0)  # 1wd = 540 minutes of that project


def test_working_hour_limits(w):
    SlaPolicy.objects.create(company=w.company, kind=Kind.PRAISE, severity=Severity.MAJOR, resolve_limit="4wh")
    with clock(at(2026, 11, 23, 15, 0)):
        sr = w.register(kind=Kind.PRAISE, severity=Severity.MAJOR, category_id=None)
    assert steps(sr)["resolve"]["due"] == at(2026, 11, 24, 10, 0)  # 150 min today, 90 tomorrow


def test_a_request_without_policy_has_no_deadline_and_no_error(world):
    with clock(MONDAY_9):
        sr = world.register()
    sr = fresh(sr)
    assert sr.sla == {"round": 0, "steps": {}}
    assert sr.due_at is None and sr.escalate_at is None and sr.sla_policy is None
    assert sla.status(sr) == ""


def test_a_policy_change_applies_to_new_requests_only(w):
    with clock(MONDAY_9):
        old = w.register()
    policy = company_policy(w)
    policy.resolve_limit, policy.dispatch_limit = "3wd", "1h"
    policy.full_clean()
    policy.save()
    old_steps = steps(old)
    assert old_steps["resolve"]["due"] == at(2026, 12, 2, 9, 0) and old_steps["resolve"]["limit"] == "7wd"
    assert fresh(old).due_at == at(2026, 11, 23, 9, 20)
    with clock(MONDAY_9):
        new = w.register()
    assert steps(new)["resolve"]["due"] == at(2026, 11, 26, 9, 0)
    assert fresh(new).due_at == at(2026, 11, 23, 10, 0)
    # A pause and resume recompute from the limits the request was registered with.
    later = in_progress(w)
    policy.resolve_limit = "1wd"
    policy.save()
    with clock(at(2026, 11, 23, 10, 0)):
        request_pause(actor=w.tech, request=later, note="等待业户")
    with clock(at(2026, 11, 23, 10, 30)):
        request_resume(actor=w.tech, request=later)
    assert steps(later)["resolve"]["limit"] == "3wd"


def test_a_deactivated_policy_leaves_new_requests_without_deadlines_but_keeps_the_old(w):
    with clock(MONDAY_9):
        old = w.register()
    policy = company_policy(w)
    policy.active = False
    policy.save()
    with clock(MONDAY_9):
        new = w.register()
    assert fresh(new).due_at is None
    assert fresh(old).due_at == at(2026, 11, 23, 9, 20)


# ---------------------------------------------------------------- reclassify


def test_reclassifying_to_urgent_recomputes_the_deadlines(w):
    with clock(MONDAY_9):
        sr = w.register()
    with clock(at(2026, 11, 23, 9, 5)):
        request_reclassify(actor=w.cs, request=sr, severity=Severity.URGENT, note="涉及漏电")
    s = steps(sr)
    # Urgent complaint: dispatch 20m, first response 2h, resolved 24h, counted from registration.
    assert {k: v["limit"] for k, v in s.items()} == {"dispatch": "20m", "response": "2h", "resolve": "24h"}
    assert s["response"]["due"] == at(2026, 11, 23, 11, 0)
    assert s["resolve"]["due"] == at(2026, 11, 24, 9, 0)
    sr = fresh(sr)
    assert sr.sla_policy == company_policy(w, Kind.COMPLAINT, Severity.URGENT)
    assert sr.due_at == at(2026, 11, 23, 9, 20)
    assert sr.severity == Severity.URGENT


def test_reclassifying_to_a_category_with_its_own_policy_uses_it(w):
    noise = Category.objects.create(company=w.company, name="噪音", code="noise")
    SlaPolicy.objects.create(
        company=w.company, kind=Kind.COMPLAINT, severity=Severity.GENERAL, category=noise, resolve_limit="2wd"
    )
    with clock(MONDAY_9):
        sr = w.register()
    with clock(at(2026, 11, 23, 9, 5)):
        request_reclassify(actor=w.cs, request=sr, category=noise, note="实为噪音")
    assert set(steps(sr)) == {"resolve"}  # the category's rule has no other step
    assert steps(sr)["resolve"]["due"] == at(2026, 11, 25, 9, 0)
    assert fresh(sr).due_at == at(2026, 11, 25, 9, 0)


# ---------------------------------------------------------------- pause and resume


def test_a_paused_request_has_no_deadline_and_the_pause_is_recorded(w):
    sr = in_progress(w)
    with clock(at(2026, 11, 23, 10, 0)):
        request_pause(actor=w.tech, request=sr, note="等待配件")
    row = fresh(sr)
    assert row.state == State.PAUSED
    assert row.paused_at == at(2026, 11, 23, 10, 0)
    assert row.due_at is None and row.escalate_at is None
    assert sla.status(row) == "paused"
    span = PauseSpan.objects.get(request=sr)
    assert (span.started_at, span.ended_at, span.reason) == (at(2026, 11, 23, 10, 0), None, "等待配件")


def test_resuming_after_two_working_hours_moves_each_deadline_by_its_own_kind_of_time(w):
    sr = in_progress(w)
    before = steps(sr)
    with clock(at(2026, 11, 23, 10, 0)):
        request_pause(actor=w.tech, request=sr, note="等待配件")
    with clock(at(2026, 11, 23, 12, 0)):
        request_resume(actor=w.tech, request=sr, note="配件到了")
    after = steps(sr)
    # Working-time limit (7wd): exactly 120 working minutes later, Wed 12-02 09:00 -> 11:00.
    assert after["resolve"]["due"] == work_add(before["resolve"]["due"], 120) == at(2026, 12, 2, 11, 0)
    assert work_between(before["resolve"]["due"], after["resolve"]["due"]) == 120
    for key in ("risk", "manager", "company"):
        assert work_between(before["resolve"][key], after["resolve"][key]) == 120
    # Clock-time limit (24h): exactly two hours later.
    assert after["reply"]["due"] - before["reply"]["due"] == timedelta(hours=2)
    assert after["reply"]["company"] - before["reply"]["company"] == timedelta(hours=2)
    # The dispatch step's moments were all before the pause (09:16, 09:20) or met: the risk and due
    # moments stay; the later rungs (11:20, 17:20) move.
    assert after["dispatch"]["due"] == before["dispatch"]["due"]
    assert after["dispatch"]["manager"] - before["dispatch"]["manager"] == timedelta(hours=2)
    row = fresh(sr)
    assert row.paused_at is None and row.state == State.IN_PROGRESS
    assert row.due_at == at(2026, 11, 24, 11, 0)
    span = PauseSpan.objects.get(request=sr)
    assert (span.started_at, span.ended_at) == (at(2026, 11, 23, 10, 0), at(2026, 11, 23, 12, 0))


def test_an_overnight_pause_counts_only_its_working_minutes_for_working_limits(w):
    sr = in_progress(w)
    before = steps(sr)
    with clock(at(2026, 11, 23, 17, 0)):
        request_pause(actor=w.tech, request=sr, note="等待业户在家")
    with clock(at(2026, 11, 24, 9, 30)):
        request_resume(actor=w.tech, request=sr)
    after = steps(sr)
    assert work_between(before["resolve"]["due"], after["resolve"]["due"]) == 30 + 60
    assert after["reply"]["due"] - before["reply"]["due"] == timedelta(hours=16, minutes=30)


def test_two_pauses_add_up(w):
    sr = in_progress(w)
    before = steps(sr)
    for start, end in (
        (at(2026, 11, 23, 10, 0), at(2026, 11, 23, 11, 0)),
        (at(2026, 11, 23, 14, 0), at(2026, 11, 23, 14, 45)),
    ):
        with clock(start):
            request_pause(actor=w.tech, request=sr, note="等待")
        with clock(end):
            request_resume(actor=w.tech, request=sr)
    after = steps(sr)
    assert work_between(before["resolve"]["due"], after["resolve"]["due"]) == 105
    assert after["reply"]["due"] - before["reply"]["due"] == timedelta(minutes=105)
    assert PauseSpan.objects.filter(request=sr, ended_at__isnull=False).count() == 2


def test_a_pause_after_a_clock_deadline_does_not_move_it(w):
    sr = in_progress(w)
    before = steps(sr)
    with clock(at(2026, 11, 24, 10, 0)):  # after the reply was due (Tue 09:00)
        request_pause(actor=w.tech, request=sr, note="等待")
    with clock(at(2026, 11, 24, 12, 0)):
        request_resume(actor=w.tech, request=sr)
    after = steps(sr)
    assert after["reply"]["due"] == before["reply"]["due"]
    assert after["resolve"]["due"] == work_add(before["resolve"]["due"], 120)


def test_resolving_records_timeliness_and_plans_the_visit(w):
    sr = in_progress(w, kind=Kind.REPAIR, category_id=None, paid=True)  # paid: always visited
    with clock(at(2026, 11, 24, 10, 0)):  # one working day was due Tue 09:00: late
        request_resolve(actor=w.tech, request=sr, result="已更换阀门")
    row = fresh(sr)
    assert row.first_resolved_at == at(2026, 11, 24, 10, 0) and row.resolved_late is True
    assert row.needs_return_visit
    assert steps(sr)["visit"]["due"] == at(2026, 12, 1, 10, 0)  # repairs: within 7 days
    assert row.due_at == at(2026, 12, 1, 10, 0)


def test_a_category_visit_limit_overrides_the_policy(w):
    w.category.visit_limit = "2d"
    w.category.always_visit = True
    w.category.save()
    sr = in_progress(w, kind=Kind.REPAIR)
    with clock(at(2026, 11, 23, 11, 0)):
        request_resolve(actor=w.tech, request=sr, result="已修好")
    row = fresh(sr)
    assert row.resolved_late is False
    assert steps(sr)["visit"]["due"] == at(2026, 11, 25, 11, 0)


def test_reopening_starts_a_new_round_from_the_reopening(w):
    sr = in_progress(w)
    with clock(at(2026, 11, 23, 11, 0)):
        request_resolve(actor=w.tech, request=sr, result="已处理")
    with clock(at(2026, 11, 25, 9, 0)):
        request_reopen(actor=w.cs, request=sr, note="业户说还在漏")
    row = fresh(sr)
    s = steps(sr)
    assert row.sla["round"] == 1
    assert "visit" not in s
    assert s["resolve"]["start"] == at(2026, 11, 25, 9, 0)
    assert s["resolve"]["due"] == at(2026, 12, 4, 9, 0)  # 7 working days from Wednesday 09:00
    assert s["reply"]["due"] == at(2026, 11, 26, 9, 0)
    assert row.first_resolved_at == at(2026, 11, 23, 11, 0)  # the first resolution is kept


# ---------------------------------------------------------------- the list page


@pytest.fixture
def three(w):
    """At Monday 10:00: A overdue (dispatch due 09:20), B due within the hour (10:10), C on track
    (dispatched; its reply is due Tuesday 09:50), D paused (no deadline)."""
    with clock(at(2026, 11, 23, 9, 0)):
        a = w.register(title="甲单超时")
    with clock(at(2026, 11, 23, 9, 50)):
        b = w.register(title="乙单将到期")
        c = w.register(title="丙单正常")
    with clock(at(2026, 11, 23, 9, 55)):
        request_dispatch(actor=w.cs, request=c, department=w.dept[DepartmentKind.ENGINEERING])
    d = in_progress(w, moment=at(2026, 11, 23, 9, 0), title="丁单暂停")
    with clock(at(2026, 11, 23, 9, 30)):
        request_pause(actor=w.tech, request=d, note="等待业户")
    return a, b, c, d


def listed(client, user, query) -> list[str]:
    client.force_login(user)
    with clock(at(2026, 11, 23, 10, 0)):
        page = client.get("/requests/", query).content.decode()
    titles = ["甲单超时", "乙单将到期", "丙单正常", "丁单暂停"]
    found = [(page.index(t), t) for t in titles if t in page]
    return [t for _pos, t in sorted(found)]


@pytest.mark.parametrize(
    "due, expected",
    [("overdue", ["甲单超时"]), ("soon", ["乙单将到期"]), ("ok", ["丙单正常"])],
)
def test_the_list_filters_by_deadline(client, w, three, due, expected):
    assert listed(client, w.cs, {"due": due}) == expected


def test_the_list_sorts_by_deadline_soonest_first(client, w, three):
    a, b, c, _d = three
    assert [fresh(x).due_at for x in (a, b, c)] == [
        at(2026, 11, 23, 9, 20),
        at(2026, 11, 23, 10, 10),
        at(2026, 11, 24, 9, 50),
    ]
    assert listed(client, w.cs, {"sort": "due"}) == ["甲单超时", "乙单将到期", "丙单正常"]  # no deadline: left out
    assert listed(client, w.cs, {}) == ["丙单正常", "乙单将到期", "丁单暂停", "甲单超时"]  # default: newest first
    client.force_login(w.cs)
    with clock(at(2026, 11, 23, 10, 0)):
        page = client.get("/requests/", {"sort": "due"}).content.decode()
    assert "超时" in page and "剩" in page  # the deadline badges


# ---------------------------------------------------------------- the API's deadlines


def api_get(user, url, query=None):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(user)
    with clock(at(2026, 11, 23, 10, 0)):
        return client.get(url, query or {})


def test_the_api_list_and_detail_carry_each_open_steps_deadline_and_the_overdue_state(w, three):
    a, b, c, d = three
    rows = {row["title"]: row for row in api_get(w.cs, "/api/requests/").json()["results"]}

    overdue = rows["甲单超时"]
    assert parse_datetime(overdue["due_at"]) == at(2026, 11, 23, 9, 20)
    assert (overdue["due_state"], overdue["overdue"]) == ("overdue", True)
    dispatch = next(step for step in overdue["deadlines"] if step["step"] == "dispatch")
    assert parse_datetime(dispatch["due"]) == at(2026, 11, 23, 9, 20)
    assert dispatch["overdue"] is True and dispatch["step_display"] == "派单"
    assert [(rows[t]["due_state"], rows[t]["overdue"]) for t in ("乙单将到期", "丙单正常", "丁单暂停")] == [
        ("soon", False),
        ("ok", False),
        ("paused", False),
    ]
    assert "dispatch" not in [step["step"] for step in rows["丙单正常"]["deadlines"]]  # met: no longer open
    assert parse_datetime(rows["丙单正常"]["due_at"]) == at(2026, 11, 24, 9, 50)
    assert rows["丁单暂停"]["due_at"] is None
    assert all(step["overdue"] is False for step in rows["丁单暂停"]["deadlines"])

    detail = api_get(w.cs, f"/api/requests/{a.pk}/").json()
    for field in ("due_at", "due_state", "overdue", "deadlines"):
        assert detail[field] == overdue[field]


def test_the_api_rows_match_the_serializer_of_the_schema(w, three, rf):
    from desk.api import RequestListSerializer
    from desk.api_rows import request_list_rows
    from desk.selectors import list_queryset

    request = rf.get("/api/requests/")
    request.user = w.cs
    with clock(at(2026, 11, 23, 10, 0)):
        rows = list(list_queryset(ServiceRequest.objects.order_by("id")))
        assert (
            request_list_rows(rows, request)
            == RequestListSerializer(rows, many=True, context={"request": request}).data
        )


def test_the_api_list_sorts_by_the_nearest_deadline_and_pages_through_it(w, three):
    titles, query = [], {"ordering": "due_at", "page_size": 1}
    for _page in range(5):
        body = api_get(w.cs, "/api/requests/", query).json()
        titles += [row["title"] for row in body["results"]]
        if not body["next"]:
            break
        query = {key: values[0] for key, values in parse_qs(urlsplit(body["next"]).query).items()}

    assert titles == ["甲单超时", "乙单将到期", "丙单正常"]  # soonest first; no deadline (paused): left out
    newest = [row["title"] for row in api_get(w.cs, "/api/requests/").json()["results"]]
    assert newest == ["丙单正常", "乙单将到期", "丁单暂停", "甲单超时"]
    bad = api_get(w.cs, "/api/requests/", {"ordering": "title"})
    assert bad.status_code == 400 and "ordering" in bad.json()["errors"]


def test_sorting_the_api_list_by_deadline_costs_no_more_queries(w, three):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for query in ({}, {"ordering": "due_at"}):
        with CaptureQueriesContext(connection) as queries:
            assert api_get(w.cs, "/api/requests/", query).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_schema_documents_the_deadlines_and_the_ordering(w):
    schema = api_get(w.cs, "/api/schema/", {"format": "json"}).json()
    row = schema["components"]["schemas"]["RequestList"]["properties"]
    assert {"due_at", "due_state", "overdue", "deadlines"} <= set(row)
    assert set(schema["components"]["schemas"]["RequestDetail"]["properties"]) >= {"due_at", "deadlines"}
    parameters = {p["name"]: p for p in schema["paths"]["/api/requests/"]["get"]["parameters"]}
    assert parameters["ordering"]["schema"]["enum"] == ["-created_at", "due_at"]


def test_status_of_each_kind_of_request(w, three):
    a, b, c, d = (fresh(x) for x in three)
    now = at(2026, 11, 23, 10, 0)
    assert [sla.status(x, now) for x in (a, b, c, d)] == ["overdue", "soon", "ok", "paused"]


# ---------------------------------------------------------------- limits that cannot break the desk


@pytest.mark.parametrize("limit", ["3000wd", "9999999d"])
def test_a_limit_too_long_to_compute_is_refused(w, limit):
    policy = company_policy(w)
    policy.resolve_limit = limit
    with pytest.raises(ValidationError) as info:
        policy.full_clean()
    assert "太长" in str(info.value)


@pytest.mark.parametrize("limit", ["250wd", "365d"])
def test_the_longest_limits_allowed_still_register(w, limit):
    policy = company_policy(w)
    policy.resolve_limit = limit
    policy.full_clean()
    policy.save()
    with clock(MONDAY_9):
        sr = w.register()
    assert fresh(sr).sla["steps"]["resolve"]["limit"] == limit


def test_deactivating_the_policy_later_keeps_an_open_requests_deadlines_through_resolution(w):
    sr = in_progress(w)
    before = steps(sr)
    policy = company_policy(w)
    policy.active = False
    policy.save()
    with clock(at(2026, 11, 23, 11, 0)):
        request_resolve(actor=w.tech, request=sr, result="已处理")
    after = steps(sr)
    assert after.get("reply") == before["reply"]  # the complaint still owes its reply by Tue 09:00
    assert fresh(sr).due_at == at(2026, 11, 24, 9, 0)


def test_an_invalid_complaint_is_held_only_to_its_reply(w):
    """It is explained and closed, never dispatched: no dispatch or resolve deadline escalates."""
    from desk.choices import Validity

    sr = fresh(w.register(validity=Validity.INVALID))
    assert sr.due_at == parse_datetime(sr.sla["steps"]["reply"]["due"])
    assert {step for step, _entry in sla.pending_steps(sr)} == {"reply"}
