"""The arrears side's demo (run after billing/demo.py, AppConfig.demo_modules): a dunning history on
several rooms, one payment plan, one disputed bill followed up by a complaint, the paid-service
price list, and the lobby notice turned off (the default).

When the cashier side's demo has billed the year, its bills are used. Otherwise (this side alone)
a small set is made here: six months of property-fee bills for 48 rooms of 翠湖花园, most paid, some
in arrears, written with the ORM keeping the money invariants (a bill's total is its lines' sum,
paid amounts are their allocations' sums)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from billing.choices import Basis, BillState, DunningStepKind, EntryKind, EntryState, Method
from billing.ledger import room_ledger
from billing.models import Account, Allocation, Bill, BillLine, Entry, FeeItem, PriceListItem
from billing.money import line_fen, month_add
from billing.services import (
    InstalmentInput,
    bill_dispute,
    dunning_step_record,
    payment_plan_agree,
)
from desk.choices import Kind
from desk.models import ServiceRequest
from desk.services import Intake, request_register
from estate.models import Room

PRICES = [
    ("更换水龙头", "个", "35.00"),
    ("疏通下水管道", "次", "80.00"),
    ("更换灯具（不含灯具）", "个", "20.00"),
    ("更换门锁锁芯（不含锁芯）", "次", "50.00"),
    ("空调清洗", "台", "120.00"),
]


def _item(company, code, name, **kw) -> FeeItem:
    item, _created = FeeItem.objects.get_or_create(company=company, code=code, defaults={"name": name, **kw})
    return item


def _small_year(project, rng, kefu) -> None:
    """Six months of bills of 48 rooms, when no bills exist yet: most paid on time, every sixth room
    behind by one to five months."""
    wuye = _item(project.company, "wuye", "物业服务费", basis=Basis.AREA, account_code="6001")
    first = month_add(timezone.localdate().replace(day=1), -5)
    rooms = list(Room.objects.filter(project=project).order_by("sort_key")[:48])
    number = 0
    for i, room in enumerate(rooms):
        Account.objects.get_or_create(room=room, defaults={"project_id": project.pk})
        behind = rng.randint(1, 5) if i % 6 == 0 else 0
        for m in range(6):
            start = month_add(first, m)
            number += 1
            area = room.area or Decimal("89.00")
            amount = line_fen(area, Decimal("2.80"))
            bill = Bill.objects.create(
                project=project,
                room=room,
                number=f"DEMO{start:%Y%m}{number:05d}",
                period_start=start,
                period_end=month_add(start, 1) - timedelta(days=1),
                issued_on=start,
                due_on=start + timedelta(days=15),
                total_fen=amount,
            )
            line = BillLine.objects.create(
                bill=bill, room=room, item=wuye, period_start=start, quantity=area, price=Decimal("2.80"),
                amount_fen=amount,
            )  # fmt: skip
            unpaid = m >= 6 - behind or (m == 5 and rng.random() < 0.4)
            if unpaid:
                continue
            paid_at = timezone.make_aware(datetime.combine(start + timedelta(days=rng.randint(1, 14)), time(10, 0)))
            entry = Entry.objects.create(
                project=project, room=room, number=f"DEMOR{number:06d}", kind=EntryKind.PAYMENT, method=Method.WECHAT,
                amount_fen=amount, state=EntryState.POSTED, cashier=kefu, created_at=paid_at, posted_at=paid_at,
            )  # fmt: skip
            Allocation.objects.create(entry=entry, line=line, amount_fen=amount, created_at=paid_at)
            BillLine.objects.filter(pk=line.pk).update(paid_fen=amount)
            Bill.objects.filter(pk=bill.pk).update(paid_fen=amount, state=BillState.PAID)


def seed(*, company, projects, users, rng):
    cuihu = projects["cuihu"]
    kefu, zhuguan = users["kefu"], users["zhuguan"]
    repair = _item(company, "repair", "有偿维修", basis=Basis.ONE_OFF, periodic=False, account_code="6051")
    for name, unit, price in PRICES:
        PriceListItem.objects.get_or_create(
            company=company, name=name, defaults={"unit": unit, "price": price, "item": repair}
        )
    if not Bill.objects.filter(project=cuihu).exists():
        _small_year(cuihu, rng, kefu)
    debtors = room_ledger(cuihu.pk, order="owed", details=False).rows
    if not debtors:
        return
    now = timezone.now()
    # a dunning history: the ladder climbed on the biggest debtor, a reminder and a call on others
    top = Room.objects.get(pk=debtors[0].key)
    history = [
        (DunningStepKind.REMINDER, "", 40),
        (DunningStepKind.PHONE, "业主称近期资金紧张，月底前先缴一部分", 30),
        (DunningStepKind.LETTER, "催缴函已送达，业主本人签收", 20),
        (DunningStepKind.VISIT, "客服陈静、王丽上门，业主对电梯维修有意见，已转投诉", 10),
    ]
    for kind, answer, days in history:
        dunning_step_record(actor=zhuguan, room=top, kind=kind, answer=answer, at=now - timedelta(days=days))
    for row in debtors[1:6]:
        room = Room.objects.get(pk=row.key)
        dunning_step_record(actor=kefu, room=room, kind=DunningStepKind.REMINDER, at=now - timedelta(days=12))
        dunning_step_record(
            actor=kefu, room=room, kind=DunningStepKind.PHONE, answer=rng.choice(
                ["答应本周内到前台缴费", "电话无人接听，改日再打", "已在线缴纳一部分，余款下月缴清"]
            ), at=now - timedelta(days=5),
        )  # fmt: skip
    # one payment plan, agreed with the second debtor: three monthly instalments
    if len(debtors) > 1:
        room = Room.objects.get(pk=debtors[1].key)
        owed = debtors[1].undisputed
        third = owed // 3
        today = timezone.localdate()
        payment_plan_agree(
            actor=zhuguan,
            room=room,
            instalments=[
                InstalmentInput(today + timedelta(days=10), third),
                InstalmentInput(today + timedelta(days=40), third),
                InstalmentInput(today + timedelta(days=70), owed - 2 * third),
            ],
            note="业主失业半年，经客服经理同意分三期",
        )
    # one disputed bill, followed up by a complaint
    if len(debtors) > 2:
        room = Room.objects.get(pk=debtors[2].key)
        bill = Bill.objects.filter(room=room, state=BillState.OPEN).order_by("due_on").first()
        complaint = ServiceRequest.objects.filter(room=room, kind=Kind.COMPLAINT).first() or request_register(
            actor=kefu,
            data=Intake(
                project_id=cuihu.pk,
                kind=Kind.COMPLAINT,
                title="对物业费账单有异议",
                description="业主认为房屋面积按建筑面积计算有误，要求核实后再缴",
                room_id=room.pk,
            ),
        )
        bill_dispute(actor=kefu, bill=bill, reason="业主认为计费面积有误，待核实产权证", request=complaint)
