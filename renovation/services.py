"""Every write to a renovation. Keyword-only functions in one transaction each: they check the
rules (renovation/rules.py), change the renovation with a compare-and-swap on its version, and
write one timeline entry per action. Nothing is deleted: corrections are new entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core import idcard
from core.audit import audit_record
from core.calendar import current_calendar, local_tz, schedule_for
from core.choices import DepartmentKind, Role
from core.errors import ActionRefused, Conflict
from core.models import User
from core.notify import notify
from core.phone import normalize_phone
from core.uploads import check_uploads
from core.worktime import add_working
from desk.services import take_number
from estate.choices import Relation, RoomState
from estate.models import Occupancy, Room
from renovation import rules
from renovation.choices import ACTIVE_STATES, Action, FeeKind, FileKind, InspectionResult, State
from renovation.models import (
    Deduction,
    Inspection,
    Payment,
    Renovation,
    RenovationEvent,
    RenovationFile,
    RenovationSettings,
    Violation,
    Worker,
    WorkerPass,
)

CENT = Decimal("0.01")

# ---------------------------------------------------------------- helpers


def normalize_id_number(raw: str) -> str:
    """A worker's resident ID number in its normal form (core.idcard: the one check)."""
    return idcard.clean_id_card(raw)


def review_deadline(project_id: int, start: datetime, days: int) -> datetime:
    """`days` working days of the project's working time after `start` (holidays and make-up
    working days from the business calendar)."""
    schedule = schedule_for(project_id)
    return add_working(start, days * schedule.minutes_per_day, schedule, current_calendar(), local_tz())


def _require(value: str, message: str, field: str = "note") -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [message]})
    return value


def _allowed(actor, renovation, action) -> None:
    reason = rules.refusal(actor, renovation, action)
    if reason:
        raise ActionRefused(reason)


def _event(*, actor, renovation, action, note="", data=None, from_state=None, to_state=None) -> RenovationEvent:
    return RenovationEvent.objects.create(
        renovation=renovation,
        actor=actor,
        at=timezone.now(),
        action=action,
        from_state=renovation.state if from_state is None else from_state,
        to_state=renovation.state if to_state is None else to_state,
        note=note,
        data=data or {},
    )


def _transition(
    *, actor, renovation, action, to_state=None, note="", changes=None, data=None, expected_version=None
) -> RenovationEvent:
    """Move the renovation (or just bump its version) with a compare-and-swap, and write the entry."""
    version = renovation.version if expected_version is None else expected_version
    if version != renovation.version:
        raise Conflict(_("这份装修申请刚被其他人修改过，请刷新后再试。"))
    to_state = renovation.state if to_state is None else to_state
    now = timezone.now()
    changes = dict(changes or {})
    updated = Renovation.objects.filter(pk=renovation.pk, version=version, state=renovation.state).update(
        state=to_state, version=version + 1, updated_at=now, **changes
    )
    if updated != 1:
        raise Conflict(_("这份装修申请刚被其他人修改过，请刷新后再试。"))
    event = _event(actor=actor, renovation=renovation, action=action, note=note, data=data, to_state=to_state)
    for name, value in changes.items():
        setattr(renovation, name, value)
    renovation.state, renovation.version, renovation.updated_at = to_state, version + 1, now
    return event


def _save_files(*, actor, renovation, checked, kind, violation=None) -> list[RenovationFile]:
    """Store files already passed by core.uploads.check_uploads."""
    saved = []
    for upload, content_type, ext in checked:
        row = RenovationFile(
            renovation=renovation,
            kind=kind,
            violation=violation,
            name=upload.name[:200],
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        row.file.save(f"{kind}-{timezone.now():%d%H%M%S}-{len(saved)}.{ext}", upload, save=False)
        row.save()
        saved.append(row)
    return saved


def _money(value, field: str, *, allow_zero=False) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: [_("请填写金额。")]}) from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError({field: [_("金额必须大于 0。")]})
    if amount >= Decimal("100000000"):
        raise ValidationError({field: [_("金额太大。")]})
    return amount


def _reviewers(project_id: int):
    return (
        User.objects.filter(is_active=True, projects=project_id)
        .filter(
            Q(role__in=[Role.CS_SUPERVISOR, Role.CS_MANAGER])
            | Q(role=Role.DEPT_LEAD, department__kind=DepartmentKind.ENGINEERING)
        )
        .select_related("department")
    )


