import io

import pytest
from django.urls import reverse
from PIL import Image

from desk.choices import Channel, Kind
from desk.models import ServiceRequest
from safety import services
from safety.choices import IncidentState, RunState, StopState
from safety.models import Finding, Incident, PatrolRun, Route


def png(name="p.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def test_patrol_run_on_the_phone_with_a_finding_becomes_a_request(client, world, patrol):
    route, fire, bins = patrol
    client.force_login(world.guard)
    assert client.get(reverse("safety:patrols")).status_code == 200
    response = client.post(reverse("safety:run_start", args=[route.pk]))
    run = PatrolRun.objects.get()
    assert response.url == reverse("safety:run", args=[run.pk])
    page = client.get(response.url)
    assert 'capture="environment"' in page.content.decode()
    fire_stop = run.stops.get(point=fire)
    # missing an item: redisplayed with the message, nothing saved
    response = client.post(reverse("safety:stop_check", args=[fire_stop.pk]), {"item-0": "ok"})
    assert response.status_code == 400 and "消防栓无遮挡" in response.content.decode()
    fire_stop.refresh_from_db()
    assert fire_stop.state == StopState.PENDING
    response = client.post(
        reverse("safety:stop_check", args=[fire_stop.pk]),
        {"item-0": "problem", "note-0": "压力不足", "item-1": "ok", "photos": [png()]},
    )
    assert response.status_code == 302
    finding = Finding.objects.get()
    page = client.get(reverse("safety:run", args=[run.pk])).content.decode()
    assert "报修（交客服）" in page
    client.post(reverse("safety:finding_request", args=[finding.pk]), {"kind": "repair"})
    finding.refresh_from_db()
    assert finding.request_kind == "repair" and finding.request is None
    # the desk's tap
    client.force_login(world.cs)
    assert "压力不足" in client.get(reverse("safety:findings")).content.decode()
    client.post(reverse("safety:finding_request", args=[finding.pk]), {"kind": "repair", "next": "/safety/findings/"})
    finding.refresh_from_db()
    sr = ServiceRequest.objects.get()
    assert finding.request == sr and sr.channel == Channel.PATROL and sr.kind == Kind.REPAIR
    page = client.get(reverse("safety:run", args=[run.pk])).content.decode()
    assert sr.number in page and sr.get_state_display() in page
    assert reverse("safety:run", args=[run.pk]) in client.get(reverse("desk:detail", args=[sr.pk])).content.decode()
    assert reverse("desk:detail", args=[sr.pk]) in page
    # the guard may not open a request he did not receive: its number shows, without a dead link
    client.force_login(world.guard)
    assert client.get(reverse("desk:detail", args=[sr.pk])).status_code == 404
    page = client.get(reverse("safety:run", args=[run.pk])).content.decode()
    assert sr.number in page and reverse("desk:detail", args=[sr.pk]) not in page
    # finish: the other point is missed
    client.post(reverse("safety:run_finish", args=[run.pk]))
    run.refresh_from_db()
    assert run.state == RunState.DONE and run.points_missed == 1
    client.force_login(world.supervisor)
    assert bins.name in client.get(reverse("safety:missed")).content.decode()


def test_point_code_entry_jumps_to_the_stop(client, world, patrol):
    route, fire, bins = patrol
    run = services.run_start(actor=world.guard, route=route)
    client.force_login(world.guard)
    stop = run.stops.get(point=bins)
    response = client.get(reverse("safety:run", args=[run.pk]), {"code": "s01"})
    assert response.url.endswith(f"?stop={stop.pk}#stop-{stop.pk}")
    response = client.get(reverse("safety:point_go", args=[world.project.pk, "S01"]))
    assert response.url.endswith(f"#stop-{stop.pk}")


@pytest.mark.parametrize(
    "who,status",
    [("guard", 200), ("supervisor", 200), ("cs", 200), ("outsider", 404), ("other_tech", 404), ("tech", 404)],
)
def test_run_page_cast(client, world, patrol, who, status):
    route, *_ = patrol
    run = services.run_start(actor=world.guard, route=route)
    client.force_login(getattr(world, who))
    assert client.get(reverse("safety:run", args=[run.pk])).status_code == status


def test_residents_get_nothing(client, world, patrol):
    incident = services.incident_start(actor=world.cs, project=world.project, kind="fire", title="t", place="p")
    client.force_login(world.resident_user)
    for url in (
        reverse("safety:patrols"),
        reverse("safety:incidents"),
        reverse("safety:incident", args=[incident.pk]),
        reverse("safety:points"),
        reverse("safety:findings"),
    ):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize(
    "who,status", [("supervisor", 200), ("manager", 200), ("cs", 403), ("guard", 403), ("lead", 403)]
)
def test_setup_pages_cast(client, world, patrol, who, status):
    client.force_login(getattr(world, who))
    for name in ("safety:points", "safety:point_new", "safety:route_new", "safety:call_trees", "safety:missed"):
        assert client.get(reverse(name)).status_code == status, name


def test_supervisor_edits_points_routes_and_call_tree(client, world, patrol):
    client.force_login(world.supervisor)
    response = client.post(
        reverse("safety:point_new"),
        {
            "project": world.project.pk,
            "code": "G01",
            "name": "东门岗",
            "kind": "public_area",
            "place": "东门",
            "checklist": "道闸正常",
            "room_code": "9-9-999",
            "active": "on",
        },
    )
    assert response.status_code == 400 and "本项目没有这个房屋" in response.content.decode()
    response = client.post(
        reverse("safety:point_new"),
        {
            "project": world.project.pk,
            "code": "G01",
            "name": "东门岗",
            "kind": "public_area",
            "place": "东门",
            "checklist": "道闸正常",
            "room_code": "",
            "active": "on",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("safety:route_new"),
        {
            "project": world.project.pk,
            "name": "白班",
            "times": "08:00",
            "grace_minutes": 30,
            "point_codes": "G01,NOPE",
            "active": "on",
        },
    )
    assert response.status_code == 400 and "NOPE" in response.content.decode()
    response = client.post(
        reverse("safety:route_new"),
        {
            "project": world.project.pk,
            "name": "白班",
            "times": "08:00",
            "grace_minutes": 30,
            "point_codes": "G01\nF01",
            "people": [world.tech.pk],
            "active": "on",
        },
    )
    assert response.status_code == 302
    route = Route.objects.get(name="白班")
    assert [s.point.code for s in route.stops.all()] == ["G01", "F01"]
    assert list(route.people.all()) == [world.tech]
    page = client.get(reverse("safety:points_print")).content.decode()
    assert "G01" in page and f"/safety/p/{world.project.pk}/G01/" in page
    # the card's QR image carries the same address (a phone's camera opens the point in the run)
    from html import unescape

    from core.qr import qr_data_uri

    assert qr_data_uri(f"http://testserver/safety/p/{world.project.pk}/G01/", scale=3) in unescape(page)
    response = client.post(
        reverse("safety:call_tree_edit", args=[world.project.pk, "lift"]),
        {"r0-user": world.tech.pk, "r1-role": "cs_supervisor"},
    )
    assert response.status_code == 302
    assert (
        client.get(reverse("safety:call_tree_edit", args=[world.outsider.projects.get().pk, "lift"])).status_code == 404
    )


def test_incident_flow_through_pages(client, world):
    services.call_tree_save(
        actor=world.supervisor,
        project=world.project,
        kind="lift",
        entries=[{"user": world.tech}, {"user": world.supervisor}],
    )
    sr = world.register(kind=Kind.REPAIR, title="电梯困人")
    client.force_login(world.guard)
    assert client.get(reverse("safety:incident_new")).status_code == 403
    client.force_login(world.cs)
    response = client.post(
        reverse("safety:incident_new"),
        {"project": world.project.pk, "kind": "lift", "level": 2, "title": "", "place": ""},
    )
    assert response.status_code == 400 and not Incident.objects.exists()
    response = client.post(
        reverse("safety:incident_new"),
        {
            "project": world.project.pk,
            "kind": "lift",
            "level": 2,
            "title": "3栋2号梯困人",
            "place": "3栋",
            "room_code": "",
        },
    )
    incident = Incident.objects.get()
    assert response.url == reverse("safety:incident", args=[incident.pk])
    client.post(reverse("safety:incident_act", args=[incident.pk, "link"]), {"requests": [sr.pk]})
    assert incident.links.count() == 1
    # the technician opens the notification's page and acknowledges
    client.force_login(world.tech)
    page = client.get(reverse("safety:incident", args=[incident.pk])).content.decode()
    assert 'id="ack-button"' in page
    client.post(reverse("safety:incident_act", args=[incident.pk, "ack"]))
    assert incident.calls.get(user=world.tech).acked_at is not None
    assert client.post(reverse("safety:incident_act", args=[incident.pk, "resolve"]), {"text": "x"}).status_code == 302
    incident.refresh_from_db()
    assert incident.state == IncidentState.OPEN  # refused: a technician does not resolve
    client.force_login(world.cs)
    client.post(reverse("safety:incident_act", args=[incident.pk, "resolve"]), {"text": "已救出，电梯恢复"})
    client.force_login(world.supervisor)
    response = client.post(reverse("safety:incident_act", args=[incident.pk, "close"]), follow=True)
    assert "复盘" in response.content.decode()
    incident.refresh_from_db()
    assert incident.state == IncidentState.RESOLVED
    response = client.post(reverse("safety:incident_act", args=[incident.pk, "review"]), {"cause": "门机故障"})
    assert response.status_code == 400
    client.post(
        reverse("safety:incident_act", args=[incident.pk, "review"]),
        {"cause": "门机故障", "went_well": "8分钟到场", "to_improve": "加强维保"},
    )
    client.post(reverse("safety:incident_act", args=[incident.pk, "close"]))
    incident.refresh_from_db()
    assert incident.state == IncidentState.CLOSED


@pytest.mark.parametrize(
    "who,status", [("cs", 200), ("supervisor", 200), ("tech", 404), ("guard", 404), ("outsider", 404)]
)
def test_incident_page_cast(client, world, who, status):
    incident = services.incident_start(actor=world.cs, project=world.project, kind="fire", title="t", place="p")
    client.force_login(getattr(world, who))
    assert client.get(reverse("safety:incident", args=[incident.pk])).status_code == status


def test_lists_have_bounded_queries(client, world, patrol, django_assert_max_num_queries):
    route, *_ = patrol
    for i in range(6):
        services.incident_start(actor=world.cs, project=world.project, kind="power", title=f"停电{i}", place="1栋")
        run = services.run_start(actor=world.guard, route=route)
        services.run_finish(actor=world.guard, run=run)
    client.force_login(world.supervisor)
    for name in ("safety:incidents", "safety:patrols", "safety:missed", "safety:findings", "safety:points"):
        with django_assert_max_num_queries(14):
            assert client.get(reverse(name)).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("safety:run", args=[run.pk])).status_code == 200
    incident = Incident.objects.first()
    with django_assert_max_num_queries(20):
        assert client.get(reverse("safety:incident", args=[incident.pk])).status_code == 200


def test_incident_list_pages_newest_first_without_repeats(client, world):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    made = [
        services.incident_start(
            actor=world.cs,
            project=world.project,
            kind="power",
            title=f"停电{i}",
            place="1栋",
            reported_at=now - timedelta(minutes=i),
        )
        for i in range(33)
    ]
    services.incident_start(actor=world.outsider, project=world.other_project, kind="fire", title="别处", place="x")
    client.force_login(world.cs)
    first = client.get(reverse("safety:incidents"))
    rows = list(first.context["incidents"])
    assert [i.pk for i in rows] == [i.pk for i in made[:30]]
    after = first.context["page"].next_cursor
    second = client.get(reverse("safety:incidents"), {"after": after})
    assert [i.pk for i in second.context["incidents"]] == [i.pk for i in made[30:]]
    assert "别处" not in first.content.decode() + second.content.decode()


def test_runs_in_progress_offer_continue_only_to_walkers(client, world, patrol):
    """QA: the desk saw "继续 →" on a guard's run it cannot walk; it now reads "查看"."""
    route, _fire, _bins = patrol
    client.force_login(world.guard)
    client.post(reverse("safety:run_start", args=[route.pk]))
    run = PatrolRun.objects.get()
    page = client.get(reverse("safety:patrols")).content.decode()
    block = page.split('id="in-progress"')[1].split("</div>")[0]
    assert reverse("safety:run", args=[run.pk]) in block and "继续" in block
    client.force_login(world.cs)
    page = client.get(reverse("safety:patrols")).content.decode()
    block = page.split('id="in-progress"')[1].split("</div>")[0]
    assert reverse("safety:run", args=[run.pk]) in block and "继续" not in block and "查看" in block


# ---------------------------------------------------------------- a room as staff type it

TYPED = ["3栋2单元1502", "３-２-１５０２", " 3-2-1502 ", "3幢2单元1502室", "3#2-1502"]
OTHER_PROJECTS_ROOM = ["1栋1单元101", "１-１-１０１", " 1-1-101 "]


def point_form(world, room_code):
    from safety.forms import PointForm

    data = {
        "project": world.project.pk,
        "code": "G09",
        "name": "3栋2单元门口",
        "kind": "public_area",
        "place": "3栋",
        "checklist": "门禁正常",
        "room_code": room_code,
        "active": "on",
    }
    return PointForm(data, user=world.supervisor)


def incident_form(world, room_code):
    from safety.forms import IncidentForm

    data = {"project": world.project.pk, "kind": "lift", "level": 2, "title": "困人", "place": "3栋"}
    return IncidentForm({**data, "room_code": room_code}, user=world.cs)


@pytest.mark.parametrize("typed", TYPED)
def test_a_point_and_an_incident_take_the_room_as_typed(world, typed):
    form = point_form(world, typed)
    assert form.is_valid(), form.errors
    assert form.instance.room == world.room
    form = incident_form(world, typed)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["room"] == world.room


@pytest.mark.parametrize("typed", OTHER_PROJECTS_ROOM)
def test_a_point_and_an_incident_do_not_take_another_projects_room(world, typed):
    for form in (point_form(world, typed), incident_form(world, typed)):
        assert not form.is_valid()
        assert form.errors["room_code"] == ["本项目没有这个房屋。"]


def test_the_incident_page_saves_the_room_as_typed(client, world):
    client.force_login(world.cs)
    response = client.post(
        reverse("safety:incident_new"),
        {
            "project": world.project.pk,
            "kind": "lift",
            "level": 2,
            "title": "困人",
            "place": "3栋",
            "room_code": "3栋2单元1502",
        },
    )
    assert response.status_code == 302 and Incident.objects.get().room == world.room
