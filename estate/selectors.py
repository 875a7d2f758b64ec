"""Reads of the estate: scoping and the intake form's room / phone lookup."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property

from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from core.choices import Role
from core.phone import phone_digits
from estate.models import Occupancy, Resident, Room
from estate.normalize import normalize_plate

_ROOM_SEPARATORS = re.compile(r"\s*(?:[-－—_/#＃、.\s]|栋|幢|座|号楼|单元|室|号)\s*")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
# Chinese numerals in an address: '三栋二单元一五零二', '十二栋', '负一层'. Only a run of numerals
# next to an address word is read as a number, so a name such as 张三 stays a name.
_CN_DIGIT = {"零": 0, "〇": 0, "○": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGIT.update({"六": 6, "七": 7, "八": 8, "九": 9})
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_RUN = re.compile(f"[{''.join(_CN_DIGIT)}{''.join(_CN_UNIT)}]+")
_ADDRESS_AFTER = re.compile(r"\s*(?:栋|幢|座|号楼|单元|室|号|层|楼|[-#＃/])")
_ADDRESS_BEFORE = re.compile(r"(?:栋|幢|座|号楼|单元|层|地下|负|[-#＃\d])\s*$")
# A basement floor, written as the room codes write it (B1, as in 'B1-001'): 地下室, 地下一层,
# 负一层, 负1楼, -1层, B1层.
_BASEMENT = re.compile(r"(?:地下室|地库)|(?:地下|负|-|[Bb])\s*(\d+)\s*(?:层|楼)")


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
    links: tuple = ()  # (room id, relation, start, resident id) of each current occupancy


SCOPE_ATTR = "_resident_scope"


def resident_scope(user) -> ResidentScope:
    """The resident user's current occupancies with their start dates (the earliest when linked
    twice to one room), in one small query; the one kept for this request when there is one
    (`keep_resident_scope`)."""
    kept = getattr(user, SCOPE_ATTR, None)
    if kept is not None:
        return kept
    if not (user.is_authenticated and user.is_resident):
        return ResidentScope({}, None)
    rooms: dict[int, date | None] = {}
    resident_id = None
    links = tuple(
        Occupancy.objects.current()
        .filter(resident__user=user)
        .values_list("room_id", "relation", "start", "resident_id")
    )
    for room_id, _relation, start, rid in links:
        resident_id = rid
        if room_id in rooms:
            prev = rooms[room_id]
            rooms[room_id] = None if prev is None or start is None else min(prev, start)
        else:
            rooms[room_id] = start
    if resident_id is None:
        resident_id = Resident.objects.filter(user=user).values_list("pk", flat=True).first()
    return ResidentScope(rooms, resident_id, links)


def keep_resident_scope(user) -> ResidentScope:
    """Read the resident's scope once for a request that only reads (a residents' page): every
    `visible_*` selector the page asks then uses it instead of reading the occupancies again (the
    home page asked eight times). Kept on the request's own user object, so it ends with the request."""
    setattr(user, SCOPE_ATTR, None)
    scope = resident_scope(user)
    setattr(user, SCOPE_ATTR, scope)
    return scope


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
        # The ids of the user's own current rooms first (a few rows through their resident record),
        # then the rooms by primary key. As one statement (a join to the occupancies, or an IN
        # sub-query) PostgreSQL hashed every room or occupancy: 0.15-0.4 s at 400,000 households,
        # on every residents' page.
        return Room.objects.filter(pk__in=list(resident_scope(user).rooms))
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


def chinese_number(run: str) -> str:
    """'三' -> '3', '十二' -> '12', '二十' -> '20', '一百零二' -> '102', '一千五百零二' -> '1502';
    digit by digit without 十/百/千 ('一五零二' -> '1502'); '十五零二' (fifteen, oh two) -> '1502'."""
    if not any(c in _CN_UNIT for c in run):
        return "".join(str(_CN_DIGIT[c]) for c in run)
    total, digit = 0, None
    for i, c in enumerate(run):
        if c in _CN_UNIT:
            total += (1 if digit is None else digit) * _CN_UNIT[c]
            digit = None
        elif digit is not None:  # two digits in a row after 十/百/千: the rest is read digit by digit
            return str(total + digit) + chinese_number(run[i:].replace("十", "").replace("百", "").replace("千", ""))
        elif c not in "零〇○":  # 零 after a unit only holds a place: 一百零二
            digit = _CN_DIGIT[c]
    return str(total + (digit or 0))


