"""Demo patrols and emergencies: check points and routes of 翠湖花园, a week of walks (one with a
finding turned into a request, some missed), call trees, an open flood with linked requests and a
closed lift entrapment with its review. Made through the services, then moved back in time."""

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from core.choices import DepartmentKind, Role
from core.models import Department
from desk.choices import Kind
from safety import services
from safety.choices import StopState
from safety.models import CheckPoint, Finding, Incident, IncidentEntry, PatrolRun, Route, RunStop

POINTS = [
    (
        "F01",
        "1栋消防栓箱",
        "fire",
        "1栋一楼大堂",
        "灭火器压力在绿区｜灭火器压力不足\n消防栓箱无遮挡、封条完好｜消防栓箱被遮挡或封条破损\n应急照明正常｜应急照明不亮",
    ),
    (
        "F02",
        "地下车库消防通道",
        "fire",
        "B1车库东侧",
        "通道无堆放杂物｜消防通道堆放杂物\n安全出口指示灯亮｜安全出口指示灯不亮\n防火门闭合｜防火门未关闭",
    ),
    ("F03", "3栋楼梯间", "fire", "3栋1-18层楼梯间", "楼梯间无杂物\n防火门闭合\n应急照明正常"),
    ("P01", "南门岗亭", "public_area", "南门", "道闸起落正常\n监控画面正常"),
    ("P02", "儿童游乐区", "public_area", "中心花园", "游乐设施无松动\n地面无积水破损"),
    ("S01", "北门垃圾站", "sanitation", "北门", "垃圾桶未满溢\n地面清洁无异味"),
    ("S02", "中心花园", "sanitation", "中心花园", "草坪无垃圾\n水景池清洁"),
    ("B01", "1栋宣传栏", "posters", "1栋入口", "公告在有效期内\n无乱张贴小广告"),
]


