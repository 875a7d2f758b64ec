"""The columns each import kind knows: ONE list per kind. Adding a column (a new field on Room or
Resident) is one line here: its label, the headers it is recognised by, the cleaner, and the model
attribute it is written to. A line whose model attribute does not exist (yet) is left out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from core import idcard
from core.phone import normalize_phone
from importer.choices import ImportKind

# ------------------------------------------------------------------ cleaners: text -> value


def text(max_length: int) -> Callable[[str], str]:
    def clean(value: str) -> str:
        if len(value) > max_length:
            raise ValidationError(_("太长：最多 %(n)s 个字。") % {"n": max_length})
        return value

    return clean


_SUFFIXES = {
    "building": re.compile(r"(?:号楼|栋|幢|座|楼|#)$"),
    "unit": re.compile(r"(?:单元|#)$"),
    "room": re.compile(r"(?:室|号)$"),
}


def place(part: str) -> Callable[[str], str]:
    """A building / unit / room number: '3栋' -> '3', '2单元' -> '2', '1502室' -> '1502'."""
    suffix = _SUFFIXES[part]

    def clean(value: str) -> str:
        value = suffix.sub("", value.replace(" ", "")).strip()
        if not value:
            raise ValidationError(_("不能只有“栋/单元/室”等字样。"))
        if len(value) > 20 or "-" in value:
            raise ValidationError(_("“%(value)s”不是有效的编号（不超过20个字符，不含“-”）。") % {"value": value})
        return value

    return clean


def area(value: str) -> str:
    """A property-right area in m²: '89.5', '89.50㎡', '89.5 平方米' -> '89.50' (kept as text in the
    staging row, Decimal when written)."""
    raw = re.sub(r"(?:m2|m²|㎡|平方米|平米|平方)$", "", value.replace(" ", "").replace(",", ""), flags=re.I)
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(_("“%(value)s”不是面积数字（如 89.50）。") % {"value": value}) from None
    if not number.is_finite() or number <= 0 or number >= Decimal("10000000"):
        raise ValidationError(_("面积必须大于0且小于一千万平方米。"))
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError(_("面积最多保留两位小数。"))
    return str(number.quantize(Decimal("0.01")))


def integer(low: int, high: int) -> Callable[[str], int]:
    def clean(value: str) -> int:
        raw = re.sub(r"(?:层|楼|F)$", "", value, flags=re.I)
        try:
            number = int(raw)
        except ValueError:
            raise ValidationError(_("“%(value)s”不是整数。") % {"value": value}) from None
        if not low <= number <= high:
            raise ValidationError(_("必须在 %(low)s 到 %(high)s 之间。") % {"low": low, "high": high})
        return number

    return clean


def phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise ValidationError(_("“%(value)s”不是有效的电话号码。") % {"value": value}) from exc


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def a_date(value: str) -> str:
    m = _DATE.fullmatch(value.split(" ")[0])
    try:
        if not m:
            raise ValueError
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        raise ValidationError(_("“%(value)s”不是日期（如 2024-03-01）。") % {"value": value}) from None


def id_number(value: str) -> str:
    """A number that looks like a resident ID card (15 or 18 digits) must be a valid 18-character
    one (core.idcard: the one check; 15-digit cards are void since 2013); other documents
    (passports, permits) are letters and digits."""
    value = idcard.normalize(value)
    if re.fullmatch(r"\d{15}|\d{17}[\dX]", value):
        return idcard.clean_id_card(value)
    if re.fullmatch(r"[A-Z0-9()\-]{5,40}", value):
        return value
    raise ValidationError(_("证件号码格式不正确。"))


@cache
def _choice_map(model_label: str, attr: str) -> dict[str, str]:
    field = apps.get_model(model_label)._meta.get_field(attr)
    table = {}
    for value, label in field.choices:
        table[str(value).lower()] = value
        table[str(label).lower()] = value
        with translation.override("en"):
            table[str(label).lower()] = value
        with translation.override("zh-hans"):
            table[str(label).lower()] = value
    return table


def choice(model_label: str, attr: str, aliases: dict[str, str] | None = None) -> Callable[[str], str]:
    """A value of the model field's choices, written as its code or its label in Chinese or English."""

    def clean(value: str) -> str:
        key = value.lower().replace(" ", "")
        table = _choice_map(model_label, attr)
        found = table.get(key) or table.get(value.lower()) or (aliases or {}).get(key)
        if found is None:
            field = apps.get_model(model_label)._meta.get_field(attr)
            raise ValidationError(
                _("“%(value)s”不是可选值：%(choices)s。")
                % {"value": value, "choices": "、".join(str(label) for _v, label in field.choices)}
            )
        return found

    return clean


