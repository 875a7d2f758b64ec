"""Every write to the household file (一户一档). Keyword-only, one transaction each, permission and
rules checked, each change written to the audit trail. Nothing is deleted: people, vehicles and pets
leave with an end date, notes are only added."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import idcard
from core.audit import audit_record
from core.errors import ActionRefused, ServiceError
from core.phone import normalize_phone
from core.privacy import mask_id, mask_phone
from estate import rules
from estate.choices import IdType, PetKind, Relation
from estate.models import CareTag, HouseholdNote, Occupancy, ParkingSpace, Pet, Resident, Room, Vehicle
from estate.normalize import normalize_plate

RESIDENT_FIELDS = ("name", "phone", "gender", "id_type", "id_number", "note")
ROOM_FIELDS = ("orientation", "layout", "delivered_on", "area", "floor", "use", "state")


def may_edit(user, room: Room) -> bool:
    """The desk and supervising roles of the room's project keep the household file."""
    if not user.is_authenticated or user.is_resident:
        return False
    if not (user.is_superuser or user.is_desk or user.is_supervising):
        return False
    return room.project_id in user.project_ids()


def may_view(user, room: Room) -> bool:
    return user.is_authenticated and not user.is_resident and room.project_id in user.project_ids()


def _check(actor, room: Room, resident_may=None) -> None:
    """Staff: the desk of the room's project (`may_edit`). A resident from the residents' app: only
    where `resident_may(actor)` (estate/rules.py) says so."""
    if actor.is_authenticated and actor.is_resident:
        if resident_may is None or not resident_may(actor):
            raise ActionRefused(_("只有业主可以修改家里的登记信息。"))
        return
    if not may_edit(actor, room):
        raise ActionRefused(_("只有本项目的客服人员可以修改户档。"))


def _own_resident(actor, room: Room) -> Resident | None:
    """The resident record the acting resident is linked to the room with (None for staff)."""
    if not (actor.is_authenticated and actor.is_resident):
        return None
    links = rules.links_today(actor, room.pk)
    return Resident.objects.get(pk=links[0][2]) if links else None


def clean_id(id_type: str, id_number: str) -> tuple[str, str]:
    number = idcard.normalize(id_number)
    if not number:
        return ("", "") if not id_type else (id_type, "")
    if not id_type:
        raise ServiceError(_("请选择证件类型。"))
    if id_type == IdType.ID_CARD and not idcard.valid_id_card(number):
        raise ServiceError(idcard.ID_CARD_MESSAGE)
    if len(number) > 40:
        raise ServiceError(_("证件号码过长。"))
    return id_type, number


def _masked_changes(changes: dict) -> dict:
    """The audit trail keeps who changed what, not the full numbers."""
    out = {}
    for key, (old, new) in changes.items():
        if key == "phone":
            old, new = mask_phone(old), mask_phone(new)
        elif key == "id_number":
            old, new = mask_id(old), mask_id(new)
        out[key] = [str(old) if old is not None else "", str(new) if new is not None else ""]
    return out


def _clean_resident(data: dict, company_id) -> dict:
    data = dict(data)
    data["name"] = (data.get("name") or "").strip()
    if not data["name"]:
        raise ServiceError(_("请填写姓名。"))
    phone = (data.get("phone") or "").strip()
    if phone:
        try:
            data["phone"] = normalize_phone(phone)
        except ValidationError as exc:
            raise ServiceError(exc.messages[0]) from exc
    data["id_type"], data["id_number"] = clean_id(data.get("id_type", ""), data.get("id_number", ""))
    tags = list(data.pop("care_tags", None) or [])
    if any(tag.company_id != company_id for tag in tags):
        raise ServiceError(_("关怀标签不属于本公司。"))
    data["care_tags"] = tags
    return data


@transaction.atomic
def resident_create(
    *, actor, room: Room, data: dict, relation: str, start: datetime.date | None = None, end_current_owners=False
) -> Resident:
    """A new person in the household: the resident and their relation to the room. From the
    residents' app the owner adds family members and emergency contacts (name and phone only)."""
    _check(actor, room, lambda a: rules.may_keep_people(a, room) and relation in rules.OWNER_ADDS)
    if actor.is_resident:
        data = {"name": data.get("name", ""), "phone": data.get("phone", "")}
        start = start or timezone.localdate()
    data = _clean_resident(data, room.project.company_id)
    if actor.is_resident and data["phone"]:
        known = _known_person(room, data["name"], data["phone"])
        if known is not None:  # the same person, already on file in the project: linked, not copied
            occupancy_add(actor=actor, room=room, resident=known, relation=relation, start=start)
            return known
    tags = data.pop("care_tags")
    resident = Resident(project_id=room.project_id, **{k: data.get(k, "") for k in RESIDENT_FIELDS})
    resident.save()
    resident.care_tags.set(tags)
    audit_record(
        actor=actor,
        obj=resident,
        action="create",
        changes=_masked_changes({k: ("", getattr(resident, k)) for k in RESIDENT_FIELDS if getattr(resident, k)}),
    )
    occupancy_add(
        actor=actor, room=room, resident=resident, relation=relation, start=start, end_current_owners=end_current_owners
    )
    return resident