def room_code_from_text(text: str) -> str:
    """How people say a room, in the code's form: '3栋2单元1502室', '三栋二单元1502', '3#2-1502',
    '3栋2-1502', '3 2 1502', '３-２-１５０２' -> '3-2-1502'; 'B座1502' -> 'B-1502'; '6栋1单元负一层001',
    '6-1-地下室001' -> '6-1-B1-001' (a basement floor is B1, B2, as the codes write it)."""
    text = text.translate(_FULLWIDTH).strip()
    text = _CN_RUN.sub(
        lambda m: (
            chinese_number(m.group())
            if _ADDRESS_AFTER.match(text, m.end()) or _ADDRESS_BEFORE.search(text[: m.start()])
            else m.group()
        ),
        text,
    )
    text = _BASEMENT.sub(lambda m: f"-B{m.group(1) or 1}-", text)
    parts = [p for p in _ROOM_SEPARATORS.split(text) if p]
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
    """Rooms for the intake form: the rooms the text names (a room in any common form, a plate) and
    the current rooms of the people it names (find_people, the search every box uses). The room
    whose code is exactly what was typed comes first ('B-1502' before 'B-1-1502'), then code order."""
    found = find_people(user, text, project_id=project_id)
    ids = found.household_ids()
    if not ids:
        return []
    rooms = with_occupants(Room.objects.filter(pk__in=ids))
    if found.term.code:
        exact = Case(When(code=found.term.code, then=Value(0)), default=Value(1), output_field=IntegerField())
        return list(rooms.order_by(exact, "sort_key")[:limit])
    return list(rooms.order_by("sort_key")[:limit])


_FLOOR_AND_PLACE = re.compile(r"(\d+?)(\d{2})")


def room_above(room: Room, floors: int = 1) -> Room | None:
    """The room `floors` floors above (below when negative) in the same building and unit, at the
    same place on its floor: 3-2-1502 → 3-2-1602 (楼上), 3-2-1402 (楼下). The floor is the room's
    own when recorded and its number starts with it, else read from the number (all but its last
    two digits). None when there is no such room. One indexed query (the code)."""
    number = room.number or ""
    floor = room.floor
    if floor is not None and floor > 0 and number.startswith(str(floor)) and number[len(str(floor)) :].isdigit():
        place = number[len(str(floor)) :]
    elif match := _FLOOR_AND_PLACE.fullmatch(number):
        floor, place = int(match.group(1)), match.group(2)
    else:
        return None
    if floor + floors < 1 or not room.code.endswith(number):
        return None
    code = room.code[: len(room.code) - len(number)] + f"{floor + floors}{place}"
    return Room.objects.filter(project_id=room.project_id, code=code).first()


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
PEOPLE_CAP = 200  # rows each lookup of the people search reads at most
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Term:
    """What a typed search text can stand for; empty strings for what it cannot."""

    text: str = ""
    phone: str = ""  # 5+ digits: a whole phone number or its start
    last4: str = ""  # 4 digits: the last four of a phone number
    code: str = ""  # a room (or its building/unit) in the normal form, '3-2-1502'
    plate: str = ""  # a plate (or its start) in the normal form, '浙A12345', 'A123'
    plate_like: bool = False  # could only be a plate (the top bar's vehicles group)
    name: str = ""  # (part of) a Chinese name, as compared
    letters: str = ""  # pinyin initials ('zsf') or full pinyin ('zhangsanfeng'), lower case


def read_term(text: str) -> Term:
    """'3栋2单元1502', '张三', 'zsf', 'zhangsanfeng', '138 1234 5678', '5678', '浙a12345' -> Term."""
    import unicodedata

    from estate.normalize import is_plate_like, name_key, normalize_plate

    text = unicodedata.normalize("NFKC", text or "").strip()[:40]
    if not text:
        return Term()
    digits = phone_digits(text)
    all_digits = digits.isdigit()
    has_digit = any(c.isdigit() for c in text)
    plate_like = is_plate_like(text)
    code = room_code_from_text(text).upper()  # building letters are capitals: 'b座' is B座
    # a phone number, not a room: digits typed as one number ('1381234'), or a whole number
    # ('138 1234 5678', '+86 138-1234-5678'); '10-1-1001' is a room (and also tried as a phone start)
    looks_like_phone = all_digits and len(digits) >= 7 and (code.isdigit() or len(digits) >= 11)
    # 'A-1-101' and 'A 1 101' are a lettered building's room as well as plate-like: both are looked
    # up; 'A12345' (one part) is only a plate
    if not any(c.isdigit() for c in code) or looks_like_phone or (plate_like and "-" not in code):
        code = ""
    letters = text.replace(" ", "")
    return Term(
        text=text,
        phone=digits if all_digits and len(digits) >= 5 else "",
        last4=digits if all_digits and len(digits) == 4 else "",
        code=code,
        # a plate names a household when it has a digit or its province (letters alone are pinyin)
        plate=normalize_plate(text) if plate_like and (has_digit or not text[0].isascii()) else "",
        plate_like=plate_like,
        name=name_key(text) if _CJK.search(text) and not plate_like and not has_digit else "",
        letters=letters.lower() if letters.isascii() and letters.isalpha() and len(letters) <= 30 else "",
    )


