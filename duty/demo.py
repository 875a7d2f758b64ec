"""Demo data of the duty desk: shifts, four weeks of roster with a swap, a duty log with a
correction, keys lent out, the things counted at handover, a completed handover with a refused
item and one in progress (kefu → datang), so every page has something to show."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from duty import services
from duty.choices import AssignmentState, HandoverState, ItemAnswer, SwapState
from duty.models import (
    Assignment,
    CountedThing,
    Handover,
    HandoverCount,
    HandoverItem,
    Key,
    KeyLoan,
    LogEntry,
    Shift,
    SwapRequest,
)

SHIFTS = [("早班", time(8), time(16)), ("中班", time(16), time(0)), ("夜班", time(0), time(8))]
THINGS = [("对讲机", "台", 6), ("手电筒", "把", 4), ("公共钥匙（钥匙柜）", "把", 48), ("备用金", "元", 500)]
KEYS = [
    ("K01", "1号楼水泵房", "前台钥匙柜A1"),
    ("K02", "2号楼配电房", "前台钥匙柜A2"),
    ("K03", "3号楼天台门", "前台钥匙柜A3"),
    ("K04", "地下车库消防通道", "前台钥匙柜A4"),
    ("K05", "会所活动室", "前台钥匙柜B1"),
    ("K06", "5-1-0302 空置房", "前台钥匙柜B2"),
    ("K07", "垃圾房", "前台钥匙柜B3"),
    ("K08", "监控室备用钥匙", "主管办公室"),
]
LOG = [
    ("patrol", "巡查大堂、电梯厅，正常。", False),
    ("call", "3-2-1502 业主来电咨询装修时间，已答复。", False),
    ("visit", "快递员来访送件，已登记。", False),
    ("repair", "2号楼3单元楼道灯不亮，已报工程部。", True),
    ("emergency", "5号楼电梯困人，维保单位20分钟到场，已解困，无人受伤。", True),
    ("patrol", "地下车库B区积水，已通知保洁。", True),
    ("other", "业委会主任来访，约明天上午与项目经理面谈。", True),
    ("call", "12345热线转来噪音投诉，已登记工单。", False),
]


def _local(day, t):
    return timezone.make_aware(datetime.combine(day, t), timezone.get_current_timezone())


def seed(*, company, projects, users, rng):
    now = timezone.now()
    today = timezone.localdate()
    supervisor = users["zhuguan"]
    for code, project in projects.items():
        shifts = [
            Shift.objects.create(project=project, name=n, start=s, end=e, order=i) for i, (n, s, e) in enumerate(SHIFTS)
        ]
        CountedThing.objects.bulk_create(
            [
                CountedThing(project=project, name=n, unit=u, expected=Decimal(q), order=i)
                for i, (n, u, q) in enumerate(THINGS)
            ]
        )
        keys = Key.objects.bulk_create([Key(project=project, code=c, name=n, location=loc) for c, n, loc in KEYS])
        desk = [users["kefu"], users["kefu2"], users["datang"]] if code == "cuihu" else [users["jj_kefu"]]
        planner = supervisor if code == "cuihu" else users["kfjingli"]
        # Four weeks of roster: the desk staff rotate through the three shifts.
        rows = []
        for offset in range(-14, 15):
            day = today + timedelta(days=offset)
            for i, shift in enumerate(shifts if len(desk) > 1 else shifts[:1]):
                rows.append(
                    Assignment(
                        project=project,
                        day=day,
                        shift=shift,
                        user=desk[(offset + i) % len(desk)],
                        created_by=planner,
                        created_at=now - timedelta(days=20),
                    )
                )
        # The engineers' rota too (the roster holds the departments' people): dispatch shows who of
        # them is on duty and sends "least loaded on duty" to them first.
        if code == "cuihu":
            engineers = [users["weixiu"], users["weixiu2"]]
            for offset in range(-14, 15):
                day = today + timedelta(days=offset)
                for i, shift in enumerate(shifts[:2]):
                    rows.append(
                        Assignment(
                            project=project,
                            day=day,
                            shift=shift,
                            user=engineers[(offset + i) % 2],
                            created_by=planner,
                            created_at=now - timedelta(days=20),
                        )
                    )
        Assignment.objects.bulk_create(rows)
        # Keys: two out (one overdue), a few returned.
        for i, k in enumerate(keys[:5]):
            lent = now - timedelta(hours=30 - i * 6)
            KeyLoan.objects.create(
                key=k,
                project=project,
                borrower_name=["孙师傅", "钱师傅", "绿化吴师傅", "装修队李工", "物业办刘强"][i],
                borrower_unit=["工程部", "工程部", "绿化部", "5-1-0302 装修", "项目部"][i],
                borrower_phone=f"139{rng.randint(10_000_000, 99_999_999)}" if i == 3 else "",
                purpose=["检修水泵", "更换空开", "修剪天台绿植", "装修进场", "查看活动室"][i],
                lent_at=lent,
                due_back=lent + timedelta(hours=4 if i != 4 else 48),
                lent_by=desk[0],
                returned_at=lent + timedelta(hours=2) if i < 3 else None,
                returned_to=desk[-1] if i < 3 else None,
            )
        # The duty log of the last day and a half, with a correction.
        entries = []
        for i, (category, text, flag) in enumerate(LOG):
            at = now - timedelta(hours=30) + timedelta(hours=i * 3.5)
            entries.append(
                LogEntry(
                    project=project,
                    at=at,
                    created_at=at,
                    category=category,
                    text=text,
                    hand_over=flag,
                    author=desk[i % len(desk)],
                )
            )
        LogEntry.objects.bulk_create(entries)
        LogEntry.objects.create(
            project=project,
            at=entries[5].at,
            created_at=entries[5].at + timedelta(minutes=20),
            category="patrol",
            text="更正：积水在地下车库C区，不是B区。",
            author=entries[5].author,
            corrects=entries[5],
        )
        if code != "cuihu":
            continue
        # A swap approved last week (history) and one waiting for the supervisor.
        past = Assignment.objects.filter(project=project, day=today - timedelta(days=5), user=users["kefu2"]).first()
        if past:
            swap = SwapRequest.objects.create(
                assignment=past,
                asked_by=users["kefu2"],
                cover=users["datang"],
                reason="孩子生病",
                state=SwapState.APPROVED,
                decided_by=supervisor,
                decided_at=now - timedelta(days=6),
                created_at=now - timedelta(days=7),
                decision_note="同意",
            )
            Assignment.objects.filter(pk=past.pk).update(
                state=AssignmentState.SWAPPED,
                ended_by=supervisor,
                ended_at=swap.decided_at,
                end_reason="调班：周婷 顶班",
            )
            Assignment.objects.create(
                project=project,
                day=past.day,
                shift=past.shift,
                user=users["datang"],
                created_by=supervisor,
                created_at=swap.decided_at,
                via_swap=swap,
            )
        future = Assignment.objects.filter(project=project, day=today + timedelta(days=3), user=users["kefu"]).first()
        if future:
            services.swap_request(actor=users["kefu"], assignment=future, cover=users["kefu2"], reason="参加培训")
        # Yesterday's completed handover, with one refused item.
        h = Handover.objects.create(
            project=project,
            outgoing=users["datang"],
            incoming=users["kefu"],
            shift=shifts[2],
            period_start=_local(today, time(0)) - timedelta(days=1),
            started_at=now - timedelta(hours=24, minutes=5),
            state=HandoverState.COMPLETED,
            notes="夜班无重大事项；5号楼电梯已恢复。",
            outgoing_signed_at=now - timedelta(hours=24),
            incoming_signed_at=now - timedelta(hours=23, minutes=50),
            incoming_comment="已接班。",
            item_count=3,
        )
        HandoverItem.objects.bulk_create(
            [
                HandoverItem(
                    handover=h,
                    kind="keys",
                    kind_label="借出钥匙",
                    key=f"keyloan:demo{i}",
                    title=t,
                    detail=d,
                    order=i,
                    answer=a,
                    reason=r,
                    answered_at=now - timedelta(hours=23, minutes=55),
                )
                for i, (t, d, a, r) in enumerate(
                    [
                        ("K04 地下车库消防通道", "装修队借用：装修进场", ItemAnswer.ACKNOWLEDGED, ""),
                        ("K05 会所活动室", "物业办刘强 借用：查看活动室", ItemAnswer.ACKNOWLEDGED, ""),
                        (
                            "K07 垃圾房",
                            "没有借用登记，钥匙柜缺一把",
                            ItemAnswer.REFUSED,
                            "钥匙柜里没有，也没有借条，请主管核实",
                        ),
                    ]
                )
            ]
        )
        HandoverCount.objects.bulk_create(
            [
                HandoverCount(
                    handover=h,
                    thing=t,
                    name=t.name,
                    unit=t.unit,
                    expected=t.expected,
                    counted=t.expected - (1 if t.name.startswith("公共钥匙") else 0),
                    explanation="垃圾房钥匙不在柜里" if t.name.startswith("公共钥匙") else "",
                )
                for t in CountedThing.objects.filter(project=project)
            ]
        )
        # kefu is handing over to datang right now (draft): the real gather.
        services.handover_start(actor=users["kefu"], project=project, incoming=users["datang"])