def _known_person(room: Room, name: str, phone: str) -> Resident | None:
    """From the residents' app: the project's resident with this name and phone, or None. A phone
    on file under another name is refused: a second person with someone's phone would stop that
    person signing in with it (portal/services.py `_signin_refusal`)."""
    same = list(Resident.objects.filter(project_id=room.project_id, phone=phone).order_by("id")[:5])
    for person in same:
        if person.name == name:
            return person
    if same:
        raise ServiceError(_("这个手机号已登记给另一位住户，请核对后再填，或联系物业服务中心。"))
    return None


@transaction.atomic
def resident_update(*, actor, room: Room, resident: Resident, data: dict) -> Resident:
    _check(actor, room)
    if resident.project_id != room.project_id or not resident.occupancies.filter(room=room).exists():
        raise ActionRefused(_("此人不在该户。"))
    data = _clean_resident(data, room.project.company_id)
    tags = data.pop("care_tags")
    changes = {}
    for field in RESIDENT_FIELDS:
        new = data.get(field, "")
        if getattr(resident, field) != new:
            changes[field] = (getattr(resident, field), new)
            setattr(resident, field, new)
    old_tags = set(resident.care_tags.all())
    if old_tags != set(tags):
        changes["care_tags"] = (
            "、".join(sorted(t.name for t in old_tags)),
            "、".join(sorted(t.name for t in tags)),
        )
        resident.care_tags.set(tags)
    if not changes:
        return resident
    resident.save()
    audit_record(actor=actor, obj=resident, action="update", changes=_masked_changes(changes))
    return resident


def _overlaps(start, end):
    """Occupancies whose [start, end] meets the period [start, end] (None = open)."""
    q = Q()
    if end is not None:
        q &= Q(start__isnull=True) | Q(start__lte=end)
    if start is not None:
        q &= Q(end__isnull=True) | Q(end__gte=start)
    return q


@transaction.atomic
def occupancy_add(
    *,
    actor,
    room: Room,
    resident: Resident,
    relation: str,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    end_current_owners: bool = False,
) -> Occupancy:
    """Link a person to the room. Ownership periods may not overlap (a transfer ends the previous
    owners' period the day before the new one starts, with `end_current_owners`)."""
    _check(actor, room, lambda a: rules.may_keep_people(a, room) and relation in rules.OWNER_ADDS)
    if relation not in Relation.values:
        raise ServiceError(_("请选择关系。"))
    if resident.project_id != room.project_id:
        raise ActionRefused(_("此人不属于该房屋所在项目。"))
    if start and end and end < start:
        raise ServiceError(_("结束日期不能早于起始日期。"))
    Room.objects.select_for_update().filter(pk=room.pk).first()  # one change to a room's people at a time
    same = Occupancy.objects.filter(_overlaps(start, end), room=room, resident=resident, relation=relation)
    if same.exists():
        raise ServiceError(_("此人在该时段已是该户的%(relation)s。") % {"relation": Relation(relation).label})
    if relation == Relation.OWNER:
        owners = list(Occupancy.objects.filter(_overlaps(start, end), room=room, relation=Relation.OWNER))
        if owners and not end_current_owners:
            raise ServiceError(
                _("该户在该时段已有业主（%(names)s）。过户请勾选“结束原业主”，或先结束原业主关系。")
                % {"names": "、".join(o.resident.name for o in owners)}
            )
        if owners:
            if start is None:
                raise ServiceError(_("过户须填写新业主的起始日期。"))
            day_before = start - datetime.timedelta(days=1)
            for previous in owners:
                if previous.start and previous.start > day_before:
                    raise ServiceError(_("原业主的起始日期晚于过户日期，无法结束。"))
                old_end = previous.end
                previous.end = day_before
                previous.save(update_fields=["end"])
                audit_record(
                    actor=actor,
                    obj=previous,
                    action="end",
                    changes={"end": [str(old_end or ""), str(day_before)], "reason": ["", "过户"]},
                )
            # co-owners of the previous ownership end with it
            for co in Occupancy.objects.filter(room=room, relation=Relation.CO_OWNER, end__isnull=True).filter(
                Q(start__isnull=True) | Q(start__lte=day_before)
            ):
                co.end = day_before
                co.save(update_fields=["end"])
                audit_record(actor=actor, obj=co, action="end", changes={"end": ["", str(day_before)]})
    occupancy = Occupancy.objects.create(room=room, resident=resident, relation=relation, start=start, end=end)
    audit_record(
        actor=actor,
        obj=occupancy,
        action="create",
        changes={"relation": ["", relation], "start": ["", str(start or "")], "end": ["", str(end or "")]},
    )
    return occupancy