def room_code_q(code: str) -> Q:
    """The rooms a typed room code names: the room, the rooms under a building or unit ('3-2'), a
    room number alone ('1502', 'B1-001'), the start of a code ('3-2-15'), or a building and a room
    number without the unit ('3-1502', 'B-1502': every unit's 1502). Each an indexed lookup: the
    code (equality or prefix), the room number in the project."""
    q = Q(code=code) | Q(code__startswith=f"{code}-") | Q(number=code)
    if "-" in code:
        q |= Q(code__startswith=code)
        building, _sep, number = code.partition("-")
        if "-" not in number:
            q |= Q(number=number, code__startswith=f"{building}-")
    return q


def plate_q(plate: str, field: str = "plate") -> Q:
    """Vehicles whose plate starts with the typed one ('浙A123', or 'A123' without the province)."""
    from estate.normalize import plate_body

    if plate[0].isascii():
        return Q(**{f"{field}_body__startswith": plate_body(plate)})
    return Q(**{f"{field}__startswith": plate})


@dataclass
class PeopleFound:
    """The people a search text names, read lazily: `persons` matched by name (any part, pinyin
    initials or full pinyin) or phone (whole, start, last four); `rooms` named by a room code or a
    plate (their current people are found too). Scoped like everything else: visible_residents and
    visible_rooms of the user, narrowed to one project when asked."""

    term: Term
    persons: QuerySet | None = None
    rooms: QuerySet | None = None
    cap: int = PEOPLE_CAP

    @cached_property
    def person_ids(self) -> list[int]:
        if self.persons is None:
            return []
        return list(self.persons.order_by().values_list("pk", flat=True)[: self.cap])

    @cached_property
    def room_ids(self) -> list[int]:
        if self.rooms is None:
            return []
        return list(self.rooms.order_by().values_list("pk", flat=True)[: self.cap])

    def resident_ids(self) -> list[int]:
        """Everyone found: the persons, then the current people of the rooms named."""
        ids = list(self.person_ids)
        if self.room_ids:
            occupants = Occupancy.objects.current().filter(room_id__in=self.room_ids)
            ids += occupants.values_list("resident_id", flat=True)[: self.cap]
        return list(dict.fromkeys(ids))

    def household_ids(self) -> list[int]:
        """The households found: the rooms named, then the current rooms of the persons."""
        ids = list(self.room_ids)
        if self.persons is not None:
            # the persons as a subquery (an index walk from them): one statement, not two
            persons = self.persons.order_by().values("pk")[: self.cap]
            ids += (
                Occupancy.objects.current().filter(resident__in=persons).values_list("room_id", flat=True)[: self.cap]
            )
        return list(dict.fromkeys(ids))


