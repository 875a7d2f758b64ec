"""Reads of the estate: scoping and the intake form's room / phone lookup."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from core.choices import Role
from core.phone import phone_digits
from estate.models import Occupancy, Resident, Room

_ROOM_SEPARATORS = re.compile(r"\s*(?:[-－—_/#＃、.\s]|栋|幢|号楼|单元|室|号)\s*")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def resident_project_ids(user) -> list[int]:
    """The projects a resident lives in today (their current occupancies); core's
    User.project_ids asks this for residents (registered in estate/apps.py)."""
    return list(
        Occupancy.objects.current().filter(resident__user=user).values_list("room__building__project_id", flat=True)
    )


# ---------------------------------------------------------------- what a resident may see (PIPL)
#
# The one rule, used by every app's selectors: a resident sees the people linked to their rooms
# today (and themselves), and the records of their own occupancy period: dated on or after the day
# their current link to the room began, or their own (registered by them or about them). The
# room's earlier owners and tenants, and what happened in the room before, are not theirs.


@dataclass(frozen=True)
class ResidentScope:
    rooms: dict[int, date | None]  # current room -> the day the link began (None: not recorded)
    resident_id: int | None  # the user's own resident record


def resident_scope(user) -> ResidentScope:
    """The resident user's current occupancies with their start dates (the earliest when linked
    twice to one room), in one small query."""
    if not (user.is_authenticated and user.is_resident):
        return ResidentScope({}, None)
    rooms: dict[int, date | None] = {}
    resident_id = None
    for room_id, start, rid in (
        Occupancy.objects.current().filter(resident__user=user).values_list("room_id", "start", "resident_id")
    ):
        resident_id = rid
        if room_id in rooms:
            prev = rooms[room_id]
            rooms[room_id] = None if prev is None or start is None else min(prev, start)
        else:
            rooms[room_id] = start
    if resident_id is None:
        resident_id = Resident.objects.filter(user=user).values_list("pk", flat=True).first()
    return ResidentScope(rooms, resident_id)


_NOTHING = Q(pk__in=[])


def occupancy_period(scope: ResidentScope, *, at: str, room: str = "room_id", dated: bool = False) -> Q:
    """Rows on one of the resident's current rooms dated (field `at`) on or after the day their
    link to that room began. `dated`: `at` is a DateField (else a DateTimeField, compared from the
    start of that day in the current time zone). One (room, date) condition per room, so the
    (room, -created_at) indexes answer."""
    q = _NOTHING
    for room_id, since in scope.rooms.items():
        if since is None:
            q |= Q(**{room: room_id})
        else:
            bound = since if dated else timezone.make_aware(datetime.combine(since, time.min))
            q |= Q(**{room: room_id, f"{at}__gte": bound})
    return q


def resident_records(qs: QuerySet, user, *, at: str, room: str = "room_id", dated: bool = False, own=None):
    """`qs` narrowed to what the resident user may see: their occupancy period's rows, or their own
    (`own(scope)` gives that Q: registered by them, about them)."""
    scope = resident_scope(user)
    q = occupancy_period(scope, at=at, room=room, dated=dated)
    if own is not None:
        q |= own(scope)
    return qs.filter(q)


def visible_rooms(user) -> QuerySet[Room]:
    if not user.is_authenticated:
        return Room.objects.none()
    if user.is_superuser:
        return Room.objects.all()
    if user.role == Role.RESIDENT:
        return Room.objects.filter(occupancies__in=Occupancy.objects.current().filter(resident__user=user)).distinct()
    return Room.objects.filter(project_id__in=user.project_ids())


def visible_residents(user) -> QuerySet[Resident]:
    """Staff: the residents of their projects. A resident: themselves and the people linked to
    their rooms today; never a room's former owners or tenants."""
    if not user.is_authenticated:
        return Resident.objects.none()
    if user.is_superuser:
        return Resident.objects.all()
    if user.role == Role.RESIDENT:
        scope = resident_scope(user)
        linked = Occupancy.objects.current().filter(room_id__in=list(scope.rooms)).values("resident_id")
        return Resident.objects.filter(Q(pk__in=linked) | Q(pk=scope.resident_id or 0))
    return Resident.objects.filter(project_id__in=user.project_ids())


def room_code_from_text(text: str) -> str:
    """'3栋2单元1502室', '3#2-1502', '3 2 1502', '３-２-１５０２' -> '3-2-1502'."""
    parts = [p for p in _ROOM_SEPARATORS.split(text.translate(_FULLWIDTH).strip()) if p]
    return "-".join(parts)


