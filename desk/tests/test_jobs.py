"""The technician's phone page (desk:jobs) and the call button behind it (desk:call)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import RevealLog
from desk import services, sla
from desk.choices import Kind, Severity, State
from desk.models import ServiceRequest
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def dispatched(world, to=None, **kw):
    sr = world.register(kind=Kind.REPAIR, caller_name="张三", caller_phone="13812345678", **kw)
    services.request_dispatch(actor=world.cs, request=sr, assignee=to or world.tech)
    sr.refresh_from_db()
    return sr


def card_order(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'class="card job-card[^"]*" id="job-(\d+)"', html)]


# ------------------------------------------------------------------ the cards


def test_it_sorts_the_jobs_by_the_nearest_deadline(client, world):
    now = timezone.now()
    later = dispatched(world, title="晚到期")
    overdue = dispatched(world, title="已超时")
    soon = dispatched(world, title="快到期")
    paused = dispatched(world, title="暂停中")
    ServiceRequest.objects.filter(pk=later.pk).update(due_at=now + timedelta(days=2))
    ServiceRequest.objects.filter(pk=overdue.pk).update(due_at=now - timedelta(minutes=35))
    ServiceRequest.objects.filter(pk=soon.pk).update(due_at=now + timedelta(minutes=40))
    ServiceRequest.objects.filter(pk=paused.pk).update(due_at=None)  # no deadline: last

    html = login(client, world.tech).get(reverse("desk:jobs")).content.decode()

    assert card_order(html) == [overdue.pk, soon.pk, later.pk, paused.pk]
    assert "超时35分" in html and re.search(r"剩(39|40)分", html)


def test_a_card_shows_the_step_its_deadline_belongs_to_the_first_line_and_the_place(client, world):
    sla.install_default_policies(world.company)
    sr = world.register(
        kind=Kind.REPAIR,
        severity=Severity.URGENT,
        title="水管爆裂",
        description="\n  厨房水管爆裂，水漫到客厅\n业主在家，请带总阀扳手",
    )
    services.request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    public = world.register(kind=Kind.REPAIR, room_id=None, resident_id=None, location="地下车库B区", title="灯不亮")
    services.request_dispatch(actor=world.cs, request=public, assignee=world.tech)

    html = login(client, world.tech).get(reverse("desk:jobs")).content.decode()

    card = html[html.index(f'id="job-{sr.pk}"') :]
    card = card[: card.index('class="card job-card') if 'class="card job-card' in card else None]
    # an urgent repair, dispatched: the next deadline is being on site within 30 minutes
    assert re.search(r"响应/到场：剩(29|30)分", card)
    assert "厨房水管爆裂，水漫到客厅" in card and "请带总阀扳手" not in card
    assert "3-2-1502" in card
    assert "地下车库B区" in html


def test_the_cards_are_the_rows_of_my_jobs_for_everyone(world):
    """desk/jobs.py scopes by project only (a faster plan); it must pick the same rows as
    selectors.my_jobs, which goes through visible_requests."""
    from desk import jobs, selectors

    for who in (world.tech, world.tech2):
        dispatched(world, to=who)
    unnamed = world.register(kind=Kind.REPAIR)
    services.request_dispatch(actor=world.cs, request=unnamed, department=world.dept["engineering"])
    done = dispatched(world)
    services.request_accept(actor=world.tech, request=done)
    services.request_arrive(actor=world.tech, request=done)
    services.request_resolve(actor=world.tech, request=done, result="修好了")
    services.request_reopen(actor=world.cs, request=done, note="还在漏")  # back to someone's queue
    world.register_other()
    cast = [world.tech, world.tech2, world.lead, world.cs, world.supervisor, world.guard, world.other_tech]
    assert any(set(jobs.job_queryset(u)) for u in cast)
    for user in cast:
        assert set(jobs.job_queryset(user)) == set(selectors.my_jobs(user)), user


def test_the_page_asks_the_database_the_same_number_of_times_for_one_job_or_many(client, world):
    login(client, world.tech)
    dispatched(world)
    client.get(reverse("desk:jobs"))  # warm: sessions, content types
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("desk:jobs"))
    for _ in range(5):
        dispatched(world)
    with CaptureQueriesContext(connection) as six:
        response = client.get(reverse("desk:jobs"))
    assert len(card_order(response.content.decode())) == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_an_action_returns_to_the_same_card(client, world):
    sr = dispatched(world)
    page = login(client, world.tech).get(reverse("desk:jobs")).content.decode()
    back = f"/jobs/#job-{sr.pk}"
    assert f'name="next" value="{back}"' in page

    response = client.post(reverse("desk:act", args=[sr.pk, "accept"]), {"version": sr.version, "next": back})

    assert response.status_code == 302 and response["Location"] == back
    sr.refresh_from_db()
    assert sr.state == State.ACCEPTED


def test_a_finished_job_keeps_its_anchor_in_the_done_list(client, world):
    sr = dispatched(world)
    services.request_accept(actor=world.tech, request=sr)
    services.request_arrive(actor=world.tech, request=sr)
    services.request_resolve(actor=world.tech, request=sr, result="修好了")
    html = login(client, world.tech).get(reverse("desk:jobs")).content.decode()
    assert card_order(html) == []
    assert f'id="job-{sr.pk}"' in html  # the return to #job-<id> after 'resolve' lands on it


def test_the_resolve_form_comes_when_tapped_and_offers_the_gallery_and_the_camera(client, world):
    sr = dispatched(world)
    services.request_accept(actor=world.tech, request=sr)
    services.request_arrive(actor=world.tech, request=sr)
    page = login(client, world.tech).get(reverse("desk:jobs")).content.decode()
    url = reverse("desk:job-form", args=[sr.pk, "resolve"])
    assert f'hx-get="{url}"' in page and 'name="result"' not in page  # not built with the page

    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert 'name="result"' in html and f'name="next" value="/jobs/#job-{sr.pk}"' in html
    inputs = re.findall(r'<input type="file"[^>]*>', html)
    assert any("capture" not in i and 'accept="image/*' in i for i in inputs)  # gallery, files, camera
    assert any('capture="environment"' in i for i in inputs)  # straight to the camera


def test_a_form_tapped_after_the_job_moved_on_says_why(client, world):
    sr = dispatched(world)
    login(client, world.tech)
    services.request_accept(actor=world.tech, request=sr)
    sr.refresh_from_db()
    services.request_arrive(actor=world.tech, request=sr)  # return is no longer possible
    html = client.get(reverse("desk:job-form", args=[sr.pk, "return"])).content.decode()
    assert "不能执行" in html and 'name="note"' not in html


def test_the_action_forms_are_only_for_the_jobs_own_people(client, world):
    sr = dispatched(world)
    login(client, world.tech2)
    assert client.get(reverse("desk:job-form", args=[sr.pk, "return"])).status_code == 404
    login(client, world.finance)  # sees the request, does not work on it
    assert client.get(reverse("desk:job-form", args=[sr.pk, "return"])).status_code == 403
    login(client, world.tech)
    assert client.get(reverse("desk:job-form", args=[sr.pk, "accept"])).status_code == 404  # one tap, no form
    assert client.get(reverse("desk:job-form", args=[sr.pk, "dispatch"])).status_code == 404
    assert client.get(reverse("desk:job-form", args=[sr.pk, "return"])).status_code == 200


def test_a_finished_job_is_listed_until_the_desk_closes_it(client, world):
    sr = dispatched(world)
    services.request_accept(actor=world.tech, request=sr)
    services.request_arrive(actor=world.tech, request=sr)
    services.request_resolve(actor=world.tech, request=sr, result="修好了")
    login(client, world.tech)
    assert f'id="job-{sr.pk}"' in client.get(reverse("desk:jobs")).content.decode()
    ServiceRequest.objects.filter(pk=sr.pk).update(state=State.CLOSED)  # replied, visited, closed
    assert f'id="job-{sr.pk}"' not in client.get(reverse("desk:jobs")).content.decode()


# ------------------------------------------------------------------ the call button


def test_the_technician_calls_the_resident_of_his_job_and_the_reveal_is_logged(client, world):
    sr = dispatched(world)
    login(client, world.tech)
    page = client.get(reverse("desk:jobs")).content.decode()
    assert reverse("desk:call", args=[sr.pk]) in page
    assert "13812345678" not in page  # the number is not on the page

    response = client.post(reverse("desk:call", args=[sr.pk]))

    assert response.status_code == 302 and response["Location"] == "tel:13812345678"
    log = RevealLog.objects.get()
    assert (log.user, log.object_type, log.object_id, log.field, log.kind) == (
        world.tech,
        "desk.ServiceRequest",
        str(sr.pk),
        "caller_phone",
        "phone",
    )


def test_with_a_switchboard_the_button_rings_it_and_nothing_is_revealed(client, world, settings):
    settings.PROPDESK_CALL_THROUGH = "0571-8888 6666"
    sr = dispatched(world)
    login(client, world.tech)
    page = client.get(reverse("desk:jobs")).content.decode()
    assert 'href="tel:057188886666"' in page

    response = client.post(reverse("desk:call", args=[sr.pk]))

    assert response["Location"] == "tel:057188886666"
    assert not RevealLog.objects.exists()


def test_another_projects_request_is_not_found(client, world):
    sr = world.register_other(caller_phone="13700002222")
    services.request_dispatch(actor=world.outsider, request=sr, assignee=world.other_tech)
    response = login(client, world.tech).post(reverse("desk:call", args=[sr.pk]))
    assert response.status_code == 404
    assert not RevealLog.objects.exists()


def test_a_resident_cannot_use_it(client, world):
    sr = dispatched(world)
    response = login(client, world.resident_user).post(reverse("desk:call", args=[sr.pk]))
    assert response.status_code == 403
    assert not RevealLog.objects.exists()


def test_a_technician_not_on_the_job_may_not_call(client, world):
    sr = dispatched(world, to=world.tech)
    login(client, world.tech2)
    assert reverse("desk:call", args=[sr.pk]) not in client.get(reverse("desk:jobs")).content.decode()
    response = client.post(reverse("desk:call", args=[sr.pk]))
    assert response.status_code == 404  # another technician's job is not his to see
    assert not RevealLog.objects.exists()


def test_staff_who_see_the_request_but_do_not_work_on_it_may_not_call(client, world):
    sr = dispatched(world)
    login(client, world.finance)
    assert client.get(reverse("desk:detail", args=[sr.pk])).status_code == 200
    response = client.post(reverse("desk:call", args=[sr.pk]))
    assert response.status_code == 403
    assert not RevealLog.objects.exists()


def test_the_technician_may_not_call_once_the_job_is_done(client, world):
    sr = dispatched(world)
    services.request_accept(actor=world.tech, request=sr)
    services.request_arrive(actor=world.tech, request=sr)
    services.request_resolve(actor=world.tech, request=sr, result="修好了")
    response = login(client, world.tech).post(reverse("desk:call", args=[sr.pk]))
    assert response.status_code == 403


def test_the_desk_may_call_and_a_get_changes_nothing(client, world):
    sr = dispatched(world)
    login(client, world.cs)
    assert client.get(reverse("desk:call", args=[sr.pk])).status_code == 405
    assert not RevealLog.objects.exists()
    assert client.post(reverse("desk:call", args=[sr.pk]))["Location"] == "tel:13812345678"
    assert RevealLog.objects.filter(user=world.cs).count() == 1


def test_the_finished_list_keeps_to_the_technicians_projects(client, world):
    sr = dispatched(world)
    services.request_accept(actor=world.tech, request=sr)
    services.request_arrive(actor=world.tech, request=sr)
    services.request_resolve(actor=world.tech, request=sr, result="修好了")
    world.tech.projects.set([world.other_project])  # moved to the other project
    html = login(client, world.tech).get(reverse("desk:jobs")).content.decode()
    assert sr.number not in html


def test_what_people_typed_is_shown_as_text(client, world):
    """The cards are written in Python (desk/jobs.py cards_html): every typed value is escaped."""
    evil = '<script>alert("x")</script>&'
    sr = world.register(
        kind=Kind.REPAIR,
        title=evil,
        description=evil + "\n第二行",
        room_id=None,
        resident_id=None,
        location=evil,
        caller_name=evil,
        caller_phone="13812345678",
    )
    services.request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    html = login(client, world.tech).get(reverse("desk:jobs")).content.decode()
    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;") == 4  # title, head, place, caller
