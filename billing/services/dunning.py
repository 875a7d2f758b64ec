"""The lawful dunning ladder (催缴), disputed bills and payment plans (分期).

The ladder (billing.choices.DunningStepKind) is reminder → phone call → written notice (催缴函) →
the manager's visit → legal referral. There is no step that cuts water, power, gas, heat or a lift,
or refuses a service: Civil Code art. 944 forbids it, and nothing here offers one.

What a step may ask for (the dunning amount) is the open rest of the room's bills that are NOT
disputed. A room whose open bills are all disputed is not dunned: its dunning pauses until the
dispute is settled. A reminder may come before the due date (DOMAIN.md); every later step needs a
bill past its due date. A legal referral needs a written notice on file first. A room keeping an
active payment plan (no instalment more than PLAN_GRACE_DAYS late) gets reminders only.

Payment plans: an instalment's paid state follows the room's payments. Money allocated, after the
plan was agreed, to the bills the plan covers (the room's bills issued on or before the day it was
agreed) counts towards the instalments in due order (the earliest instalment is filled first);
reversals of such money count against them. The figure is computed from the allocations whenever it
is read (billing.plans.plan_progress); `payment_plans_refresh` (daily task) writes it to the
instalments and marks a plan done when it is paid, or broken when an instalment is more than
PLAN_GRACE_DAYS past due and not covered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.choices import BillState, DunningStepKind, PlanState
from billing.ledger import dunnable_fen
from billing.models import Account, Bill, DunningStep, Instalment, PaymentPlan
from billing.money import yuan
from billing.plans import PLAN_GRACE_DAYS, plan_progress
from billing.rules import may_dun
from core.audit import audit_record
from core.errors import ActionRefused
from core.notify import notify
from core.text import too_long_message
from estate.choices import Relation
from estate.models import Occupancy, Room

ANSWER_NEEDED = frozenset({DunningStepKind.PHONE, DunningStepKind.VISIT})
MAX_INSTALMENTS = 36


def _require_dunner(actor, project_id: int) -> None:
    if not may_dun(actor, project_id):
        raise ActionRefused(_("只有本项目的客服人员、主管、经理和财务可以催缴。"))


def _lock(room: Room) -> Account:
    """The room's account row, locked: every money change of the room takes this lock first."""
    Account.objects.get_or_create(room_id=room.pk, defaults={"project_id": room.project_id})
    return Account.objects.select_for_update().get(room_id=room.pk)


def _owner_users(room_id: int):
    from core.models import User

    current = Occupancy.objects.current().filter(
        room_id=room_id, relation__in=[Relation.OWNER, Relation.CO_OWNER], resident__user__isnull=False
    )
    return User.objects.filter(is_active=True, pk__in=current.values("resident__user_id"))


def plan_on_schedule(room_id: int, today: date | None = None) -> PaymentPlan | None:
    """The room's active plan when it is being kept (no instalment more than the grace days late)."""
    plan = PaymentPlan.objects.filter(room_id=room_id, state=PlanState.ACTIVE).first()
    if plan is None:
        return None
    progress = plan_progress(plan, today=today)
    return None if progress.late else plan


@transaction.atomic
def dunning_step_record(*, actor, room: Room, kind: int, answer: str = "", at=None) -> DunningStep:
    """Record one step of the ladder for a room: who, when, what the room owed (not disputed) then
    and the resident's answer. A reminder also goes to the owners' inboxes."""
    _require_dunner(actor, room.project_id)
    try:
        kind = DunningStepKind(int(kind))
    except (TypeError, ValueError):
        raise ValidationError({"kind": [_("请选择催缴方式。")]}) from None
    answer = (answer or "").strip()
    limit = DunningStep._meta.get_field("answer").max_length
    if len(answer) > limit:
        raise ValidationError({"answer": [too_long_message(limit)]})
    if kind in ANSWER_NEEDED and not answer:
        raise ValidationError({"answer": [_("请记录业户的答复（如承诺某日缴费、对账单有疑问）。")]})
    now = timezone.now()
    at = at or now
    if at > now:
        raise ValidationError({"at": [_("时间不能晚于现在。")]})
    _lock(room)
    dunnable, overdue, disputed = dunnable_fen(room.pk)
    if dunnable == 0 and disputed:
        raise ActionRefused(_("该户未缴的账单都在争议中，争议解决前暂停催缴。"))
    if dunnable == 0:
        raise ActionRefused(_("该户没有未缴费用，无需催缴。"))
    if kind != DunningStepKind.REMINDER and overdue == 0:
        raise ActionRefused(_("该户的账单还没有逾期，只能发缴费提醒。"))
    if kind != DunningStepKind.REMINDER and plan_on_schedule(room.pk):
        raise ActionRefused(_("该户正在按分期协议还款，只能发缴费提醒。"))
    if (
        kind == DunningStepKind.LEGAL
        and not DunningStep.objects.filter(room_id=room.pk, kind=DunningStepKind.LETTER).exists()
    ):
        raise ActionRefused(_("转法律途径之前，须先送达书面催缴函。"))
    owed = dunnable if kind == DunningStepKind.REMINDER else overdue
    step = DunningStep.objects.create(
        project_id=room.project_id, room=room, kind=kind, owed_fen=owed, answer=answer, by=actor, at=at
    )
    audit_record(actor=actor, obj=step, action="dun", changes={"room": room.code, "kind": int(kind), "owed_fen": owed})
    if kind == DunningStepKind.REMINDER:
        from django.urls import reverse

        notify(
            list(_owner_users(room.pk)),
            title=_("缴费提醒：%(room)s") % {"room": room.code},
            body=reminder_text(room, owed),
            url=reverse("inbox"),
        )
    return step


