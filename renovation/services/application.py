"""Application and review: apply, resubmit, drawings, fees offered, approve, send back, reject,
cancel, and the reminder to reviewers past their deadline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionRefused
from core.notify import notify
from core.phone import normalize_phone
from core.uploads import check_uploads
from desk.services import take_number
from estate.choices import Relation
from estate.models import Occupancy, Room
from renovation import rules
from renovation.choices import ACTIVE_STATES, Action, FileKind, State
from renovation.models import Renovation, RenovationFile, RenovationSettings, Worker
from renovation.services._common import (
    CENT,
    _allowed,
    _event,
    _money,
    _require,
    _reviewers,
    _save_files,
    _transition,
    normalize_id_number,
    review_deadline,
)


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
