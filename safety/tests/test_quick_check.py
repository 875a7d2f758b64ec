"""The patrol's phone page: 'all normal' for a point in one tap, and failed checks said as problems."""

import pytest
from django.urls import reverse

from core.choices import DepartmentKind
from desk.models import ServiceRequest
from safety import services
from safety.choices import StopState
from safety.models import CheckPoint, Finding, PatrolRun, Route

pytestmark = pytest.mark.django_db


@pytest.fixture
def exits(world, patrol):
    """A point whose checks say how they fail (one of them), walked on its own route."""
    point = services.point_save(
        actor=world.supervisor,
        point=CheckPoint(
            project=world.project,
            code="E01",
            name="1号楼安全出口",
            kind="fire",
            place="1号楼一楼",
            checklist="消防通道畅通｜消防通道堵塞\n应急灯亮 | 应急灯不亮\n安全出口标志完好",
        ),
    )
    route = services.route_save(
        actor=world.supervisor,
        route=Route(
            project=world.project,
            name="白班消防巡查",
            department=world.dept[DepartmentKind.SECURITY],
            created_at=world.project_created,
        ),
        points=[point, patrol[2]],
    )
    run = services.run_start(actor=world.guard, route=route)
    return run, run.stops.get(point=point)


def test_the_check_list_gives_each_check_its_problem_wording(exits):
    _run, stop = exits
    assert stop.point.checks == [
        ("消防通道畅通", "消防通道堵塞"),
        ("应急灯亮", "应急灯不亮"),
        ("安全出口标志完好", "异常：安全出口标志完好"),
    ]
    assert stop.point.items == ["消防通道畅通", "应急灯亮", "安全出口标志完好"]


def test_all_normal_in_one_tap_records_every_check_as_normal(client, world, exits):
    run, stop = exits
    client.force_login(world.guard)
    page = client.get(reverse("safety:run", args=[run.pk])).content.decode()
    assert reverse("safety:stop_all_normal", args=[stop.pk]) in page

    response = client.post(reverse("safety:stop_all_normal", args=[stop.pk]))

    stop.refresh_from_db()
    assert stop.state == StopState.DONE and stop.checked_by == world.guard
    assert stop.results == [
        {"item": "消防通道畅通", "ok": True, "note": ""},
        {"item": "应急灯亮", "ok": True, "note": ""},
        {"item": "安全出口标志完好", "ok": True, "note": ""},
    ]
    assert not Finding.objects.exists()
    following = run.stops.get(state=StopState.PENDING)
    assert response.status_code == 302 and response["Location"].endswith(f"?stop={following.pk}#stop-{following.pk}")


def test_all_normal_twice_or_by_someone_off_the_route_changes_nothing(client, world, exits):
    run, stop = exits
    client.force_login(world.tech)  # engineering does not walk the security department's route
    client.post(reverse("safety:stop_all_normal", args=[stop.pk]))
    stop.refresh_from_db()
    assert stop.state == StopState.PENDING

    client.force_login(world.guard)
    client.post(reverse("safety:stop_all_normal", args=[stop.pk]))
    checked_at = run.stops.get(pk=stop.pk).checked_at
    response = client.post(reverse("safety:stop_all_normal", args=[stop.pk]), follow=True)
    assert "这个点位已经检查过了。" in response.content.decode()
    assert run.stops.get(pk=stop.pk).checked_at == checked_at


def test_a_resident_and_another_project_get_nothing(client, world, exits):
    _run, stop = exits
    client.force_login(world.resident_user)
    assert client.post(reverse("safety:stop_all_normal", args=[stop.pk])).status_code == 403
    client.force_login(world.outsider)
    assert client.post(reverse("safety:stop_all_normal", args=[stop.pk])).status_code == 404
    stop.refresh_from_db()
    assert stop.state == StopState.PENDING


def test_a_failed_check_is_recorded_and_shown_as_its_problem(client, world, exits):
    run, stop = exits
    client.force_login(world.guard)
    client.post(
        reverse("safety:stop_check", args=[stop.pk]),
        {"item-0": "problem", "note-0": "堆放纸箱", "item-1": "ok", "item-2": "problem", "note-2": "标志脱落"},
    )

    stop.refresh_from_db()
    assert [r.get("problem") for r in stop.results] == ["消防通道堵塞", None, "异常：安全出口标志完好"]
    findings = {f.item: f for f in Finding.objects.all()}
    assert findings["消防通道畅通"].problem == "消防通道堵塞"
    assert findings["安全出口标志完好"].problem == "异常：安全出口标志完好"

    page = client.get(reverse("safety:run", args=[run.pk])).content.decode()
    results = page[page.index('class="list-unstyled small mb-1 stop-results"') :]
    results = results[: results.index("</ul>")]
    assert "消防通道堵塞" in results and "消防通道畅通" not in results  # the problem, not the normal text
    assert "应急灯亮" in results  # a passed check reads as itself
    assert "消防通道堵塞 — 堆放纸箱" in page  # the finding's card

    # the desk's request says the problem too
    client.force_login(world.cs)
    client.post(reverse("safety:finding_request", args=[findings["消防通道畅通"].pk]), {"kind": "repair"})
    assert ServiceRequest.objects.get().title == "1号楼安全出口：消防通道堵塞"
    waiting = client.get(reverse("safety:findings")).content.decode()  # the findings not yet requests
    assert "异常：安全出口标志完好 — 标志脱落" in waiting


def test_a_finding_recorded_before_the_wording_existed_reads_as_a_problem(world, exits):
    run, stop = exits
    services.stop_check(
        actor=world.guard,
        stop=stop,
        results=[{"item": i, "ok": i != "应急灯亮", "note": "坏了"} for i in stop.point.items],
    )
    Finding.objects.update(problem="")  # as the rows written before this change
    assert Finding.objects.get().wording == "异常：应急灯亮"
    assert PatrolRun.objects.get(pk=run.pk).findings_count == 1