# ---------------------------------------------------------------- application


@dataclass
class WorkerInput:
    name: str
    id_number: str
    phone: str
    trade: str = ""


@dataclass
class Application:
    """What an application says; validated by `renovation_apply` / `renovation_resubmit`."""

    room_id: int | None
    scope: str
    planned_start: date | None
    planned_end: date | None
    contractor_name: str
    contractor_licence: str
    contractor_person: str
    contractor_phone: str
    owner_phone: str = ""
    workers: list[WorkerInput] = field(default_factory=list)


def _validate_application(data: Application, *, today: date) -> dict:
    errors: dict[str, list[str]] = {}

    def err(name, message):
        errors.setdefault(name, []).append(message)

    clean = {}
    for name, label, limit in (
        ("scope", _("请填写装修内容。"), 4000),
        ("contractor_name", _("请填写装修单位。"), 100),
        ("contractor_licence", _("请填写营业执照或资质证号。"), 50),
        ("contractor_person", _("请填写现场负责人。"), 50),
    ):
        value = (getattr(data, name) or "").strip()
        if not value:
            err(name, label)
        elif len(value) > limit:
            err(name, _("最多 %(limit)s 个字。") % {"limit": limit})
        clean[name] = value
    for name, required in (("contractor_phone", True), ("owner_phone", False)):
        raw = (getattr(data, name) or "").strip()
        if not raw:
            if required:
                err(name, _("请填写负责人电话。"))
            clean[name] = ""
            continue
        try:
            clean[name] = normalize_phone(raw)
        except ValidationError as exc:
            err(name, exc.messages[0])
    if not data.planned_start:
        err("planned_start", _("请填写计划开工日期。"))
    if not data.planned_end:
        err("planned_end", _("请填写计划完工日期。"))
    if data.planned_start and data.planned_end:
        if data.planned_end < data.planned_start:
            err("planned_end", _("完工日期不能早于开工日期。"))
        elif (data.planned_end - data.planned_start).days > 365:
            err("planned_end", _("装修工期不能超过一年。"))
        if data.planned_start < today:
            err("planned_start", _("开工日期不能早于今天。"))
    clean["planned_start"], clean["planned_end"] = data.planned_start, data.planned_end
    clean["workers"] = []
    for i, w in enumerate(data.workers or (), start=1):
        try:
            clean["workers"].append(_clean_worker(w))
        except ValidationError as exc:
            err("workers", _("第 %(n)s 位工人：%(message)s") % {"n": i, "message": " ".join(exc.messages)})
    seen = [w.id_number for w in clean["workers"]]
    if len(seen) != len(set(seen)):
        err("workers", _("同一个身份证号登记了两次。"))
    if errors:
        raise ValidationError(errors)
    return clean


def _clean_worker(w: WorkerInput) -> WorkerInput:
    name = (w.name or "").strip()
    if not name or len(name) > 50:
        raise ValidationError(_("请填写姓名（最多 50 个字）。"))
    return WorkerInput(
        name=name,
        id_number=normalize_id_number(w.id_number),
        phone=normalize_phone(w.phone),
        trade=(w.trade or "").strip()[:30],
    )


def _owner_of(room: Room):
    occ = (
        Occupancy.objects.current()
        .filter(room=room, relation__in=[Relation.OWNER, Relation.CO_OWNER])
        .select_related("resident")
        .order_by("relation", "id")
        .first()
    )
    return occ.resident if occ else None


