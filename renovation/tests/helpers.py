"""Shared test helpers: an application, and a renovation driven to any point of its workflow."""

import io
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from core.idcard import make_id_card
from renovation import services
from renovation.choices import FeeKind, InspectionResult, State
from renovation.services import Application, ViolationInput, WorkerInput

# A valid ID number (check digit computed) and a second one.
ID1 = "11010519491231002X"
ID2 = "440524198001010013"


def make_id(n: int) -> str:
    """A valid 18-character ID number, different for each n."""
    return make_id_card(date(1990, 1, 1), n)


def png(name="drawing.png"):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 255)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def application(world, room=None, **kw) -> Application:
    today = timezone.localdate()
    data = dict(
        room_id=(room or world.room).pk,
        scope="厨卫改造，铺木地板",
        planned_start=today + timedelta(days=1),
        planned_end=today + timedelta(days=60),
        contractor_name="杭州美家装饰有限公司",
        contractor_licence="91330106MA2XXXXX1",
        contractor_person="周工",
        contractor_phone="13912345678",
        workers=[WorkerInput(name="王师傅", id_number=ID1, phone="13700001111", trade="水电")],
    )
    data.update(kw)
    return Application(**data)


def apply(world, actor=None, drawings=True, **kw):
    return services.renovation_apply(
        actor=actor or world.cs, data=application(world, **kw), drawings=[png()] if drawings else []
    )


def drive(world, target: int, renovation=None):
    """A renovation taken through the normal path up to `target`."""
    r = renovation or apply(world)
    if target == State.SUBMITTED:
        return r
    if target == State.RETURNED:
        services.renovation_send_back(actor=world.supervisor, renovation=r, note="请补充水电图")
        return r
    if target == State.REJECTED:
        services.renovation_reject(actor=world.supervisor, renovation=r, note="拆改承重墙")
        return r
    if target == State.CANCELLED:
        services.renovation_cancel(actor=world.cs, renovation=r, note="业主暂不装修")
        return r
    services.renovation_approve(actor=world.supervisor, renovation=r, deposit="2000", fee="500")
    if target == State.APPROVED:
        return r
    pay(world, r, FeeKind.DEPOSIT, "2000")
    pay(world, r, FeeKind.MANAGEMENT, "500")
    if target == State.PAID:
        return r
    services.renovation_issue_permit(actor=world.cs, renovation=r)
    if target == State.IN_PROGRESS:
        return r
    services.renovation_accept(actor=world.lead, renovation=r)
    if target == State.ACCEPTED:
        return r
    raise ValueError(target)


def pay(world, r, kind, amount, actor=None):
    return services.renovation_pay(
        actor=actor or world.finance,
        renovation=r,
        kind=kind,
        amount=Decimal(amount),
        paid_at=timezone.now(),
        receipt_number=f"SJ-{kind}-{amount}",
    )


def violate(world, r, text="噪声作业超时"):
    return services.renovation_inspect(
        actor=world.tech,
        renovation=r,
        result=InspectionResult.VIOLATION,
        violations=[ViolationInput(description=text, photos=[png("v.png")])],
    )