def reminder_text(room: Room, owed_fen: int) -> str:
    """The reminder's words: the amount, how to pay, whom to ask. Polite and lawful: no threat."""
    return _(
        "尊敬的 %(room)s 业主：您的物业服务等费用尚有 %(amount)s 元未缴。请到物业服务中心或通过线上渠道缴纳；"
        "如对账单有疑问，或缴费有困难需要商量分期，请与客服中心联系。感谢您的支持！"
    ) % {"room": room.code, "amount": yuan(owed_fen)}


# ------------------------------------------------------------------ disputed bills


@transaction.atomic
def bill_dispute(*, actor, bill: Bill, reason: str, request=None) -> Bill:
    """Mark an open bill disputed (the resident contests it), with a reason and the service request
    that follows the dispute up (one of the room's, usually a complaint). Dunning of it pauses."""
    _require_dunner(actor, bill.project_id)
    reason = (reason or "").strip()
    errors = {}
    limit = Bill._meta.get_field("dispute_reason").max_length
    if not reason:
        errors["reason"] = [_("请写明业户对账单的异议。")]
    elif len(reason) > limit:
        errors["reason"] = [too_long_message(limit)]
    if request is None:
        errors["request"] = [_("请关联跟进这项争议的工单（通常是一张投诉）。")]
    elif request.room_id != bill.room_id:
        errors["request"] = [_("关联的工单须是这套房屋的。")]
    if errors:
        raise ValidationError(errors)
    room = Room.objects.get(pk=bill.room_id)
    _lock(room)
    bill = Bill.objects.get(pk=bill.pk)
    if bill.state != BillState.OPEN:
        raise ActionRefused(_("只有待缴的账单可以标记争议。"))
    if bill.disputed:
        raise ActionRefused(_("这张账单已经标记为有争议。"))
    bill.disputed, bill.dispute_reason, bill.dispute_request = True, reason, request
    bill.save(update_fields=["disputed", "dispute_reason", "dispute_request"])
    audit_record(
        actor=actor,
        obj=bill,
        action="dispute",
        changes={"reason": reason, "request": request.number, "open_fen": bill.open_fen},
    )
    return bill


@transaction.atomic
def bill_dispute_settle(*, actor, bill: Bill, outcome: str) -> Bill:
    """The dispute is settled (explained, or the bill put right by the cashier side): the bill is
    dunned again like any other. The reason and the request stay on the bill as its record."""
    _require_dunner(actor, bill.project_id)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": [_("请写明争议如何解决。")]})
    if len(outcome) > 200:
        raise ValidationError({"outcome": [too_long_message(200)]})
    room = Room.objects.get(pk=bill.room_id)
    _lock(room)
    bill = Bill.objects.get(pk=bill.pk)
    if not bill.disputed:
        raise ActionRefused(_("这张账单没有争议。"))
    bill.disputed = False
    bill.save(update_fields=["disputed"])
    audit_record(actor=actor, obj=bill, action="dispute_settled", changes={"outcome": outcome})
    return bill


# ------------------------------------------------------------------ payment plans


@dataclass
class InstalmentInput:
    due_on: date | None
    amount_fen: int | None