@transaction.atomic
def occupancy_end(*, actor, occupancy: Occupancy, end: datetime.date) -> Occupancy:
    """A person leaves the household (moved out, sold, lease over): the relation keeps its dates.
    From the residents' app the owner ends a family member's or a tenant's link, or their own
    while another owner remains: the last owner cannot leave by their own hand (a sale is a
    transfer, registered at the desk)."""
    room = occupancy.room
    _check(actor, room, lambda a: rules.may_keep_people(a, room))
    if actor.is_resident and occupancy.relation in rules.OWNER_RELATIONS:
        others = (
            Occupancy.objects.current()
            .filter(room=room, relation__in=rules.OWNER_RELATIONS)
            .exclude(resident_id=occupancy.resident_id)
        )
        if not others.exists():
            raise ActionRefused(_("您是这套房屋最后一位业主，不能把自己移出。房屋出售或过户请到物业服务中心办理。"))
    if occupancy.end is not None:
        raise ServiceError(_("该关系已于%(date)s结束。") % {"date": occupancy.end})
    if end is None:
        raise ServiceError(_("请填写结束日期。"))
    if occupancy.start and end < occupancy.start:
        raise ServiceError(_("结束日期不能早于起始日期。"))
    occupancy.end = end
    occupancy.save(update_fields=["end"])
    audit_record(actor=actor, obj=occupancy, action="end", changes={"end": ["", str(end)]})
    return occupancy


@transaction.atomic
def room_update(*, actor, room: Room, data: dict) -> Room:
    _check(actor, room)
    changes = {}
    for field in ROOM_FIELDS:
        if field in data and getattr(room, field) != data[field]:
            changes[field] = [str(getattr(room, field) or ""), str(data[field] or "")]
            setattr(room, field, data[field])
    if changes:
        room.save()
        audit_record(actor=actor, obj=room, action="update", changes=changes)
    return room


@transaction.atomic
def vehicle_add(*, actor, room: Room, plate: str, resident: Resident | None = None, **data) -> Vehicle:
    _check(actor, room, lambda a: rules.may_add_things(a, room))
    if actor.is_resident:  # registered under the name of the one who adds it
        resident = _own_resident(actor, room)
    plate = normalize_plate(plate)
    if not re.fullmatch(r"[\u4e00-\u9fff]?[A-Z][A-Z0-9]{4,6}[\u4e00-\u9fff]?", plate):
        raise ServiceError(_("“%(plate)s”不是有效的车牌号。") % {"plate": plate})
    if resident is not None and resident.project_id != room.project_id:
        raise ActionRefused(_("此人不属于该房屋所在项目。"))
    if Vehicle.objects.filter(project_id=room.project_id, plate=plate, ended_on__isnull=True).exists():
        raise ServiceError(_("车牌 %(plate)s 已在本项目登记。") % {"plate": plate})
    fields = {k: data.get(k) or "" for k in ("brand", "colour", "note")}
    try:
        with transaction.atomic():
            vehicle = Vehicle.objects.create(
                project_id=room.project_id, room=room, resident=resident, plate=plate, **fields
            )
    except IntegrityError as exc:  # registered by someone else a moment ago
        raise ServiceError(_("车牌 %(plate)s 已在本项目登记。") % {"plate": plate}) from exc
    audit_record(actor=actor, obj=vehicle, action="create", changes={"plate": ["", plate], "room": ["", room.code]})
    return vehicle


