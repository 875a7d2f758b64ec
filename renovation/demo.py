"""Demo renovations in every state, made through the services (called by `manage.py seed_demo`)."""

import io
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from core.idcard import make_id_card
from estate.choices import Relation
from estate.models import Occupancy
from renovation import services
from renovation.choices import Action, FeeKind, InspectionResult, State
from renovation.models import Inspection, Renovation, RenovationEvent, RenovationSettings, WorkerPass

CONTRACTORS = [
    ("杭州美家装饰工程有限公司", "91330106MA27XK1234", "周建国", "13957112345"),
    ("浙江匠心家装有限公司", "91330102MA2H8Q5678", "陈立", "13867154321"),
    ("杭州安居翻新工作室", "92330106MA2CN9X012", "吴海", "13516887766"),
]
SCOPES = [
    "厨房、卫生间翻新：更换瓷砖、重做防水，更换橱柜。",
    "全屋铺设木地板，墙面刷乳胶漆，更换入户门。",
    "阳台封窗，客厅吊顶，更换灯具与开关插座。",
    "卫生间改造：更换洁具，重做防水层并做闭水试验。",
]
WORKER_NAMES = [("王建军", "水电"), ("李春生", "泥工"), ("赵小勇", "木工"), ("孙志强", "油漆")]


def _id(n: int) -> str:
    return make_id_card(date(1985, n % 9 + 1, 1), n)


def _drawing(label: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (320, 220), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 300, 200), outline="black", width=3)
    draw.line((160, 20, 160, 200), fill="black", width=2)
    draw.line((20, 110, 160, 110), fill="black", width=2)
    draw.text((30, 30), label, fill="blue")
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return SimpleUploadedFile(f"plan-{label}.png", buf.getvalue(), content_type="image/png")


def seed(*, company, projects, users, rng):
    project = projects["cuihu"]
    RenovationSettings.objects.update_or_create(
        project=project,
        defaults={
            "rules_note": "装修垃圾须袋装后运至指定堆放点，不得堆放在楼道；搬运材料请使用货梯并做好保护。",
        },
    )
    owned = list(
        Occupancy.objects.filter(room__project=project, relation=Relation.OWNER)
        .select_related("room", "resident")
        .order_by("room__code")[:40]
    )
    yezhu_room = next((o.room for o in owned if o.resident.user_id == users["yezhu"].pk), None)
    others = [o.room for o in owned if o.room != yezhu_room]
    rng.shuffle(others)
    plan = [
        State.SUBMITTED,
        State.SUBMITTED,  # this one's review is overdue
        State.APPROVED,
        State.PAID,
        State.IN_PROGRESS,
        State.IN_PROGRESS,  # with an open violation
        State.ACCEPTED,  # holding period not over
        State.ACCEPTED,  # holding period over: ready to refund
        State.REFUNDED,
        State.REJECTED,
    ]
    today = timezone.localdate()
    n = 0
    made = []
    for target, room in zip(plan, others, strict=False):
        contractor = rng.choice(CONTRACTORS)
        workers = [
            services.WorkerInput(name=name, id_number=_id(n * 10 + i), phone=f"1370000{n:02d}{i:02d}", trade=trade)
            for i, (name, trade) in enumerate(rng.sample(WORKER_NAMES, 2))
        ]
        n += 1
        r = services.renovation_apply(
            actor=users["kefu"],
            data=services.Application(
                room_id=room.pk,
                scope=rng.choice(SCOPES),
                planned_start=today + timedelta(days=1),
                planned_end=today + timedelta(days=rng.choice([45, 60, 90])),
                contractor_name=contractor[0],
                contractor_licence=contractor[1],
                contractor_person=contractor[2],
                contractor_phone=contractor[3],
                workers=workers,
            ),
            drawings=[_drawing(room.code)],
        )
        _advance(r, target, users)
        made.append((r, target))
    if yezhu_room:
        r = services.renovation_apply(
            actor=users["yezhu"],
            data=services.Application(
                room_id=yezhu_room.pk,
                scope="次卧改书房：拆除衣柜，新做书架，墙面刷漆。",
                planned_start=today + timedelta(days=7),
                planned_end=today + timedelta(days=37),
                contractor_name=CONTRACTORS[0][0],
                contractor_licence=CONTRACTORS[0][1],
                contractor_person=CONTRACTORS[0][2],
                contractor_phone=CONTRACTORS[0][3],
            ),
            drawings=[],
        )
        services.renovation_send_back(
            actor=users["zhuguan"], renovation=r, note="请补充平面布置图和水电走向图，并写明是否涉及墙体拆改。"
        )
    _spread_in_time(made)


