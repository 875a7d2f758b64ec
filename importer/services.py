"""Every write of the importer: upload → map columns → stage (validate every row) → fix or skip →
commit in ONE transaction. Keyword-only functions named <thing>_<verb>; refusals raise
ServiceError subclasses with a translated message and change nothing."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.choices import Role
from core.errors import ActionRefused, Conflict, ServiceError
from core.notify import notify
from estate.models import Building, Occupancy, Resident, ResidentNameGram, Room, Unit
from estate.normalize import name_grams, name_initials, name_pinyin, phone_last4
from importer.bulk import fast_create, fast_insert
from importer.choices import ImportKind, SessionStatus
from importer.fields import column_map, columns, guess_mapping, header_key
from importer.models import ColumnMapping, ImportRow, ImportSession
from importer.reader import FileRefused, check_file, open_table
from importer.validate import Context, check_row, db_check, mark_duplicates, name_key

log = logging.getLogger(__name__)

IMPORT_ROLES = frozenset({Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROJECT_MANAGER, Role.COMPANY_ADMIN})
BATCH = 2000


def may_import(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (user.is_superuser or user.role in IMPORT_ROLES)


def inline_limit() -> int:
    """Files up to this size are staged and committed in the request; larger ones by the worker."""
    return getattr(settings, "IMPORTER_INLINE_MAX_BYTES", 512 * 1024)


def _check_actor(actor, project) -> None:
    if not may_import(actor):
        raise ActionRefused(_("只有客服主管、客服经理、项目经理和公司管理员可以导入数据。"))
    if project.pk not in actor.project_ids():
        raise ActionRefused(_("您不负责这个项目。"))


# ------------------------------------------------------------------ upload and mapping


def session_upload(*, actor, project, kind: str, upload) -> ImportSession:
    """Store the file if it is a readable spreadsheet and guess the column mapping (the company's
    remembered one first). Nothing is stored for a refused file."""
    _check_actor(actor, project)
    if kind not in ImportKind.values:
        raise ServiceError(_("未知的导入类型。"))
    fmt = check_file(upload)
    upload.seek(0)
    table = open_table(upload, fmt)
    headers = table.headers
    upload.seek(0)
    remembered = (
        ColumnMapping.objects.filter(company_id=project.company_id, kind=kind).values_list("columns", flat=True).first()
    )
    mapping = guess_mapping(kind, headers, remembered)
    with transaction.atomic():
        session = ImportSession(
            company_id=project.company_id,
            project=project,
            kind=kind,
            file_name=(upload.name or "upload")[-200:],
            file_format=fmt,
            file_size=upload.size,
            sheet=table.sheet,
            header_row=table.header_row,
            headers=headers,
            mapping=mapping,
            created_by=actor,
            progress_total=table.estimated_rows,
        )
        session.file.save(f"import.{fmt}", upload, save=False)
        session.save()
        audit_record(actor=actor, obj=session, action="upload", changes={"file": session.file_name, "kind": kind})
    return session


def mapping_problems(kind: str, mapping: dict[str, int | None], width: int) -> list[str]:
    cols = column_map(kind)
    used: dict[int, str] = {}
    problems = []
    for field, index in mapping.items():
        if index is None:
            continue
        if field not in cols or not 0 <= index < width:
            problems.append(_("列匹配无效。"))
            continue
        if index in used:
            problems.append(
                _("同一列不能同时匹配“%(a)s”和“%(b)s”。") % {"a": cols[used[index]].label, "b": cols[field].label}
            )
        used[index] = field
    for col in cols.values():
        if col.required and mapping.get(col.name) is None:
            problems.append(_("必须指定“%(field)s”对应的列。") % {"field": col.label})
    if kind == ImportKind.RESIDENTS:
        has_code = mapping.get("room_code") is not None
        if not has_code and (mapping.get("building") is None or mapping.get("number") is None):
            problems.append(_("请指定“房屋编号”列，或“楼栋”和“房号”两列。"))
    return problems


def session_map(*, actor, session: ImportSession, mapping: dict[str, int | None]) -> ImportSession:
    """Confirm the mapping, remember it for the company and kind, and start staging."""
    _check_actor(actor, session.project)
    if session.status not in (SessionStatus.MAPPING, SessionStatus.REVIEW, SessionStatus.FAILED):
        raise ActionRefused(_("这个导入批次已经在处理或已完成，不能再修改列匹配。"))
    problems = mapping_problems(session.kind, mapping, len(session.headers))
    if problems:
        raise ServiceError(" ".join(dict.fromkeys(problems)))
    clean = {f: i for f, i in mapping.items() if i is not None}
    with transaction.atomic():
        claimed = ImportSession.objects.filter(
            pk=session.pk, status__in=[SessionStatus.MAPPING, SessionStatus.REVIEW, SessionStatus.FAILED]
        ).update(status=SessionStatus.STAGING, mapping=clean, progress_done=0, message="")
        if not claimed:
            raise Conflict(_("这个导入批次刚被别人处理过，请刷新页面。"))
        remembered = {header_key(session.headers[i]): f for f, i in clean.items() if header_key(session.headers[i])}
        ColumnMapping.objects.update_or_create(
            company_id=session.company_id,
            kind=session.kind,
            defaults={"columns": remembered, "updated_by": actor},
        )
        session.rows.all().delete()  # staging rows of an earlier mapping; nothing has been imported
    session.refresh_from_db()
    return session


# ------------------------------------------------------------------ staging


def _progress(session_id: int, **fields) -> None:
    ImportSession.objects.filter(pk=session_id).update(**fields)


def session_stage(*, session_id: int) -> ImportSession:
    """Read every row, clean and check it, and keep it with its errors. Runs in the request for a
    small file and in the worker for a large one; progress is written as it goes."""
    session = ImportSession.objects.select_related("project").get(pk=session_id)
    if session.status != SessionStatus.STAGING:
        return session
    kind = session.kind
    mapping = session.mapping
    try:
        with session.file.open("rb") as fh:
            table = open_table(fh, session.file_format)
            ctx = Context(session.project, preload=True, kind=kind)
            staged: list[ImportRow] = []
            empty = 0
            for number, cells in table.rows:
                values = {f: cells[i] for f, i in mapping.items() if i < len(cells)}
                if not any(values.values()):
                    empty += 1
                    continue
                checked = check_row(kind, values, ctx)
                staged.append(
                    ImportRow(
                        session=session, number=number, data=checked.data, errors=checked.errors, key=checked.key[:200]
                    )
                )
                if len(staged) % BATCH == 0:
                    _progress(session.pk, progress_done=len(staged) // 2)
        total = len(staged)
        if not total:
            raise FileRefused(_("文件中没有数据行。"))
        mark_duplicates(kind, staged)
        for row in staged:
            row.has_errors = bool(row.errors)
        _progress(session.pk, progress_total=total, progress_done=total // 2)
        with transaction.atomic():
            session.rows.all().delete()
            fast_insert(
                ImportRow,
                ["session", "number", "data", "errors", "has_errors", "skipped", "key", "edited"],
                ((session.pk, r.number, r.data, r.errors, r.has_errors, False, r.key, False) for r in staged),
            )
        errors = sum(1 for r in staged if r.has_errors)
        ImportSession.objects.filter(pk=session.pk).update(
            status=SessionStatus.REVIEW,
            total_rows=total,
            error_rows=errors,
            skipped_rows=0,
            empty_rows=empty,
            progress_total=total,
            progress_done=total,
            message="",
        )
    except ServiceError as exc:
        _progress(session.pk, status=SessionStatus.FAILED, message=exc.message, finished_at=timezone.now())
    except Exception as exc:  # a broken file found half-way: say so instead of hanging at "校验中"
        log.exception("import staging failed")
        _progress(
            session.pk,
            status=SessionStatus.FAILED,
            message=_("读取文件时出错，没有导入任何数据：%(error)s") % {"error": exc},
            finished_at=timezone.now(),
        )
    session.refresh_from_db()
    return session


def _update_counts(session: ImportSession) -> None:
    counts = session.rows.aggregate(
        errors=Count("id", filter=Q(has_errors=True, skipped=False)), skipped=Count("id", filter=Q(skipped=True))
    )
    ImportSession.objects.filter(pk=session.pk).update(error_rows=counts["errors"], skipped_rows=counts["skipped"])
    session.error_rows, session.skipped_rows = counts["errors"], counts["skipped"]


def _recheck(session: ImportSession, changed: list[ImportRow], old_keys: set[str]) -> list[ImportRow]:
    """Re-check the changed rows and every row sharing a duplicate key with them before or after."""
    ctx = Context(session.project, preload=False)
    for row in changed:
        if row.skipped:
            continue
        checked = check_row(session.kind, row.data, ctx)
        row.data, row.errors, row.key = checked.data, checked.errors, checked.key[:200]
    keys = (old_keys | {r.key for r in changed}) - {""}
    others = list(session.rows.filter(key__in=keys).exclude(pk__in=[r.pk for r in changed])) if keys else []
    for row in others:
        if not row.skipped:
            checked = check_row(session.kind, row.data, ctx)
            row.data, row.errors, row.key = checked.data, checked.errors, checked.key[:200]
    everything = changed + others
    mark_duplicates(session.kind, everything)
    for row in everything:
        row.has_errors = bool(row.errors) and not row.skipped
    ImportRow.objects.bulk_update(everything, ["data", "errors", "key", "has_errors", "skipped", "edited"])
    return everything


def _check_review(actor, session: ImportSession) -> None:
    _check_actor(actor, session.project)
    if session.status != SessionStatus.REVIEW:
        raise ActionRefused(_("只有待确认的导入批次可以修改。"))
    if session.purged_at:
        raise ActionRefused(_("暂存数据已按个人信息保存期限清除，请重新上传文件。"))


def row_fix(*, actor, row: ImportRow, field: str, value: str) -> ImportRow:
    """Correct one cell of a staged row and re-check it (and its duplicates)."""
    session = row.session
    _check_review(actor, session)
    if field not in column_map(session.kind):
        raise ServiceError(_("未知的列。"))
    if row.skipped:
        raise ActionRefused(_("这一行已跳过；先取消跳过再修改。"))
    with transaction.atomic():
        row = ImportRow.objects.select_for_update().get(pk=row.pk)
        old_key = row.key
        row.data = dict(row.data)
        row.data[field] = str(value or "")
        row.edited = True
        _recheck(session, [row], {old_key})
        _update_counts(session)
    return row


def row_skip(*, actor, row: ImportRow, skip: bool = True) -> ImportRow:
    """Leave a row out of the import (or take it back in); its duplicates are re-checked."""
    session = row.session
    _check_review(actor, session)
    with transaction.atomic():
        row = ImportRow.objects.select_for_update().get(pk=row.pk)
        row.skipped = skip
        if skip:
            row.errors = row.errors  # kept for the record; has_errors is cleared by _recheck
        _recheck(session, [row], {row.key})
        _update_counts(session)
    return row


# ------------------------------------------------------------------ commit


class StaleRows(ServiceError):
    """Rows that were fine when staged fail now (someone added the same room meanwhile)."""

    def __init__(self, message: str, *, rows: list[ImportRow]):
        super().__init__(message)
        self.rows = rows


def session_commit(*, actor, session: ImportSession) -> ImportSession:
    """Claim a reviewed session for the import: refused while rows have errors."""
    _check_review(actor, session)
    session.refresh_from_db()
    if session.error_rows:
        raise ActionRefused(_("还有 %(n)s 行有错误：请修改或跳过后再导入。") % {"n": session.error_rows})
    if not session.ready_rows:
        raise ActionRefused(_("没有可导入的行。"))
    claimed = ImportSession.objects.filter(pk=session.pk, status=SessionStatus.REVIEW).update(
        status=SessionStatus.COMMITTING, message=""
    )
    if not claimed:
        raise Conflict(_("这个导入批次刚被别人处理过，请刷新页面。"))
    session.status = SessionStatus.COMMITTING
    return session


def session_commit_run(*, session_id: int) -> ImportSession:
    """Write every row that is not skipped in ONE transaction: all of it or none of it. A failure
    puts the session back to review with the reason; nothing is written."""
    session = ImportSession.objects.select_related("project", "created_by").get(pk=session_id)
    if session.status != SessionStatus.COMMITTING:
        return session
    started = timezone.now()
    try:
        with transaction.atomic():
            if session.kind == ImportKind.ROOMS:
                counts, imported = _commit_rooms(session)
            else:
                counts, imported = _commit_residents(session)
            ImportSession.objects.filter(pk=session.pk).update(
                status=SessionStatus.DONE,
                imported_rows=imported,
                created_counts=counts,
                finished_at=timezone.now(),
                message="",
            )
            audit_record(
                actor=session.created_by,
                obj=session,
                action="import",
                changes={"rows": imported, **counts, "seconds": round((timezone.now() - started).total_seconds(), 1)},
            )
    except StaleRows as exc:
        # after the rollback: the rows show what is wrong now
        for row in exc.rows:
            row.has_errors = True
        ImportRow.objects.bulk_update(exc.rows, ["data", "errors", "key", "has_errors"], batch_size=BATCH)
        _progress(session.pk, status=SessionStatus.REVIEW, message=exc.message)
        _update_counts(session)
    except Exception as exc:
        log.exception("import commit failed")
        message = _("导入失败，没有写入任何数据：%(error)s") % {"error": getattr(exc, "message", None) or exc}
        _progress(session.pk, status=SessionStatus.REVIEW, message=message)
    session.refresh_from_db()
    if session.file_size > inline_limit():  # the importer is waiting for a background job: tell them
        notify(
            [session.created_by],
            title=(_("导入完成：%(name)s") if session.status == SessionStatus.DONE else _("导入未完成：%(name)s"))
            % {"name": session.file_name},
            url=f"/import/{session.pk}/",
        )
    return session


class _Row:
    """A staged row as the commit reads it (tuples, not model instances: 100k of them)."""

    __slots__ = ("pk", "number", "data", "key", "errors", "skipped")

    def __init__(self, pk, number, data, key):
        self.pk, self.number, self.data, self.key, self.errors, self.skipped = pk, number, data, key, {}, False


def _recheck_all(session: ImportSession) -> list[_Row]:
    """Every row that is not skipped, checked again against the database as it is now (each cell
    was cleaned when staged or fixed; what may have changed since is the database: a room added,
    a room removed, a resident registered meanwhile) and against the other rows."""
    ctx = Context(session.project, preload=True, kind=session.kind)
    rows = [
        _Row(*values)
        for values in session.rows.filter(skipped=False).order_by("number").values_list("id", "number", "data", "key")
    ]
    for row in rows:
        checked = check_row(session.kind, row.data, ctx) if not row.key else db_check(session.kind, row, ctx)
        if checked is not None:
            row.data, row.errors, row.key = checked.data, checked.errors, checked.key[:200]
    mark_duplicates(session.kind, rows)
    bad = [r for r in rows if r.errors]
    if bad:
        numbers = "、".join(str(r.number) for r in bad[:10]) + ("…" if len(bad) > 10 else "")
        stale = [ImportRow(pk=r.pk, data=r.data, errors=r.errors, key=r.key, has_errors=True) for r in bad]
        raise StaleRows(
            _("数据库中的数据已变化，第 %(rows)s 行现在有错误，没有导入任何数据。请检查后再导入。") % {"rows": numbers},
            rows=stale,
        )
    return rows


@cache
def _field(model_label: str, attr: str):
    return apps.get_model(model_label)._meta.get_field(attr)


def _model_value(model_label: str, attr: str, text: str):
    field = _field(model_label, attr)
    kind = field.get_internal_type()
    if kind == "DecimalField":
        return Decimal(text)
    if kind == "DateField":
        return date.fromisoformat(text)
    if kind in ("CharField", "TextField"):
        return text
    return field.to_python(text)


def _extras(kind: str, model_label: str, data: dict) -> dict:
    """The values of the columns written straight to a model attribute (floor, area, gender…)."""
    out = {}
    for col in columns(kind):
        if col.model == model_label and col.attr and data.get(col.name) not in (None, ""):
            out[col.attr] = _model_value(model_label, col.attr, data[col.name])
    return out


def _commit_rooms(session: ImportSession) -> tuple[dict, int]:
    rows = _recheck_all(session)
    project = session.project
    buildings = {b.number: b for b in Building.objects.filter(project=project)}
    new_buildings = {}
    floors: dict[str, int] = defaultdict(lambda: 1)
    for row in rows:
        d = row.data
        if d.get("floor"):
            floors[d["building"]] = max(floors[d["building"]], int(d["floor"]))
        if d["building"] not in buildings and d["building"] not in new_buildings:
            new_buildings[d["building"]] = Building(
                project=project, number=d["building"], name=d.get("building_name", "")
            )
    for number, b in new_buildings.items():
        b.floors = floors[number]
    Building.objects.bulk_create(list(new_buildings.values()), batch_size=BATCH)
    buildings.update(new_buildings)
    units = {(u.building_id, u.number): u for u in Unit.objects.filter(building__project=project)}
    new_units = {}
    for row in rows:
        d = row.data
        if d.get("unit"):
            key = (buildings[d["building"]].pk, d["unit"])
            if key not in units and key not in new_units:
                new_units[key] = Unit(building_id=key[0], number=d["unit"])
    Unit.objects.bulk_create(list(new_units.values()), batch_size=BATCH)
    units.update(new_units)
    rooms = []
    for row in rows:
        d = row.data
        building = buildings[d["building"]]
        unit = units[(building.pk, d["unit"])] if d.get("unit") else None
        code = Room.make_code(building.number, unit.number if unit else None, d["number"])
        room = Room(
            project=project,
            building=building,
            unit=unit,
            number=d["number"],
            code=code,
            sort_key=Room.make_sort_key(code),
            **_extras(session.kind, "estate.Room", d),
        )
        rooms.append(room)
    fast_create(rooms)
    counts = {"buildings": len(new_buildings), "units": len(new_units), "rooms": len(rooms)}
    return counts, len(rows)


def _with_derived(resident: Resident, initials, pinyin) -> Resident:
    """What Resident.save() would fill in (bulk_create skips save())."""
    resident.phone_last4 = phone_last4(resident.phone)
    resident.name_initials = initials(resident.name)
    resident.name_pinyin = pinyin(resident.name)
    return resident


def _index_names(residents: list[Resident]) -> None:
    """The estate's name search index (Resident.save() keeps it; bulk_create skips save())."""
    grams = cache(name_grams)
    fast_insert(
        ResidentNameGram,
        ["resident", "project", "gram"],
        ((r.pk, r.project_id, g) for r in residents for g in grams(r.name)),
    )


