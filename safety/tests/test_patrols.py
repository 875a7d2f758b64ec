from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import ActionRefused, Conflict
from core.models import Notification
from desk.choices import Channel, Kind, State
from desk.models import ServiceRequest
from safety import services
from safety.choices import FindingState, RunState, StopState
from safety.models import CheckPoint, PatrolRun, Route, RunStop, StopPhoto

TZ = ZoneInfo("Asia/Shanghai")


def at(h, m=0, day=26):
    return datetime(2026, 11, day, h, m, tzinfo=TZ)


def ok_all(stop):
    return [{"item": i, "ok": True} for i in stop.point.items]


def png():
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return SimpleUploadedFile("p.png", buf.getvalue(), content_type="image/png")


def test_guard_starts_run_in_slot_with_stops_in_route_order(world, patrol):
    route, fire, bins = patrol
    run = services.run_start(actor=world.guard, route=route, now=at(20, 50))
    assert run.state == RunState.IN_PROGRESS
    assert run.scheduled_for == at(21)
    assert [s.point_id for s in run.stops.all()] == [fire.pk, bins.pk]
    assert run.points_total == 2


def test_start_outside_any_slot_is_an_extra_walk(world, patrol):
    route, *_ = patrol
    run = services.run_start(actor=world.guard, route=route, now=at(14))
    assert run.scheduled_for is None


@pytest.mark.parametrize("who", ["tech", "cs", "finance", "outsider", "resident_user"])
def test_people_not_on_the_route_may_not_start(world, patrol, who):
    route, *_ = patrol
    with pytest.raises(ActionRefused):
        services.run_start(actor=getattr(world, who), route=route)
    assert not PatrolRun.objects.exists()


def test_named_technician_may_start_and_a_second_run_is_refused(world, patrol):
    route, *_ = patrol
    route.people.add(world.tech)
    services.run_start(actor=world.tech, route=route)
    with pytest.raises(Conflict):
        services.run_start(actor=world.guard, route=route)


def test_finding_by_desk_user_registers_patrol_request_linked_back(world, patrol):
    route, fire, _bins = patrol
    run = services.run_start(actor=world.supervisor, route=route)
    stop = run.stops.get(point=fire)
    findings = services.stop_check(
        actor=world.supervisor,
        stop=stop,
        results=[
            {"item": "灭火器压力正常", "ok": False, "note": "压力表指针在红区"},
            {"item": "消防栓无遮挡", "ok": True},
        ],
        files=[png()],
    )
    assert len(findings) == 1
    assert StopPhoto.objects.filter(stop=stop).count() == 1
    finding = services.finding_request(actor=world.supervisor, finding=findings[0], kind=Kind.REPAIR)
    sr = ServiceRequest.objects.get(pk=finding.request_id)
    assert finding.state == FindingState.REQUESTED
    assert sr.channel == Channel.PATROL
    assert sr.kind == Kind.REPAIR
    assert sr.location == "3栋一楼大堂"
    assert sr.category == world.category  # fire equipment suggests 设施设备 (facilities)
    assert sr.receiver == world.supervisor
    assert f"/safety/runs/{run.pk}/#stop-{stop.pk}" in sr.description
    assert "压力表指针在红区" in sr.description
    assert sr.events.get().action == "register"
    # Only once
    with pytest.raises(ActionRefused):
        services.finding_request(actor=world.supervisor, finding=finding, kind=Kind.REPAIR)
    assert ServiceRequest.objects.count() == 1


def test_guard_hands_finding_to_desk_and_desk_registers_with_one_tap(world, patrol):
    route, _fire, bins = patrol
    run = services.run_start(actor=world.guard, route=route)
    stop = run.stops.get(point=bins)
    [finding] = services.stop_check(
        actor=world.guard, stop=stop, results=[{"item": "地面清洁", "ok": False}], note="垃圾满溢"
    )
    finding = services.finding_request(actor=world.guard, finding=finding, kind=Kind.COMPLAINT)
    assert finding.state == FindingState.HANDED and finding.request is None
    assert not ServiceRequest.objects.exists()
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert {"cs", "cs2", "sup", "mgr"} <= told and "guard" not in told
    finding = services.finding_request(actor=world.cs, finding=finding, kind="")
    sr = finding.request
    assert sr.channel == Channel.PATROL and sr.kind == Kind.COMPLAINT and sr.receiver == world.cs
    assert sr.category.code == "sanitation"
    assert sr.state == State.REGISTERED


def test_finding_refusals(world, patrol):
    route, _fire, bins = patrol
    run = services.run_start(actor=world.guard, route=route)
    [finding] = services.stop_check(
        actor=world.guard, stop=run.stops.get(point=bins), results=[{"item": "地面清洁", "ok": False, "note": "脏"}]
    )
    with pytest.raises(ValidationError):
        services.finding_request(actor=world.cs, finding=finding, kind=Kind.ENQUIRY)
    with pytest.raises(ActionRefused):
        services.finding_request(actor=world.outsider, finding=finding, kind=Kind.REPAIR)
    with pytest.raises(ActionRefused):
        services.finding_request(actor=world.tech, finding=finding, kind=Kind.REPAIR)  # not on the route
    assert not ServiceRequest.objects.exists()


