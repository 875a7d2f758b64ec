"""Validating rows: each cell by its column's cleaner, then the row against the database (rooms
that exist already, unknown buildings and rooms, people already living there) and against the
other rows of the file (duplicates). Errors are kept by field, so the page can name row and column."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core import idcard
from estate.choices import IdType
from estate.models import Building, Occupancy, Room
from estate.normalize import name_key
from estate.selectors import room_code_from_text
from importer.choices import ImportKind
from importer.fields import column_map
from importer.reader import cell_text


@dataclass
class Checked:
    data: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    key: str = ""


class Context:
    """What the database already holds for one project, looked up in bulk (staging and commit
    check every row) or one at a time (a fixed cell re-checks one row)."""

    def __init__(self, project, *, preload: bool, kind: str = ""):
        self.project = project
        self.preload = preload
        self._rooms: dict[str, int] = {}
        self._buildings: set[str] = set()
        self._occupants: set[tuple[int, str]] = set()
        if preload:
            self._rooms = dict(Room.objects.filter(project=project).values_list("code", "id"))
            self._buildings = set(Building.objects.filter(project=project).values_list("number", flat=True))
            if kind == ImportKind.RESIDENTS:
                self.load_occupants()

    def load_occupants(self) -> None:
        pairs = Occupancy.objects.current().filter(room__project=self.project).values_list("room_id", "resident__name")
        self._occupants = {(room_id, name_key(name)) for room_id, name in pairs}

    def room_id(self, code: str) -> int | None:
        if self.preload or code in self._rooms:
            return self._rooms.get(code)
        pk = Room.objects.filter(project=self.project, code=code).values_list("id", flat=True).first()
        if pk:
            self._rooms[code] = pk
        return pk

    def building_exists(self, number: str) -> bool:
        if self.preload or number in self._buildings:
            return number in self._buildings
        return Building.objects.filter(project=self.project, number=number).exists()

    def lives_there(self, room_id: int, key: str) -> bool:
        if self.preload:
            return (room_id, key) in self._occupants
        names = Occupancy.objects.current().filter(room_id=room_id).values_list("resident__name", flat=True)
        return key in {name_key(n) for n in names}


def clean_cells(kind: str, values: dict[str, str]) -> Checked:
    """Each mapped cell through its column's cleaner; required columns must be filled."""
    out = Checked()
    for name, col in column_map(kind).items():
        raw = cell_text(values.get(name, ""))
        if not raw:
            if col.required:
                out.errors[name] = _("必填。")
            continue
        try:
            cleaned = col.clean(raw)
        except ValidationError as exc:
            out.data[name] = raw
            out.errors[name] = " ".join(exc.messages)
            continue
        out.data[name] = str(cleaned)
    return out


def check_row(kind: str, values: dict[str, str], ctx: Context) -> Checked:
    """One row cleaned and checked against the database (not against other rows: see mark_duplicates)."""
    row = clean_cells(kind, values)
    if kind == ImportKind.ROOMS:
        _check_room(row, ctx)
    else:
        _check_resident(row, ctx)
    return row


def _check_room(row: Checked, ctx: Context) -> None:
    d, e = row.data, row.errors
    if "building" in e or "number" in e or "unit" in e or not d.get("building") or not d.get("number"):
        return
    code = Room.make_code(d["building"], d.get("unit") or None, d["number"])
    row.key = code
    if ctx.room_id(code):
        e["number"] = _("房屋 %(code)s 已存在。") % {"code": code}


def _check_resident(row: Checked, ctx: Context) -> None:
    d, e = row.data, row.errors
    _check_id_card(d, e)
    if "relation" not in e:
        d.setdefault("relation", "owner")
    if d.get("room_code") and "room_code" not in e:
        code = room_code_from_text(d["room_code"])
        d["room_code"] = code
        building_field = number_field = "room_code"
    elif d.get("building") and d.get("number") and not {"building", "unit", "number"} & e.keys():
        code = Room.make_code(d["building"], d.get("unit") or None, d["number"])
        building_field, number_field = "building", "number"
    else:
        if not {"room_code", "building", "unit", "number"} & e.keys():
            e["room_code" if "room_code" in column_map(ImportKind.RESIDENTS) else "number"] = _(
                "请填写房屋编号，或楼栋和房号。"
            )
        return
    room_id = ctx.room_id(code)
    if room_id is None:
        building = code.split("-")[0]
        if not ctx.building_exists(building):
            e[building_field] = _("楼栋 %(building)s 不存在。") % {"building": building}
        else:
            e[number_field] = _("房屋 %(code)s 不存在。") % {"code": code}
        return
    d["room_id"] = str(room_id)
    if d.get("name") and "name" not in e:
        key = name_key(d["name"])
        row.key = f"{code}|{key}"
        if ctx.lives_there(room_id, key):
            e["name"] = _("%(name)s 已登记在 %(code)s。") % {"name": d["name"], "code": code}


def _check_id_card(d: dict, e: dict) -> None:
    """A number given as a resident ID card passes the one ID check (core.idcard), as at the desk."""
    if d.get("id_type") == IdType.ID_CARD and d.get("id_number") and "id_number" not in e:
        try:
            d["id_number"] = idcard.clean_id_card(d["id_number"])
        except ValidationError as exc:
            e["id_number"] = exc.messages[0]


def db_check(kind: str, row, ctx: Context) -> Checked | None:
    """The database part of the checks for a row whose cells are clean (it has a key): None when
    nothing changed, else the row fully re-checked (its errors say what is wrong now)."""
    code = row.key.split("|")[0]
    if kind == ImportKind.ROOMS:
        if ctx.room_id(code) is None:
            return None
    else:
        room_id = ctx.room_id(code)
        if room_id is not None and str(room_id) == row.data.get("room_id"):
            if not ctx.lives_there(room_id, row.key.split("|", 1)[1]):
                return None
    return check_row(kind, row.data, ctx)


DUPLICATE_FIELD = {ImportKind.ROOMS: "number", ImportKind.RESIDENTS: "name"}


def duplicate_message(first: int) -> str:
    return _("与第 %(row)s 行重复。") % {"row": first}


def mark_duplicates(kind: str, rows) -> None:
    """Rows with the same key (room code; room and name): every one after the first gets an error.
    `rows` are objects with .number, .key, .errors and .skipped."""
    target = DUPLICATE_FIELD[ImportKind(kind)]
    groups = defaultdict(list)
    for row in rows:
        if row.key and not row.skipped:
            groups[row.key].append(row)
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda r: r.number)
        first = group[0].number
        for row in group[1:]:
            row.errors.setdefault(target, duplicate_message(first))
