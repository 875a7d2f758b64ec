"""The intake page's new parts (issue 12): the lookup says when more households match than it
lists, the forms callers use find the room, 登记并派单 dispatches to the chosen department in one
step, and a related room (the flat upstairs) is named on the request and shown on both households'
timelines, in the page and the API."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.choices import DepartmentKind
from desk.choices import State
from desk.models import LearnedWord, ServiceRequest
from desk.suggest import install_default_keywords
from estate.timeline import room_timeline
from tests.factories import make_resident, make_room

pytestmark = pytest.mark.django_db


def intake_post(world, **overrides):
    data = {
        "project": world.project.pk,
        "room": world.room.pk,
        "resident": world.resident.pk,
        "caller_name": "张三",
        "caller_phone": "",
        "kind": "repair",
        "channel": "phone",
        "category": world.category.pk,
        "severity": "general",
        "validity": "valid",
        "paid": "unknown",
        "title": "楼上卫生间漏水到我家了",
        "description": "",
        "location": "",
        "related_room": "",
        "department": "",
    }
    data.update(overrides)
    return data


def lookup(client, q) -> str:
    return client.get(reverse("desk:lookup"), {"q": q}).content.decode()


# ------------------------------------------------------------------ lookup


def test_more_than_ten_households_says_so_and_typing_on_narrows_them(client, world):
    for floor in range(1, 13):
        make_room(world.project, "7", "1", f"{floor}01")
    client.force_login(world.cs)
    html = lookup(client, "7栋")
    assert len(set(re.findall(r'data-room="(\d+)"', html))) == 10
    assert 'id="lookup-more"' in html and "还有更多，请继续输入" in html
    narrower = lookup(client, "7栋1单元100")
    assert len(set(re.findall(r'data-room="(\d+)"', narrower))) == 1 and "lookup-more" not in narrower
    exactly = lookup(client, "7-1-1")  # 101, 1001, 1101, 1201
    assert "lookup-more" not in exactly


@pytest.mark.parametrize(
    "q", ["三栋二单元1502", "3栋2单元1502", "3栋2-1502", "3-2-1502室", "3-2-1502", "三栋二单元一五零二"]
)
def test_the_lookup_understands_how_callers_say_the_room(client, world, q):
    client.force_login(world.cs)
    rooms = re.findall(r'data-room="(\d+)"', lookup(client, q))
    assert rooms and rooms[0] == str(world.room.pk)


def test_the_results_are_walked_with_the_arrow_keys_not_tabbed_through(client, world):
    """Tab goes from the lookup to the next field; ↓/↑ walk the list (static/js/intake.js)."""
    client.force_login(world.cs)
    html = lookup(client, "3-2")
    assert html.count('tabindex="-1"') == html.count("data-room=")


def test_the_page_offers_the_shortcuts_and_the_suggestion_endpoint(client, world):
    client.force_login(world.cs)
    html = client.get(reverse("desk:intake")).content.decode()
    for key in ("Ctrl+Enter", "Ctrl+Shift+Enter", "Alt+J", 'data-hotkey="intake"', 'aria-keyshortcuts="F2 Alt+N"'):
        assert key in html, key
    assert reverse("desk:suggest") in html
    # the category type-ahead's keys: the name's pinyin initials and full pinyin
    assert 'data-keys="sssb sheshishebei"' in html
    # the departments carry their project and kind (the suggestion's department is picked by them)
    eng = world.dept[DepartmentKind.ENGINEERING]
    assert f'value="{eng.pk}" data-project="{world.project.pk}" data-kind="engineering"' in html


# ------------------------------------------------------------------ 登记并派单


def test_register_and_dispatch_to_the_chosen_department_in_one_step(client, world):
    client.force_login(world.cs)
    eng = world.dept[DepartmentKind.ENGINEERING]
    response = client.post(reverse("desk:intake"), intake_post(world, department=eng.pk, dispatch_next="1"))
    sr = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"?registered={sr.pk}")
    assert sr.state == State.DISPATCHED and sr.department == eng and sr.receiver == world.cs
    page = client.get(response["Location"]).content.decode()
    assert f"已登记工单 {sr.number}，并已派给{eng.name}。" in page


def test_register_alone_does_not_dispatch_even_with_a_department(client, world):
    client.force_login(world.cs)
    eng = world.dept[DepartmentKind.ENGINEERING]
    client.post(reverse("desk:intake"), intake_post(world, department=eng.pk, register="1"))
    assert ServiceRequest.objects.get().state == State.REGISTERED


def test_register_and_dispatch_without_a_department_opens_the_request(client, world):
    client.force_login(world.cs)
    response = client.post(reverse("desk:intake"), intake_post(world, dispatch_next="1"))
    sr = ServiceRequest.objects.get()
    assert response["Location"] == reverse("desk:detail", args=[sr.pk]) and sr.state == State.REGISTERED


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"kind": "complaint", "validity": "invalid"}, "无效投诉不派单"),
        ({"department": "OTHER"}, "部门不属于这个项目"),
    ],
)
def test_a_refused_dispatch_saves_nothing_and_says_why(client, world, overrides, message):
    world.outsider.projects.add(world.project)  # both projects: the other's department is offered
    client.force_login(world.outsider)
    data = intake_post(world, department=world.dept[DepartmentKind.ENGINEERING].pk, dispatch_next="1")
    data.update(overrides)
    if data["department"] == "OTHER":
        data["department"] = world.other_dept[DepartmentKind.ENGINEERING].pk
    response = client.post(reverse("desk:intake"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ServiceRequest.objects.exists() and not LearnedWord.objects.exists()


def test_registering_from_the_page_learns_from_what_the_clerk_chose(client, world):
    install_default_keywords(world.company)
    client.force_login(world.cs)
    client.post(reverse("desk:intake"), intake_post(world, title="阳台玻璃裂了", register="1"))
    answer = client.get(reverse("desk:suggest"), {"project": world.project.pk, "title": "玻璃裂了"}).json()
    assert answer["suggestion"]["category"] == world.category.pk


# ------------------------------------------------------------------ the related room


@pytest.fixture
def upstairs(world):
    room = make_room(world.project, "3", "2", "1602")
    make_resident(room, "王五", "13600006666")
    return room


def test_the_related_room_is_named_on_the_request_and_shown_on_both_timelines(client, world, upstairs):
    client.force_login(world.cs)
    response = client.post(reverse("desk:intake"), intake_post(world, related_room=upstairs.pk, register="1"))
    assert response.status_code == 302
    sr = ServiceRequest.objects.get()
    assert sr.related_room == upstairs
    # the caller's household: its own request, naming the flat concerned
    own = [e for e in room_timeline(room=world.room, user=world.cs) if e.source == "requests"]
    assert [e.title for e in own] == [f"{sr.number} {sr.title}"] and "3-2-1602" in own[0].detail
    # the flat upstairs: the request concerning it, saying where it was registered
    theirs = [e for e in room_timeline(room=upstairs, user=world.cs) if e.source == "related"]
    assert [e.title for e in theirs] == [f"{sr.number} {sr.title}"] and "3-2-1502" in theirs[0].detail
    page = client.get(reverse("estate:household", args=[upstairs.pk])).content.decode()
    assert sr.number in page and "涉及本户的工单" in page
    detail = client.get(reverse("desk:detail", args=[sr.pk])).content.decode()
    assert 'id="related-room"' in detail and reverse("estate:household", args=[upstairs.pk]) in detail


def test_the_related_room_stays_on_a_refused_save(client, world, upstairs):
    client.force_login(world.cs)
    response = client.post(reverse("desk:intake"), intake_post(world, related_room=upstairs.pk, title=""))
    assert response.status_code == 400
    assert 'id="related-label">3-2-1602<' in response.content.decode()


@pytest.mark.parametrize("which", ["other_room", "room"])
def test_a_related_room_of_another_project_or_the_callers_own_is_refused(client, world, which):
    client.force_login(world.cs)
    response = client.post(
        reverse("desk:intake"), intake_post(world, related_room=getattr(world, which).pk, register="1")
    )
    assert response.status_code == 400 and "related_room" in response.context["form"].errors
    assert not ServiceRequest.objects.exists()


def test_the_related_timeline_shows_only_what_the_user_may_see(world, upstairs):
    sr = world.register(related_room_id=upstairs.pk)
    assert [e.source for e in room_timeline(room=upstairs, user=world.cs)] == ["related"]
    assert room_timeline(room=upstairs, user=world.tech) == []  # not sent to him
    assert sr.pk


def test_the_api_names_the_related_room(world, upstairs):
    client = APIClient()
    client.force_login(world.cs)
    body = {"project": world.project.pk, "kind": "repair", "title": "楼上漏水", "room": world.room.pk}
    response = client.post("/api/requests/", {**body, "related_room": upstairs.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["related_room"] == {"id": upstairs.pk, "code": "3-2-1602"}
    detail = client.get(f"/api/requests/{response.json()['id']}/").json()
    assert detail["related_room"] == {"id": upstairs.pk, "code": "3-2-1602"}
    refused = client.post("/api/requests/", {**body, "related_room": world.other_room.pk}, format="json")
    assert refused.status_code == 400 and "related_room" in refused.json()["errors"]
    plain = client.post("/api/requests/", body, format="json")
    assert plain.json()["related_room"] is None
