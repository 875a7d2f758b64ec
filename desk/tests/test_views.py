"""The desk's pages as people meet them, with the cast: who may and who may not."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from desk.choices import Kind, State
from desk.models import Attachment, RequestEvent, ServiceRequest
from desk.services import request_accept, request_arrive, request_attach, request_dispatch, request_resolve
from tests.factories import PASSWORD, make_room
from tests.files import fake_pdf, pdf

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def png(name="photo.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 255)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def intake_post(world, **overrides):
    data = {
        "project": world.project.pk,
        "room": world.room.pk,
        "resident": world.resident.pk,
        "caller_name": "张三",
        "caller_phone": "138 1234 5678",
        "kind": "complaint",
        "channel": "phone",
        "category": world.category.pk,
        "severity": "general",
        "validity": "valid",
        "paid": "unknown",
        "title": "楼上漏水",
        "description": "天花板滴水",
        "location": "",
    }
    data.update(overrides)
    return data


# ------------------------------------------------------------------ anonymous


@pytest.mark.parametrize("name", ["desk:home", "desk:list", "desk:intake", "desk:jobs"])
def test_it_sends_anonymous_visitors_to_sign_in(client, world, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_hides_a_request_page_from_anonymous(client, world):
    sr = world.register()
    response = client.get(reverse("desk:detail", args=[sr.pk]))
    assert response.status_code == 302


# ------------------------------------------------------------------ intake


def test_it_registers_a_phone_complaint(client, world):
    login(client, world.cs)
    response = client.post(reverse("desk:intake"), intake_post(world))
    sr = ServiceRequest.objects.get()
    assert response.status_code == 302 and f"registered={sr.pk}" in response["Location"]
    assert sr.receiver == world.cs and sr.caller_phone == "13812345678" and sr.state == State.REGISTERED
    assert sr.events.get().action == "register"


def test_it_opens_the_request_when_registering_to_dispatch(client, world):
    login(client, world.cs)
    response = client.post(reverse("desk:intake"), intake_post(world, dispatch_next="1"))
    assert response["Location"] == reverse("desk:detail", args=[ServiceRequest.objects.get().pk])


@pytest.mark.parametrize("kind", ["complaint", "repair", "enquiry", "suggestion", "praise"])
@pytest.mark.parametrize("button", ["register", "dispatch_next"])
def test_it_registers_every_kind_with_the_forms_defaults(client, world, kind, button):
    """The page always submits the complaint-only validity select and the repair-only paid select
    (hidden for the other kinds) with their initial values: every kind must save with them."""
    login(client, world.cs)
    response = client.post(reverse("desk:intake"), intake_post(world, kind=kind, **{button: "1"}))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    sr = ServiceRequest.objects.get()
    assert sr.kind == kind
    assert sr.validity == ("valid" if kind == "complaint" else "")
    assert sr.paid is None


def test_a_refused_save_shows_every_error_at_the_top_and_keeps_the_household(client, world, monkeypatch):
    """An error on a field the page hides, or one with no field, is listed at the top with its
    label; the chosen household's badge keeps the room and the person."""
    from django.core.exceptions import ValidationError

    import desk.views

    def refuse(*, actor, data):
        raise ValidationError({"validity": ["只有投诉区分有效与无效。"], "__all__": ["今天不收工单。"]})

    monkeypatch.setattr(desk.views, "request_register", refuse)
    login(client, world.cs)
    response = client.post(reverse("desk:intake"), intake_post(world, kind="repair", lookup="3-2-1502"))
    assert response.status_code == 400
    html = response.content.decode()
    top = html[html.index('id="form-errors"') :][:600]
    assert "投诉性质" in top and "只有投诉区分有效与无效。" in top and "今天不收工单。" in top
    assert 'id="chosen-room-label">3-2-1502 · 张三<' in html
    assert 'value="3-2-1502"' in html  # the lookup text


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"title": ""}, "title"),
        ({"caller_phone": "12ab"}, "caller_phone"),
        ({"room": "", "location": ""}, "location"),
    ],
)
def test_it_redisplays_bad_intake_and_saves_nothing(client, world, overrides, field):
    login(client, world.cs)
    response = client.post(reverse("desk:intake"), intake_post(world, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert ServiceRequest.objects.count() == 0 and RequestEvent.objects.count() == 0


def test_it_refuses_a_room_of_another_project(client, world):
    login(client, world.cs)
    response = client.post(reverse("desk:intake"), intake_post(world, room=world.other_room.pk, resident=""))
    assert response.status_code == 400
    assert ServiceRequest.objects.count() == 0


def test_it_does_not_let_another_projects_staff_register_here(client, world):
    login(client, world.outsider)
    response = client.post(reverse("desk:intake"), intake_post(world, room="", resident="", location="大门"))
    assert response.status_code == 400  # our project is not among their choices
    assert ServiceRequest.objects.count() == 0


@pytest.mark.parametrize("who", ["tech", "resident_user", "finance"])
def test_it_keeps_the_intake_form_from_those_who_do_not_register(client, world, who):
    login(client, getattr(world, who))
    assert client.get(reverse("desk:intake")).status_code == 403
    client.post(reverse("desk:intake"), intake_post(world))
    assert ServiceRequest.objects.count() == 0


def test_it_finds_the_room_by_number_and_by_phone(client, world):
    login(client, world.cs)
    for q in ("3-2-1502", "3栋2单元1502", "13812345678", "5678", "张三"):
        response = client.get(reverse("desk:lookup"), {"q": q})
        assert f'data-room="{world.room.pk}"' in response.content.decode(), q


def test_the_lookup_never_shows_another_projects_rooms(client, world):
    login(client, world.cs)
    response = client.get(reverse("desk:lookup"), {"q": "13700002222"})
    assert f'data-room="{world.other_room.pk}"' not in response.content.decode()
    login(client, world.outsider)
    response = client.get(reverse("desk:lookup"), {"q": "3-2-1502"})
    assert f'data-room="{world.room.pk}"' not in response.content.decode()


def test_the_household_panel_shows_recent_requests(client, world):
    sr = world.register(title="门禁坏了")
    login(client, world.cs)
    response = client.get(reverse("desk:household"), {"room": world.room.pk})
    body = response.content.decode()
    assert sr.number in body and "张三" in body
    login(client, world.outsider)
    assert client.get(reverse("desk:household"), {"room": world.room.pk}).content == b""


# ------------------------------------------------------------------ request page and actions


def test_the_request_page_offers_exactly_the_allowed_actions(client, world):
    sr = world.register()
    login(client, world.cs)
    response = client.get(reverse("desk:detail", args=[sr.pk]))
    offered = [a for a, _label, _form in response.context["actions"]]
    assert offered == ["dispatch", "reply", "cancel", "reclassify", "validity", "attach"]
    login(client, world.tech)
    # A technician not (yet) on the job does not see it at all.
    assert client.get(reverse("desk:detail", args=[sr.pk])).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "other_tech", "resident_user"])