@transaction.atomic
def renovation_apply(*, actor, data: Application, drawings=()) -> Renovation:
    """An application, by the desk for the owner or by the owner for their own room."""
    if not actor.is_authenticated:
        raise ActionRefused(_("请先登录。"))
    room = Room.objects.select_related("project").filter(pk=data.room_id).first() if data.room_id else None
    if actor.is_resident:
        if room is None or room.pk not in rules.owned_room_ids(actor):
            raise ActionRefused(_("只有业主本人可以为自己的房屋申请装修。"))
    else:
        if not rules.may_apply_for_others(actor):
            raise ActionRefused(_("只有客服人员可以代业主登记装修申请。"))
        if room is None or not (actor.is_superuser or room.project_id in actor.project_ids()):
            raise ValidationError({"room": [_("房屋不存在或不在您负责的项目。")]})
    clean = _validate_application(data, today=timezone.localdate())
    checked = check_uploads(drawings, field="drawings")
    if Renovation.objects.filter(room=room, state__in=[int(s) for s in ACTIVE_STATES]).exists():
        raise ValidationError({"room": [_("这套房屋已有一份进行中的装修申请。")]})
    owner = _owner_of(room)
    if actor.is_resident:
        owner = getattr(actor, "resident", None) or owner
    settings = RenovationSettings.for_project(room.project_id)
    now = timezone.now()
    workers = clean.pop("workers")
    renovation = Renovation(
        project_id=room.project_id,
        room=room,
        number=take_number("ZXSQ", now),
        owner=owner,
        owner_name=owner.name if owner else "",
        owner_phone=clean.pop("owner_phone") or (owner.phone if owner else ""),
        submitted_by=actor,
        by_resident=actor.is_resident,
        submitted_at=now,
        review_due_at=review_deadline(room.project_id, now, settings.review_days),
        created_at=now,
        updated_at=now,
        **clean,
    )
    try:
        with transaction.atomic():
            renovation.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"room": [_("这套房屋已有一份进行中的装修申请。")]}) from None
    _event(
        actor=actor,
        renovation=renovation,
        action=Action.APPLY,
        from_state=None,
        to_state=State.SUBMITTED,
        note=renovation.scope[:500],
        data={"by_resident": actor.is_resident, "drawings": len(drawings or ())},
    )
    _save_files(actor=actor, renovation=renovation, checked=checked, kind=FileKind.DRAWING)
    for w in workers:
        Worker.objects.create(renovation=renovation, added_by=actor, **w.__dict__)
    notify(
        _reviewers(room.project_id),
        title=_("新的装修申请待审核：%(room)s %(number)s") % {"room": room.code, "number": renovation.number},
        body=renovation.scope[:200],
        url=f"/renovation/{renovation.pk}/",
    )
    return renovation


@transaction.atomic
def renovation_resubmit(*, actor, renovation, data: Application, drawings=(), note="", expected_version=None):
    """After a send-back: the corrected application goes back to review with a new deadline."""
    _allowed(actor, renovation, Action.RESUBMIT)
    data.room_id = renovation.room_id
    clean = _validate_application(data, today=timezone.localdate())
    checked = check_uploads(drawings, field="drawings")
    clean.pop("workers")
    if not clean["owner_phone"]:
        clean.pop("owner_phone")
    now = timezone.now()
    settings = RenovationSettings.for_project(renovation.project_id)
    before = {k: str(getattr(renovation, k)) for k in clean}
    changed = {k: str(v) for k, v in clean.items() if str(v) != before[k]}
    event = _transition(
        actor=actor,
        renovation=renovation,
        action=Action.RESUBMIT,
        to_state=State.SUBMITTED,
        note=note.strip(),
        changes={
            **clean,
            "submitted_at": now,
            "review_due_at": review_deadline(renovation.project_id, now, settings.review_days),
            "overdue_notified_at": None,
        },
        data={"changed": sorted(changed), "drawings": len(drawings or ())},
        expected_version=expected_version,
    )
    _save_files(actor=actor, renovation=renovation, checked=checked, kind=FileKind.DRAWING)
    notify(
        _reviewers(renovation.project_id),
        title=_("装修申请已修改并重新提交：%(number)s") % {"number": renovation.number},
        url=f"/renovation/{renovation.pk}/",
    )
    return event


@transaction.atomic
def renovation_add_drawings(*, actor, renovation, files=(), note="", expected_version=None):
    _allowed(actor, renovation, Action.ADD_DRAWINGS)
    if not files:
        raise ValidationError({"drawings": [_("请选择要上传的图纸。")]})
    checked = check_uploads(files, field="drawings")
    event = _transition(
        actor=actor,
        renovation=renovation,
        action=Action.ADD_DRAWINGS,
        note=note.strip(),
        data={"count": len(files)},
        expected_version=expected_version,
    )
    _save_files(actor=actor, renovation=renovation, checked=checked, kind=FileKind.DRAWING)
    return event


# ---------------------------------------------------------------- review


