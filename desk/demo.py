"""The demo data `python3 dev.py run` loads: one company, two projects, a cast of staff for every
role, hundreds of rooms and residents, and a month of requests in every state, made through the
same services the desk uses so every timeline is real."""

import importlib
import random
from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from core.choices import DepartmentKind, Role
from core.models import Company, Department, Project, User
from desk import services, sla
from desk.choices import Action, Channel, Kind, Rating, Severity, State, Validity
from desk.limits import parse_limit
from desk.models import Category, PauseSpan, Phrase, RequestEvent, ServiceRequest
from desk.suggest import DEFAULT_CATEGORIES, install_default_keywords
from estate.choices import Relation, RoomState, RoomUse
from estate.models import Building, Occupancy, Resident, Room, Unit

DEMO_PASSWORD = "demo-pass-2026"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "志强",
    "晓燕",
    "海燕",
    "文博",
    "子涵",
    "雨桐",
    "浩然",
    "欣怡",
    "宇轩",
    "梓萱",
]

CATEGORIES = DEFAULT_CATEGORIES  # desk/suggest.py: also what a new company starts with

PHRASES = [
    (Phrase.Situation.INTAKE, "接听开场", "您好，翠湖花园客服中心，我是{姓名}，请问有什么可以帮您？"),
    (Phrase.Situation.INTAKE, "核实身份", "请问您是几栋几单元哪一户？方便留一个联系电话吗？"),
    (
        Phrase.Situation.INTAKE,
        "受理承诺",
        "您反映的问题我已经记录，工单号是{单号}，我们会在{时限}内安排处理，处理后会回访您。",
    ),
    (Phrase.Situation.COMPLAINT, "安抚情绪", "非常理解您的心情，给您带来不便很抱歉，我们一定尽快解决。"),
    (Phrase.Situation.COMPLAINT, "无效投诉解释", "您反映的问题属于{部门/单位}管理范围，物业可以协助您联系，电话是……"),
    (
        Phrase.Situation.RETURN_VISIT,
        "回访开场",
        "您好，我是翠湖花园客服中心的{姓名}，{日期}您反映的{问题}已经处理完毕，想跟您确认一下处理效果。",
    ),
    (
        Phrase.Situation.RETURN_VISIT,
        "满意度询问",
        "请问您对这次处理的结果和师傅的服务是否满意？满意、基本满意还是不满意？",
    ),
    (
        Phrase.Situation.RETURN_VISIT,
        "不满意时",
        "非常抱歉没有让您满意，请问还有哪些地方没有解决好？我马上重新安排处理。",
    ),
    (Phrase.Situation.RETURN_VISIT, "结束语", "感谢您对我们工作的支持，有需要请随时联系客服中心，祝您生活愉快！"),
    (Phrase.Situation.ETIQUETTE, "接听电话", "铃响三声内接听，先问好、报项目名称和工号；通话结束待对方先挂机。"),
]

# (kind, category code, severity, title, description)
SCENARIOS = [
    (Kind.REPAIR, "leak", Severity.GENERAL, "卫生间漏水", "楼上卫生间漏水，天花板有水渍，请尽快派人查看。"),
    (Kind.REPAIR, "facilities", Severity.GENERAL, "厨房水龙头滴水", "厨房水龙头关不紧，一直滴水。"),
    (Kind.REPAIR, "facilities", Severity.URGENT, "水管爆裂", "楼道水管爆管，水流到电梯口，情况紧急。"),
    (Kind.REPAIR, "facilities", Severity.URGENT, "电梯困人", "2号电梯停在12楼与13楼之间，有人被困。"),
    (Kind.REPAIR, "facilities", Severity.GENERAL, "门禁卡失效", "单元门禁卡刷不开，需要重新授权。"),
    (Kind.REPAIR, "facilities", Severity.GENERAL, "楼道灯不亮", "楼道声控灯坏了，晚上很黑。"),
    (Kind.REPAIR, "leak", Severity.GENERAL, "外墙渗水", "下雨后卧室外墙渗水，墙皮脱落。"),
    (Kind.REPAIR, "greening", Severity.GENERAL, "树枝遮挡窗户", "楼下大树枝叶遮挡窗户，影响采光。"),
    (Kind.COMPLAINT, "noise", Severity.GENERAL, "夜间装修噪音", "晚上十点后楼上还在装修，噪音很大。"),
    (Kind.COMPLAINT, "sanitation", Severity.GENERAL, "垃圾未及时清运", "垃圾桶满了两天没人清理，气味很大。"),
    (Kind.COMPLAINT, "parking", Severity.GENERAL, "车位被占用", "我的固定车位被外来车辆占用。"),
    (Kind.COMPLAINT, "attitude", Severity.GENERAL, "保安态度不好", "门岗保安说话不礼貌。"),
    (
        Kind.COMPLAINT,
        "facilities",
        Severity.MAJOR,
        "多户投诉电梯频繁故障",
        "本楼多名业主联名投诉电梯一个月内故障五次。",
    ),
    (Kind.COMPLAINT, "neighbour", Severity.GENERAL, "邻居宠物扰民", "邻居家的狗整夜叫。"),
    (Kind.COMPLAINT, "other", Severity.GENERAL, "小区外道路施工", "小区外市政道路施工噪音大。"),
    (Kind.ENQUIRY, "fees", Severity.GENERAL, "咨询物业费缴纳方式", "想了解物业费能否按季度缴纳。"),
    (Kind.ENQUIRY, "renovation", Severity.GENERAL, "咨询装修申请流程", "准备装修，需要办理哪些手续？"),
    (Kind.SUGGESTION, "greening", Severity.GENERAL, "建议增加儿童游乐设施", "建议在中心花园增加儿童游乐设施。"),
    (Kind.PRAISE, "facilities", Severity.GENERAL, "表扬维修师傅", "孙师傅上门维修很及时，服务态度好。"),
]