@transaction.atomic
def payment_plan_agree(*, actor, room: Room, instalments: list[InstalmentInput], note: str = "") -> PaymentPlan:
    """Agree a payment plan with a household for what it owes (not disputed): instalments with due
    dates in order, their sum at most the amount owed. One active plan per room."""
    _require_dunner(actor, room.project_id)
    errors: dict[str, list[str]] = {}
    rows = [i for i in instalments if i.due_on or i.amount_fen]
    today = timezone.localdate()
    if not rows:
        errors["instalments"] = [_("请至少填写一期。")]
    elif len(rows) > MAX_INSTALMENTS:
        errors["instalments"] = [_("最多分 %(n)s 期。") % {"n": MAX_INSTALMENTS}]
    for n, row in enumerate(rows, start=1):
        if row.due_on is None or not row.amount_fen or row.amount_fen <= 0:
            errors.setdefault("instalments", []).append(_("第 %(n)s 期须有日期和大于零的金额。") % {"n": n})
        elif row.due_on < today:
            errors.setdefault("instalments", []).append(_("第 %(n)s 期的日期不能早于今天。") % {"n": n})
    dates = [r.due_on for r in rows if r.due_on]
    if "instalments" not in errors and dates != sorted(set(dates)):
        errors["instalments"] = [_("各期日期须逐期推后，不能重复。")]
    note = (note or "").strip()
    if len(note) > 200:
        errors["note"] = [too_long_message(200)]
    if errors:
        raise ValidationError(errors)
    _lock(room)
    if PaymentPlan.objects.filter(room_id=room.pk, state=PlanState.ACTIVE).exists():
        raise ActionRefused(_("该户已有执行中的分期协议。"))
    dunnable, _overdue, _disputed = dunnable_fen(room.pk)
    total = sum(r.amount_fen for r in rows)
    if dunnable == 0:
        raise ActionRefused(_("该户没有可以分期的欠费（有争议的账单不计入）。"))
    if total > dunnable:
        raise ValidationError(
            {
                "instalments": [
                    _("分期合计 %(total)s 元超过了该户的欠费 %(owed)s 元。")
                    % {"total": yuan(total), "owed": yuan(dunnable)}
                ]
            }
        )
    plan = PaymentPlan.objects.create(
        project_id=room.project_id, room=room, total_fen=total, note=note, agreed_by=actor, agreed_at=timezone.now()
    )
    Instalment.objects.bulk_create([Instalment(plan=plan, due_on=r.due_on, amount_fen=r.amount_fen) for r in rows])
    audit_record(
        actor=actor,
        obj=plan,
        action="agree",
        changes={"room": room.code, "total_fen": total, "instalments": [[str(r.due_on), r.amount_fen] for r in rows]},
    )
    return plan


@transaction.atomic
def payment_plan_cancel(*, actor, plan: PaymentPlan, reason: str) -> PaymentPlan:
    _require_dunner(actor, plan.project_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请写明取消的原因。")]})
    if len(reason) > 200:
        raise ValidationError({"reason": [too_long_message(200)]})
    updated = PaymentPlan.objects.filter(pk=plan.pk, state=PlanState.ACTIVE).update(state=PlanState.CANCELLED)
    if not updated:
        raise ActionRefused(_("只有执行中的分期协议可以取消。"))
    plan.refresh_from_db()
    audit_record(actor=actor, obj=plan, action="cancel", changes={"reason": reason})
    return plan


def payment_plans_refresh(*, today: date | None = None) -> dict[str, int]:
    """Write each active plan's progress to its instalments; a paid plan becomes done, a plan with
    an instalment more than PLAN_GRACE_DAYS late and not covered becomes broken (the daily task)."""
    today = today or timezone.localdate()
    counts = {"done": 0, "broken": 0, "active": 0}
    for plan in PaymentPlan.objects.filter(state=PlanState.ACTIVE).prefetch_related("instalments"):
        with transaction.atomic():
            progress = plan_progress(plan, today=today)
            for inst, paid in zip(progress.instalments, progress.paid, strict=True):
                if inst.paid_fen != paid:
                    Instalment.objects.filter(pk=inst.pk).update(paid_fen=paid)
            state = PlanState.DONE if progress.done else PlanState.BROKEN if progress.late else PlanState.ACTIVE
            if state != PlanState.ACTIVE:
                PaymentPlan.objects.filter(pk=plan.pk, state=PlanState.ACTIVE).update(state=state)
                audit_record(
                    actor=None,
                    obj=plan,
                    action="done" if state == PlanState.DONE else "broken",
                    changes={"paid_fen": progress.paid_total, "grace_days": PLAN_GRACE_DAYS},
                )
                counts["done" if state == PlanState.DONE else "broken"] += 1
            else:
                counts["active"] += 1
    return counts
