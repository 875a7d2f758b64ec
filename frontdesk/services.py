"""Every write of the front desk. Each function is keyword-only, checks who may act and the rules,
raises a ServiceError subclass with a translated message (and changes nothing), and writes the
record's history. A refused pickup code or a refused goods check is itself recorded: the refusal
row is written after the refused change has been rolled back, then the error is raised."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import idcard
from core.audit import audit_record, audit_refusal
from core.errors import ActionRefused, ServiceError
from core.models import User
from core.notify import notify
from core.phone import normalize_phone
from estate.choices import Relation
from estate.models import Occupancy, Room
from frontdesk import rules
from frontdesk.choices import (
    AgreedVia,
    ApplicantRelation,
    CheckOutcome,
    HandoverMethod,
    IdType,
    ParcelKind,
    ParcelState,
    PassState,
    VisitState,
)
from frontdesk.hooks import room_arrears
from frontdesk.models import (
    ContractorPass,
    FrontdeskSettings,
    GoodsCheck,
    GoodsItem,
    GoodsPass,
    Parcel,
    ParcelEvent,
    PickupAttempt,
    Visit,
)
from frontdesk.selectors import pass_applicants

OWNER_RELATIONS = (Relation.OWNER, Relation.CO_OWNER)
CODE_TRIES = 20


def _new_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def _save_with_code(obj, attr: str = "code", digits: int = 6):
    """Save `obj` with a fresh random code; the partial unique index keeps codes unique among the
    open records of the project, a clash (rare) draws again."""
    for _try in range(CODE_TRIES):
        setattr(obj, attr, _new_code(digits))
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError:
            obj.pk = None
            continue
        return obj
    raise ServiceError(_("暂时无法生成唯一的码，请重试。"))


def _front_room(actor, room_id) -> Room:
    room = Room.objects.filter(pk=room_id).only("id", "project_id", "code").first() if room_id else None
    if room is None or room.project_id not in actor.project_ids():
        raise ValidationError({"room": [_("请选择本项目的房屋。")]})
    if not rules.is_front(actor):
        raise ActionRefused(_("只有前台、客服和秩序部人员可以办理。"))
    return room


def _check_front(actor, project_id):
    if not rules.works_in(actor, project_id):
        raise ActionRefused(_("只有本项目的前台、客服和秩序部人员可以办理。"))


def _resident_relation(user, room_id) -> str | None:
    """The resident user's current relation to the room (owner first), or None."""
    relations = set(
        Occupancy.objects.current().filter(resident__user=user, room_id=room_id).values_list("relation", flat=True)
    )
    for relation in (*OWNER_RELATIONS, Relation.TENANT, Relation.FAMILY):
        if relation in relations:
            return relation
    return None


def _occupant_users(room_id, relations=None):
    """The active user accounts of the room's current occupants. Written as `id IN (the room's
    occupancies)` so the planner starts from the room's few occupancy rows, not from every user."""
    current = Occupancy.objects.current().filter(room_id=room_id, resident__user__isnull=False)
    if relations:
        current = current.filter(relation__in=relations)
    return User.objects.filter(is_active=True, pk__in=current.values("resident__user_id"))


def _clean_text(value: str, limit: int) -> str:
    return (value or "").strip()[:limit]


def _phone(value: str, field_name: str, errors: dict) -> str:
    if not (value or "").strip():
        return ""
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        errors.setdefault(field_name, []).append(exc.messages[0])
        return ""


def _id_number(id_type: str, raw: str, field_name: str, errors: dict, required: bool) -> str:
    number = idcard.normalize(raw)
    if not number:
        if required:
            errors.setdefault(field_name, []).append(_("请填写证件号码。"))
        return ""
    if id_type == IdType.ID_CARD and not idcard.valid_id_card(number):
        errors.setdefault(field_name, []).append(str(idcard.ID_CARD_MESSAGE))
    elif not re.fullmatch(r"[0-9A-Z()\-]{5,30}", number):
        errors.setdefault(field_name, []).append(_("证件号码格式不对。"))
    return number


# ================================================================ parcels


