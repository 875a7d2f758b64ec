"""Rental registration (出租登记): register, owner confirmation, activation, move-out, reminders."""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.choices import ArrearsPolicy
from billing.money import yuan
from billing.rules import may_override_arrears
from billing.selectors import arrears_policy, owed_fen
from core.choices import DESK_ROLES
from core.errors import ActionRefused
from core.models import User
from core.notify import notify_many
from estate import rules as estate_rules
from estate.choices import Relation, RoomState
from estate.models import Occupancy, Room
from registrations.choices import ConfirmMethod, LeaseState
from registrations.models import Event, Lease
from registrations.services._common import (
    Errors,
    _acquire,
    _cancel,
    _event,
    _find_or_make_resident,
    _id_number,
    _lock,
    _may,
    _phone,
    _require_state,
    _room_state_after_leaving,
    _text,
    current_owners,
    settings_for,
)


def overlapping_active_lease(room_id: int, start: date, end: date, *, exclude_pk: int | None = None):
    """An active lease of the room whose term shares at least one day with start..end."""
    qs = Lease.objects.filter(room_id=room_id, state=LeaseState.ACTIVE, start__lte=end, end__gte=start)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("start").first()


def _lease_dates(start, end, errors: Errors) -> None:
    if start is None:
        errors.add("start", _("请填写租期开始日期。"))
    if end is None:
        errors.add("end", _("请填写租期结束日期。"))
    if start and end and end < start:
        errors.add("end", _("租期结束日期不能早于开始日期。"))


def _refuse_overlap(room_id, start, end, exclude_pk=None) -> None:
    clash = overlapping_active_lease(room_id, start, end, exclude_pk=exclude_pk)
    if clash:
        raise ActionRefused(
            _("租期与生效中的租约 %(number)s（%(start)s 至 %(end)s）重叠。")
            % {"number": clash.number, "start": clash.start, "end": clash.end}
        )