@transaction.atomic
def vehicle_end(*, actor, vehicle: Vehicle, ended_on: datetime.date | None = None) -> Vehicle:
    _check(actor, vehicle.room, lambda a: rules.may_end_vehicle(a, vehicle))
    if vehicle.ended_on:
        raise ServiceError(_("该车辆已注销。"))
    vehicle.ended_on = ended_on or timezone.localdate()
    vehicle.save(update_fields=["ended_on"])
    audit_record(actor=actor, obj=vehicle, action="end", changes={"ended_on": ["", str(vehicle.ended_on)]})
    return vehicle


@transaction.atomic
def parking_save(
    *,
    actor,
    room: Room,
    number: str,
    kind: str,
    vehicle: Vehicle | None = None,
    start=None,
    end=None,
    note: str = "",
) -> ParkingSpace:
    """Give the household a parking space (a new space, or one of the project's spaces that is free
    on those dates)."""
    _check(actor, room)
    number = re.sub(r"\s+", "", number or "").upper()
    if not number:
        raise ServiceError(_("请填写车位号。"))
    if start and end and end < start:
        raise ServiceError(_("结束日期不能早于起始日期。"))
    if vehicle is not None and vehicle.room_id != room.pk:
        raise ServiceError(_("所选车辆不属于该户。"))
    space = ParkingSpace.objects.select_for_update().filter(project_id=room.project_id, number=number).first()
    if space is None:
        space = ParkingSpace(project_id=room.project_id, number=number)
        old = {}
    else:
        today = timezone.localdate()
        if space.room_id and space.room_id != room.pk and (space.end is None or space.end >= today):
            raise ServiceError(_("车位 %(number)s 已属于其他房屋。") % {"number": number})
        old = {f: str(getattr(space, f) or "") for f in ("room_id", "kind", "vehicle_id", "start", "end", "note")}
    space.room, space.kind, space.vehicle, space.start, space.end, space.note = room, kind, vehicle, start, end, note
    space.save()
    new = {f: str(getattr(space, f) or "") for f in ("room_id", "kind", "vehicle_id", "start", "end", "note")}
    changes = {k: [old.get(k, ""), v] for k, v in new.items() if old.get(k, "") != v}
    audit_record(actor=actor, obj=space, action="update" if old else "create", changes=changes)
    return space


@transaction.atomic
def pet_add(*, actor, room: Room, kind: str, name="", breed="", licence="", vaccinated_on=None) -> Pet:
    _check(actor, room, lambda a: rules.may_add_things(a, room))
    if kind not in PetKind.values:
        raise ServiceError(_("请选择宠物种类。"))
    if vaccinated_on and vaccinated_on > timezone.localdate():
        raise ServiceError(_("疫苗接种日期不能晚于今天。"))
    pet = Pet.objects.create(room=room, kind=kind, name=name, breed=breed, licence=licence, vaccinated_on=vaccinated_on)
    audit_record(actor=actor, obj=pet, action="create", changes={"kind": ["", kind], "name": ["", name]})
    return pet


@transaction.atomic
def pet_vaccinated(*, actor, pet: Pet, on: datetime.date) -> Pet:
    _check(actor, pet.room)
    if on > timezone.localdate():
        raise ServiceError(_("疫苗接种日期不能晚于今天。"))
    old = pet.vaccinated_on
    pet.vaccinated_on = on
    pet.save(update_fields=["vaccinated_on"])
    audit_record(actor=actor, obj=pet, action="update", changes={"vaccinated_on": [str(old or ""), str(on)]})
    return pet


@transaction.atomic
def pet_gone(*, actor, pet: Pet, on: datetime.date | None = None) -> Pet:
    _check(actor, pet.room, lambda a: rules.may_end_pet(a, pet))
    if pet.gone_on:
        raise ServiceError(_("该宠物已登记迁出。"))
    pet.gone_on = on or timezone.localdate()
    pet.save(update_fields=["gone_on"])
    audit_record(actor=actor, obj=pet, action="end", changes={"gone_on": ["", str(pet.gone_on)]})
    return pet


@transaction.atomic
def note_add(*, actor, room: Room, text: str) -> HouseholdNote:
    """A staff note: never edited, a correction is another note."""
    _check(actor, room)
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("请填写备注内容。"))
    if len(text) > 1000:
        raise ServiceError(_("备注不能超过1000字。"))
    note = HouseholdNote.objects.create(room=room, author=actor, text=text)
    audit_record(actor=actor, obj=note, action="create", changes={"text": ["", text[:100]]})
    return note


def care_tags_for(company_id) -> list[CareTag]:
    return list(CareTag.objects.filter(company_id=company_id, active=True))