# ------------------------------------------------------------------ the columns


@dataclass(frozen=True)
class Column:
    name: str
    label: Promise
    clean: Callable[[str], Any]
    required: bool = False
    aliases: tuple[str, ...] = ()
    model: str = ""  # "estate.Room": the column exists only if the model has `attr`
    attr: str = ""  # written to this attribute of the model's new row
    sample: str = ""
    note: Promise | str = ""
    sensitive: str = ""  # "phone" | "id": shown and exported masked

    def exists(self) -> bool:
        if not self.model:
            return True
        try:
            apps.get_model(self.model)._meta.get_field(self.attr)
        except (LookupError, FieldDoesNotExist):
            return False
        return True


ROOM_COLUMNS = [
    Column(
        "building",
        _l("楼栋"),
        place("building"),
        True,
        ("楼栋号", "楼号", "栋", "幢", "楼栋", "building"),
        sample="5",
        note=_l("楼栋号，如 3 或 3栋；不存在的楼栋会新建"),
    ),
    Column(
        "building_name",
        _l("楼栋名称"),
        text(50),
        False,
        ("楼栋名称", "楼名", "building name"),
        sample="5号楼",
        note=_l("新建楼栋时使用，可空"),
    ),
    Column(
        "unit",
        _l("单元"),
        place("unit"),
        False,
        ("单元号", "单元", "unit"),
        sample="1",
        note=_l("单元号，如 2 或 2单元；没有单元可空"),
    ),
    Column(
        "number",
        _l("房号"),
        place("room"),
        True,
        ("房号", "房间号", "室号", "门牌号", "room", "room no", "number"),
        sample="601",
        note=_l("房号，如 1502；同一项目内 楼栋-单元-房号 不能重复"),
    ),
    Column(
        "floor",
        _l("楼层"),
        integer(-10, 300),
        False,
        ("楼层", "所在楼层", "floor"),
        "estate.Room",
        "floor",
        sample="6",
        note=_l("整数，地下室为负数"),
    ),
    Column(
        "area",
        _l("产权面积"),
        area,
        False,
        ("产权面积", "建筑面积", "面积", "area"),
        "estate.Room",
        "area",
        sample="89.50",
        note=_l("平方米，最多两位小数，可带“㎡”"),
    ),
    Column(
        "use",
        _l("用途"),
        choice("estate.Room", "use", {"住宅": "residential", "商业": "shop"}),
        False,
        ("用途", "房屋用途", "房屋类型", "use"),
        "estate.Room",
        "use",
        sample="住宅",
        note=_l("住宅、商铺、办公、车位、储藏室；空则为住宅"),
    ),
    Column(
        "state",
        _l("状态"),
        choice("estate.Room", "state", {"自住": "occupied", "入住": "occupied"}),
        False,
        ("房屋状态", "状态", "state"),
        "estate.Room",
        "state",
        sample="已入住",
        note=_l("未售、空置、已入住、装修中、出租；空则为空置"),
    ),
    Column(
        "orientation",
        _l("朝向"),
        choice("estate.Room", "orientation", {"南": "S", "北": "N", "东": "E", "西": "W"}),
        False,
        ("朝向", "orientation"),
        "estate.Room",
        "orientation",
        sample="南北通透",
    ),
    Column("layout", _l("户型"), text(30), False, ("户型", "layout"), "estate.Room", "layout", sample="三室两厅"),
    Column(
        "delivered_on",
        _l("交付日期"),
        a_date,
        False,
        ("交付日期", "交房日期", "delivered"),
        "estate.Room",
        "delivered_on",
        sample="2020-06-30",
    ),
]

