"""Helpers shared by the front desk workflows: codes, the front desk's rooms and rights, input cleaning."""

from __future__ import annotations

import re
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import idcard
from core.errors import ActionRefused, ServiceError
from core.models import User
from core.phone import normalize_phone
from estate.choices import Relation
from estate.models import Occupancy, Room
from frontdesk import rules
from frontdesk.choices import IdType

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
