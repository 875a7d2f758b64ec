"""Dispatch that knows who is free (desk/dispatch.py): the department's people with their open and
overdue jobs and today's shifts, "least loaded on duty" resolved at dispatch time, the person list
following the department chosen."""

import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.choices import DepartmentKind
from desk import dispatch
from desk.choices import State
from desk.models import ServiceRequest
from desk.services import request_accept, request_dispatch, request_transfer
from duty.models import Assignment, Shift
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 10, 0)  # a Monday, 10:00 local


def local(dt: datetime) -> datetime:
    return timezone.make_aware(dt, timezone.get_current_timezone())


@pytest.fixture
def clock():
    with time_machine.travel(local(NOW), tick=False):
        yield


def job(world, person, *, overdue=False):
    """A request dispatched to `person` (work in hand), overdue when asked."""
    sr = world.register(category_id=None)
    request_dispatch(actor=world.cs, request=sr, assignee=person)
    if overdue:
        ServiceRequest.objects.filter(pk=sr.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    return sr


def roster(world, person, start: int, end: int, day: date | None = None):
    shift, _ = Shift.objects.get_or_create(
        project=world.project, name=f"{start}-{end}", defaults={"start": time(start), "end": time(end % 24)}
    )
    return Assignment.objects.create(
        project=world.project, day=day or NOW.date(), shift=shift, user=person, created_by=world.supervisor
    )


def cs_department(world):
    return world.dept[DepartmentKind.CUSTOMER_SERVICE]


def test_each_person_comes_with_open_and_overdue_jobs_counted_in_one_query(world, clock, django_assert_num_queries):
    job(world, world.tech)
    job(world, world.tech, overdue=True)
    job(world, world.tech2)
    eng = world.dept[DepartmentKind.ENGINEERING]
    # people, their loads, the roster: three queries whatever the number of people
    with django_assert_num_queries(3):
        found = dispatch.candidates(world.project.pk, eng.pk)
    figures = {c.user.username: (c.open, c.overdue) for c in found}
    assert figures == {"lead": (0, 0), "tech2": (1, 0), "tech": (2, 1)}
    assert [c.user.username for c in found] == ["lead", "tech2", "tech"]  # least loaded first
    assert "在办 2 · 超时 1" in found[-1].label


def test_finished_work_is_not_load(world, clock):
    sr = job(world, world.tech)
    ServiceRequest.objects.filter(pk=sr.pk).update(state=State.RESOLVED)
    assert dispatch.workloads([world.tech.pk]) == {}


def test_least_loaded_prefers_who_is_on_duty_then_fewest_open_then_fewest_overdue_then_name(world, clock):
    cs = cs_department(world)
    job(world, world.cs2)  # 李娜 has one job
    # nobody on the roster: the least loaded of all (王丽 cs, 陈静 sup, mgr: 0 jobs; ties by name)
    names = sorted([world.cs, world.supervisor, world.manager], key=lambda u: u.name)
    assert dispatch.least_loaded(world.project.pk, cs.pk) == names[0]
    # 李娜 is on shift now: on duty beats less loaded
    roster(world, world.cs2, 8, 16)
    roster(world, world.supervisor, 16, 24)  # later today: not on duty now
    assert dispatch.least_loaded(world.project.pk, cs.pk) == world.cs2
    # two on duty with the same open jobs: fewer overdue wins
    roster(world, world.cs, 8, 16)
    job(world, world.cs, overdue=True)
    assert dispatch.least_loaded(world.project.pk, cs.pk) == world.cs2
    ServiceRequest.objects.filter(assignee=world.cs).update(due_at=None)
    # same open, same overdue: by name
    assert dispatch.least_loaded(world.project.pk, cs.pk) == min([world.cs, world.cs2], key=lambda u: u.name)


def test_a_night_shift_that_began_yesterday_is_on_duty_until_it_ends(world):
    cs = cs_department(world)
    roster(world, world.cs2, 22, 6, day=date(2026, 12, 6))
    with time_machine.travel(local(datetime(2026, 12, 7, 5, 30)), tick=False):
        assert dispatch.least_loaded(world.project.pk, cs.pk) == world.cs2
        found = {c.user: c for c in dispatch.candidates(world.project.pk, cs.pk)}
        assert found[world.cs2].on_duty and "在班" in found[world.cs2].label
        assert "今日未排班" in found[world.cs].label
    with time_machine.travel(local(datetime(2026, 12, 7, 6, 30)), tick=False):
        found = {c.user: c for c in dispatch.candidates(world.project.pk, cs.pk)}
        assert not found[world.cs2].on_duty and not found[world.cs2].shifts


def test_without_anybody_rostered_no_duty_is_claimed(world, clock):
    found = dispatch.candidates(world.project.pk, world.dept[DepartmentKind.ENGINEERING].pk)
    assert all("排班" not in c.label and "在班" not in c.label for c in found)


def test_the_service_resolves_least_loaded_at_dispatch_time(world, clock):
    eng = world.dept[DepartmentKind.ENGINEERING]
    job(world, world.lead)
    job(world, world.tech)
    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, department=eng, assignee=dispatch.LEAST_LOADED)
    sr.refresh_from_db()
    assert (sr.department, sr.assignee, sr.state) == (eng, world.tech2, State.DISPATCHED)