def test_check_rules(world, patrol):
    route, fire, _bins = patrol
    run = services.run_start(actor=world.guard, route=route)
    stop = run.stops.get(point=fire)
    with pytest.raises(ValidationError) as err:
        services.stop_check(actor=world.guard, stop=stop, results=[{"item": "灭火器压力正常", "ok": True}])
    assert "消防栓无遮挡" in str(err.value)
    with pytest.raises(ValidationError):  # a problem needs words
        services.stop_check(
            actor=world.guard,
            stop=stop,
            results=[{"item": "灭火器压力正常", "ok": False}, {"item": "消防栓无遮挡", "ok": True}],
        )
    with pytest.raises(ValidationError):
        bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
        services.stop_check(actor=world.guard, stop=stop, results=ok_all(stop), files=[bad])
    with pytest.raises(ActionRefused):
        services.stop_check(actor=world.tech, stop=stop, results=ok_all(stop))
    stop.refresh_from_db()
    assert stop.state == StopState.PENDING
    services.stop_check(actor=world.guard, stop=stop, results=ok_all(stop))
    with pytest.raises(ActionRefused):  # done is done: never edited
        services.stop_check(actor=world.guard, stop=stop, results=ok_all(stop))


def test_finishing_marks_unchecked_points_missed(world, patrol):
    route, fire, bins = patrol
    run = services.run_start(actor=world.guard, route=route)
    services.stop_check(actor=world.guard, stop=run.stops.get(point=fire), results=ok_all(run.stops.get(point=fire)))
    run = services.run_finish(actor=world.guard, run=run)
    assert run.state == RunState.DONE and run.points_missed == 1
    assert RunStop.objects.get(run=run, point=bins).state == StopState.MISSED
    with pytest.raises(ActionRefused):
        services.stop_check(actor=world.guard, stop=run.stops.get(point=bins), results=[])
    with pytest.raises(ActionRefused):
        services.run_finish(actor=world.guard, run=run)


def test_periodic_job_marks_slots_not_started_as_missed_once(world, patrol):
    route, *_ = patrol
    Route.objects.filter(pk=route.pk).update(created_at=at(8))  # yesterday's 21:00 is not its business
    with time_machine.travel(at(9, 30)):
        assert services.runs_mark_missed() == 0  # 09:00 still within its hour of grace
    services.run_start(actor=world.guard, route=route, now=at(9, 40))  # the 09:00 walk, late
    assert services.runs_mark_missed(now=at(10, 5)) == 0
    assert services.runs_mark_missed(now=at(22, 5)) == 1  # 21:00 never started
    assert services.runs_mark_missed(now=at(22, 15)) == 0
    missed = PatrolRun.objects.get(state=RunState.MISSED)
    assert missed.scheduled_for == at(21)
    assert missed.points_missed == 2 and missed.stops.filter(state=StopState.MISSED).count() == 2
    # a started slot is not marked; the next day's 09:00 is, once its grace ends
    assert services.runs_mark_missed(now=at(10, 1, day=27)) == 1


def test_periodic_job_ignores_slots_before_the_route_existed(world, patrol):
    route, *_ = patrol
    Route.objects.filter(pk=route.pk).update(created_at=at(15))
    assert services.runs_mark_missed(now=at(22, 5)) == 1  # only 21:00


def test_missed_today_lists_points_for_supervisors(world, patrol):
    from safety.selectors import missed_today

    route, fire, bins = patrol
    with time_machine.travel(at(22, 30)):
        services.runs_mark_missed()
        rows = missed_today(world.supervisor)
        assert {r.point_id for r in rows} == {fire.pk, bins.pk}
        assert missed_today(world.outsider) == []


def test_setup_only_by_supervisors_of_the_project(world):
    point = CheckPoint(project=world.project, code="X1", name="x", place="y", checklist="z")
    for who in (world.cs, world.guard, world.lead, world.outsider):
        with pytest.raises(ActionRefused):
            services.point_save(actor=who, point=point)
    with pytest.raises(ValidationError):
        services.point_save(
            actor=world.supervisor,
            point=CheckPoint(project=world.project, code="X2", name="x", place="y", checklist="  \n"),
        )
    with pytest.raises(ValidationError):
        services.parse_point_codes(world.project.pk, "X9")
    with pytest.raises(ValidationError):
        services.route_save(
            actor=world.supervisor, route=Route(project=world.project, name="r", times="25:00"), points=[]
        )
    assert not CheckPoint.objects.exists()


def test_handover_items(world, patrol):
    from duty.registry import kinds

    route, *_ = patrol
    codes = {k.code: k for k in kinds()}
    run = services.run_start(actor=world.guard, route=route)
    items = codes["patrols"].collect(project=world.project, user=world.supervisor, at=run.started_at)
    assert [i.key for i in items] == [f"patrol:{run.pk}"]
    assert codes["incidents"].collect(project=world.project, user=world.supervisor, at=run.started_at) == []
    incident = services.incident_start(actor=world.cs, project=world.project, kind="power", title="停电", place="3栋")
    items = codes["incidents"].collect(project=world.project, user=world.supervisor, at=incident.reported_at)
    assert [i.key for i in items] == [f"incident:{incident.pk}"]
    services.incident_resolve(actor=world.cs, incident=incident, text="恢复供电")
    assert codes["incidents"].collect(project=world.project, user=world.supervisor, at=incident.reported_at) == []
    assert codes["incidents"].collect(project=world.other_project, user=world.outsider, at=incident.reported_at) == []