def fees_for(renovation) -> tuple[Decimal, Decimal]:
    """The project's default deposit and the management fee (area × price per m²)."""
    settings = RenovationSettings.for_project(renovation.project_id)
    area = renovation.room.area or Decimal("0")
    return settings.deposit_default, (area * settings.management_fee_per_m2).quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def renovation_approve(*, actor, renovation, note="", deposit=None, fee=None, expected_version=None):
    _allowed(actor, renovation, Action.APPROVE)
    if not RenovationFile.objects.filter(renovation=renovation, kind=FileKind.DRAWING).exists():
        raise ActionRefused(_("申请还没有装修图纸，不能批准：请先上传图纸或退回修改。"))
    default_deposit, default_fee = fees_for(renovation)
    deposit = default_deposit if deposit in (None, "") else _money(deposit, "deposit", allow_zero=True)
    fee = default_fee if fee in (None, "") else _money(fee, "fee", allow_zero=True)
    return _transition(
        actor=actor,
        renovation=renovation,
        action=Action.APPROVE,
        to_state=State.APPROVED,
        note=note.strip(),
        changes={
            "reviewed_at": timezone.now(),
            "reviewed_by": actor,
            "review_note": note.strip(),
            "deposit_due": deposit,
            "fee_due": fee,
        },
        data={"deposit": str(deposit), "fee": str(fee)},
        expected_version=expected_version,
    )


@transaction.atomic
def renovation_send_back(*, actor, renovation, note="", expected_version=None):
    _allowed(actor, renovation, Action.SEND_BACK)
    note = _require(note, _("退回修改须写明要改什么。"))
    return _transition(
        actor=actor,
        renovation=renovation,
        action=Action.SEND_BACK,
        to_state=State.RETURNED,
        note=note,
        changes={"reviewed_at": timezone.now(), "reviewed_by": actor, "review_note": note},
        expected_version=expected_version,
    )


@transaction.atomic
def renovation_reject(*, actor, renovation, note="", expected_version=None):
    _allowed(actor, renovation, Action.REJECT)
    note = _require(note, _("不予批准须说明理由。"))
    return _transition(
        actor=actor,
        renovation=renovation,
        action=Action.REJECT,
        to_state=State.REJECTED,
        note=note,
        changes={"reviewed_at": timezone.now(), "reviewed_by": actor, "review_note": note},
        expected_version=expected_version,
    )


@transaction.atomic
def renovation_cancel(*, actor, renovation, note="", expected_version=None):
    _allowed(actor, renovation, Action.CANCEL)
    note = _require(note, _("撤回须说明原因。"))
    return _transition(
        actor=actor,
        renovation=renovation,
        action=Action.CANCEL,
        to_state=State.CANCELLED,
        note=note,
        expected_version=expected_version,
    )


# ---------------------------------------------------------------- fees and permit


def paid_totals(renovation) -> dict[str, Decimal]:
    rows = Payment.objects.filter(renovation=renovation).values("kind").annotate(total=Sum("amount"))
    totals = {kind: Decimal("0.00") for kind in FeeKind.values}
    totals.update({row["kind"]: row["total"] for row in rows})
    return totals


@transaction.atomic
def renovation_pay(
    *, actor, renovation, kind="", amount=None, paid_at=None, receipt_number="", note="", expected_version=None
) -> Payment:
    _allowed(actor, renovation, Action.PAY)
    errors = {}
    if kind not in FeeKind.values:
        errors["kind"] = [_("请选择费用类型。")]
    try:
        amount = _money(amount, "amount")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    receipt_number = (receipt_number or "").strip()
    if not receipt_number:
        errors["receipt_number"] = [_("请填写收据号。")]
    paid_at = paid_at or timezone.now()
    if paid_at > timezone.now() + timedelta(minutes=5):
        errors["paid_at"] = [_("缴费时间不能晚于现在。")]
    if errors:
        raise ValidationError(errors)
    payment = Payment.objects.create(
        renovation=renovation,
        kind=kind,
        amount=amount,
        paid_at=paid_at,
        receipt_number=receipt_number[:50],
        note=(note or "").strip()[:200],
        recorded_by=actor,
    )
    totals = paid_totals(renovation)
    settled = totals[FeeKind.DEPOSIT] >= (renovation.deposit_due or 0) and totals[FeeKind.DEPOSIT] > 0
    settled = settled and totals[FeeKind.MANAGEMENT] >= (renovation.fee_due or 0)
    to_state = State.PAID if renovation.state == State.APPROVED and settled else renovation.state
    _transition(
        actor=actor,
        renovation=renovation,
        action=Action.PAY,
        to_state=to_state,
        note=payment.note,
        data={"kind": kind, "amount": str(amount), "receipt": payment.receipt_number, "payment": payment.pk},
        expected_version=expected_version,
    )
    return payment


