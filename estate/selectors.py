"""Reads of the estate: scoping and the intake form's room / phone lookup."""

import re

from django.db.models import Prefetch, Q, QuerySet

from core.choices import Role
from core.phone import phone_digits
from estate.models import Occupancy, Resident, Room

_ROOM_SEPARATORS = re.compile(r"\s*(?:[-－—_/#＃、.\s]|栋|幢|号楼|单元|室|号)\s*")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def visible_rooms(user) -> QuerySet[Room]:
    if not user.is_authenticated:
        return Room.objects.none()
    if user.is_superuser:
        return Room.objects.all()
    if user.role == Role.RESIDENT:
        return Room.objects.filter(occupancies__in=Occupancy.objects.current().filter(resident__user=user)).distinct()
    return Room.objects.filter(project_id__in=user.project_ids())


def visible_residents(user) -> QuerySet[Resident]:
    if not user.is_authenticated:
        return Resident.objects.none()
    if user.is_superuser:
        return Resident.objects.all()
    if user.role == Role.RESIDENT:
        rooms = Occupancy.objects.current().filter(resident__user=user).values("room_id")
        return Resident.objects.filter(occupancies__room_id__in=rooms).distinct()
    return Resident.objects.filter(project_id__in=user.project_ids())


def room_code_from_text(text: str) -> str:
    """'3栋2单元1502室', '3#2-1502', '3 2 1502', '３-２-１５０２' -> '3-2-1502'."""
    parts = [p for p in _ROOM_SEPARATORS.split(text.translate(_FULLWIDTH).strip()) if p]
    return "-".join(parts)


def with_occupants(qs: QuerySet[Room]) -> QuerySet[Room]:
    current = Occupancy.objects.current().select_related("resident").order_by("relation", "id")
    return qs.select_related("building").prefetch_related(Prefetch("occupancies", queryset=current, to_attr="current"))


def lookup_rooms(user, text: str, *, project_id: int | None = None, limit: int = 8) -> list[Room]:
    """Rooms for the intake form from part of a room number, a phone number (or its last four
    digits) or a resident's name."""
    text = (text or "").strip()
    if not text:
        return []
    rooms = visible_rooms(user)
    if project_id:
        rooms = rooms.filter(project_id=project_id)
    digits = phone_digits(text)
    # Residents are looked up within the same projects as the rooms, so the (project, phone),
    # (project, phone_last4) indexes answer instead of a scan over every project's residents.
    residents = visible_residents(user)
    if project_id:
        residents = residents.filter(project_id=project_id)
    occupied = Occupancy.objects.current()
    conditions = Q()
    if digits.isdigit() and len(digits) >= 7:
        matches = residents.filter(phone__startswith=digits).values("pk")
        conditions |= Q(pk__in=occupied.filter(resident__in=matches).values("room_id"))
    else:
        code = room_code_from_text(text)
        if code:
            conditions |= Q(code=code) | Q(code__startswith=f"{code}-") | Q(number=code)
            if "-" in code:
                conditions |= Q(code__startswith=code)
        if digits.isdigit() and len(digits) == 4:
            matches = residents.filter(phone_last4=digits).values("pk")
            conditions |= Q(pk__in=occupied.filter(resident__in=matches).values("room_id"))
        if not text.isascii():
            matches = residents.filter(name__startswith=text).values("pk")
            conditions |= Q(pk__in=occupied.filter(resident__in=matches).values("room_id"))
    if not conditions:
        return []
    return list(with_occupants(rooms.filter(conditions)).order_by("code")[:limit])
