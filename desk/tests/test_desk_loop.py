"""The desk loop of issue 10 as its users meet it: where a request may be sent and who then acts
(the desk's own department too), the category's default department, a complaint found invalid
after dispatch, and an invalid complaint's explanation as its reply."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from core.choices import DepartmentKind, Role
from core.errors import ActionRefused
from core.models import Notification
from desk import rules, selectors, sla
from desk.choices import Action, Kind, State, Validity
from desk.models import Category, DeskSettings, PauseSpan, RequestEvent, ServiceRequest
from desk.services import (
    request_accept,
    request_arrive,
    request_close,
    request_dispatch,
    request_pause,
    request_reply,
    request_validity,
)
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

CS, ENG = DepartmentKind.CUSTOMER_SERVICE, DepartmentKind.ENGINEERING


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def act(client, sr, action, **data):
    return client.post(reverse("desk:act", args=[sr.pk, action]), {"version": sr.version, **data}, follow=True)


def fresh(sr) -> ServiceRequest:
    return ServiceRequest.objects.select_related("department", "assignee").get(pk=sr.pk)


def row(sr) -> tuple:
    sr = fresh(sr)
    return sr.state, sr.version, sr.department_id, sr.assignee_id, sr.validity, sr.events.count()


def options(html: str, name: str) -> dict[str, bool]:
    """The options of the select called `name` in the first form that has one: value -> selected."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return {value: bool(chosen) for value, chosen in re.findall(r'<option value="([^"]*)"( selected)?>', select)}


# ------------------------------------------------------------------ 8. the desk's own department


def test_a_request_sent_to_the_desks_own_department_is_accepted_by_its_staff(client, world):
    """服务态度 / 邻里纠纷 are handled inside the desk: sent to 客服中心 with nobody named, the CS
    staff (and supervisor) may accept it; technicians of other departments may not."""
    sr = world.register(title="保安态度差")
    login(client, world.supervisor)
    act(client, sr, "dispatch", department=world.dept[CS].pk)
    sr = fresh(sr)
    assert (sr.state, sr.department.kind, sr.assignee_id) == (State.DISPATCHED, CS, None)

    login(client, world.tech)  # not their department: they do not even see it
    assert client.get(reverse("desk:detail", args=[sr.pk])).status_code == 404
    login(client, world.cs2)
    page = client.get(reverse("desk:detail", args=[sr.pk]))
    assert "accept" in [a for a, _label, _form in page.context["actions"]]
    # it waits in their "my desk" queue
    assert sr.pk in [r.pk for r in client.get(reverse("desk:home")).context["queues"]["waiting"]]
    response = act(client, sr, "accept")
    assert response.status_code == 200
    sr = fresh(sr)
    assert (sr.state, sr.assignee) == (State.ACCEPTED, world.cs2)
    # the work goes on inside the desk: on site (mediation), resolved, then visited by someone else
    assert rules.allowed_actions(world.cs2, sr)[:2] == [Action.ARRIVE, Action.RESOLVE]


@pytest.mark.parametrize("kind", [DepartmentKind.CLEANING, DepartmentKind.GREENING, DepartmentKind.FINANCE])
def test_a_department_where_nobody_may_accept_is_refused_with_a_clear_message(client, world, kind):
    """Nobody in the cast may take cleaning's or greening's work (no members) or finance's (a clerk):
    the service and the API refuse, the page does not offer them."""
    sr = world.register()
    before = row(sr)
    response = api(world.cs).post(
        f"/api/requests/{sr.pk}/dispatch/", {"department": world.dept[kind].pk, "version": sr.version}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "没有可以接单的人员" in response.json()["errors"]["department"][0]
    assert row(sr) == before
    with pytest.raises(ValidationError) as exc:
        request_dispatch(actor=world.cs, request=sr, department=world.dept[kind])
    assert "department" in exc.value.message_dict
    assert row(sr) == before

    login(client, world.cs)
    html = client.get(reverse("desk:detail", args=[sr.pk])).content.decode()
    offered = options(html, "department")
    assert str(world.dept[kind].pk) not in offered
    assert {str(world.dept[ENG].pk), str(world.dept[CS].pk)} <= set(offered)


def test_a_lone_worker_joining_a_department_makes_it_dispatchable(world):
    sr = world.register()
    with pytest.raises(ValidationError):
        request_dispatch(actor=world.cs, request=sr, department=world.dept[DepartmentKind.CLEANING])
    cleaner = make_user("clean", Role.WORKER, [world.project], world.dept[DepartmentKind.CLEANING], world.company)
    request_dispatch(actor=world.cs, request=sr, department=world.dept[DepartmentKind.CLEANING])
    request_accept(actor=cleaner, request=sr)
    assert fresh(sr).assignee == cleaner


# ------------------------------------------------------------------ 10. one rule of who may be assigned


def test_the_api_refuses_to_dispatch_to_a_finance_clerk(world):
    sr = world.register()
    before = row(sr)
    response = api(world.cs).post(
        f"/api/requests/{sr.pk}/dispatch/", {"assignee": world.finance.pk, "version": sr.version}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["assignee"]
    assert row(sr) == before
    assert not Notification.objects.filter(user=world.finance).exists()


@pytest.mark.parametrize("who", ["finance", "pm", "resident_user", "other_tech"])
def test_the_service_refuses_anyone_who_may_not_take_work(world, who):
    sr = world.register()
    before = row(sr)
    with pytest.raises(ValidationError) as exc:
        request_dispatch(actor=world.cs, request=sr, assignee=getattr(world, who))
    assert "assignee" in exc.value.message_dict
    assert row(sr) == before


def test_the_service_refuses_a_department_clerk_even_with_their_department(world):
    sr = world.register()
    with pytest.raises(ValidationError) as exc:
        request_dispatch(
            actor=world.cs, request=sr, department=world.dept[DepartmentKind.FINANCE], assignee=world.finance
        )
    assert "不能接单" in exc.value.message_dict["assignee"][0]


def test_the_form_offers_exactly_the_selectors_people_and_the_rule_agrees(client, world):
    sr = world.register(category_id=None)  # no department chosen yet: everybody who may take work
    login(client, world.cs)
    html = client.get(reverse("desk:detail", args=[sr.pk])).content.decode()
    offered = {int(v) for v in options(html, "assignee") if v.isdigit()}
    people = set(selectors.assignable_people(world.project).values_list("pk", flat=True))
    assert offered == people
    # With the category's department chosen (设施设备 -> 工程部): that department's people only.
    sr = world.register()
    html = client.get(reverse("desk:detail", args=[sr.pk])).content.decode()
    offered = {int(v) for v in options(html, "assignee") if v.isdigit()}
    assert offered == {world.lead.pk, world.tech.pk, world.tech2.pk}
    names = {u.username for u in selectors.assignable_people(world.project)}
    assert names == {"cs", "cs2", "sup", "mgr", "lead", "tech", "tech2", "guard"}
    # the selector is the rule as a query: for every person and every department of the project
    cast = [getattr(world, n) for n in ("cs", "cs2", "supervisor", "manager", "pm", "lead", "tech", "tech2",
                                         "guard", "finance", "outsider", "other_tech", "resident_user")]  # fmt: skip
    for department in world.dept.values():
        allowed = set(selectors.assignable_people(world.project, department))
        for user in cast:
            assert rules.may_be_assigned(user, department) == (user in allowed), (user.username, department.kind)


# ------------------------------------------------------------------ 9. the category's default department


def test_the_dispatch_form_preselects_the_categorys_department(client, world):
    attitude = Category.objects.create(company=world.company, name="服务态度", code="attitude", department_kind=CS)
    facilities = world.register()  # 设施设备 -> 工程部
    manners = world.register(category_id=attitude.pk, title="前台态度差")
    plain = world.register(category_id=None)
    login(client, world.cs)
    for sr, kind in ((facilities, ENG), (manners, CS), (plain, None)):
        html = client.get(reverse("desk:detail", args=[sr.pk])).content.decode()
        chosen = [v for v, selected in options(html, "department").items() if selected]
        assert chosen == ([str(world.dept[kind].pk)] if kind else []), sr.title


def auto_dispatch_on(world):
    DeskSettings.objects.update_or_create(company=world.company, defaults={"auto_dispatch": True})


def test_registration_dispatches_to_the_categorys_department_when_the_company_asks(client, world):
    login(client, world.cs)
    data = {
        "project": world.project.pk,
        "room": world.room.pk,
        "resident": world.resident.pk,
        "kind": "repair",
        "channel": "phone",
        "category": world.category.pk,
        "severity": "general",
        "validity": "valid",
        "paid": "unknown",
        "title": "单元门禁坏了",
    }
    client.post(reverse("desk:intake"), data)
    sr = ServiceRequest.objects.get(title="单元门禁坏了")
    assert sr.state == State.REGISTERED  # off by default

    auto_dispatch_on(world)
    response = client.post(reverse("desk:intake"), {**data, "title": "楼道灯不亮"}, follow=True)
    sr = fresh(ServiceRequest.objects.get(title="楼道灯不亮"))
    assert (sr.state, sr.department, sr.assignee) == (State.DISPATCHED, world.dept[ENG], None)
    event = RequestEvent.objects.get(request=sr, action=Action.DISPATCH)
    assert (event.actor, event.from_state, event.data["auto"]) == (world.cs, State.REGISTERED, True)
    assert sr.version == 2 and sr.dispatched_at is not None
    assert "自动派给" in response.content.decode()
    # a normal dispatch: the department's people accept it
    request_accept(actor=world.tech, request=sr)


def test_the_api_answers_a_registration_with_its_automatic_dispatch(world):
    auto_dispatch_on(world)
    sla.install_default_policies(world.company)
    body = {"project": world.project.pk, "kind": "complaint", "title": "电梯异响", "category": world.category.pk,
            "room": world.room.pk}  # fmt: skip
    response = api(world.cs).post("/api/requests/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == State.DISPATCHED and data["department"]["id"] == world.dept[ENG].pk
    assert [e["action"] for e in data["events"]] == ["register", "dispatch"]
    assert data["version"] == 2
    sr = ServiceRequest.objects.get(pk=data["id"])
    assert sla.step_met(sr, "dispatch") and sr.due_at is not None


@pytest.mark.parametrize(
    "case",
    ["invalid complaint", "enquiry", "no category", "category without department", "nobody in the department"],
)
def test_what_registration_does_not_dispatch_stays_for_the_desk(world, case):
    auto_dispatch_on(world)
    kw = {}
    if case == "invalid complaint":
        kw = {"validity": Validity.INVALID}
    elif case == "enquiry":
        kw = {"kind": Kind.ENQUIRY}
    elif case == "no category":
        kw = {"category_id": None}
    elif case == "category without department":
        kw = {"category_id": Category.objects.create(company=world.company, name="其他", code="other").pk}
    else:
        greening = Category.objects.create(
            company=world.company, name="绿化养护", code="greening", department_kind=DepartmentKind.GREENING
        )
        kw = {"category_id": greening.pk}
    sr = world.register(**kw)
    assert (fresh(sr).state, fresh(sr).events.count()) == (State.REGISTERED, 1)


# ------------------------------------------------------------------ 11. a complaint found invalid after dispatch


def test_a_complaint_found_invalid_after_dispatch_is_recalled_and_the_technician_told(client, world):
    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, department=world.dept[ENG], assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    sr = fresh(sr)
    login(client, world.supervisor)
    response = act(client, sr, "validity", validity="", note="")
    assert response.status_code == 400 and row(sr)[0] == State.ACCEPTED  # the reason is required

    response = act(client, sr, "validity", validity="invalid", note="经调查为市政管网问题，不属物业服务范围")
    assert response.status_code == 200
    sr = fresh(sr)
    assert (sr.state, sr.validity, sr.department_id, sr.assignee_id, sr.accepted_at) == (
        State.REGISTERED,
        Validity.INVALID,
        None,
        None,
        None,
    )
    event = RequestEvent.objects.get(request=sr, action=Action.VALIDITY)
    assert (event.actor, event.from_state, event.to_state) == (world.supervisor, State.ACCEPTED, State.REGISTERED)
    assert event.note == "经调查为市政管网问题，不属物业服务范围"
    assert event.data["recalled_from"]["assignee"] == world.tech.name
    told = Notification.objects.get(user=world.tech, title__contains="撤回")  # (the dispatch told them too)
    assert sr.number in told.title and told.url == f"/requests/{sr.pk}/"
    # back at the desk: it may not be dispatched again, it is explained and closed
    assert rules.allowed_actions(world.cs, sr)[0] == Action.REPLY
    assert Action.DISPATCH not in rules.allowed_actions(world.cs, sr)
    assert Action.CLOSE in rules.allowed_actions(world.cs, sr)
    login(client, world.tech)
    assert client.get(reverse("desk:detail", args=[sr.pk])).status_code == 404  # no longer theirs


def test_a_paused_job_made_invalid_ends_its_pause(world):
    sla.install_default_policies(world.company)
    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    request_arrive(actor=world.tech, request=sr)
    request_pause(actor=world.tech, request=sr, note="等待业户")
    request_validity(actor=world.cs, request=sr, validity=Validity.INVALID, note="属业户自家管道")
    sr = fresh(sr)
    assert (sr.state, sr.paused_at, sr.pause_reason) == (State.REGISTERED, None, "")
    assert not PauseSpan.objects.filter(request=sr, ended_at__isnull=True).exists()
    # an invalid complaint owes only its reply: the deadline shown is the reply's
    assert sr.due_at == parse_datetime(sr.sla["steps"]["reply"]["due"])


def test_a_department_without_a_named_person_is_told_of_the_recall(world):
    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, department=world.dept[ENG])
    request_validity(actor=world.cs, request=sr, validity=Validity.INVALID, note="重复投诉")
    told = set(Notification.objects.exclude(user__role="resident").values_list("user__username", flat=True))
    assert told == {"lead", "tech", "tech2"}


def test_an_invalid_complaint_found_valid_is_dispatched_as_usual(world):
    sr = world.register(validity=Validity.INVALID)
    assert Action.DISPATCH not in rules.allowed_actions(world.cs, sr)
    request_validity(actor=world.cs, request=sr, validity=Validity.VALID, note="复查属实，是物业责任")
    sr = fresh(sr)
    assert (sr.state, sr.validity) == (State.REGISTERED, Validity.VALID)
    request_dispatch(actor=world.cs, request=sr, department=world.dept[ENG])
    assert fresh(sr).state == State.DISPATCHED


@pytest.mark.parametrize("who", ["tech", "lead", "finance"])
def test_only_the_desk_changes_validity(world, who):
    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    sr = fresh(sr)
    before = row(sr)
    response = api(getattr(world, who)).post(
        f"/api/requests/{sr.pk}/validity/", {"validity": "invalid", "note": "不归我管"}, format="json"
    )
    assert response.status_code in (403, 404)
    assert row(sr) == before


def test_validity_is_refused_for_what_is_not_a_complaint(world):
    sr = world.register(kind=Kind.REPAIR)
    before = row(sr)
    response = api(world.cs).post(
        f"/api/requests/{sr.pk}/validity/", {"validity": "invalid", "note": "不属于服务范围"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "只有投诉区分有效与无效。"
    assert row(sr) == before
    with pytest.raises(ActionRefused):
        request_validity(actor=world.cs, request=sr, validity=Validity.INVALID, note="x")
    assert "validity" not in api(world.cs).get(f"/api/requests/{sr.pk}/").json()["allowed_actions"]


def test_the_api_needs_a_reason_and_a_change(world):
    sr = world.register()
    before = row(sr)
    client = api(world.cs)
    url = f"/api/requests/{sr.pk}/validity/"
    assert client.post(url, {"validity": "invalid", "note": " "}, format="json").json()["errors"]["note"]
    assert client.post(url, {"validity": "valid", "note": "核实"}, format="json").json()["errors"]["validity"]
    assert row(sr) == before
    response = client.post(url, {"validity": "invalid", "note": "业户私人纠纷", "version": sr.version}, format="json")
    assert response.status_code == 200 and response.json()["validity"] == "invalid"


# ------------------------------------------------------------------ 12. the explanation is the reply


def test_closing_an_invalid_complaint_records_its_explanation_as_the_reply(client, world):
    sla.install_default_policies(world.company)
    sr = world.register(validity=Validity.INVALID)
    assert fresh(sr).due_at is not None  # the reply is owed (24 h)
    login(client, world.cs)
    act(client, sr, "close", note="已向业户解释：属市政施工，不在物业服务范围。")
    sr = fresh(sr)
    assert sr.state == State.CLOSED
    assert sr.reply == "已向业户解释：属市政施工，不在物业服务范围。"
    assert sr.replied_at == sr.closed_at
    assert sla.step_met(sr, "reply") and sr.due_at is None
    detail = api(world.cs).get(f"/api/requests/{sr.pk}/").json()
    assert detail["reply"] == sr.reply and detail["replied_at"]


def test_an_earlier_interim_reply_keeps_its_time(world):
    sr = world.register(validity=Validity.INVALID)
    request_reply(actor=world.cs, request=sr, reply="我们正在核实，稍后答复")
    first = fresh(sr).replied_at
    request_close(actor=world.cs, request=fresh(sr), note="经核实不属物业服务范围，已解释")
    sr = fresh(sr)
    assert (sr.replied_at, sr.reply) == (first, "经核实不属物业服务范围，已解释")