STAFF = [
    # username, name, role, department kind, projects ("*" = both)
    ("kefu", "王丽", Role.CS_STAFF, DepartmentKind.CUSTOMER_SERVICE, "cuihu"),
    ("kefu2", "李娜", Role.CS_STAFF, DepartmentKind.CUSTOMER_SERVICE, "cuihu"),
    ("datang", "周婷", Role.LOBBY, DepartmentKind.CUSTOMER_SERVICE, "cuihu"),
    ("zhuguan", "陈静", Role.CS_SUPERVISOR, DepartmentKind.CUSTOMER_SERVICE, "cuihu"),
    ("kfjingli", "赵敏", Role.CS_MANAGER, DepartmentKind.CUSTOMER_SERVICE, "*"),
    ("xmjingli", "刘强", Role.PROJECT_MANAGER, None, "cuihu"),
    ("gongcheng", "张建国", Role.DEPT_LEAD, DepartmentKind.ENGINEERING, "cuihu"),
    ("weixiu", "孙师傅", Role.WORKER, DepartmentKind.ENGINEERING, "cuihu"),
    ("weixiu2", "钱师傅", Role.WORKER, DepartmentKind.ENGINEERING, "cuihu"),
    ("baoan", "郑勇", Role.WORKER, DepartmentKind.SECURITY, "cuihu"),
    ("baojie", "何秀兰", Role.WORKER, DepartmentKind.CLEANING, "cuihu"),
    ("lvhua", "吴刚", Role.WORKER, DepartmentKind.GREENING, "cuihu"),
    ("caiwu", "林芳", Role.FINANCE, DepartmentKind.FINANCE, "cuihu"),
    ("jj_kefu", "黄丽", Role.CS_STAFF, DepartmentKind.CUSTOMER_SERVICE, "jinjiang"),
    ("jj_weixiu", "冯师傅", Role.WORKER, DepartmentKind.ENGINEERING, "jinjiang"),
]


def random_phone(rng: random.Random) -> str:
    """A mobile in an allocated range (154, 174 and 179 are not: normalize_phone refuses them)."""
    prefix = f"1{rng.choice('3578')}{rng.randint(0, 9)}"
    prefix = {"154": "155", "174": "175", "179": "177"}.get(prefix, prefix)  # same draws, same data
    return f"{prefix}{rng.randint(10_000_000, 99_999_999)}"


