"""Excel out: the request list as filtered on its page, rooms and residents of a project, and the
import templates. Every row goes through core.sheets.sheet_row, so user-entered text stays text
(never a formula). Workbooks are written in openpyxl's write-only mode to a temporary file
(100k rows stay in constant memory) and rows are read in keyset chunks (core.paging.keyset_rows). Phones are masked unless
the user's role may see them in full; ID numbers are always masked. Every export of personal data
is recorded with core.privacy.record_export."""

from __future__ import annotations

from urllib.parse import quote

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import DESK_ROLES, SUPERVISING_ROLES, Role
from core.paging import keyset_rows
from core.privacy import mask_id, mask_phone, may_reveal, record_export
from core.sheets import sheet_row, sheet_value, stamp, xlsx_response  # noqa: F401 -- re-exported
from importer.choices import ImportKind
from importer.fields import Column, columns
from importer.reader import NOTES_SHEET

# Finance exports paid-repair lists; it does not see full phone numbers, so they come out masked.
EXPORT_ROLES = frozenset(DESK_ROLES | SUPERVISING_ROLES | {Role.FINANCE})


def may_export_requests(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in EXPORT_ROLES)


def _phone_out(user):
    full = may_reveal(user, "phone")
    return (lambda v: v or "") if full else (lambda v: mask_phone(v or ""))


def _local(dt):
    return timezone.localtime(dt).replace(tzinfo=None) if dt else None


# ------------------------------------------------------------------ requests


def export_requests(user, qs: QuerySet, filters: dict) -> FileResponse:
    phone = _phone_out(user)
    qs = qs.select_related("project", "room", "resident", "category", "department", "assignee", "receiver").defer(
        "search_grams", "description", "result", "reply", "visit_comment"
    )
    headers = [
        _("单号"),
        _("项目"),
        _("类型"),
        _("状态"),
        _("级别"),
        _("分类"),
        _("房屋"),
        _("联系人"),
        _("联系电话"),
        _("标题"),
        _("处理部门"),
        _("处理人"),
        _("受理人"),
        _("登记时间"),
        _("时限"),
    ]

    def rows():
        for sr in keyset_rows(qs):
            contact = sr.caller_name or (sr.resident.name if sr.resident_id else "")
            number = sr.caller_phone or (sr.resident.phone if sr.resident_id else "")
            yield [
                sr.number,
                sr.project.name,
                sr.get_kind_display(),
                sr.get_state_display(),
                sr.get_severity_display(),
                sr.category.name if sr.category_id else "",
                sr.room.code if sr.room_id else "",
                contact,
                phone(number),
                sr.title,
                sr.department.name if sr.department_id else "",
                sr.assignee.name if sr.assignee_id else "",
                sr.receiver.name if sr.receiver_id else "",
                _local(sr.created_at),
                _local(getattr(sr, "due_at", None)),
            ]

    title = _("工单")
    response, count = xlsx_response(f"{title}-{stamp()}.xlsx", title, headers, rows())
    record_export(user=user, what=_("工单列表"), filters=filters, rows=count)
    return response


# ------------------------------------------------------------------ rooms and residents


def _display(col: Column, value, obj=None) -> object:
    """A model value as the import template expects it (choice labels, plain numbers)."""
    if value in (None, ""):
        return ""
    if obj is not None and col.attr and obj._meta.get_field(col.attr).choices:
        return getattr(obj, f"get_{col.attr}_display")()
    if hasattr(value, "as_tuple"):  # Decimal
        return float(value)
    return value