@transaction.atomic
def renovation_issue_permit(*, actor, renovation, note="", expected_version=None):
    _allowed(actor, renovation, Action.ISSUE_PERMIT)
    totals = paid_totals(renovation)
    if totals[FeeKind.DEPOSIT] <= 0:
        raise ActionRefused(_("尚未登记装修押金，不能发放装修许可证。"))
    if renovation.deposit_due and totals[FeeKind.DEPOSIT] < renovation.deposit_due:
        raise ActionRefused(
            _("押金尚未缴足（应缴 %(due)s 元，已缴 %(paid)s 元），不能发放装修许可证。")
            % {"due": renovation.deposit_due, "paid": totals[FeeKind.DEPOSIT]}
        )
    if renovation.fee_due and totals[FeeKind.MANAGEMENT] < renovation.fee_due:
        raise ActionRefused(
            _("装修管理费尚未缴足（应缴 %(due)s 元，已缴 %(paid)s 元），不能发放装修许可证。")
            % {"due": renovation.fee_due, "paid": totals[FeeKind.MANAGEMENT]}
        )
    now = timezone.now()
    room = Room.objects.select_for_update().get(pk=renovation.room_id)
    event = _transition(
        actor=actor,
        renovation=renovation,
        action=Action.ISSUE_PERMIT,
        to_state=State.IN_PROGRESS,
        note=note.strip(),
        changes={"permit_number": take_number("ZXXK", now), "permit_issued_at": now, "permit_issued_by": actor},
        expected_version=expected_version,
    )
    _set_room_state(actor=actor, room=room, state=RoomState.RENOVATING, renovation=renovation)
    return event


def _set_room_state(*, actor, room, state, renovation) -> None:
    if room.state == state:
        return
    before = room.state
    Room.objects.filter(pk=room.pk).update(state=state)
    room.state = state
    audit_record(
        actor=actor, obj=room, action="state", changes={"state": [before, state], "renovation": renovation.number}
    )


# ---------------------------------------------------------------- workers and passes


@transaction.atomic
def renovation_add_worker(*, actor, renovation, name="", id_number="", phone="", trade="", expected_version=None):
    _allowed(actor, renovation, Action.ADD_WORKER)
    errors = {}
    try:
        clean = _clean_worker(WorkerInput(name=name, id_number=id_number, phone=phone, trade=trade))
    except ValidationError as exc:
        field_name = "id_number" if exc.code == "bad_id_card" else ("phone" if exc.code == "invalid_phone" else "name")
        errors[field_name] = exc.messages
        raise ValidationError(errors) from None
    if Worker.objects.filter(renovation=renovation, id_number=clean.id_number).exists():
        raise ValidationError({"id_number": [_("这位工人已经登记过了。")]})
    worker = Worker.objects.create(renovation=renovation, added_by=actor, **clean.__dict__)
    _transition(
        actor=actor,
        renovation=renovation,
        action=Action.ADD_WORKER,
        data={"worker": worker.pk, "name": worker.name},
        expected_version=expected_version,
    )
    return worker


@transaction.atomic
def renovation_issue_pass(*, actor, renovation, worker=None, expected_version=None) -> WorkerPass:
    """A temporary pass, valid until the permit's end (the planned completion date)."""
    _allowed(actor, renovation, Action.ISSUE_PASS)
    if worker is None or worker.renovation_id != renovation.pk:
        raise ValidationError({"worker": [_("请选择这份装修登记的工人。")]})
    today = timezone.localdate()
    if renovation.planned_end < today:
        raise ActionRefused(_("装修许可已于 %(day)s 到期，不能再办理出入证。") % {"day": renovation.planned_end})
    if WorkerPass.objects.filter(worker=worker, revoked_at__isnull=True, valid_until__gte=today).exists():
        raise ValidationError({"worker": [_("%(name)s 已有有效的出入证。") % {"name": worker.name}]})
    wp = WorkerPass.objects.create(
        worker=worker,
        number=take_number("ZXZ"),
        issued_by=actor,
        valid_until=renovation.planned_end,
    )
    _transition(
        actor=actor,
        renovation=renovation,
        action=Action.ISSUE_PASS,
        data={"pass": wp.number, "name": worker.name, "valid_until": str(wp.valid_until)},
        expected_version=expected_version,
    )
    return wp