def random_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def build_estate(project: Project, rng: random.Random, *, buildings: int, units: int, floors: int, per_floor: int):
    rooms = []
    for b in range(1, buildings + 1):
        building = Building.objects.create(project=project, number=str(b), name=f"{b}栋", floors=floors)
        for u in range(1, units + 1):
            unit = Unit.objects.create(building=building, number=str(u))
            for floor in range(1, floors + 1):
                for r in range(1, per_floor + 1):
                    number = f"{floor}{r:02d}"
                    rooms.append(
                        Room(
                            project=project,
                            building=building,
                            unit=unit,
                            number=number,
                            code=Room.make_code(building.number, unit.number, number),
                            sort_key=Room.make_sort_key(Room.make_code(building.number, unit.number, number)),
                            floor=floor,
                            area=Decimal(rng.choice(["89.50", "96.32", "118.76", "128.00", "143.15"])),
                            use=RoomUse.RESIDENTIAL,
                            state=RoomState.VACANT,
                        )
                    )
    Room.objects.bulk_create(rooms)
    rooms = list(Room.objects.filter(project=project).order_by("id"))
    residents, occupancies = [], []
    today = timezone.localdate()
    for room in rooms:
        if rng.random() > 0.85:
            continue
        owner = Resident(project=project, name=random_name(rng), phone=random_phone(rng))
        residents.append((room, owner, Relation.OWNER))
        if rng.random() < 0.5:
            family = Resident(project=project, name=owner.name[0] + rng.choice(GIVEN), phone=random_phone(rng))
            residents.append((room, family, Relation.FAMILY))
        if rng.random() < 0.08:
            residents.append(
                (room, Resident(project=project, name=random_name(rng), phone=random_phone(rng)), Relation.TENANT)
            )
    for _room, resident, _rel in residents:
        resident.phone_last4 = resident.phone[-4:]
    Resident.objects.bulk_create([r for _room, r, _rel in residents])
    for room, resident, relation in residents:
        start = today - timedelta(days=rng.randint(60, 2000))
        occupancies.append(Occupancy(room=room, resident=resident, relation=relation, start=start))
    Occupancy.objects.bulk_create(occupancies)
    occupied = {room.pk for room, _r, _rel in residents}
    Room.objects.filter(pk__in=occupied).update(state=RoomState.OCCUPIED)
    return list(Room.objects.filter(project=project).order_by("id"))


def make_staff(company, projects: dict[str, Project], password: str) -> dict[str, User]:
    """`password` is already hashed: hashing once instead of per user saves seconds at start-up."""
    users = {}
    admin = User.objects.create(
        username="admin",
        email="admin@example.com",
        password=password,
        display_name="系统管理员",
        role=Role.COMPANY_ADMIN,
        company=company,
        is_staff=True,
        is_superuser=True,
    )
    users["admin"] = admin
    for username, name, role, dept_kind, project_code in STAFF:
        home = projects["cuihu" if project_code == "*" else project_code]
        department = Department.objects.get(project=home, kind=dept_kind) if dept_kind else None
        user = User.objects.create(
            username=username,
            email=f"{username}@example.com",
            password=password,
            display_name=name,
            role=role,
            company=company,
            department=department,
        )
        user.projects.set(projects.values() if project_code == "*" else [home])
        users[username] = user
    return users


# How long each step of a demo request takes (minutes, low-high): the demo's lifecycles run in
# milliseconds, then their timelines are spread out like a real desk's.
GAPS = {
    Action.DISPATCH: (3, 40),
    Action.ACCEPT: (5, 60),
    Action.ARRIVE: (10, 150),
    Action.PAUSE: (10, 120),
    Action.RESOLVE: (30, 2 * 1440),
    Action.REPLY: (10, 600),
    Action.VISIT: (600, 3 * 1440),
    Action.REOPEN: (0, 0),
    Action.CLOSE: (10, 1440),
    Action.CANCEL: (10, 600),
    Action.RETURN: (10, 90),
}
LAST_OF = {
    Action.DISPATCH: "dispatched_at",
    Action.ACCEPT: "accepted_at",
    Action.ARRIVE: "arrived_at",
    Action.RESOLVE: "resolved_at",
    Action.REPLY: "replied_at",
    Action.VISIT: "visited_at",
    Action.CLOSE: "closed_at",
    Action.CANCEL: "closed_at",
}