def _commit_residents(session: ImportSession) -> tuple[dict, int]:
    rows = _recheck_all(session)
    project = session.project
    phones = list({r.data["phone"] for r in rows if r.data.get("phone")})
    existing: dict[tuple[str, str], int] = {}
    for chunk_start in range(0, len(phones), 5000):
        chunk = phones[chunk_start : chunk_start + 5000]
        for pk, name, phone in Resident.objects.filter(project=project, phone__in=chunk).values_list(
            "id", "name", "phone"
        ):
            existing.setdefault((name_key(name), phone), pk)
    new: dict[tuple, Resident] = {}
    row_identity = []
    initials, pinyin = cache(name_initials), cache(name_pinyin)  # pinyin is the slow part; names repeat
    for row in rows:
        d = row.data
        identity = (
            (name_key(d["name"]), d["phone"])
            if d.get("phone")
            else (name_key(d["name"]), "", d["room_code"] if d.get("room_code") else row.key)
        )
        row_identity.append(identity)
        if identity[:2] in existing and len(identity) == 2:
            continue
        if identity not in new:
            new[identity] = _with_derived(
                Resident(project=project, **_extras(session.kind, "estate.Resident", d)), initials, pinyin
            )
    fresh = fast_create(list(new.values()))
    _index_names(fresh)

    def occupancies():
        for row, identity in zip(rows, row_identity, strict=True):
            d = row.data
            resident_id = new[identity].pk if identity in new else existing[identity[:2]]
            start = date.fromisoformat(d["start"]) if d.get("start") else None
            yield int(d["room_id"]), resident_id, d.get("relation") or "owner", start, None

    written = fast_insert(Occupancy, ["room", "resident", "relation", "start", "end"], occupancies())
    counts = {
        "residents": len(fresh),
        "linked": len(rows) - sum(1 for i in row_identity if i in new),
        "occupancies": written,
    }
    return counts, len(rows)