@transaction.atomic
def renovation_revoke_pass(*, actor, renovation, worker_pass=None, note="", expected_version=None) -> WorkerPass:
    _allowed(actor, renovation, Action.REVOKE_PASS)
    if worker_pass is None or worker_pass.worker.renovation_id != renovation.pk:
        raise ValidationError({"worker_pass": [_("没有找到这张出入证。")]})
    note = _require(note, _("注销出入证须说明原因。"))
    now = timezone.now()
    if not WorkerPass.objects.filter(pk=worker_pass.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor, revoke_reason=note[:200]
    ):
        raise ActionRefused(_("这张出入证已经注销了。"))
    worker_pass.revoked_at, worker_pass.revoked_by, worker_pass.revoke_reason = now, actor, note[:200]
    _transition(
        actor=actor,
        renovation=renovation,
        action=Action.REVOKE_PASS,
        note=note,
        data={"pass": worker_pass.number, "name": worker_pass.worker.name},
        expected_version=expected_version,
    )
    return worker_pass


# ---------------------------------------------------------------- inspections


@dataclass
class ViolationInput:
    description: str
    photos: list = field(default_factory=list)


@transaction.atomic
def renovation_inspect(
    *, actor, renovation, inspected_on=None, result="", note="", violations=(), expected_version=None
) -> Inspection:
    _allowed(actor, renovation, Action.INSPECT)
    errors: dict[str, list] = {}
    inspected_on = inspected_on or timezone.localdate()
    if inspected_on > timezone.localdate():
        errors["inspected_on"] = [_("巡查日期不能晚于今天。")]
    elif renovation.permit_issued_at and inspected_on < timezone.localdate(renovation.permit_issued_at):
        errors["inspected_on"] = [_("巡查日期不能早于发证日期。")]
    violations = [v for v in violations or () if (v.description or "").strip() or v.photos]
    if result not in InspectionResult.values:
        errors["result"] = [_("请选择巡查结果。")]
    elif result == InspectionResult.VIOLATION and not violations:
        errors["violation"] = [_("发现违规时请写明违规内容。")]
    elif result == InspectionResult.PASSED and violations:
        errors["violation"] = [_("结果为合格时不能登记违规。")]
    photos = []
    for v in violations:
        if not (v.description or "").strip():
            errors.setdefault("violation", []).append(_("请写明违规内容。"))
        try:
            photos.append(check_uploads(v.photos, field="photos"))
        except ValidationError as exc:
            errors.setdefault("photos", []).extend(exc.message_dict["photos"])
    if errors:
        raise ValidationError(errors)
    inspection = Inspection.objects.create(
        renovation=renovation, inspected_on=inspected_on, inspector=actor, result=result, note=(note or "").strip()
    )
    saved = []
    for v, checked in zip(violations, photos, strict=True):
        violation = Violation.objects.create(
            renovation=renovation, inspection=inspection, description=v.description.strip()
        )
        _save_files(actor=actor, renovation=renovation, checked=checked, kind=FileKind.PHOTO, violation=violation)
        saved.append(violation)
    _transition(
        actor=actor,
        renovation=renovation,
        action=Action.INSPECT,
        note=inspection.note,
        data={
            "inspection": inspection.pk,
            "result": result,
            "violations": [v.description[:100] for v in saved],
            "on": str(inspected_on),
        },
        expected_version=expected_version,
    )
    return inspection


def _own_violation(renovation, violation) -> Violation:
    if violation is None or violation.renovation_id != renovation.pk:
        raise ValidationError({"violation": [_("没有找到这条违规记录。")]})
    return violation