RESIDENT_COLUMNS = [
    Column(
        "room_code",
        _l("房屋编号"),
        text(60),
        False,
        ("房屋编号", "房屋", "房屋代码", "房产", "room code", "house"),
        sample="3-2-1502",
        note=_l("楼栋-单元-房号，如 3-2-1502 或 3栋2单元1502室；也可分三列填写"),
    ),
    Column(
        "building",
        _l("楼栋"),
        place("building"),
        False,
        ("楼栋号", "楼号", "栋", "楼栋", "building"),
        note=_l("不填房屋编号时必填"),
    ),
    Column("unit", _l("单元"), place("unit"), False, ("单元号", "单元", "unit")),
    Column(
        "number",
        _l("房号"),
        place("room"),
        False,
        ("房号", "房间号", "室号", "门牌号", "room", "room no"),
        note=_l("不填房屋编号时必填"),
    ),
    Column(
        "name",
        _l("姓名"),
        text(50),
        True,
        ("姓名", "业主姓名", "住户姓名", "业户姓名", "客户名称", "name"),
        "estate.Resident",
        "name",
        sample="张三",
    ),
    Column(
        "phone",
        _l("手机"),
        phone,
        False,
        ("手机", "手机号", "手机号码", "联系电话", "电话", "mobile", "phone"),
        "estate.Resident",
        "phone",
        sample="138-1234-5678",
        note=_l("手机或座机；+86、空格、横线会自动去掉"),
        sensitive="phone",
    ),
    Column(
        "relation",
        _l("关系"),
        choice(
            "estate.Occupancy", "relation", {"户主": "owner", "家属": "family", "租客": "tenant", "承租人": "tenant"}
        ),
        False,
        ("关系", "与房屋关系", "身份", "业户类型", "relation"),
        sample="业主",
        note=_l("业主、共有人、家庭成员、租户、紧急联系人；空则为业主"),
    ),
    Column("start", _l("起始日期"), a_date, False, ("起始日期", "入住日期", "开始日期", "start"), sample="2024-03-01"),
    Column(
        "gender",
        _l("性别"),
        choice("estate.Resident", "gender"),
        False,
        ("性别", "gender"),
        "estate.Resident",
        "gender",
        sample="男",
    ),
    Column(
        "id_type",
        _l("证件类型"),
        choice("estate.Resident", "id_type", {"身份证": "id_card"}),
        False,
        ("证件类型", "id type"),
        "estate.Resident",
        "id_type",
        sample="居民身份证",
    ),
    Column(
        "id_number",
        _l("证件号码"),
        id_number,
        False,
        ("证件号码", "身份证号", "身份证号码", "身份证", "id number"),
        "estate.Resident",
        "id_number",
        sample="330106199001011237",
        note=_l("导出和页面上均显示为掩码"),
        sensitive="id",
    ),
    Column("note", _l("备注"), text(200), False, ("备注", "说明", "note", "remark"), "estate.Resident", "note"),
]

_COLUMNS = {ImportKind.ROOMS: ROOM_COLUMNS, ImportKind.RESIDENTS: RESIDENT_COLUMNS}


@cache
def _existing(kind: str) -> tuple[Column, ...]:
    return tuple(c for c in _COLUMNS[ImportKind(kind)] if c.exists())


def columns(kind: str) -> list[Column]:
    """The columns of a kind whose model attribute exists in this version of the estate models."""
    return list(_existing(str(kind)))


@cache
def _by_name(kind: str) -> dict[str, Column]:
    return {c.name: c for c in _existing(kind)}


def column_map(kind: str) -> dict[str, Column]:
    return _by_name(str(kind))


# ------------------------------------------------------------------ guessing the mapping

_HEADER_NOISE = re.compile(r"[\s*＊:：()（）\[\]【】]|必填|选填|可空")


def header_key(header: str) -> str:
    return _HEADER_NOISE.sub("", header or "").lower()


def guess_mapping(kind: str, headers: list[str], remembered: dict[str, str] | None = None) -> dict[str, int]:
    """Field → column index. The company's remembered mapping (header text → field) wins, then
    headers equal to a field's label or alias, then headers containing one (longest first)."""
    cols = columns(kind)
    names = {c.name for c in cols}
    keys = [header_key(h) for h in headers]
    mapping: dict[str, int] = {}
    taken: set[int] = set()

    def assign(field: str, index: int) -> None:
        if field in names and field not in mapping and index not in taken:
            mapping[field] = index
            taken.add(index)

    for index, key in enumerate(keys):
        field = (remembered or {}).get(key)
        if key and field:
            assign(field, index)
    for col in cols:
        candidates = {header_key(str(col.label)), *(header_key(a) for a in col.aliases)}
        for index, key in enumerate(keys):
            if key and key in candidates:
                assign(col.name, index)
                break
    pairs = sorted(
        ((len(header_key(a)), col.name, header_key(a)) for col in cols for a in (*col.aliases, str(col.label))),
        reverse=True,
    )
    for _length, field, alias in pairs:
        if len(alias) < 2:
            continue
        for index, key in enumerate(keys):
            if alias in key:
                assign(field, index)
                break
    return mapping