def find_people(user, text: str, *, project_id: int | None = None, cap: int = PEOPLE_CAP) -> PeopleFound:
    """THE people search, behind the top bar (`search`), the intake lookup (`lookup_rooms`) and the
    API (`/api/residents/?q=`): a name or any part of it, pinyin initials or full pinyin, a phone
    number (whole, its start, its last four digits), a room in any common form, a plate. Each part
    is one indexed lookup: phone and phone_last4 columns, the name substrings table, the initials and
    pinyin columns (prefix indexes), the room code, the plate."""
    from estate.models import ResidentNameGram, Vehicle
    from estate.normalize import GRAM_MAX

    term = read_term(text)
    found = PeopleFound(term=term, cap=cap)
    if not term.text or not user.is_authenticated:
        return found
    residents, rooms = visible_residents(user), visible_rooms(user)
    if project_id:
        residents, rooms = residents.filter(project_id=project_id), rooms.filter(project_id=project_id)
    # the projects the name index is read in: the user's, so the (gram, project) index answers
    if project_id:
        projects = [project_id]
    elif user.is_superuser or user.is_resident:
        projects = None  # everyone, or the resident's household (visible_residents narrows)
    else:
        projects = sorted(user.project_ids())

    q = Q()
    if term.phone:
        q |= Q(phone=term.phone) if len(term.phone) == 11 else Q(phone__startswith=term.phone)
    if term.last4:
        q |= Q(phone_last4=term.last4)
    if term.letters:
        q |= Q(name_initials__startswith=term.letters) | Q(name_pinyin__startswith=term.letters)
    if term.name:
        grams = ResidentNameGram.objects.filter(gram=term.name[:GRAM_MAX])
        if projects is not None:
            grams = grams.filter(project_id__in=projects)
        if len(term.name) <= GRAM_MAX:
            q |= Q(pk__in=grams.values("resident_id"))
        else:  # the index finds candidates by the first six characters, the name filters them
            q |= Q(pk__in=grams.values("resident_id"), name__contains=term.text)
    if q:
        found.persons = residents.filter(q)

    room_q = Q()
    if term.code:
        room_q |= room_code_q(term.code)
    if term.plate:
        vehicles = Vehicle.objects.filter(plate_q(term.plate), ended_on__isnull=True)
        if projects is not None:
            vehicles = vehicles.filter(project_id__in=projects)
        room_q |= Q(pk__in=vehicles.values("room_id")[:cap])
    if room_q:
        found.rooms = rooms.filter(room_q)
    return found


def _people_qs():
    current = Occupancy.objects.select_related("room").order_by(F("end").desc(nulls_first=True), "-id")
    return Resident.objects.prefetch_related("care_tags", Prefetch("occupancies", queryset=current, to_attr="links"))


def search(user, text: str, *, limit: int = SEARCH_LIMIT) -> dict:
    """One search box for the whole estate: the rooms a room code names, the people `find_people`
    finds (a name, any part of it, its pinyin initials or full pinyin, a phone number, its start or
    its last four digits, a room, a plate) and the vehicles a plate names (any case or spacing).
    Every lookup is an indexed equality or prefix match within the user's projects; each group
    answers at most `limit` rows (+1 to say "more")."""
    from estate.models import Vehicle

    found = {"rooms": [], "people": [], "vehicles": [], "more": set()}
    if not user.is_authenticated or user.is_resident:
        return found
    people = find_people(user, text, cap=limit + 1)
    term = people.term
    if not term.text:
        return found
    projects = None if user.is_superuser else sorted(user.project_ids())

    def scoped(qs):
        return qs if projects is None else qs.filter(project_id__in=projects)

    # rooms: '3栋2单元1502', '3-2-1502', '３-２-１５０２', '1502'
    if term.code:
        rooms = with_occupants(scoped(Room.objects.filter(room_code_q(term.code))))
        found["rooms"] = list(rooms.order_by("sort_key")[: limit + 1])

    # people: the one people search (the intake lookup and the API use it too)
    ids = people.resident_ids()[: limit + 1]
    if ids:
        rows = list(_people_qs().filter(pk__in=ids))
        found["people"] = sorted(rows, key=lambda r: (len(r.name), r.name, r.pk))

    # vehicles, ended ones too (greyed)
    if term.plate_like:
        found["vehicles"] = list(
            scoped(Vehicle.objects.filter(plate_q(normalize_plate(term.text))))
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


# ---------------------------------------------------------------- vehicles and pets, for the residents' app


def visible_vehicles(user) -> QuerySet:
    """Staff: their projects' vehicles. A resident: their rooms' vehicles registered during their
    occupancy, or under their own name (`resident_records`, the one rule)."""
    from estate.models import Vehicle

    if not user.is_authenticated:
        return Vehicle.objects.none()
    if user.is_resident:
        return resident_records(
            Vehicle.objects.all(),
            user,
            at="registered_on",
            dated=True,
            own=lambda scope: Q(resident_id=scope.resident_id or 0, room_id__in=list(scope.rooms)),
        )
    if user.is_superuser:
        return Vehicle.objects.all()
    return Vehicle.objects.filter(project_id__in=user.project_ids())


def visible_pets(user) -> QuerySet:
    """Staff: their projects' pets. A resident: their rooms' pets registered during their occupancy."""
    from estate.models import Pet

    if not user.is_authenticated:
        return Pet.objects.none()
    if user.is_resident:
        return resident_records(Pet.objects.all(), user, at="registered_on", dated=True)
    if user.is_superuser:
        return Pet.objects.all()
    return Pet.objects.filter(room__project_id__in=user.project_ids())