def test_least_loaded_needs_a_department_and_somebody_in_it(world, clock):
    sr = world.register()
    with pytest.raises(ValidationError) as exc:
        request_dispatch(actor=world.cs, request=sr, assignee=dispatch.LEAST_LOADED)
    assert "assignee" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        request_dispatch(
            actor=world.cs, request=sr, department=world.dept[DepartmentKind.GREENING], assignee=dispatch.LEAST_LOADED
        )
    assert "assignee" in exc.value.message_dict
    sr.refresh_from_db()
    assert sr.state == State.REGISTERED


def test_a_transfer_to_least_loaded_changes_hands(world, clock):
    eng = world.dept[DepartmentKind.ENGINEERING]
    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, department=eng, assignee=world.tech2)  # tech2 has 1
    job(world, world.lead)
    job(world, world.tech)
    request_accept(actor=world.tech2, request=sr)
    # tech2 would be least loaded of the others? no: each of lead and tech has 1, tech2 has 1 too;
    # the current holder is left out whatever their load.
    request_transfer(actor=world.cs, request=sr, department=eng, assignee=dispatch.LEAST_LOADED, note="换人")
    sr.refresh_from_db()
    assert sr.assignee in (world.lead, world.tech) and sr.assignee != world.tech2


def options(html: str) -> list[tuple[str, str, bool]]:
    return [
        (v, label, bool(sel))
        for v, sel, label in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html)
    ]


def test_the_form_lists_the_categorys_department_with_least_loaded_chosen(client, world, clock):
    job(world, world.tech)
    job(world, world.lead)
    sr = world.register()  # 设施设备 -> 工程部
    client.force_login(world.cs)
    html = client.get(reverse("desk:detail", args=[sr.pk])).content.decode()
    select = re.search(r'<select name="assignee"[^>]*>(.*?)</select>', html, re.S).group(1)
    found = options(select)
    values = [v for v, _label, _sel in found]
    assert values[:2] == ["", dispatch.LEAST_LOADED]
    assert {int(v) for v in values[2:]} == {world.lead.pk, world.tech.pk, world.tech2.pk}
    chosen = [(v, label) for v, label, sel in found if sel]
    assert chosen[0][0] == dispatch.LEAST_LOADED and "钱师傅" in chosen[0][1]  # 钱师傅 (tech2) has nothing
    assert 'hx-get="' + reverse("desk:assignees", args=[sr.pk]) in html
    # posting the default dispatches to that person
    response = client.post(
        reverse("desk:act", args=[sr.pk, "dispatch"]),
        {"version": sr.version, "department": world.dept[DepartmentKind.ENGINEERING].pk, "assignee": "least"},
    )
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.assignee == world.tech2