def parcel_log(
    *, actor, room_id: int, kind: str = ParcelKind.PARCEL, tracking_number: str = "", carrier: str = "", shelf: str = ""
) -> Parcel:
    """Log an arrival, draw a pickup code, tell the room's occupants who have accounts."""
    room = _front_room(actor, room_id)
    errors: dict[str, list[str]] = {}
    if kind not in ParcelKind.values:
        errors["kind"] = [_("请选择类型。")]
    tracking_number = re.sub(r"\s", "", tracking_number or "").upper()
    if len(tracking_number) > 40:
        errors["tracking_number"] = [_("运单号太长。")]
    if kind == ParcelKind.PARCEL and not tracking_number:
        errors["tracking_number"] = [_("快递包裹请扫描或填写运单号。")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        parcel = Parcel(
            project_id=room.project_id,
            room=room,
            kind=kind,
            tracking_number=tracking_number,
            carrier=_clean_text(carrier, 30),
            shelf=_clean_text(shelf, 20),
            arrived_at=now,
            logged_by=actor,
        )
        if kind == ParcelKind.IMPORTANT:
            hours = FrontdeskSettings.for_project(room.project_id).important_mail_hours
            parcel.due_at = now + timedelta(hours=hours)
        _save_with_code(parcel, "pickup_code")
        told = notify(
            list(_occupant_users(room.pk)),
            title=_parcel_title(parcel),
            body=_("房屋 %(room)s 有一件%(kind)s到了前台%(shelf)s，取件码 %(code)s。%(due)s")
            % {
                "room": room.code,
                "kind": parcel.get_kind_display(),
                "shelf": _("（%(shelf)s）") % {"shelf": parcel.shelf} if parcel.shelf else "",
                "code": parcel.pickup_code,
                "due": _("重要邮件将在 %(due)s 前送达。") % {"due": f"{timezone.localtime(parcel.due_at):%H:%M}"}
                if parcel.due_at
                else "",
            },
            url=reverse("frontdesk:mine"),
        )
        ParcelEvent.objects.create(
            parcel=parcel,
            at=now,
            actor=actor,
            action="logged",
            note=_("登记到件，已通知 %(n)s 人") % {"n": len(told)},
        )
    return parcel


def _parcel_title(parcel: Parcel) -> str:
    if parcel.kind == ParcelKind.IMPORTANT:
        return _("您有重要邮件，取件码 %(code)s") % {"code": parcel.pickup_code}
    return _("您有快递/信件待领取，取件码 %(code)s") % {"code": parcel.pickup_code}


def _hand_over(*, actor, parcel: Parcel, method: str, collector_name: str, now) -> Parcel:
    updated = Parcel.objects.filter(pk=parcel.pk, state=ParcelState.WAITING).update(
        state=ParcelState.COLLECTED, handed_at=now, handed_by=actor, method=method, collector_name=collector_name
    )
    if not updated:
        raise ActionRefused(_("这件已经被领取或退回了。"))
    parcel.refresh_from_db()
    ParcelEvent.objects.create(
        parcel=parcel,
        at=now,
        actor=actor,
        action="collected",
        note=_("%(method)s，领取人 %(name)s") % {"method": HandoverMethod(method).label, "name": collector_name},
    )
    return parcel


def parcel_hand_over(*, actor, parcel: Parcel, collector_name: str) -> Parcel:
    """Hand over against a signature: the name of who collected."""
    _check_front(actor, parcel.project_id)
    name = _clean_text(collector_name, 50)
    if not name:
        raise ValidationError({"collector_name": [_("请填写领取人姓名。")]})
    if parcel.state == ParcelState.RETURNED:
        raise ActionRefused(_("这件已退回快递公司，不能再交给业户。"))
    if parcel.state == ParcelState.COLLECTED:
        raise ActionRefused(_("这件已经被领取了。"))
    with transaction.atomic():
        return _hand_over(
            actor=actor, parcel=parcel, method=HandoverMethod.SIGNATURE, collector_name=name, now=timezone.now()
        )


def parcel_collect_by_code(*, actor, project_id: int, code: str, collector_name: str = "") -> Parcel:
    """Hand over the waiting parcel with this pickup code. A refused code is recorded."""
    _check_front(actor, project_id)
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", code):
        raise ValidationError({"code": [_("取件码是 6 位数字。")]})
    now = timezone.now()
    try:
        with transaction.atomic():
            parcel = (
                Parcel.objects.select_for_update()
                .filter(project_id=project_id, pickup_code=code, state=ParcelState.WAITING)
                .first()
            )
            if parcel is None:
                raise _Refusal(*_why_code_refused(project_id, code))
            name = _clean_text(collector_name, 50) or _("凭取件码")
            return _hand_over(actor=actor, parcel=parcel, method=HandoverMethod.CODE, collector_name=name, now=now)
    except _Refusal as refusal:
        PickupAttempt.objects.create(
            project_id=project_id, code=code, at=now, actor=actor, parcel=refusal.obj, reason=refusal.message
        )
        raise ActionRefused(refusal.message) from None


class _Refusal(Exception):
    def __init__(self, message: str, obj=None):
        super().__init__(message)
        self.message = message
        self.obj = obj


def _why_code_refused(project_id: int, code: str) -> tuple[str, Parcel | None]:
    latest = Parcel.objects.filter(project_id=project_id, pickup_code=code).order_by("-arrived_at", "-id").first()
    if latest is not None and latest.state == ParcelState.COLLECTED:
        return (
            _("取件码 %(code)s 已于 %(at)s 使用过，不能重复领取。")
            % {"code": code, "at": f"{timezone.localtime(latest.handed_at):%Y-%m-%d %H:%M}"},
            latest,
        )
    if latest is not None and latest.state == ParcelState.RETURNED:
        return _("取件码 %(code)s 对应的件已退回快递公司。") % {"code": code}, latest
    if Parcel.objects.filter(pickup_code=code, state=ParcelState.WAITING).exclude(project_id=project_id).exists():
        return _("取件码 %(code)s 不是本项目的，请到所属项目领取。") % {"code": code}, None
    return _("没有找到取件码 %(code)s 的待领件。") % {"code": code}, None


def parcel_return(*, actor, parcel: Parcel, note: str = "") -> Parcel:
    """Return a waiting parcel to the carrier (held too long, refused by the resident)."""
    _check_front(actor, parcel.project_id)
    if parcel.state != ParcelState.WAITING:
        raise ActionRefused(_("只有待领取的件可以退回。"))
    now = timezone.now()
    with transaction.atomic():
        updated = Parcel.objects.filter(pk=parcel.pk, state=ParcelState.WAITING).update(
            state=ParcelState.RETURNED, returned_at=now, returned_by=actor, return_note=_clean_text(note, 200)
        )
        if not updated:
            raise ActionRefused(_("这件已经被领取或退回了。"))
        parcel.refresh_from_db()
        ParcelEvent.objects.create(
            parcel=parcel, at=now, actor=actor, action="returned", note=parcel.return_note or _("退回快递公司")
        )
    return parcel


def parcel_overdue_alerts(*, now=None, limit: int = 500) -> int:
    """Tell the project's desk (staff, lobby, supervisors) once about each important letter past
    its delivery time. Each parcel is claimed with a compare-and-swap, so several workers never
    alert twice."""
    from core.choices import DESK_ROLES
    from core.notify import notify_many

    now = now or timezone.now()
    due = list(
        Parcel.objects.filter(
            state=ParcelState.WAITING, due_at__lt=now, due_at__isnull=False, overdue_alerted_at__isnull=True
        )
        .select_related("room")
        .order_by("due_at")[:limit]
    )
    staff: dict[int, list] = {}
    messages = []
    with transaction.atomic():
        for parcel in due:
            claimed = Parcel.objects.filter(pk=parcel.pk, overdue_alerted_at__isnull=True).update(
                overdue_alerted_at=now
            )
            if not claimed:
                continue
            if parcel.project_id not in staff:
                staff[parcel.project_id] = list(
                    User.objects.filter(is_active=True, projects=parcel.project_id, role__in=DESK_ROLES)
                )
            messages.append(
                (
                    staff[parcel.project_id],
                    _("重要邮件超时未送达：%(room)s") % {"room": parcel.room.code},
                    _("%(room)s 的重要邮件应在 %(due)s 前送达，货架 %(shelf)s。")
                    % {
                        "room": parcel.room.code,
                        "due": f"{timezone.localtime(parcel.due_at):%H:%M}",
                        "shelf": parcel.shelf or "—",
                    },
                    reverse("frontdesk:parcel", args=[parcel.pk]),
                )
            )
            ParcelEvent.objects.create(
                parcel=parcel, at=now, actor=None, action="overdue", note=_("超时提醒已发给前台")
            )
        notify_many(messages)
    return len(messages)


# ================================================================ visitors


@dataclass
class WalkIn:
    room_id: int | None
    name: str
    purpose: str
    agreed_by: str
    agreed_via: str
    id_type: str = IdType.ID_CARD
    id_number: str = ""
    phone: str = ""
    people: int = 1


def visit_register(*, actor, data: WalkIn) -> Visit:
    """A walk-in visitor, admitted now, with the host's agreement recorded."""
    room = _front_room(actor, data.room_id)
    errors: dict[str, list[str]] = {}
    name = _clean_text(data.name, 50)
    if not name:
        errors["name"] = [_("请填写访客姓名。")]
    purpose = _clean_text(data.purpose, 100)
    if not purpose:
        errors["purpose"] = [_("请填写来访事由。")]
    if data.id_type and data.id_type not in IdType.values:
        errors["id_type"] = [_("证件类型无效。")]
    id_number = _id_number(data.id_type, data.id_number, "id_number", errors, required=True)
    phone = _phone(data.phone, "phone", errors)
    if not _clean_text(data.agreed_by, 50):
        errors["agreed_by"] = [_("请先征得被访户同意，并填写同意人。")]
    if data.agreed_via not in (AgreedVia.PHONE, AgreedVia.IN_PERSON, AgreedVia.APP):
        errors["agreed_via"] = [_("请选择确认方式。")]
    if not 1 <= (data.people or 0) <= 50:
        errors["people"] = [_("人数应在 1 到 50 之间。")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        visit = Visit.objects.create(
            project_id=room.project_id,
            room=room,
            name=name,
            id_type=data.id_type,
            id_number=id_number,
            phone=phone,
            people=data.people,
            purpose=purpose,
            state=VisitState.ON_SITE,
            time_in=now,
            agreed_by=_clean_text(data.agreed_by, 50),
            agreed_via=data.agreed_via,
            agreed_at=now,
            created_at=now,
            created_by=actor,
            admitted_by=actor,
        )
        audit_record(actor=actor, obj=visit, action="admit", changes={"room": room.code, "via": data.agreed_via})
    return visit


def visit_preregister(
    *, actor, room_id: int, name: str, purpose: str, phone: str = "", people: int = 1, expected_on: date | None = None
) -> Visit:
    """A resident pre-registers a visitor for their own room: a one-time code with an expiry."""
    if not (actor.is_authenticated and actor.is_resident):
        raise ActionRefused(_("只有业户本人可以预约访客。"))
    if _resident_relation(actor, room_id) is None:
        raise ActionRefused(_("只能为自己居住的房屋预约访客。"))
    room = Room.objects.only("id", "project_id", "code").get(pk=room_id)
    errors: dict[str, list[str]] = {}
    name = _clean_text(name, 50)
    if not name:
        errors["name"] = [_("请填写访客姓名。")]
    purpose = _clean_text(purpose, 100)
    if not purpose:
        errors["purpose"] = [_("请填写来访事由。")]
    phone = _phone(phone, "phone", errors)
    if not 1 <= (people or 0) <= 50:
        errors["people"] = [_("人数应在 1 到 50 之间。")]
    today = timezone.localdate()
    if expected_on and expected_on < today:
        errors["expected_on"] = [_("来访日期不能早于今天。")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    hours = FrontdeskSettings.for_project(room.project_id).preregistration_hours
    start = now
    if expected_on and expected_on > today:
        start = timezone.make_aware(datetime.combine(expected_on, datetime.min.time()))
    with transaction.atomic():
        visit = Visit(
            project_id=room.project_id,
            room=room,
            name=name,
            phone=phone,
            people=people,
            purpose=purpose,
            state=VisitState.EXPECTED,
            agreed_by=actor.name,
            agreed_via=AgreedVia.APP,
            agreed_at=now,
            expected_on=expected_on or today,
            code_expires_at=start + timedelta(hours=hours),
            created_at=now,
            created_by=actor,
        )
        _save_with_code(visit, "code")
        audit_record(actor=actor, obj=visit, action="preregister", changes={"room": room.code})
    return visit


def visit_admit_by_code(*, actor, project_id: int, code: str, id_type: str = "", id_number: str = "") -> Visit:
    """The guard checks a pre-registration code at the gate; the arrival is recorded. A refused code
    (expired, used, cancelled, unknown, another project's) is recorded in the change log too."""
    try:
        return _admit_by_code(actor=actor, project_id=project_id, code=code, id_type=id_type, id_number=id_number)
    except ActionRefused as exc:
        cleaned = re.sub(r"\s", "", code or "")
        audit_refusal(
            actor=actor,
            object_type="frontdesk.Visit",
            object_id=cleaned,
            object_repr=_("预约码 %(code)s") % {"code": cleaned},
            reason=exc.message,
            data={"project": project_id},
        )
        raise


def _admit_by_code(*, actor, project_id: int, code: str, id_type: str, id_number: str) -> Visit:
    _check_front(actor, project_id)
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", code):
        raise ValidationError({"code": [_("预约码是 6 位数字。")]})
    errors: dict[str, list[str]] = {}
    if id_type and id_type not in IdType.values:
        errors["id_type"] = [_("证件类型无效。")]
    number = _id_number(id_type, id_number, "id_number", errors, required=False)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        visit = (
            Visit.objects.select_for_update()
            .filter(project_id=project_id, code=code, state=VisitState.EXPECTED)
            .first()
        )
        if visit is None:
            latest = Visit.objects.filter(project_id=project_id, code=code).order_by("-created_at", "-id").first()
            if latest is not None and latest.state in (VisitState.ON_SITE, VisitState.LEFT):
                raise ActionRefused(
                    _("预约码 %(code)s 已于 %(at)s 使用过。")
                    % {"code": code, "at": f"{timezone.localtime(latest.time_in):%Y-%m-%d %H:%M}"}
                )
            if latest is not None and latest.state == VisitState.CANCELLED:
                raise ActionRefused(_("预约码 %(code)s 已被业户取消。") % {"code": code})
            if Visit.objects.filter(code=code, state=VisitState.EXPECTED).exclude(project_id=project_id).exists():
                raise ActionRefused(_("预约码 %(code)s 不是本项目的。") % {"code": code})
            raise ActionRefused(_("没有找到预约码 %(code)s。") % {"code": code})
        if visit.code_expires_at and visit.code_expires_at < now:
            raise ActionRefused(
                _("预约码 %(code)s 已于 %(at)s 过期，请联系被访户重新预约或按来访登记。")
                % {"code": code, "at": f"{timezone.localtime(visit.code_expires_at):%Y-%m-%d %H:%M}"}
            )
        if visit.code_expires_at and visit.expected_on and visit.expected_on > timezone.localdate(now):
            raise ActionRefused(_("预约的来访日期是 %(day)s，还没到。") % {"day": visit.expected_on})
        visit.state = VisitState.ON_SITE
        visit.time_in = now
        visit.admitted_by = actor
        if id_type and number:
            visit.id_type, visit.id_number = id_type, number
        visit.save(update_fields=["state", "time_in", "admitted_by", "id_type", "id_number"])
        audit_record(actor=actor, obj=visit, action="admit", changes={"code": code})
    return visit


def visit_checkout(*, actor, visit: Visit) -> Visit:
    _check_front(actor, visit.project_id)
    now = timezone.now()
    with transaction.atomic():
        updated = Visit.objects.filter(pk=visit.pk, state=VisitState.ON_SITE).update(
            state=VisitState.LEFT, time_out=now, left_recorded_by=actor
        )
        if not updated:
            raise ActionRefused(_("这位访客不在访，不能登记离开。"))
        visit.refresh_from_db()
        audit_record(actor=actor, obj=visit, action="leave")
    return visit


def visit_cancel(*, actor, visit: Visit) -> Visit:
    """The resident who pre-registered a visit (or the desk) cancels it before arrival."""
    if not (visit.created_by_id == actor.pk or rules.works_in(actor, visit.project_id)):
        raise ActionRefused(_("只能取消自己的预约。"))
    with transaction.atomic():
        updated = Visit.objects.filter(pk=visit.pk, state=VisitState.EXPECTED).update(state=VisitState.CANCELLED)
        if not updated:
            raise ActionRefused(_("只有未到访的预约可以取消。"))
        visit.refresh_from_db()
        audit_record(actor=actor, obj=visit, action="cancel")
    return visit


def purge_visitor_data(*, company, before) -> int:
    """Retention: blank the personal fields of the company's visits registered before `before`."""
    return (
        Visit.objects.filter(project__company=company, created_at__lt=before, purged_at__isnull=True)
        .exclude(state__in=[VisitState.EXPECTED, VisitState.ON_SITE])
        .update(name="", id_number="", phone="", purged_at=timezone.now())
    )


def purge_carrier_data(*, company, before) -> int:
    """Retention: blank the carrier's ID number on the company's goods passes dated before `before`."""
    return (
        GoodsPass.objects.filter(project__company=company, created_at__lt=before)
        .exclude(carrier_id_number="")
        .update(carrier_id_number="")
    )


def contractor_pass_issue(
    *,
    actor,
    project_id: int,
    company_name: str,
    people: str,
    purpose: str,
    valid_from: datetime,
    valid_to: datetime,
    contact_phone: str = "",
    room_ids=(),
    areas: str = "",
) -> ContractorPass:
    _check_front(actor, project_id)
    errors: dict[str, list[str]] = {}
    if not _clean_text(company_name, 100):
        errors["company_name"] = [_("请填写施工单位。")]
    names = [line.strip() for line in (people or "").splitlines() if line.strip()]
    if not names:
        errors["people"] = [_("请填写人员名单，每行一人。")]
    if not _clean_text(purpose, 100):
        errors["purpose"] = [_("请填写事由。")]
    phone = _phone(contact_phone, "contact_phone", errors)
    if valid_from and valid_to and valid_to <= valid_from:
        errors["valid_to"] = [_("结束时间必须晚于开始时间。")]
    if valid_to and valid_from and valid_to - valid_from > timedelta(days=90):
        errors["valid_to"] = [_("临时出入证最长 90 天。")]
    rooms = list(Room.objects.filter(pk__in=list(room_ids), project_id=project_id))
    if len(rooms) != len(set(room_ids)):
        errors["rooms"] = [_("房屋不属于这个项目。")]
    if not rooms and not _clean_text(areas, 200):
        errors["areas"] = [_("请选择房屋或填写区域。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item = ContractorPass.objects.create(
            project_id=project_id,
            company_name=_clean_text(company_name, 100),
            people="\n".join(names),
            contact_phone=phone,
            areas=_clean_text(areas, 200),
            purpose=_clean_text(purpose, 100),
            valid_from=valid_from,
            valid_to=valid_to,
            issued_by=actor,
        )
        item.rooms.set(rooms)
        audit_record(actor=actor, obj=item, action="issue", changes={"people": len(names)})
    return item


def contractor_pass_revoke(*, actor, item: ContractorPass) -> ContractorPass:
    _check_front(actor, item.project_id)
    if item.revoked_at:
        raise ActionRefused(_("这张出入证已经作废。"))
    with transaction.atomic():
        ContractorPass.objects.filter(pk=item.pk).update(revoked_at=timezone.now())
        item.refresh_from_db()
        audit_record(actor=actor, obj=item, action="revoke")
    return item


# ================================================================ goods release passes


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
                url=reverse("frontdesk:mine"),
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
    arrears = room_arrears(goods_pass.room)
    if arrears:
        raise ActionRefused(_("该户有未缴费用，租户搬出物品前请先结清。"))
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
    if goods_pass.applicant_relation != ApplicantRelation.OWNER and room_arrears(goods_pass.room):
        return _("该户有未缴费用，租户搬出物品前请先结清。")
    return ""


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
    return check


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