def _shift(sr: ServiceRequest, age: timedelta, rng: random.Random) -> None:
    """Place a request `age` ago and spread its timeline over the time since, step by step."""
    now = timezone.now()
    created = now - age
    events = list(RequestEvent.objects.filter(request=sr).order_by("at", "id"))
    gaps = [timedelta(minutes=rng.uniform(*GAPS.get(e.action, (5, 60)))) for e in events[1:]]
    total = sum(gaps, timedelta())
    budget = age * 0.9
    if total > budget:
        gaps = [g * (budget / total) for g in gaps]
    moments = [created]
    for gap in gaps:
        moments.append(moments[-1] + gap)
    for event, moment in zip(events, moments, strict=True):
        event.at = moment
    RequestEvent.objects.bulk_update(events, ["at"])
    # The request's own timestamps follow its (last round of the) timeline.
    fields = {name: None for name in set(LAST_OF.values()) | {"paused_at", "first_resolved_at"}}
    fields.update(created_at=created, updated_at=moments[-1])
    resolves = [e.at for e in events if e.action == Action.RESOLVE]
    fields["first_resolved_at"] = resolves[0] if resolves else None
    reopened = [e.at for e in events if e.action == Action.REOPEN]
    for event in events:
        if reopened and event.at < reopened[-1] and event.action != Action.RESOLVE:
            continue
        if event.action in LAST_OF and not (event.action == Action.REPLY and fields["replied_at"]):
            fields[LAST_OF[event.action]] = event.at
    if reopened:
        fields["resolved_at"] = None if sr.state < State.RESOLVED else fields["resolved_at"]
        fields["dispatched_at"] = reopened[-1] if sr.state == State.DISPATCHED else fields["dispatched_at"]
    pauses = [e for e in events if e.action in (Action.PAUSE, Action.RESUME)]
    spans = list(PauseSpan.objects.filter(request=sr).order_by("started_at"))
    starts = [e.at for e in pauses if e.action == Action.PAUSE]
    ends = [e.at for e in pauses if e.action == Action.RESUME]
    for i, span in enumerate(spans):
        span.started_at = starts[i]
        span.ended_at = ends[i] if i < len(ends) else None
    PauseSpan.objects.bulk_update(spans, ["started_at", "ended_at"])
    if sr.state == State.PAUSED and starts:
        fields["paused_at"] = starts[-1]
    ServiceRequest.objects.filter(pk=sr.pk).update(number=services.next_number(sr.kind, created), **fields)
    sr.refresh_from_db()
    # Time limits: the same limits, started at the new moments, computed again on the calendar.
    steps = (sr.sla or {}).get("steps", {})
    if not steps:
        return
    first_round_start = created.isoformat()
    for step, entry in steps.items():
        if step == "visit" and sr.resolved_at:
            entry["start"] = sr.resolved_at.isoformat()
        elif reopened and step != "dispatch":
            entry["start"] = reopened[-1].isoformat()
        else:
            entry["start"] = first_round_start
    sla.recompute(sr)
    limit = sr.sla.get("limits", {}).get("resolve")
    if limit and sr.first_resolved_at:
        due = sla.add_limit(created, parse_limit(limit), sr.project_id)
        ServiceRequest.objects.filter(pk=sr.pk).update(resolved_late=sr.first_resolved_at > due)


def make_requests(project: Project, users: dict[str, User], rooms: list[Room], rng: random.Random, count: int):
    categories = {c.code: c for c in Category.objects.filter(company=project.company)}
    departments = {d.kind: d for d in Department.objects.filter(project=project)}
    desk = [users["kefu"], users["kefu2"], users["datang"]]
    workers: dict[str, list[User]] = {}
    for user in sorted({u.pk: u for u in users.values()}.values(), key=lambda u: u.pk):
        if user.role == Role.WORKER and user.department and user.department.project_id == project.pk:
            workers.setdefault(user.department.kind, []).append(user)
    occupied = [r for r in rooms if r.state == RoomState.OCCUPIED]
    residents_by_room = {}
    for occ in Occupancy.objects.filter(room__project=project, relation=Relation.OWNER).select_related("resident"):
        residents_by_room[occ.room_id] = occ.resident
    # Target states, newest requests mostly open, older mostly closed.
    for i in range(count):
        kind, cat_code, severity, title, description = rng.choice(SCENARIOS)
        receiver = rng.choice(desk)
        room = rng.choice(occupied)
        resident = residents_by_room.get(room.pk)
        age = timedelta(days=30 * (i / count) ** 0.8, minutes=rng.randint(0, 600))
        sr = services.request_register(
            actor=receiver,
            data=services.Intake(
                project_id=project.pk,
                kind=kind,
                title=title,
                description=description,
                category_id=categories[cat_code].pk,
                severity=severity,
                channel=rng.choice([Channel.PHONE] * 6 + [Channel.WALK_IN, Channel.PORTAL, Channel.HOTLINE]),
                room_id=room.pk,
                resident_id=resident.pk if resident else None,
                validity=(Validity.INVALID if cat_code == "other" else Validity.VALID)
                if kind == Kind.COMPLAINT
                else "",
                paid=(rng.random() < 0.4) if kind == Kind.REPAIR else None,
            ),
        )
        _advance(sr, users, receiver, departments, workers, categories[cat_code], rng, age)
        _shift(sr, age, rng)