# between the rooms of a typed list: commas, 、, semicolons, spaces (full-width too), new lines
_ROOM_LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")


def rooms_from_list(project, text: str) -> tuple[list[int], list[str]]:
    """A typed list of rooms ('3-2-1502, 3栋2单元1501 ３-２-１５０２') read in one query: the ids of
    the project's rooms found, in the order typed and once each, and the entries not found, as
    typed (for the message)."""
    typed = [t for t in _ROOM_LIST_SEPARATORS.split(text or "") if t]
    codes = {t: room_code_from_text(t) for t in typed}
    found = dict(Room.objects.filter(project=project, code__in=codes.values()).values_list("code", "pk"))
    ids = list(dict.fromkeys(found[codes[t]] for t in typed if codes[t] in found))
    missing = list(dict.fromkeys(t for t in typed if codes[t] not in found))
    return ids, missing


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

    def rooms_of(matches) -> Q:
        # The matching rooms' ids first (an index walk from the residents), then OR-ed in as a
        # list: as a subquery OR-ed with the room-code conditions PostgreSQL checked every room.
        ids = list(occupied.filter(resident__in=matches).values_list("room_id", flat=True)[:200])
        return Q(pk__in=ids) if ids else Q()

    conditions = Q()
    if digits.isdigit() and len(digits) >= 7:
        conditions |= rooms_of(residents.filter(phone__startswith=digits).values("pk"))
    else:
        code = room_code_from_text(text)
        if code:
            conditions |= Q(code=code) | Q(code__startswith=f"{code}-") | Q(number=code)
            if "-" in code:
                conditions |= Q(code__startswith=code)
        if digits.isdigit() and len(digits) == 4:
            conditions |= rooms_of(residents.filter(phone_last4=digits).values("pk"))
        if not text.isascii():
            conditions |= rooms_of(residents.filter(name__startswith=text).values("pk"))
    if not conditions:
        return []
    return list(with_occupants(rooms.filter(conditions)).order_by("code")[:limit])


# ---------------------------------------------------------------- the household file


def staff_rooms(user) -> QuerySet[Room]:
    """Rooms whose household file this user may open: staff of the room's project. Residents have
    no household file page (it holds staff notes and earlier owners' data); they use the portal."""
    if not user.is_authenticated or user.is_resident:
        return Room.objects.none()
    if user.is_superuser:
        return Room.objects.all()
    return Room.objects.filter(project_id__in=user.project_ids())


def household(user, pk) -> Room | None:
    return staff_rooms(user).select_related("project", "building", "unit").filter(pk=pk).first()


def household_people(room: Room) -> list[Occupancy]:
    """Everyone who was ever linked to the room: current relations first, then past ones, newest
    first (the ownership history stays visible)."""
    today = timezone.localdate()
    rows = list(
        Occupancy.objects.filter(room=room)
        .select_related("resident")
        .prefetch_related("resident__care_tags")
        .order_by("-start", "-id")
    )
    for occ in rows:
        occ.is_current = (occ.start is None or occ.start <= today) and (occ.end is None or occ.end >= today)
        occ.is_future = occ.start is not None and occ.start > today
    order = {rel: i for i, rel in enumerate(["owner", "co_owner", "family", "tenant", "emergency"])}
    rows.sort(key=lambda o: (not o.is_current, o.is_future, order.get(o.relation, 9)))
    return rows


def household_things(room: Room) -> dict:
    from estate.models import ParkingSpace, Pet, Vehicle

    return {
        "vehicles": list(
            Vehicle.objects.filter(room=room)
            .select_related("resident")
            .order_by(F("ended_on").desc(nulls_first=True), "-id")
        ),
        "parking": list(ParkingSpace.objects.filter(room=room).select_related("vehicle").order_by("number")),
        "pets": list(Pet.objects.filter(room=room).order_by(F("gone_on").desc(nulls_first=True), "-id")),
    }


def care_tags_of(room: Room) -> list:
    """The care tags of the room's current people (for the intake panel), from the prefetched
    `room.current` when present."""
    current = getattr(room, "current", None)
    if current is None:
        current = Occupancy.objects.current().filter(room=room).select_related("resident")
    from django.db.models import prefetch_related_objects

    current = list(current)
    prefetch_related_objects([occ.resident for occ in current], "care_tags")
    seen, tags = set(), []
    for occ in current:
        for tag in occ.resident.care_tags.all():
            if tag.pk not in seen and tag.active:
                seen.add(tag.pk)
                tags.append((tag, occ.resident))
    return tags


