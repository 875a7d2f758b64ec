"""The works permit, the workers and their passes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionRefused
from desk.services import take_number
from estate.choices import RoomState
from estate.models import Room
from renovation.choices import Action, FeeKind, State
from renovation.models import Worker, WorkerPass
from renovation.services._common import _allowed, _require, _set_room_state, _transition
from renovation.services.application import WorkerInput, _clean_worker
from renovation.services.fees import paid_totals


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