def _advance(sr, users, receiver, departments, workers, category, rng, age):
    """Drive a request some way along its life; older requests go further."""
    # Most requests older than a fortnight are finished; recent ones are anywhere along the way.
    stop = rng.random() * 0.65 + min(age.days, 15) / 15
    if sr.kind == Kind.COMPLAINT and sr.validity == Validity.INVALID:
        if stop > 0.2:
            services.request_close(
                actor=receiver, request=sr, note="已向业户解释：属市政施工，不在物业服务范围，已提供街道办电话。"
            )
        return
    if sr.kind in (Kind.ENQUIRY, Kind.SUGGESTION, Kind.PRAISE):
        if stop > 0.15:
            services.request_resolve(actor=receiver, request=sr, result="已当场答复业户。")
            if stop > 0.4:
                services.request_close(actor=receiver, request=sr)
        return
    if stop < 0.12:
        return
    if rng.random() < 0.04:
        services.request_cancel(actor=receiver, request=sr, note="业户来电撤回，问题已自行解决。")
        return
    dept_kind = category.department_kind or DepartmentKind.ENGINEERING
    if dept_kind not in workers:
        dept_kind = DepartmentKind.ENGINEERING
    worker = rng.choice(workers[dept_kind])
    services.request_dispatch(actor=receiver, request=sr, department=departments[dept_kind], assignee=worker)
    if stop < 0.25:
        return
    if rng.random() < 0.05:
        services.request_return(actor=worker, request=sr, note="不属于本部门处理范围，请重新派单。")
        return
    services.request_accept(actor=worker, request=sr)
    if stop < 0.35:
        return
    services.request_arrive(actor=worker, request=sr)
    if stop < 0.45:
        if rng.random() < 0.4:
            services.request_pause(actor=worker, request=sr, note="等待配件到货。")
        return
    services.request_resolve(actor=worker, request=sr, result="已上门处理完毕，业户确认。")
    if stop < 0.55:
        return
    services.request_reply(actor=receiver, request=sr, reply="您反映的问题已处理完毕，感谢您的支持。")
    if stop < 0.65:
        return
    visitor = users["zhuguan"] if sr.severity != Severity.MAJOR else users["xmjingli"]
    rating = rng.choices([Rating.SATISFIED, Rating.FAIRLY, Rating.UNSATISFIED], weights=[80, 15, 5])[0]
    services.request_visit(
        actor=visitor, request=sr, rating=rating, comment="" if rating != Rating.UNSATISFIED else "问题仍未彻底解决。"
    )
    if rating == Rating.UNSATISFIED or stop < 0.75:
        return
    services.request_close(actor=receiver, request=sr)