# ---------------------------------------------------------------- search


SEARCH_LIMIT = 20
_CJK = re.compile(r"[\u3400-\u9fff]")


def _people_qs():
    current = Occupancy.objects.select_related("room").order_by(F("end").desc(nulls_first=True), "-id")
    return Resident.objects.prefetch_related("care_tags", Prefetch("occupancies", queryset=current, to_attr="links"))


def search(user, text: str, *, limit: int = SEARCH_LIMIT) -> dict:
    """One search box for the whole estate: a room number in any common form, a name (any part of
    it in Chinese, or its pinyin initials), a phone number (whole, its start, or its last four
    digits), a plate (any case or spacing). Every lookup is an indexed equality or prefix match
    within the user's projects; each group answers at most `limit` rows (+1 to say "more")."""
    import unicodedata

    from estate.models import ResidentNameGram, Vehicle
    from estate.normalize import GRAM_MAX, is_plate_like, name_key, normalize_plate

    text = unicodedata.normalize("NFKC", (text or "")).strip()[:40]
    found = {"rooms": [], "people": [], "vehicles": [], "more": set()}
    if not text or not user.is_authenticated or user.is_resident:
        return found
    projects = None if user.is_superuser else sorted(user.project_ids())

    def scoped(qs):
        return qs if projects is None else qs.filter(project_id__in=projects)

    has_cjk = bool(_CJK.search(text))
    digits = phone_digits(text)
    all_digits = digits.isdigit()
    plate = normalize_plate(text)
    plate_like = is_plate_like(text)

    # rooms: '3栋2单元1502', '3-2-1502', '３-２-１５０２', '1502'
    code = room_code_from_text(text)
    if code and any(c.isdigit() for c in code) and not plate_like and not (all_digits and len(digits) >= 7):
        q = Q(code=code) | Q(code__startswith=f"{code}-")
        if "-" not in code:
            q |= Q(number=code)
        rooms = list(with_occupants(scoped(Room.objects.filter(q))).order_by("code")[: limit + 1])
        found["rooms"] = rooms

    # people: each branch is one indexed lookup, fetched with what the result shows
    if all_digits and len(digits) == 4:
        people = scoped(Resident.objects.filter(phone_last4=digits))
    elif all_digits and len(digits) >= 5:
        people = scoped(
            Resident.objects.filter(phone=digits)
            if len(digits) == 11
            else Resident.objects.filter(phone__startswith=digits)
        )
    elif has_cjk and not plate_like and not any(c.isdigit() for c in text):
        key = name_key(text)
        grams = scoped(ResidentNameGram.objects.filter(gram=key[:GRAM_MAX]))
        if len(key) <= GRAM_MAX:
            people = Resident.objects.filter(pk__in=grams.values("resident_id")[: limit + 1])
        else:  # the index finds candidates by the first six characters, the name filters them
            people = Resident.objects.filter(pk__in=grams.values("resident_id")[: (limit + 1) * 20])
            people = people.filter(name__contains=text)
    elif text.isascii() and text.replace(" ", "").isalpha() and len(text) <= 20:
        people = scoped(Resident.objects.filter(name_initials__startswith=text.replace(" ", "").lower()))
    else:
        people = None
    if people is not None:
        rows = list(_people_qs().filter(pk__in=people.order_by().values("pk")[: limit + 1]))
        found["people"] = sorted(rows, key=lambda r: (len(r.name), r.name, r.pk))

    # vehicles
    if plate_like:
        q = Q(plate__startswith=plate) if not plate[0].isascii() else Q(plate_body__startswith=plate)
        found["vehicles"] = list(
            scoped(Vehicle.objects.filter(q))
            .select_related("room", "resident")
            .order_by(F("ended_on").desc(nulls_first=True), "plate")[: limit + 1]
        )

    for group in ("rooms", "people", "vehicles"):
        if len(found[group]) > limit:
            found[group] = found[group][:limit]
            found["more"].add(group)
    return found


def room_of(resident) -> "Room | None":
    """The room a search result about a person links to: a current one, else the latest."""
    links = getattr(resident, "links", None) or []
    return links[0].room if links else None
