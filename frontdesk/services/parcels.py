"""Parcels: log, hand over, collect by pickup code (a refused code is recorded), return, overdue alerts."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionRefused
from core.models import User
from frontdesk import events, notifications
from frontdesk.choices import HandoverMethod, ParcelKind, ParcelState
from frontdesk.models import FrontdeskSettings, Parcel, ParcelEvent, PickupAttempt
from frontdesk.services._common import _check_front, _clean_text, _front_room, _save_with_code


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
        told = notifications.tell_parcel_arrived(parcel)
        ParcelEvent.objects.create(
            parcel=parcel,
            at=now,
            actor=actor,
            action="logged",
            note=_("登记到件，已通知 %(n)s 人") % {"n": told},
        )
        events.parcel_logged(parcel)
    return parcel


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
    events.parcel_collected(parcel)
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