def _advance(r, target, users):
    if target == State.SUBMITTED:
        return
    if target == State.REJECTED:
        services.renovation_reject(actor=users["zhuguan"], renovation=r, note="方案涉及拆改承重墙，不予批准。")
        return
    services.renovation_approve(actor=users["gongcheng"], renovation=r, note="图纸齐全，同意施工。")
    if target == State.APPROVED:
        return
    for kind, amount in ((FeeKind.DEPOSIT, r.deposit_due), (FeeKind.MANAGEMENT, r.fee_due)):
        if amount:
            services.renovation_pay(
                actor=users["caiwu"],
                renovation=r,
                kind=kind,
                amount=amount,
                paid_at=timezone.now(),
                receipt_number=f"SJ{r.pk:04d}{kind[:1].upper()}",
            )
    if target == State.PAID:
        return
    services.renovation_issue_permit(actor=users["kefu"], renovation=r)
    for worker in r.workers.all():
        services.renovation_issue_pass(actor=users["kefu"], renovation=r, worker=worker)
    services.renovation_inspect(actor=users["weixiu"], renovation=r, result=InspectionResult.PASSED, note="现场整洁。")
    if target == State.IN_PROGRESS:
        return
    services.renovation_accept(actor=users["gongcheng"], renovation=r, note="竣工验收合格。")
    if target == State.ACCEPTED:
        return
    Renovation.objects.filter(pk=r.pk).update(refund_due_on=timezone.localdate())
    r.refresh_from_db()
    services.renovation_refund(
        actor=users["caiwu"],
        renovation=r,
        deductions=[services.DeductionInput(amount=Decimal("200"), reason="楼道墙面磕损修补")],
        receipt_number=f"TK{r.pk:04d}",
    )


def _spread_in_time(made):
    """The demo's lifecycles run in milliseconds; move each back so the pages read like real work."""
    ages = {
        State.SUBMITTED: 3,
        State.APPROVED: 12,
        State.PAID: 16,
        State.IN_PROGRESS: 30,
        State.ACCEPTED: 70,
        State.REFUNDED: 150,
        State.REJECTED: 20,
    }
    seen_submitted = seen_in_progress = seen_accepted = 0
    for r, target in made:
        days = ages[target]
        if target == State.SUBMITTED:
            seen_submitted += 1
            if seen_submitted == 2:
                days = 25  # past its 15 working days
        shift = timedelta(days=days)
        events = list(RenovationEvent.objects.filter(renovation=r).order_by("at", "id"))
        step = shift / max(len(events), 1)
        moved = {}  # action -> its (last) event's new time, so the record's dates match its timeline
        for i, e in enumerate(events):
            RenovationEvent.objects.filter(pk=e.pk).update(at=e.at - shift + step * i)
            moved[e.action] = e.at - shift + step * i
        updates = {
            "submitted_at": r.submitted_at - shift,
            "created_at": r.created_at - shift,
            "review_due_at": r.review_due_at - shift,
            "planned_start": r.planned_start - shift,
            "planned_end": r.planned_end - shift + timedelta(days=days // 2),
        }
        if target == State.IN_PROGRESS:
            seen_in_progress += 1
            if seen_in_progress == 2:
                services.renovation_inspect(
                    actor=r.inspections.first().inspector,
                    renovation=Renovation.objects.get(pk=r.pk),
                    result=InspectionResult.VIOLATION,
                    violations=[services.ViolationInput(description="中午 12:30 仍在电锤作业，建筑垃圾堆放在楼道。")],
                )
        if target in (State.ACCEPTED, State.REFUNDED):
            seen_accepted += 1
            accepted_days_ago = 30 if (target == State.ACCEPTED and seen_accepted == 1) else 95
            updates["refund_due_on"] = timezone.localdate() - timedelta(days=accepted_days_ago) + timedelta(days=90)
            updates["planned_end"] = timezone.localdate() - timedelta(days=accepted_days_ago + 1)
            updates["planned_start"] = updates["planned_end"] - timedelta(days=40)
        for name, actions in (
            ("reviewed_at", (Action.APPROVE, Action.SEND_BACK, Action.REJECT)),
            ("permit_issued_at", (Action.ISSUE_PERMIT,)),
            ("accepted_at", (Action.ACCEPT,)),
        ):
            if getattr(r, name):
                times = [moved[a] for a in actions if a in moved]
                updates[name] = max(times) if times else getattr(r, name) - shift + step * 2
        Renovation.objects.filter(pk=r.pk).update(**updates)
        WorkerPass.objects.filter(worker__renovation=r, revoked_at__isnull=True).update(
            valid_until=updates["planned_end"]
        )
        Inspection.objects.filter(renovation=r, is_final=False, result=InspectionResult.PASSED).update(
            inspected_on=timezone.localdate() - timedelta(days=max(days // 3, 1))
        )