def export_rooms(user, *, project, building=None, state="", use="", tag=None) -> FileResponse:
    from estate.models import Occupancy, Room

    phone = _phone_out(user)
    cols = [c for c in columns(ImportKind.ROOMS) if c.name != "building_name"]
    qs = Room.objects.filter(project=project).select_related("building", "unit")
    if building:
        qs = qs.filter(building=building)
    if state:
        qs = qs.filter(state=state)
    if use:
        qs = qs.filter(use=use)
    if tag:
        qs = qs.filter(pk__in=Occupancy.objects.current().filter(resident__care_tags=tag).values("room_id"))
    owners = Occupancy.objects.current().filter(relation="owner").select_related("resident").order_by("id")
    qs = qs.prefetch_related(Prefetch("occupancies", queryset=owners, to_attr="owners"))
    headers = [str(c.label) for c in cols] + [_("房屋编号"), _("业主"), _("业主电话")]

    def value(room, col):
        if col.name == "building":
            return room.building.number
        if col.name == "unit":
            return room.unit.number if room.unit_id else ""
        if col.name == "number":
            return room.number
        return _display(col, getattr(room, col.attr, ""), room)

    def rows():
        for room in keyset_rows(qs):
            yield [value(room, c) for c in cols] + [
                room.code,
                "、".join(o.resident.name for o in room.owners),
                "、".join(phone(o.resident.phone) for o in room.owners if o.resident.phone),
            ]

    title = _("房屋")
    response, count = xlsx_response(f"{project.name}-{title}-{stamp()}.xlsx", title, headers, rows())
    record_export(
        user=user,
        what=_("房屋及业主"),
        filters={
            "project": project.pk,
            "building": getattr(building, "pk", None),
            "state": state,
            "use": use,
            "tag": getattr(tag, "pk", None),
        },
        rows=count,
    )
    return response


def export_residents(user, *, project, building=None, relation="") -> FileResponse:
    from estate.models import Occupancy

    phone = _phone_out(user)
    cols = [c for c in columns(ImportKind.RESIDENTS) if c.name not in ("building", "unit", "number")]
    qs = Occupancy.objects.current().filter(room__project=project).select_related("room", "resident")
    if building:
        qs = qs.filter(room__building=building)
    if relation:
        qs = qs.filter(relation=relation)
    headers = [str(c.label) for c in cols]

    def value(occ, col):
        r = occ.resident
        if col.name == "room_code":
            return occ.room.code
        if col.name == "relation":
            return occ.get_relation_display()
        if col.name == "start":
            return occ.start or ""
        raw = getattr(r, col.attr, "") if col.attr else ""
        if col.sensitive == "phone":
            return phone(raw)
        if col.sensitive == "id":
            return mask_id(raw or "")
        return _display(col, raw, r)

    def rows():
        for occ in keyset_rows(qs):
            yield [value(occ, c) for c in cols]

    response, count = xlsx_response(f"{project.name}-{_('业户')}-{stamp()}.xlsx", _("业户"), headers, rows())
    record_export(
        user=user,
        what=_("业户名单"),
        filters={"project": project.pk, "building": getattr(building, "pk", None), "relation": relation},
        rows=count,
    )
    return response


# ------------------------------------------------------------------ templates


def template_response(kind: str):
    """An .xlsx to fill in: the headers (required ones marked *), a sample row, and a notes sheet."""
    import io

    import openpyxl
    from django.http import HttpResponse
    from openpyxl.styles import Font, PatternFill

    cols = columns(kind)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = _("数据")
    ws.append(sheet_row(f"{c.label}*" if c.required else str(c.label) for c in cols))
    ws.append(sheet_row(c.sample for c in cols))
    for i, c in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="FFFFFF" if c.required else "000000")
        cell.fill = PatternFill("solid", fgColor="C0392B" if c.required else "D9E1F2")
        ws.column_dimensions[cell.column_letter].width = max(10, len(str(c.label)) * 2 + 4)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet(NOTES_SHEET)
    notes.append([_("列名"), _("是否必填"), _("说明"), _("示例")])
    for c in cols:
        notes.append(sheet_row([str(c.label), _("必填") if c.required else _("可空"), str(c.note), c.sample]))
    notes.append([])
    notes.append([_("第一行是列名，从第二行起每行一条记录；示例行请删除或改成真实数据。")])
    notes.append([_("数字可以是全角，前后空格会自动去掉；合并的单元格按其内容填到每一行。")])
    if kind == ImportKind.RESIDENTS:
        notes.append([_("房屋必须已经存在（先导入楼栋/单元/房屋）；同名同手机号的业户视为同一人。")])
    for letter, width in zip("ABCD", (16, 10, 60, 20), strict=True):
        notes.column_dimensions[letter].width = width
    for cell in notes[1]:
        cell.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    template_word = _("导入模板")
    name = f"{template_word}-{ImportKind(kind).label}.xlsx".replace("/", "-")
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
