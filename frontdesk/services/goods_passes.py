"""Goods release passes: apply, the owner's agreement, the gate check (a refusal is recorded), retention."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.choices import ArrearsPolicy
from billing.money import yuan
from billing.rules import may_override_arrears
from core.audit import audit_record
from core.errors import ActionRefused
from core.notify import notify
from estate.models import Room
from frontdesk import events
from frontdesk.choices import AgreedVia, ApplicantRelation, CheckOutcome, IdType, PassState
from frontdesk.hooks import goods_pass_policy, room_arrears
from frontdesk.models import GoodsCheck, GoodsItem, GoodsPass
from frontdesk.selectors import pass_applicants
from frontdesk.services._common import (
    OWNER_RELATIONS,
    _check_front,
    _clean_text,
    _front_room,
    _id_number,
    _occupant_users,
    _resident_relation,
    _save_with_code,
)


@dataclass
class PassApplication:
    room_id: int | None
    valid_on: date | None
    carrier_name: str
    carrier_id_number: str
    items: list[tuple[str, int]] = field(default_factory=list)
    applicant_id: int | None = None  # staff: the resident who applies, one of the room's people today
    authorised_via: str = ""  # staff on the owner's behalf: how the owner asked (phone / in person)
    note: str = ""


def _clean_items(items, errors) -> list[tuple[str, int]]:
    clean = []
    for name, qty in items:
        name = _clean_text(name, 50)
        if not name and not qty:
            continue
        if not name:
            errors.setdefault("items", []).append(_("每件物品都要写名称。"))
            continue
        try:
            qty = int(qty)
        except (TypeError, ValueError):
            qty = 0
        if qty < 1 or qty > 9999:
            errors.setdefault("items", []).append(_("“%(name)s”的数量应在 1 到 9999 之间。") % {"name": name})
            continue
        clean.append((name, qty))
    if not clean and "items" not in errors:
        errors["items"] = [_("请至少填写一件物品。")]
    return clean


def goods_pass_apply(*, actor, data: PassApplication) -> GoodsPass:
    """A resident for their own room, or the desk on someone's behalf. The owner's pass is
    authorised at once; a tenant's waits for the owner's confirmation."""
    errors: dict[str, list[str]] = {}
    if actor.is_authenticated and actor.is_resident:
        relation = _resident_relation(actor, data.room_id) if data.room_id else None
        if relation is None:
            raise ActionRefused(_("只能为自己居住的房屋申请放行。"))
        room = Room.objects.only("id", "project_id", "code").get(pk=data.room_id)
        applicant_name = actor.name
        applicant_relation = ApplicantRelation.OWNER if relation in OWNER_RELATIONS else ApplicantRelation.TENANT
        via = AgreedVia.APP
        applicant_user_id = actor.pk
    else:
        room = _front_room(actor, data.room_id)
        # the applicant is a person linked to the room today; owner or not follows from that link
        link = next((o for o in pass_applicants(room.pk) if o.resident_id == data.applicant_id), None)
        if link is None:
            errors["applicant"] = [_("申请人须是这套房屋现登记的业主、家庭成员或租户。")]
            applicant_name, applicant_relation, applicant_user_id = "", "", None
        else:
            applicant_name = link.resident.name
            owner_link = link.relation in OWNER_RELATIONS
            applicant_relation = ApplicantRelation.OWNER if owner_link else ApplicantRelation.TENANT
            applicant_user_id = link.resident.user_id
        via = data.authorised_via
        if applicant_relation == ApplicantRelation.OWNER and via not in (AgreedVia.PHONE, AgreedVia.IN_PERSON):
            errors["authorised_via"] = [_("代业主申请时请选择业主的确认方式。")]
    today = timezone.localdate()
    if not data.valid_on:
        errors["valid_on"] = [_("请选择放行日期。")]
    elif data.valid_on < today:
        errors["valid_on"] = [_("放行日期不能早于今天。")]
    carrier = _clean_text(data.carrier_name, 50)
    if not carrier:
        errors["carrier_name"] = [_("请填写搬运人姓名。")]
    id_number = _id_number(
        IdType.ID_CARD if len(re.sub(r"\s", "", data.carrier_id_number or "")) == 18 else "",
        data.carrier_id_number,
        "carrier_id_number",
        errors,
        required=True,
    )
    items = _clean_items(data.items, errors)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    owner = applicant_relation == ApplicantRelation.OWNER
    with transaction.atomic():
        goods_pass = GoodsPass(
            project_id=room.project_id,
            room=room,
            valid_on=data.valid_on,
            state=PassState.AUTHORISED if owner else PassState.AWAITING_OWNER,
            applicant_name=applicant_name,
            applicant_relation=applicant_relation,
            applicant_user_id=applicant_user_id,
            carrier_name=carrier,
            carrier_id_number=id_number,
            note=_clean_text(data.note, 200),
            created_at=now,
            created_by=actor,
        )
        if owner:
            goods_pass.authorised_by = applicant_name
            goods_pass.authorised_via = via
            goods_pass.authorised_at = now
            goods_pass.authorised_user = actor
        _save_with_code(goods_pass, "code")
        GoodsItem.objects.bulk_create([GoodsItem(goods_pass=goods_pass, name=n, quantity=q) for n, q in items])
        audit_record(
            actor=actor,
            obj=goods_pass,
            action="apply",
            changes={"room": room.code, "relation": applicant_relation, "items": len(items)},
        )
        if not owner:
            notify(
                list(_occupant_users(room.pk, OWNER_RELATIONS)),
                title=_("租户申请物品放行，请确认"),
                body=_("%(name)s 申请 %(day)s 从 %(room)s 搬出物品，需要您确认。")
                % {"name": applicant_name, "day": data.valid_on, "room": room.code},
                url=reverse("portal:household"),
            )
    return goods_pass


def goods_pass_confirm(*, actor, goods_pass: GoodsPass, via: str = "", owner_name: str = "") -> GoodsPass:
    """The owner confirms a tenant's pass: from the owner's phone, or recorded by the desk."""
    if actor.is_authenticated and actor.is_resident:
        if _resident_relation(actor, goods_pass.room_id) not in OWNER_RELATIONS:
            raise ActionRefused(_("只有业主可以确认租户的放行申请。"))
        via, owner_name = AgreedVia.APP, actor.name
    else:
        _check_front(actor, goods_pass.project_id)
        owner_name = _clean_text(owner_name, 50)
        errors = {}
        if not owner_name:
            errors["owner_name"] = [_("请填写确认的业主姓名。")]
        if via not in (AgreedVia.PHONE, AgreedVia.IN_PERSON):
            errors["via"] = [_("请选择业主的确认方式。")]
        if errors:
            raise ValidationError(errors)
    if goods_pass.state != PassState.AWAITING_OWNER:
        raise ActionRefused(_("这张放行单不需要业主确认。"))
    if goods_pass.valid_on < timezone.localdate():
        raise ActionRefused(_("这张放行单的日期已过。"))
    now = timezone.now()
    with transaction.atomic():
        updated = GoodsPass.objects.filter(pk=goods_pass.pk, state=PassState.AWAITING_OWNER).update(
            state=PassState.AUTHORISED,
            authorised_by=owner_name,
            authorised_via=via,
            authorised_at=now,
            authorised_user=actor,
        )
        if not updated:
            raise ActionRefused(_("这张放行单不需要业主确认。"))
        goods_pass.refresh_from_db()
        audit_record(actor=actor, obj=goods_pass, action="confirm", changes={"owner": owner_name, "via": via})
    return goods_pass


def find_goods_pass(*, actor, project_id: int, code: str) -> GoodsPass:
    """The pass the guard is looking at, by code: open ones first, else the latest used one."""
    _check_front(actor, project_id)
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", code):
        raise ValidationError({"code": [_("放行码是 6 位数字。")]})
    qs = GoodsPass.objects.filter(project_id=project_id, code=code).select_related("room").prefetch_related("items")
    found = qs.filter(state__in=[PassState.AWAITING_OWNER, PassState.AUTHORISED]).first()
    found = found or qs.order_by("-created_at", "-id").first()
    if found is None:
        if GoodsPass.objects.filter(code=code).exclude(project_id=project_id).exists():
            raise ActionRefused(_("放行码 %(code)s 不是本项目的。") % {"code": code})
        raise ActionRefused(_("没有找到放行码 %(code)s。") % {"code": code})
    return found


def goods_pass_refusal(goods_pass: GoodsPass, *, today=None) -> str:
    """Why the pass cannot be released as it stands (used, waiting for the owner, not its day, the
    room's arrears for a tenant), or '' when the guard may check its items. The guard's check and the
    pass page (which then offers no release button) ask the same question."""
    today = today or timezone.localdate()
    if goods_pass.state == PassState.RELEASED:
        return _("这张放行单已于 %(at)s 放行过，不能重复使用。") % {
            "at": f"{timezone.localtime(goods_pass.released_at):%Y-%m-%d %H:%M}"
        }
    if goods_pass.state == PassState.AWAITING_OWNER:
        return _("租户的放行单还没有业主确认，不能放行。")
    if goods_pass.valid_on != today:
        return _("这张放行单只在 %(day)s 当天有效。") % {"day": goods_pass.valid_on}
    check = goods_pass_arrears(goods_pass)
    if check.blocked:
        return _("该户有未缴费用 %(amount)s 元：租户搬出物品须经主管批准（写明原因）后放行。") % {
            "amount": yuan(check.owed)
        }
    return ""


@dataclass(frozen=True)
class ArrearsCheck:
    """A pass against the room's account. The company's policy (BillingSettings.goods_pass_arrears)
    applies to a tenant's pass: warn shows the amount, block needs a supervisor's override with a
    reason. An owner's pass shows the amount only: the owner's own goods are never held over fees."""

    owed: int
    policy: str
    applies: bool
    overridden: bool

    @property
    def blocked(self) -> bool:
        return self.owed > 0 and self.applies and self.policy == ArrearsPolicy.BLOCK and not self.overridden

    @property
    def warn(self) -> bool:
        return self.owed > 0

    @property
    def owed_yuan(self):
        return yuan(self.owed)


def goods_pass_arrears(goods_pass: GoodsPass) -> ArrearsCheck:
    if goods_pass.state == PassState.RELEASED:
        return ArrearsCheck(0, "", False, bool(goods_pass.arrears_override_at))
    return ArrearsCheck(
        owed=room_arrears(goods_pass.room),
        policy=goods_pass_policy(goods_pass.project.company_id),
        applies=goods_pass.applicant_relation != ApplicantRelation.OWNER,
        overridden=goods_pass.arrears_override_at is not None,
    )


@transaction.atomic
def goods_pass_override_arrears(*, actor, goods_pass: GoodsPass, reason: str) -> GoodsPass:
    """A supervisor lets a tenant's pass through although the room owes money: who, when, why and
    the amount owed then are kept on the pass and in the audit trail."""
    if not may_override_arrears(actor, goods_pass.project_id):
        raise ActionRefused(_("只有客服主管、客服经理和项目经理可以批准欠费房屋的放行。"))
    reason = _clean_text(reason, 200)
    if not reason:
        raise ValidationError({"reason": [_("请写明批准放行的原因。")]})
    goods_pass = GoodsPass.objects.select_for_update().select_related("room", "project").get(pk=goods_pass.pk)
    if goods_pass.state == PassState.RELEASED:
        raise ActionRefused(_("这张放行单已经放行。"))
    if goods_pass.arrears_override_at:
        raise ActionRefused(_("这张放行单已经批准过。"))
    owed = room_arrears(goods_pass.room)
    if not owed:
        raise ActionRefused(_("该户没有未缴费用，不需要批准。"))
    goods_pass.arrears_override_by, goods_pass.arrears_override_at = actor, timezone.now()
    goods_pass.arrears_override_reason, goods_pass.arrears_owed_fen = reason, owed
    goods_pass.save(
        update_fields=["arrears_override_by", "arrears_override_at", "arrears_override_reason", "arrears_owed_fen"]
    )
    audit_record(actor=actor, obj=goods_pass, action="arrears_ok", changes={"reason": reason, "owed_fen": owed})
    return goods_pass


def goods_pass_verify(
    *, actor, goods_pass: GoodsPass, released: dict[int, int], extra_items=(), note: str = ""
) -> GoodsCheck:
    """The guard's check: what actually leaves, item by item. Fewer than on the pass is recorded as
    a difference; more than on the pass, or an item not on it, is a mismatch: the refusal is
    recorded with its reason and nothing leaves. A pass is good on its day only, and only once."""
    _check_front(actor, goods_pass.project_id)
    now = timezone.now()
    note = _clean_text(note, 200)
    items = {item.pk: item for item in goods_pass.items.all()}
    differences = []
    extra = [(n.strip(), q) for n, q in extra_items if (n or "").strip()]
    reason = goods_pass_refusal(goods_pass, today=timezone.localdate(now))
    if not reason:
        unknown = [pk for pk in released if pk not in items]
        for name, qty in extra:
            differences.append({"item": name, "on_pass": 0, "actual": int(qty or 0)})
        for pk, item in items.items():
            actual = released.get(pk, 0)
            if actual != item.quantity:
                differences.append({"item": item.name, "on_pass": item.quantity, "actual": actual})
        over = [d for d in differences if d["actual"] > d["on_pass"]]
        if extra or unknown:
            reason = _("有不在放行单上的物品：%(names)s。") % {
                "names": "、".join([n for n, _q in extra] or [str(pk) for pk in unknown])
            }
        elif over:
            reason = _("实际数量超过放行单：%(names)s。") % {
                "names": "、".join(f"{d['item']} {d['actual']}/{d['on_pass']}" for d in over)
            }
        elif not any(released.get(pk, 0) for pk in items):
            reason = _("没有勾选任何放行物品。")
    if reason:
        with transaction.atomic():
            check = GoodsCheck.objects.create(
                goods_pass=goods_pass,
                at=now,
                guard=actor,
                outcome=CheckOutcome.REFUSED,
                reason=f"{reason} {note}".strip()[:300],
                differences=differences,
            )
        raise ActionRefused(reason)
    with transaction.atomic():
        updated = GoodsPass.objects.filter(pk=goods_pass.pk, state=PassState.AUTHORISED).update(
            state=PassState.RELEASED, released_at=now, released_by=actor
        )
        if not updated:
            raise ActionRefused(_("这张放行单刚刚被别人处理过，请重新查询。"))
        for pk, item in items.items():
            item.released_quantity = released.get(pk, 0)
        GoodsItem.objects.bulk_update(items.values(), ["released_quantity"])
        check = GoodsCheck.objects.create(
            goods_pass=goods_pass,
            at=now,
            guard=actor,
            outcome=CheckOutcome.RELEASED,
            reason=note,
            differences=differences,
        )
        goods_pass.refresh_from_db()
        events.pass_verified(goods_pass, check)
    return check


def purge_carrier_data(*, company, before) -> int:
    """Retention: blank the carrier's ID number on the company's goods passes dated before `before`."""
    return (
        GoodsPass.objects.filter(project__company=company, created_at__lt=before)
        .exclude(carrier_id_number="")
        .update(carrier_id_number="")
    )


@dataclass(frozen=True)
class PassScan:
    """What the gate sees for a scanned code: the pass, and why it may not leave ('' when the guard
    may check its items)."""

    goods_pass: GoodsPass
    refusal: str

    @property
    def refused(self) -> bool:
        return bool(self.refusal)


def goods_pass_scan(*, actor, project_id: int, code: str) -> PassScan:
    """The guard scans or types a pass code (the gate page and the gate's devices alike): the pass,
    with the reason it cannot leave. A used pass shown again is an attempt to take goods out twice:
    the refusal is recorded as a check on the pass, through the guard's check itself. A pass that is
    not yet confirmed or not for today is only answered as refused: it may still become good (the
    owner confirms, its day comes), and looking it up ahead is no attempt."""
    goods_pass = find_goods_pass(actor=actor, project_id=project_id, code=code)
    if goods_pass.state == PassState.RELEASED:
        try:
            goods_pass_verify(actor=actor, goods_pass=goods_pass, released={})
        except ActionRefused as exc:
            return PassScan(goods_pass, exc.message)
    return PassScan(goods_pass, goods_pass_refusal(goods_pass))