def test_others_get_not_found_and_change_nothing(client, world, who):
    sr = world.register()
    if who == "resident_user":
        sr = world.register(room_id=world.room2.pk, resident_id=world.neighbour.pk)
    login(client, getattr(world, who))
    assert client.get(reverse("desk:detail", args=[sr.pk])).status_code == 404
    response = client.post(
        reverse("desk:act", args=[sr.pk, "dispatch"]), {"version": 1, "department": world.dept["engineering"].pk}
    )
    assert response.status_code == 404
    sr.refresh_from_db()
    assert sr.state == State.REGISTERED and sr.events.count() == 1


def test_a_resident_sees_their_own_rooms_requests_and_no_actions(client, world):
    sr = world.register()
    login(client, world.resident_user)
    response = client.get(reverse("desk:detail", args=[sr.pk]))
    assert response.status_code == 200 and response.context["actions"] == []
    listing = client.get(reverse("desk:list")).content.decode()
    assert sr.number in listing


def test_dispatch_through_the_page(client, world):
    sr = world.register()
    login(client, world.cs)
    response = client.post(
        reverse("desk:act", args=[sr.pk, "dispatch"]),
        {"version": sr.version, "department": world.dept["engineering"].pk, "assignee": world.tech.pk},
    )
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.state == State.DISPATCHED and sr.assignee == world.tech