@transaction.atomic
def lease_register(
    *,
    actor,
    room: Room,
    tenant_name: str,
    id_type: str,
    id_number: str,
    tenant_phone: str,
    start: date | None,
    end: date | None,
    contract_no: str = "",
    emergency_name: str = "",
    emergency_phone: str = "",
    note: str = "",
) -> Lease:
    _may(actor, room.project_id)
    room = Room.objects.select_for_update().get(pk=room.pk)
    errors = Errors()
    name = _text(tenant_name, "tenant_name", errors, required_msg=_("请填写租户姓名。"), limit=50)
    number = _id_number(id_type, id_number, errors)
    phone = _phone(tenant_phone, "tenant_phone", errors, required=True)
    _lease_dates(start, end, errors)
    contract_no = _text(contract_no, "contract_no", errors, limit=50)
    emergency_name = _text(emergency_name, "emergency_name", errors, limit=50)
    emergency_phone = _phone(emergency_phone, "emergency_phone", errors)
    errors.raise_if_any()
    _refuse_overlap(room.pk, start, end)
    now = timezone.now()
    lease = Lease.objects.create(
        project_id=room.project_id,
        room=room,
        tenant_name=name,
        id_type=id_type,
        id_number=number,
        tenant_phone=phone,
        start=start,
        end=end,
        contract_no=contract_no,
        emergency_name=emergency_name,
        emergency_phone=emergency_phone,
        note=(note or "").strip(),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _event(
        lease,
        actor,
        "register",
        _("登记出租：租户 %(name)s，租期 %(start)s 至 %(end)s") % {"name": name, "start": start, "end": end},
        lease.note,
    )
    return lease


def _lease(actor, lease, allowed, message, *, owner_may: bool = False) -> Lease:
    """The lease locked in one of the `allowed` states, for the desk; with `owner_may`, also for the
    room's owner today from the residents' app (their consent, a tenant's move-out)."""
    if owner_may and actor.is_authenticated and actor.is_resident:
        if not estate_rules.is_owner_today(actor, lease.room_id):
            raise ActionRefused(_("只有业主可以确认或结束租户的租住。"))
        lease = _lock(Lease, lease)
        _require_state(lease, allowed, message)
        return lease
    return _acquire(Lease, actor, lease, allowed, message)


def owner_confirm_in_app(*, actor, lease) -> Lease:
    """The owner agrees to the letting from their phone: recorded as their own confirmation."""
    resident = actor.resident if hasattr(actor, "resident") else None
    return lease_confirm_owner(
        actor=actor, lease=lease, owner_name=resident.name if resident else actor.name, method=ConfirmMethod.APP
    )


@transaction.atomic
def lease_confirm_owner(
    *, actor, lease, owner_name: str, method: str, confirmed_at: datetime | None = None, note: str = ""
) -> Lease:
    """Record the owner's consent to the letting: who confirmed, how, when (and who took it down)."""
    lease = _lease(
        actor, lease, {LeaseState.DRAFT}, _("出租登记当前状态为“%(state)s”，不能再登记业主确认。"), owner_may=True
    )
    errors = Errors()
    owner_name = _text(owner_name, "owner_name", errors, required_msg=_("请填写确认的业主姓名。"), limit=50)
    if actor.is_resident:
        method, confirmed_at = ConfirmMethod.APP, None
    elif method == ConfirmMethod.APP:
        errors.add("method", _("“业主在手机上确认”只能由业主本人在手机上操作。"))
    if method not in ConfirmMethod.values:
        errors.add("method", _("请选择确认方式。"))
    confirmed_at = confirmed_at or timezone.now()
    if confirmed_at > timezone.now() + timedelta(minutes=5):
        errors.add("confirmed_at", _("确认时间不能晚于现在。"))
    note = _text(note, "note", errors, limit=200)
    errors.raise_if_any()
    if owner_name not in {o.resident.name for o in current_owners(lease.room)}:
        note = (note + " " if note else "") + _("（非档案登记业主）")
    lease.owner_name, lease.confirm_method, lease.confirmed_at = owner_name, method, confirmed_at
    lease.confirm_recorded_by, lease.confirm_note = actor, note[:200]
    lease.save(update_fields=["owner_name", "confirm_method", "confirmed_at", "confirm_recorded_by", "confirm_note"])
    _event(
        lease,
        actor,
        "confirm",
        _("业主 %(owner)s %(method)s同意出租") % {"owner": owner_name, "method": lease.get_confirm_method_display()},
        note,
    )
    return lease


@transaction.atomic
def lease_activate(*, actor, lease, note: str = "") -> Lease:
    """The lease takes effect: the tenant becomes an occupant (relation tenant, the lease's dates)
    and the room is marked rented."""
    lease = _lease(actor, lease, {LeaseState.DRAFT}, _("出租登记当前状态为“%(state)s”，不能生效。"))
    if not (lease.confirmed_at and lease.confirm_method and lease.owner_name):
        raise ActionRefused(_("缺少业主确认，不能生效：请先登记业主到场、电话或书面确认。"))
    room = Room.objects.select_for_update().get(pk=lease.room_id)
    _refuse_overlap(room.pk, lease.start, lease.end, exclude_pk=lease.pk)
    resident = _find_or_make_resident(project_id=lease.project_id, name=lease.tenant_name, phone=lease.tenant_phone)
    occupancy = Occupancy.objects.create(
        room=room, resident=resident, relation=Relation.TENANT, start=lease.start, end=lease.end
    )
    room.state = RoomState.RENTED
    room.save(update_fields=["state"])
    lease.state, lease.resident, lease.occupancy, lease.activated_at = (
        LeaseState.ACTIVE,
        resident,
        occupancy,
        timezone.now(),
    )
    lease.save(update_fields=["state", "resident", "occupancy", "activated_at"])
    _event(lease, actor, "activate", _("租约生效，房屋改为出租"), (note or "").strip())
    return lease


@transaction.atomic
def lease_move_out(*, actor, lease, on: date | None, note: str = "", override_reason: str = "") -> Lease:
    """The tenant moves out: the occupancy ends on that day; the room is occupied again if anyone
    else still lives there, else vacant. The room's account is checked, not ticked: what it owes is
    recorded on the lease; when it owes money and the company's policy is block
    (BillingSettings.move_out_arrears), a supervisor's override with a reason is needed; with warn
    the move-out goes ahead and the amount is recorded."""
    lease = _lease(
        actor, lease, {LeaseState.ACTIVE}, _("出租登记当前状态为“%(state)s”，不能办理退租。"), owner_may=True
    )
    errors = Errors()
    if on is None:
        errors.add("on", _("请填写退租日期。"))
    elif on < lease.start:
        errors.add("on", _("退租日期不能早于租期开始日期。"))
    note = _text(note, "note", errors, limit=200)
    override_reason = _text(override_reason, "override_reason", errors, limit=200)
    room = Room.objects.select_for_update().select_related("project").get(pk=lease.room_id)
    owed = owed_fen(room.pk)
    blocked = owed > 0 and arrears_policy(room.project.company_id, "move_out") == ArrearsPolicy.BLOCK
    if blocked and not override_reason:
        errors.add(
            "override_reason",
            _("该户尚有未缴费用 %(amount)s 元：请先缴清，或由客服主管、客服经理、项目经理写明原因批准退租。")
            % {"amount": yuan(owed)},
        )
    if blocked and actor.is_resident:
        raise ActionRefused(
            _("该户尚有未缴费用 %(amount)s 元，租户退租请先缴清，或到物业服务中心办理。") % {"amount": yuan(owed)}
        )
    errors.raise_if_any()
    if blocked and not may_override_arrears(actor, room.project_id):
        raise ActionRefused(_("只有客服主管、客服经理和项目经理可以批准欠费房屋的退租。"))
    if lease.occupancy_id:
        Occupancy.objects.filter(pk=lease.occupancy_id).update(end=on)
    room.state = _room_state_after_leaving(room, excluding=lease.occupancy_id)
    room.save(update_fields=["state"])
    lease.state, lease.moved_out_on, lease.move_out_note = LeaseState.ENDED, on, note
    lease.move_out_owed_fen = owed
    fields = ["state", "moved_out_on", "move_out_note", "move_out_owed_fen"]
    if blocked:
        lease.move_out_override_by, lease.move_out_override_reason = actor, override_reason
        fields += ["move_out_override_by", "move_out_override_reason"]
    lease.save(update_fields=fields)
    if not owed:
        text = _("租户退租，退租日期 %(day)s，房屋账户无欠费") % {"day": on}
    elif blocked:
        text = _("租户退租，退租日期 %(day)s，尚欠 %(amount)s 元，%(who)s 批准：%(reason)s") % {
            "day": on,
            "amount": yuan(owed),
            "who": actor.name,
            "reason": override_reason,
        }
    else:
        text = _("租户退租，退租日期 %(day)s，尚欠 %(amount)s 元（已提示）") % {"day": on, "amount": yuan(owed)}
    _event(lease, actor, "move_out", text[:300], note)
    return lease


@transaction.atomic
def lease_cancel(*, actor, lease, reason: str = "") -> Lease:
    lease = _lease(actor, lease, {LeaseState.DRAFT}, _("出租登记当前状态为“%(state)s”，不能取消。"))
    return _cancel(lease, actor, reason, LeaseState.CANCELLED, _("取消出租登记"))


def lease_reminder_recipients(lease) -> list[User]:
    desk = list(
        User.objects.filter(projects=lease.project_id, role__in=DESK_ROLES, is_active=True).order_by("id").distinct()
    )
    people = []
    if lease.resident_id and lease.resident.user_id:
        people.append(lease.resident.user)
    people += [
        o.resident.user for o in current_owners(lease.room).select_related("resident__user") if o.resident.user_id
    ]
    return desk + people


def lease_send_reminders(*, today: date | None = None) -> int:
    """Tell the project's desk and the tenant's and owners' accounts that a lease ends within the
    configured days. Each lease is claimed with a compare-and-swap on `reminded_at`, so it is
    reminded exactly once even if two workers run at the same time."""
    from core.models import Project

    today = today or timezone.localdate()
    projects = {
        p.pk: p
        for p in Project.objects.filter(
            pk__in=Lease.objects.filter(state=LeaseState.ACTIVE, reminded_at__isnull=True).values("project_id")
        )
    }
    sent = 0
    for project in projects.values():
        days = settings_for(project).lease_reminder_days
        due = Lease.objects.filter(
            project=project,
            state=LeaseState.ACTIVE,
            reminded_at__isnull=True,
            end__gte=today,
            end__lte=today + timedelta(days=days),
        ).select_related("room", "resident__user")
        for lease in due:
            with transaction.atomic():
                claimed = Lease.objects.filter(pk=lease.pk, reminded_at__isnull=True, state=LeaseState.ACTIVE).update(
                    reminded_at=timezone.now()
                )
                if not claimed:
                    continue
                title = _("租约将于 %(end)s 到期：%(room)s 租户 %(tenant)s") % {
                    "end": lease.end,
                    "room": lease.room.code,
                    "tenant": lease.tenant_name,
                }
                body = _("出租登记 %(number)s，合同编号 %(contract)s。请联系业主和租户确认续租或退租。") % {
                    "number": lease.number,
                    "contract": lease.contract_no or "-",
                }
                notify_many([(lease_reminder_recipients(lease), title, body, f"/registrations/leases/{lease.pk}/")])
                Event.objects.create(
                    kind=lease.KIND,
                    record_id=lease.pk,
                    project_id=lease.project_id,
                    actor=None,
                    action="remind",
                    text=_("已发送租约到期提醒"),
                )
                sent += 1
    return sent