@transaction.atomic
def renovation_rectify(*, actor, renovation, violation=None, note="", expected_version=None) -> Violation:
    """A violation put right, confirmed on site."""
    _allowed(actor, renovation, Action.RECTIFY)
    violation = _own_violation(renovation, violation)
    note = _require(note, _("请说明整改情况。"))
    now = timezone.now()
    if not Violation.objects.filter(pk=violation.pk, rectified_at__isnull=True).update(
        rectified_at=now, rectified_by=actor, rectify_note=note
    ):
        raise ActionRefused(_("这条违规已经确认整改了。"))
    violation.rectified_at, violation.rectified_by, violation.rectify_note = now, actor, note
    _transition(
        actor=actor,
        renovation=renovation,
        action=Action.RECTIFY,
        note=note,
        data={"violation": violation.pk, "description": violation.description[:100]},
        expected_version=expected_version,
    )
    return violation


@transaction.atomic
def renovation_violation_to_request(*, actor, renovation, violation=None, expected_version=None):
    """Hand a violation to the desk as a service request (e.g. damage to a shared pipe)."""
    from desk.choices import Channel, Kind
    from desk.models import Category
    from desk.services import Intake, request_register

    _allowed(actor, renovation, Action.TO_REQUEST)
    violation = _own_violation(renovation, violation)
    if violation.request_id:
        raise ActionRefused(_("这条违规已经转为工单了。"))
    if not violation.is_open:
        raise ActionRefused(_("这条违规已经整改，不必再转工单。"))
    category = Category.objects.filter(company__projects=renovation.project_id, code="renovation", active=True).first()
    sr = request_register(
        actor=actor,
        data=Intake(
            project_id=renovation.project_id,
            kind=Kind.COMPLAINT,
            channel=Channel.PATROL,
            title=(_("装修违规：%(text)s") % {"text": violation.description})[:200],
            description=_("装修申请 %(number)s 巡查发现：%(text)s")
            % {"number": renovation.number, "text": violation.description},
            category_id=category.pk if category else None,
            room_id=renovation.room_id,
            resident_id=renovation.owner_id,
        ),
    )
    if not Violation.objects.filter(pk=violation.pk, request__isnull=True).update(request=sr):
        raise Conflict(_("这条违规刚被其他人转为工单，请刷新后再试。"))
    violation.request = sr
    _transition(
        actor=actor,
        renovation=renovation,
        action=Action.TO_REQUEST,
        data={"violation": violation.pk, "request": sr.pk, "number": sr.number},
        expected_version=expected_version,
    )
    return sr


@transaction.atomic
def renovation_accept(*, actor, renovation, inspected_on=None, note="", expected_version=None) -> Inspection:
    """The final inspection passed: the room is back to occupied, the passes end, and the
    deposit's holding period starts."""
    _allowed(actor, renovation, Action.ACCEPT)
    open_count = Violation.objects.filter(renovation=renovation, rectified_at__isnull=True).count()
    if open_count:
        raise ActionRefused(_("还有 %(n)s 条违规未整改，不能竣工验收。") % {"n": open_count})
    today = timezone.localdate()
    inspected_on = inspected_on or today
    if inspected_on > today:
        raise ValidationError({"inspected_on": [_("验收日期不能晚于今天。")]})
    settings = RenovationSettings.for_project(renovation.project_id)
    now = timezone.now()
    inspection = Inspection.objects.create(
        renovation=renovation,
        inspected_on=inspected_on,
        inspector=actor,
        result=InspectionResult.PASSED,
        is_final=True,
        note=(note or "").strip(),
    )
    revoked = WorkerPass.objects.filter(worker__renovation=renovation, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor, revoke_reason=_("竣工验收，出入证收回。")
    )
    refund_due_on = inspected_on + timedelta(days=settings.holding_days)
    room = Room.objects.select_for_update().get(pk=renovation.room_id)
    _transition(
        actor=actor,
        renovation=renovation,
        action=Action.ACCEPT,
        to_state=State.ACCEPTED,
        note=inspection.note,
        changes={"accepted_at": now, "refund_due_on": refund_due_on},
        data={"inspection": inspection.pk, "passes_revoked": revoked, "refund_due_on": str(refund_due_on)},
        expected_version=expected_version,
    )
    _set_room_state(actor=actor, room=room, state=RoomState.OCCUPIED, renovation=renovation)
    return inspection