@transaction.atomic
def seed_demo(*, seed: int = 2026, requests_per_project: int = 300) -> dict[str, User]:
    rng = random.Random(seed)
    company = Company.objects.create(name="安居示范物业服务有限公司", code="demo")
    projects = {
        "cuihu": Project.objects.create(
            company=company, name="翠湖花园", code="cuihu", address="杭州市西湖区翠湖路88号", phone="0571-88886666"
        ),
        "jinjiang": Project.objects.create(
            company=company, name="锦江公寓", code="jinjiang", address="杭州市上城区锦江路16号", phone="0571-86661234"
        ),
    }
    for project in projects.values():
        Department.objects.bulk_create(
            [Department(project=project, kind=kind, name=kind.label) for kind in DepartmentKind]
        )
    for order, (code, name, dept_kind) in enumerate(CATEGORIES):
        Category.objects.create(
            company=company,
            code=code,
            name=name,
            department_kind=dept_kind,
            order=order * 10,
            always_visit=code == "leak",
            visit_limit={"leak": "3d", "security": "2d"}.get(code, ""),
        )
    sla.install_default_policies(company)
    install_default_keywords(company)  # DOMAIN.md's table; the month of requests below teaches the rest
    Phrase.objects.bulk_create(
        [Phrase(company=company, situation=sit, title=t, body=b, order=i) for i, (sit, t, b) in enumerate(PHRASES)]
    )
    password = make_password(DEMO_PASSWORD)
    users = make_staff(company, projects, password)
    rooms = build_estate(projects["cuihu"], rng, buildings=6, units=2, floors=18, per_floor=2)
    jj_rooms = build_estate(projects["jinjiang"], rng, buildings=2, units=1, floors=10, per_floor=4)
    # A resident who can sign in: the owner of 1-1-1502.
    owner_occ = (
        Occupancy.objects.filter(room__project=projects["cuihu"], relation=Relation.OWNER)
        .select_related("resident", "room")
        .order_by("room__code")
        .first()
    )
    resident_user = User.objects.create(
        username="yezhu",
        email="yezhu@example.com",
        password=password,
        display_name=owner_occ.resident.name,
        role=Role.RESIDENT,
        company=company,
    )
    Resident.objects.filter(pk=owner_occ.resident_id).update(user=resident_user)
    users["yezhu"] = resident_user
    make_requests(projects["cuihu"], users, rooms, rng, requests_per_project)
    owner_requests(projects["cuihu"], users, owner_occ)
    jj_users = dict(
        users,
        kefu=users["jj_kefu"],
        kefu2=users["jj_kefu"],
        datang=users["jj_kefu"],
        weixiu=users["jj_weixiu"],
        weixiu2=users["jj_weixiu"],
        baoan=users["jj_weixiu"],
        baojie=users["jj_weixiu"],
        lvhua=users["jj_weixiu"],
        zhuguan=users["kfjingli"],
        xmjingli=users["admin"],
    )
    make_requests(projects["jinjiang"], jj_users, jj_rooms, rng, requests_per_project // 5)
    seed_other_apps(company=company, projects=projects, users=users, rng=rng)
    return users


def owner_requests(project: Project, users: dict[str, User], occupancy: Occupancy) -> None:
    """The demo owner's own reports from the residents' app, so that its home shows one on its way
    (dispatched to the technician, who has accepted it) and one done, waiting for the owner's rating."""
    from portal.services import report_submit

    owner, desk, tech = users["yezhu"], users["kefu"], users["weixiu"]
    engineering = Department.objects.get(project=project, kind=DepartmentKind.ENGINEERING)

    def report(title: str, description: str) -> ServiceRequest:
        sr = report_submit(
            actor=owner, room_id=occupancy.room_id, kind=Kind.REPAIR, title=title, description=description
        )
        services.request_dispatch(actor=desk, request=sr, department=engineering, assignee=tech)
        services.request_accept(actor=tech, request=sr)
        return sr

    done = report("卫生间吸顶灯不亮", "换了灯泡还是不亮，可能是线路问题。")
    services.request_arrive(actor=tech, request=done)
    services.request_resolve(actor=tech, request=done, result="灯座接线松动，已重新接线并更换灯座，照明恢复。")
    report("厨房水槽下水管漏水", "水槽下面一直滴水，柜子里都湿了，麻烦尽快派人看看。")


def seed_other_apps(**context) -> None:
    """Each other app may add its demo data in `<app>/demo.py`: `seed(*, company, projects, users, rng)`,
    called in INSTALLED_APPS order once the estate, the staff and the requests exist. An app whose
    demo comes in several modules names them, in order, in its AppConfig's `demo_modules`."""
    for config in apps.get_app_configs():
        if config.name == "desk":
            continue
        for name in getattr(config, "demo_modules", (f"{config.name}.demo",)):
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            if hasattr(module, "seed"):
                module.seed(**context)


# What each demo login is for, shown beside it by `print_logins` (which lists every active login of
# the demo company from the database, so a login added by any app's demo hook is listed too).
LOGINS = [
    ("kefu", "客服员（前台接电话）"),
    ("kefu2", "第二位客服员（交接班的接班人）"),
    ("datang", "大堂助理"),
    ("zhuguan", "客服主管"),
    ("kfjingli", "客服经理（两个项目）"),
    ("xmjingli", "项目经理"),
    ("gongcheng", "工程部主管"),
    ("weixiu", "维修师傅（手机）"),
    ("baoan", "秩序员"),
    ("caiwu", "财务"),
    ("yezhu", "业主"),
    ("jj_kefu", "另一个项目（锦江公寓）的客服"),
    ("admin", "公司管理员（/admin/）"),
]


def demo_logins() -> list[tuple[User, str]]:
    """Every active login of the demo company with what it is for: the ones in LOGINS first, in
    that order, then the rest by role and username."""
    hints = dict(LOGINS)
    order = {username: i for i, (username, _hint) in enumerate(LOGINS)}
    users = User.objects.filter(company__code="demo", is_active=True).prefetch_related("projects")
    rows = sorted(users, key=lambda u: (order.get(u.username, len(order)), u.role, u.username))
    return [(u, hints.get(u.username, "")) for u in rows]