def test_the_person_list_follows_the_department(client, world, clock):
    sr = world.register()
    client.force_login(world.cs)
    url = reverse("desk:assignees", args=[sr.pk])
    html = client.get(
        url, {"action": "dispatch", "department": world.dept[DepartmentKind.SECURITY].pk}
    ).content.decode()
    people = {v for v, _l, _s in options(html) if v.isdigit()}
    assert people == {str(world.guard.pk)}
    html = client.get(url, {"action": "dispatch", "department": ""}).content.decode()
    assert dispatch.LEAST_LOADED not in {v for v, _l, _s in options(html)}  # needs a department
    # another project's department: nobody
    other = world.other_dept[DepartmentKind.ENGINEERING].pk
    html = client.get(url, {"action": "dispatch", "department": other}).content.decode()
    assert not {v for v, _l, _s in options(html) if v.isdigit()}


def test_the_person_list_is_for_those_who_may_dispatch(client, world, clock):
    sr = world.register()
    client.force_login(world.tech)
    assert client.get(reverse("desk:assignees", args=[sr.pk]), {"action": "dispatch"}).status_code == 404
    lead = make_user("lead2", "dept_lead", [world.project], world.dept[DepartmentKind.ENGINEERING], world.company)
    request_dispatch(actor=world.cs, request=sr, department=world.dept[DepartmentKind.ENGINEERING])
    client.force_login(lead)  # may see it, may transfer it, may not dispatch it
    url = reverse("desk:assignees", args=[sr.pk])
    assert client.get(url, {"action": "dispatch"}).status_code == 403
    assert client.get(url, {"action": "transfer"}).status_code == 200
    client.force_login(world.outsider)
    assert client.get(url, {"action": "transfer"}).status_code == 404


def test_the_api_dispatches_to_the_least_loaded_on_duty_as_the_page_does(world, clock):
    """POST /api/requests/<id>/dispatch/ with "assignee": "least": the service names the person."""
    from rest_framework.test import APIClient

    eng = world.dept[DepartmentKind.ENGINEERING]
    job(world, world.lead)
    job(world, world.tech)
    sr = world.register()
    api = APIClient()
    api.force_login(world.cs)
    url = f"/api/requests/{sr.pk}/dispatch/"

    refused = api.post(url, {"assignee": "least"}, format="json")  # no department: whose least loaded?
    assert refused.status_code == 400 and "assignee" in refused.json()["errors"]
    assert api.post(url, {"assignee": "most"}, format="json").status_code == 400
    sr.refresh_from_db()
    assert sr.state == State.REGISTERED

    response = api.post(url, {"department": eng.pk, "assignee": "least"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["assignee"]["id"] == world.tech2.pk
    sr.refresh_from_db()
    assert (sr.assignee, sr.state) == (world.tech2, State.DISPATCHED)


def test_the_schema_offers_least_as_an_assignee():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    dispatch_body = schema["components"]["schemas"]["DispatchActionRequest"]["properties"]["assignee"]
    assert {"type": "string", "enum": ["least"]} in dispatch_body["oneOf"]


def test_a_technician_on_the_roster_is_preferred_to_a_less_loaded_one_off_duty(world, clock):
    """The roster holds the departments' people (duty's ROSTERABLE_ROLES): the engineer on today's
    shift gets the job even with more in hand than a colleague who is not on duty."""
    from duty import services as duty_services

    eng = world.dept[DepartmentKind.ENGINEERING]
    shift = Shift.objects.create(project=world.project, name="工程白班", start=time(8), end=time(18))
    duty_services.assignment_add(
        actor=world.supervisor, project=world.project, day=NOW.date(), shift=shift, user=world.tech
    )
    job(world, world.tech)
    job(world, world.tech)
    found = {c.user: c for c in dispatch.candidates(world.project.pk, eng.pk)}
    assert found[world.tech].on_duty and "在班" in found[world.tech].label
    assert "今日未排班" in found[world.tech2].label
    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, department=eng, assignee=dispatch.LEAST_LOADED)
    sr.refresh_from_db()
    assert sr.assignee == world.tech