# ---------------------------------------------------------------- refund


@dataclass
class DeductionInput:
    amount: Decimal | str
    reason: str


@transaction.atomic
def renovation_refund(*, actor, renovation, deductions=(), receipt_number="", note="", expected_version=None):
    """The deposit back, minus deductions with reasons, once the holding period is over."""
    _allowed(actor, renovation, Action.REFUND)
    today = timezone.localdate()
    if renovation.refund_due_on and today < renovation.refund_due_on:
        raise ActionRefused(
            _("押金保留期未满：%(day)s 起才能退还（还有 %(n)s 天）。")
            % {"day": renovation.refund_due_on, "n": (renovation.refund_due_on - today).days}
        )
    errors: dict[str, list] = {}
    clean = []
    for i, d in enumerate(deductions or (), start=1):
        reason = (d.reason or "").strip()
        try:
            amount = _money(d.amount, "deductions")
        except ValidationError:
            errors.setdefault("deductions", []).append(_("第 %(n)s 项扣款金额无效。") % {"n": i})
            continue
        if not reason:
            errors.setdefault("deductions", []).append(_("第 %(n)s 项扣款须写明原因。") % {"n": i})
        clean.append((amount, reason[:200]))
    receipt_number = (receipt_number or "").strip()
    if not receipt_number:
        errors["receipt_number"] = [_("请填写退款凭证号。")]
    deposit = paid_totals(renovation)[FeeKind.DEPOSIT]
    deducted = sum((a for a, _r in clean), Decimal("0.00"))
    if deducted > deposit:
        errors.setdefault("deductions", []).append(
            _("扣款合计 %(d)s 元超过已缴押金 %(p)s 元。") % {"d": deducted, "p": deposit}
        )
    if errors:
        raise ValidationError(errors)
    for amount, reason in clean:
        Deduction.objects.create(renovation=renovation, amount=amount, reason=reason, recorded_by=actor)
    refund = deposit - deducted
    return _transition(
        actor=actor,
        renovation=renovation,
        action=Action.REFUND,
        to_state=State.REFUNDED,
        note=(note or "").strip(),
        changes={"refunded_at": timezone.now(), "refund_amount": refund, "refund_receipt": receipt_number[:50]},
        data={
            "deposit": str(deposit),
            "deducted": str(deducted),
            "refund": str(refund),
            "deductions": [[str(a), r] for a, r in clean],
        },
        expected_version=expected_version,
    )


# ---------------------------------------------------------------- reminders


def remind_due(now=None) -> int:
    """Tell the reviewers of each project about applications past their review deadline, once per
    round of review: the compare-and-swap on `overdue_notified_at` is the claim, so two workers
    never send the same reminder."""
    from renovation.selectors import reviews_overdue

    now = now or timezone.now()
    told = 0
    for renovation in reviews_overdue(now).filter(overdue_notified_at__isnull=True).select_related("room")[:500]:
        with transaction.atomic():
            if not Renovation.objects.filter(pk=renovation.pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=now
            ):
                continue
            notify(
                _reviewers(renovation.project_id),
                title=_("装修申请审核超时：%(room)s %(number)s")
                % {"room": renovation.room.code, "number": renovation.number},
                body=_("审核截止 %(due)s。")
                % {"due": timezone.localtime(renovation.review_due_at).strftime("%Y-%m-%d %H:%M")},
                url=f"/renovation/{renovation.pk}/",
            )
            told += 1
    return told


ACTION_SERVICES = {
    Action.APPROVE: renovation_approve,
    Action.SEND_BACK: renovation_send_back,
    Action.REJECT: renovation_reject,
    Action.CANCEL: renovation_cancel,
    Action.ADD_DRAWINGS: renovation_add_drawings,
    Action.PAY: renovation_pay,
    Action.ISSUE_PERMIT: renovation_issue_permit,
    Action.ADD_WORKER: renovation_add_worker,
    Action.ISSUE_PASS: renovation_issue_pass,
    Action.REVOKE_PASS: renovation_revoke_pass,
    Action.INSPECT: renovation_inspect,
    Action.RECTIFY: renovation_rectify,
    Action.TO_REQUEST: renovation_violation_to_request,
    Action.ACCEPT: renovation_accept,
    Action.REFUND: renovation_refund,
}