def seed(*, company, projects, users, rng):
    cuihu = projects["cuihu"]
    sup = users["zhuguan"]
    security = Department.objects.get(project=cuihu, kind=DepartmentKind.SECURITY)
    cleaning = Department.objects.get(project=cuihu, kind=DepartmentKind.CLEANING)
    points = {}
    for code, name, kind, place, items in POINTS:
        points[code] = services.point_save(
            actor=sup,
            point=CheckPoint(project=cuihu, code=code, name=name, kind=kind, place=place, checklist=items),
        )
    now = timezone.now()
    week_ago = now - timedelta(days=4)
    fire_route = services.route_save(
        actor=sup,
        route=Route(project=cuihu, name="消防设施巡查", times="09:00,21:00", department=security, created_at=week_ago),
        points=[points[c] for c in ("F01", "F02", "F03", "P01")],
    )
    clean_route = services.route_save(
        actor=sup,
        route=Route(project=cuihu, name="环境卫生巡查", times="10:00,16:00", department=cleaning, created_at=week_ago),
        points=[points[c] for c in ("S01", "S02", "P02", "B01")],
        people=[users["weixiu"]],
    )
    guard = users["baoan"]
    # Past walks: start, check, finish, then shift the times back to that day.
    walks = 0
    for days_back in range(3, 0, -1):
        for route, walker in ((fire_route, guard), (clean_route, users["weixiu"])):
            for slot in route.slot_times():
                if rng.random() < 0.12:
                    continue  # never started: the periodic job marks it missed below
                when = timezone.localtime(now - timedelta(days=days_back)).replace(
                    hour=slot.hour, minute=slot.minute, second=0, microsecond=0
                ) + timedelta(minutes=rng.randint(0, 25))
                run = services.run_start(actor=walker, route=route)
                stops = list(run.stops.select_related("point"))
                skip_last = rng.random() < 0.15
                for stop in stops[:-1] if skip_last else stops:
                    services.stop_check(
                        actor=walker, stop=stop, results=[{"item": i, "ok": True} for i in stop.point.items]
                    )
                services.run_finish(actor=walker, run=run)
                _shift(run, when, slot_at=when.replace(minute=slot.minute))
                walks += 1
    # Today's morning fire walk with findings: one registered by the desk, one handed over.
    run = services.run_start(actor=guard, route=fire_route)
    found = []
    for stop in run.stops.select_related("point"):
        results = [{"item": i, "ok": True} for i in stop.point.items]
        if stop.point.code == "F01":
            results[0] = {"item": results[0]["item"], "ok": False, "note": "压力表指针在红区，需更换"}
        if stop.point.code == "F02":
            results[0] = {"item": results[0]["item"], "ok": False, "note": "通道内堆放纸箱，疑似业主装修垃圾"}
        found += services.stop_check(actor=guard, stop=stop, results=results)
    services.run_finish(actor=guard, run=run)
    for finding in found:
        kind = Kind.REPAIR if "压力" in finding.note else Kind.COMPLAINT
        services.finding_request(actor=guard, finding=finding, kind=kind)
    services.finding_request(actor=users["kefu"], finding=Finding.objects.get(pk=found[0].pk), kind="")
    # A walk in progress now.
    services.run_start(actor=users["weixiu"], route=clean_route)
    services.runs_mark_missed(now=now)
    # Call trees.
    for kind in ("fire", "flood", "power", "lift"):
        entries = [{"role": Role.CS_SUPERVISOR}, {"user": users["xmjingli"]}]
        entries.insert(0, {"user": users["gongcheng"]} if kind != "fire" else {"department": security})
        services.call_tree_save(actor=sup, project=cuihu, kind=kind, entries=entries)
    # A lift entrapment, resolved, reviewed and closed three days ago.
    lift = services.incident_start(
        actor=users["kefu"],
        project=cuihu,
        kind="lift",
        level=2,
        title="2栋1号电梯困人",
        place="2栋1号电梯",
        note="两名业主被困，电梯停在8-9层之间",
    )
    services.incident_ack(actor=users["gongcheng"], incident=lift)
    services.incident_note(actor=users["gongcheng"], incident=lift, text="维保单位已到场，盘车放人")
    services.incident_resolve(actor=users["kefu"], incident=lift, text="被困人员已安全救出，电梯停用待检")
    services.incident_review(
        actor=sup,
        incident=lift,
        cause="门锁回路接触不良",
        went_well="12分钟救出，全程安抚到位",
        to_improve="维保合同增加月度门锁检查",
    )
    services.incident_close(actor=sup, incident=lift)
    _age_incident(lift, now - timedelta(days=3))
    # A burst pipe now, with residents' requests linked.
    flood = services.incident_start(
        actor=users["kefu"],
        project=cuihu,
        kind="flood",
        level=3,
        title="5栋地下室给水管爆裂",
        place="5栋地下室水泵房",
        note="地下室积水约10厘米，5栋停水",
    )
    services.incident_ack(actor=users["gongcheng"], incident=flood)
    services.incident_note(actor=users["gongcheng"], incident=flood, text="已关闭5栋总阀，抽水泵就位")
    from desk.services import Intake, request_register
    from estate.models import Occupancy

    occupants = list(
        Occupancy.objects.current()
        .filter(room__project=cuihu, room__building__number="5")
        .select_related("room", "resident")
        .order_by("room__code")[:3]
    )
    reports = [
        request_register(
            actor=users["kefu"],
            data=Intake(
                project_id=cuihu.pk,
                kind=Kind.REPAIR,
                severity="urgent",
                title=title,
                room_id=occ.room_id,
                resident_id=occ.resident_id,
                description=title,
            ),
        )
        for occ, title in zip(occupants, ("家里突然停水", "楼下地下室在冒水", "水压很低，没有热水"), strict=False)
    ]
    if reports:
        services.incident_link(actor=users["kefu"], incident=flood, requests=reports)
    return walks


def _shift(run: PatrolRun, when, slot_at):
    delta = when - run.started_at
    PatrolRun.objects.filter(pk=run.pk).update(
        scheduled_for=slot_at, started_at=when, created_at=when, finished_at=F("finished_at") + delta
    )
    RunStop.objects.filter(run=run, state=StopState.DONE).update(checked_at=F("checked_at") + delta)


def _age_incident(incident: Incident, when):
    delta = when - incident.reported_at
    Incident.objects.filter(pk=incident.pk).update(
        reported_at=when,
        resolved_at=F("resolved_at") + delta,
        closed_at=F("closed_at") + delta,
        reviewed_at=F("reviewed_at") + delta,
    )
    IncidentEntry.objects.filter(incident=incident).update(at=F("at") + delta)