def test_a_refused_action_says_why_and_changes_nothing(client, world):
    sr = world.register()
    login(client, world.cs)
    response = client.post(reverse("desk:act", args=[sr.pk, "accept"]), {"version": sr.version}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("不能执行" in m or "只有" in m for m in messages)
    sr.refresh_from_db()
    assert sr.state == State.REGISTERED and sr.events.count() == 1


def test_a_missing_reason_redisplays_the_form(client, world):
    sr = world.register()
    login(client, world.cs)
    response = client.post(reverse("desk:act", args=[sr.pk, "cancel"]), {"version": sr.version, "note": "  "})
    assert response.status_code == 400
    assert response.context["open_form"] == "cancel"
    assert "note" in dict((a, f) for a, _label, f in response.context["actions"])["cancel"].errors
    sr.refresh_from_db()
    assert sr.state == State.REGISTERED


def test_the_second_of_two_simultaneous_dispatches_gets_a_conflict(client, world):
    sr = world.register()
    stale = sr.version
    request_dispatch(actor=world.cs2, request=sr, department=world.dept["engineering"])
    login(client, world.cs)
    response = client.post(
        reverse("desk:act", args=[sr.pk, "transfer"]),
        {"version": stale, "department": world.dept["security"].pk, "note": "换秩序部"},
        follow=True,
    )
    assert any("刚被其他人修改" in str(m) for m in response.context["messages"])
    sr.refresh_from_db()
    assert sr.department == world.dept["engineering"] and sr.events.count() == 2


def test_dispatching_from_a_page_read_before_another_dispatch_shows_the_conflict(client, world):
    sr = world.register()
    login(client, world.cs)
    page = client.get(reverse("desk:detail", args=[sr.pk]))
    seen = page.context["actions"][0][2].initial["version"]
    request_dispatch(actor=world.cs2, request=sr, assignee=world.tech)

    response = client.post(
        reverse("desk:act", args=[sr.pk, "dispatch"]), {"version": seen, "assignee": world.tech2.pk}, follow=True
    )

    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["这张工单刚被其他人修改过，请刷新后再试。"]
    sr.refresh_from_db()
    assert sr.assignee == world.tech and sr.version == seen + 1 and sr.events.count() == 2


def test_the_technician_resolves_with_a_photo_from_the_phone_page(client, world):
    sr = world.register(kind=Kind.REPAIR)
    request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    login(client, world.tech)
    jobs = client.get(reverse("desk:jobs"))
    assert sr.number in jobs.content.decode()
    assert "13812345678" not in jobs.content.decode()  # technicians see the number masked
    for action in ("accept", "arrive"):
        sr.refresh_from_db()
        client.post(reverse("desk:act", args=[sr.pk, action]), {"version": sr.version, "next": "/jobs/"})
    sr.refresh_from_db()
    response = client.post(
        reverse("desk:act", args=[sr.pk, "resolve"]),
        {"version": sr.version, "result": "已更换阀门", "paid": "true", "files": [png()]},
    )
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.state == State.RESOLVED and sr.paid is True and sr.implementer == world.tech
    attachment = Attachment.objects.get(request=sr)
    assert attachment.content_type == "image/png"


def test_a_file_that_is_not_an_image_is_refused(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sr = world.register(kind=Kind.REPAIR)
    request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    login(client, world.tech)
    fake = SimpleUploadedFile("photo.png", b"#!/bin/sh\necho not a picture\n", content_type="image/png")
    response = client.post(
        reverse("desk:act", args=[sr.pk, "resolve"]), {"version": sr.version, "result": "好了", "files": [fake]}
    )
    assert response.status_code == 400
    sr.refresh_from_db()
    assert sr.state == State.ACCEPTED and not Attachment.objects.exists()


def test_attachments_are_served_only_to_those_who_see_the_request(client, world):
    sr = world.register(kind=Kind.REPAIR)
    request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    request_arrive(actor=world.tech, request=sr)
    request_resolve(actor=world.tech, request=sr, result="好了", files=[png()])
    attachment = Attachment.objects.get()
    url = reverse("desk:attachment", args=[attachment.pk])
    login(client, world.cs)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    for who in ("outsider", "other_tech", "tech2"):
        login(client, getattr(world, who))
        assert client.get(url).status_code == 404, who
    client.logout()
    assert client.get(url).status_code == 302


def test_an_api_client_downloads_an_attachment_with_its_token_from_the_url_the_api_gives(world):
    """The API gives each attachment's `url`; that page takes the API's token too, with the same
    rule (404 for who may not see the request), and a wrong token is 401, not a sign-in page."""
    from django.test import Client

    from tests.factories import get_with_token as by_token

    sr = world.register(kind=Kind.REPAIR)
    request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    request_attach(actor=world.tech, request=sr, files=[png()])
    detail = by_token(world.cs, f"/api/requests/{sr.pk}/").json()
    url = detail["attachments"][0]["url"]
    assert url == reverse("desk:attachment", args=[Attachment.objects.get().pk])
    response = by_token(world.cs, url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert by_token(world.outsider, url).status_code == 404
    bad = Client().get(url, HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.status_code == 401 and bad.json()["code"] == "authentication_failed"
    assert Client().get(url).status_code == 302  # no token: the sign-in page, as before


def test_an_html_file_dressed_as_a_pdf_is_refused_with_a_message(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sr = world.register(kind=Kind.REPAIR)
    request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    login(client, world.tech)
    response = client.post(
        reverse("desk:act", args=[sr.pk, "attach"]), {"version": sr.version, "files": [fake_pdf("报价单.pdf")]}
    )
    assert response.status_code == 400
    assert "文件“报价单.pdf”不是有效的 PDF" in response.content.decode()
    assert not Attachment.objects.exists() and not any(tmp_path.rglob("*.*"))
    sr.refresh_from_db()
    response = client.post(
        reverse("desk:act", args=[sr.pk, "attach"]), {"version": sr.version, "files": [pdf("报价单.pdf")]}
    )
    assert response.status_code == 302
    assert Attachment.objects.get().content_type == "application/pdf"


def test_a_pdf_is_served_as_a_download_and_an_image_inline(client, world):
    sr = world.register(kind=Kind.REPAIR)
    request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    request_attach(actor=world.tech, request=sr, files=[png(), pdf("报价单.pdf")])
    login(client, world.cs)
    image, document = Attachment.objects.order_by("pk")
    response = client.get(reverse("desk:attachment", args=[document.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    response = client.get(reverse("desk:attachment", args=[image.pk]))
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"


# ------------------------------------------------------------------ list


def test_the_list_filters_and_searches_chinese(client, world):
    leak = world.register(title="楼上漏水")
    world.register(title="电梯异响", description="运行时有异响", kind=Kind.REPAIR)
    other = world.register_other(title="楼上漏水")
    login(client, world.cs)
    rows = client.get(reverse("desk:list"), {"q": "漏水"}).context["page"].rows
    assert [r.pk for r in rows] == [leak.pk]
    rows = client.get(reverse("desk:list"), {"kind": "repair"}).context["page"].rows
    assert [r.title for r in rows] == ["电梯异响"]
    assert other.pk not in [r.pk for r in client.get(reverse("desk:list")).context["page"].rows]


def test_the_list_pages_by_keyset(client, world):
    created = [world.register(title=f"第{i}号") for i in range(30)]
    login(client, world.cs)
    first = client.get(reverse("desk:list")).context["page"]
    assert len(first.rows) == 25 and first.next_cursor
    second = client.get(reverse("desk:list"), {"after": first.next_cursor}).context["page"]
    assert len(second.rows) == 5 and second.next_cursor is None
    assert {r.pk for r in first.rows + second.rows} == {sr.pk for sr in created}


def test_a_technician_lists_only_their_jobs(client, world):
    mine = world.register(kind=Kind.REPAIR)
    request_dispatch(actor=world.cs, request=mine, assignee=world.tech)
    world.register(title="别人的")
    login(client, world.tech)
    rows = client.get(reverse("desk:list")).context["page"].rows
    assert [r.pk for r in rows] == [mine.pk]


# ------------------------------------------------------------------ query counts


def _count(client, url, **params):
    from django.core.cache import cache

    cache.clear()  # the filter form's choices are cached for a minute; count them every time
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_page_makes_a_constant_number_of_queries(client, world):
    login(client, world.cs)
    for i in range(3):
        sr = world.register(title=f"少{i}")
        request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    few = _count(client, reverse("desk:list"))
    for i in range(30):
        sr = world.register(title=f"多{i}", room_id=world.room2.pk, resident_id=world.neighbour.pk)
        request_dispatch(actor=world.cs, request=sr, department=world.dept["security"])
    assert _count(client, reverse("desk:list")) == few
    assert _count(client, reverse("desk:home")) == _count(client, reverse("desk:home"))


def test_the_request_page_makes_a_constant_number_of_queries(client, world):
    login(client, world.cs)
    small = world.register()
    big = world.register()
    for sr in (small, big):
        request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    for i in range(15):
        world.register(title=f"历史{i}")  # the household's history grows
    request_accept(actor=world.tech, request=big)
    request_arrive(actor=world.tech, request=big)
    request_resolve(actor=world.tech, request=big, result="好了", files=[png("a.png"), png("b.png")])
    small_count = _count(client, reverse("desk:detail", args=[small.pk]))
    big_count = _count(client, reverse("desk:detail", args=[big.pk]))
    assert big_count <= small_count


def test_a_room_code_with_seven_digits_or_more_is_found_as_typed(client, world):
    """'10-1-1001' (building 10, unit 1, room 1001) has as many digits as the start of a phone
    number: the lookup and the search used to read it as a phone only and found no room."""
    room = make_room(world.project, building="10", unit="1", number="1001")
    login(client, world.cs)
    for q in ("10-1-1001", "10栋1单元1001"):
        response = client.get(reverse("desk:lookup"), {"q": q})
        assert f'data-room="{room.pk}"' in response.content.decode(), q
        page = client.get(reverse("estate:search"), {"q": q}).content.decode()
        assert reverse("estate:household", args=[room.pk]) in page, q


def test_each_queue_of_the_home_page_opens_the_list_filtered_as_the_queue_is(client, world):
    waiting = world.register(title="待派单的")
    visited = world.register(title="待回访的")
    ServiceRequest.objects.filter(pk=visited.pk).update(state=State.REPLIED, needs_return_visit=True)
    login(client, world.cs)

    home = client.get(reverse("desk:home")).context
    for queue in ("to_dispatch", "to_visit", "following"):
        listed = client.get(home["lists"][queue])
        assert listed.status_code == 200
        shown = {sr.pk for sr in listed.context["page"].rows}
        assert {sr.pk for sr in home["queues"][queue]} <= shown, queue
    assert [sr.pk for sr in home["queues"]["to_dispatch"]] == [waiting.pk]
    assert [sr.pk for sr in home["queues"]["to_visit"]] == [visited.pk]
    assert waiting.pk not in {sr.pk for sr in client.get(home["lists"]["to_visit"]).context["page"].rows}
