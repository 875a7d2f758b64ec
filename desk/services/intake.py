"""Registering a request: what the desk takes down (`Intake`), checked against the references read
in one statement, the number, the request and its first timeline entry written in one statement on
PostgreSQL, and the dispatch the company may ask to follow at once."""

from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import sql
from core.errors import ActionRefused, ServiceError
from core.models import Department, Project
from core.phone import normalize_phone
from core.sql import build, insert_columns, insert_params, quote, select_list
from core.text import text_limit
from desk import events, rules, sla
from desk.choices import DESK_HANDLED_KINDS, Action, Channel, Kind, Severity, State, Validity
from desk.dispatch import first_receiver
from desk.intake import related_room_for
from desk.models import Category, DeskSettings, RequestEvent, ServiceRequest, SlaPolicy
from desk.search import grams
from desk.services.dispatch import request_dispatch
from desk.services.numbers import _counter_sql, next_number, number_key
from desk.suggest import learn
from estate.models import Resident, Room
from estate.selectors import resident_scope

# What a resident reports from their own pages.
RESIDENT_KINDS = frozenset({Kind.REPAIR, Kind.COMPLAINT})


@dataclass
class Intake:
    """What the desk takes down on a call; validated by `request_register`."""

    project_id: int
    kind: str
    title: str
    description: str = ""
    channel: str = "phone"
    category_id: int | None = None
    severity: str = Severity.GENERAL
    validity: str = ""
    paid: bool | None = None
    room_id: int | None = None
    resident_id: int | None = None
    caller_name: str = ""
    caller_phone: str = ""
    location: str = ""
    related_room_id: int | None = None  # the other household concerned (desk/intake.py)


_DESCRIPTION = text_limit(ServiceRequest, "description")


def _validate_intake(actor, data: Intake):
    errors: dict[str, list[str]] = {}

    def err(field, message):
        errors.setdefault(field, []).append(message)

    if not rules.can_register(actor, data.project_id):
        raise ActionRefused(_("您不能在这个项目登记工单。"))
    if actor.is_resident:
        _resident_intake(actor, data)
    if data.kind not in Kind.values:
        err("kind", _("请选择工单类型。"))
    if not data.title.strip():
        err("title", _("请填写标题。"))
    for field, limit in (("title", 200), ("caller_name", 50), ("location", 200), ("description", _DESCRIPTION)):
        if len(getattr(data, field).strip()) > limit:
            err(field, _("最多 %(limit)s 个字。") % {"limit": limit})
    project, room, resident, category, policy = _intake_refs(data)
    related_room = related_room_for(data, room, err)
    if data.room_id and room is None:
        err("room", _("房屋不存在或不属于这个项目。"))
    if data.resident_id and resident is None:
        err("resident", _("业户不存在或不属于这个项目。"))
    if data.category_id and category is None:
        err("category", _("分类不存在或已停用。"))
    if data.kind == Kind.COMPLAINT:
        if data.validity and data.validity not in Validity.values:
            err("validity", _("投诉性质无效。"))
    elif data.validity:
        err("validity", _("只有投诉区分有效与无效。"))
    if data.paid is not None and data.kind != Kind.REPAIR:
        err("paid", _("只有报修区分有偿与无偿。"))
    if data.severity not in Severity.values:
        err("severity", _("级别无效。"))
    if data.channel not in {c for c, _label in ServiceRequest._meta.get_field("channel").choices}:
        err("channel", _("来源无效。"))
    phone = ""
    if data.caller_phone.strip():
        try:
            phone = normalize_phone(data.caller_phone)
        except ValidationError as exc:
            err("caller_phone", exc.messages[0])
    if not (room or data.location.strip() or errors.get("room")):
        err("location", _("请选择房屋或填写位置（公共区域）。"))
    if errors:
        raise ValidationError(errors)
    return project, room, resident, category, policy, phone, related_room


def _resident_intake(actor, data: Intake) -> None:
    """A resident reports for one of their current rooms, as themselves, through the residents'
    pages; the desk decides the severity, the validity and who pays."""
    if data.channel != Channel.PORTAL:  # the desk's channels are the desk's
        raise ActionRefused(_("您不能在这个项目登记工单。"))
    scope = resident_scope(actor)
    if data.room_id not in scope.rooms:
        raise ActionRefused(_("只能为自己居住的房屋报事。"))
    if data.kind not in RESIDENT_KINDS:
        raise ActionRefused(_("请选择报修或投诉。"))
    data.resident_id = scope.resident_id
    data.severity, data.validity, data.paid = Severity.GENERAL, "", None


def _intake_refs(data: Intake):
    """The project; the room, resident and category the intake names when they belong to it (else
    None); and the time-limit policy that applies (sla.policy_for): one statement, as this runs on
    every registration (core/sql.py)."""
    with sql.cursor() as cursor:
        cursor.execute(
            _intake_refs_sql(connection.vendor),
            [
                data.room_id,
                data.resident_id,
                data.category_id,
                True,
                data.kind,
                data.severity,
                True,
                data.category_id,
                data.project_id,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None, None, None, None, None
    project, at = build(Project, row)
    room, at = build(Room, row, at)
    resident, at = build(Resident, row, at)
    category, at = build(Category, row, at)
    policy, at = build(SlaPolicy, row, at)
    if room is not None:
        room.project = project
    # The company's "dispatch on registration to the category's department" (DeskSettings), read
    # with the references: registering reads nothing more when it is off.
    project.auto_dispatch = bool(row[at])
    return project, room, resident, category, policy


@cache
def _intake_refs_sql(vendor: str) -> str:
    q = quote
    pk, project_id = q("id"), q("project_id")
    policy = sla.policy_choice_sql(f"p.{q('company_id')}", f"p.{pk}")
    return (
        f"SELECT {select_list(Project, 'p')}, {select_list(Room, 'r')}, {select_list(Resident, 'res')},"
        f" {select_list(Category, 'c')}, {select_list(SlaPolicy, 'chosen')},"
        f" (SELECT ds.{q('auto_dispatch')} FROM {q(DeskSettings._meta.db_table)} ds"
        f" WHERE ds.{q('company_id')} = p.{q('company_id')})"
        f" FROM {q(Project._meta.db_table)} p"
        f" LEFT JOIN {q(Room._meta.db_table)} r ON r.{pk} = %s AND r.{project_id} = p.{pk}"
        f" LEFT JOIN {q(Resident._meta.db_table)} res ON res.{pk} = %s AND res.{project_id} = p.{pk}"
        f" LEFT JOIN {q(Category._meta.db_table)} c ON c.{pk} = %s AND c.{q('active')} = %s"
        f" AND c.{q('company_id')} = p.{q('company_id')}"
        f" LEFT JOIN {q(SlaPolicy._meta.db_table)} chosen ON chosen.{pk} = {policy}"
        f" WHERE p.{pk} = %s"
    )


def request_register(*, actor, data: Intake) -> ServiceRequest:
    """Register a request with its first timeline entry. The references are read and checked
    first; the writes are one statement on PostgreSQL, one transaction elsewhere; the words of its
    text are counted for the intake's suggestion in the same transaction (desk/suggest.py)."""
    project, room, resident, category, policy, phone, related_room = _validate_intake(actor, data)
    receiver = _first_receiver(actor, project)
    if resident and not data.caller_name:
        data.caller_name = resident.name
    if resident and not phone:
        phone = resident.phone
    now = timezone.now()
    sr = ServiceRequest(
        project=project,  # read with the references: the deadlines need it
        kind=data.kind,
        channel=data.channel,
        category=category,
        severity=data.severity,
        validity=(data.validity or Validity.VALID) if data.kind == Kind.COMPLAINT else "",
        paid=data.paid if data.kind == Kind.REPAIR else None,
        room=room,
        resident=resident,
        related_room=related_room,
        caller_name=data.caller_name.strip(),
        caller_phone=phone,
        location=data.location.strip(),
        title=data.title.strip(),
        description=data.description.strip(),
        receiver=receiver,
        needs_return_visit=data.kind == Kind.COMPLAINT,  # repairs: decided when resolved (sla.choose_return_visit)
        created_at=now,
        updated_at=now,
    )
    sr.search_grams = grams(sr.title, sr.description, sr.location)
    sla.plan(sr, policy=policy)  # deadlines go into the same INSERT
    event = RequestEvent(
        actor=actor,
        at=now,
        action=Action.REGISTER,
        from_state=None,
        to_state=State.REGISTERED,
        note=sr.description[:500],
        data={"channel": sr.channel},
    )
    with transaction.atomic(savepoint=False):  # checked above: only the database can fail in here
        if connection.vendor == "postgresql":
            _insert_registration(sr, event)
        else:
            _insert_registration_portably(sr, event)
        learn(sr)
    events.registered(sr)  # listeners outside the desk (webhooks), once this commits
    # Kept on the request for the caller (the API answers with the new request's timeline).
    sr.registered_event = event
    sr.new_events = [event]
    if receiver.pk != actor.pk:
        _tell_receiver(actor, sr)
    if project.auto_dispatch:
        # a resident's report is sent on by its receiver (the desk), as the desk's own are
        dispatched = _auto_dispatch(receiver, sr)
        if dispatched is not None:
            sr.new_events.append(dispatched)
    return sr


def _first_receiver(actor, project):
    """The request's first receiver (首问责任人): whoever registers it at the desk; for a resident's
    report from the app, the desk person on duty (desk/dispatch.py `first_receiver`): the resident
    is its reporter (the REGISTER entry's actor), never its receiver. See docs/decisions.md."""
    if not actor.is_resident:
        return actor
    receiver = first_receiver(project.pk)
    if receiver is None:
        raise ActionRefused(_("物业服务中心暂未开通手机报事，请致电物业服务中心。"))
    return receiver


def _tell_receiver(actor, sr: ServiceRequest) -> None:
    """The desk person who received a resident's report is told at once (in their language)."""
    from desk.notifications import tell

    tell(
        actor=actor,
        request=sr,
        recipients=[sr.receiver],
        write=lambda: (
            _("业主在手机上报事 %(number)s：%(title)s") % {"number": sr.number, "title": sr.title[:40]},
            _("%(room)s 的业户报事，您是首问责任人，请受理并派单。")
            % {"room": sr.room.code if sr.room_id else sr.location},
        ),
    )


def _auto_dispatch(actor, sr: ServiceRequest) -> RequestEvent | None:
    """Right after registering, when the company asks for it (DeskSettings.auto_dispatch): a
    normal dispatch by the registering person to the department the category names, if the
    project has it and somebody there may take the work. Otherwise (or when the rules refuse,
    e.g. an invalid complaint) the request stays registered for the desk to dispatch by hand."""
    category = sr.category
    if category is None or not category.department_kind or sr.kind in DESK_HANDLED_KINDS:
        return None
    department = Department.objects.filter(project_id=sr.project_id, kind=category.department_kind).first()
    if department is None:
        return None
    try:
        return request_dispatch(
            actor=actor,
            request=sr,
            department=department,
            note=_("按分类“%(category)s”自动派给默认处理部门。") % {"category": category.name},
            auto=True,
        )
    except (ServiceError, ValidationError):
        return None


def _insert_registration_portably(sr: ServiceRequest, event: RequestEvent) -> None:
    """The number, the request and its first timeline entry in one transaction, through the ORM."""
    with transaction.atomic():
        sr.number = next_number(sr.kind, sr.created_at)
        sr.save(force_insert=True)
        event.request = sr
        event.save(force_insert=True)


def _insert_registration(sr: ServiceRequest, event: RequestEvent) -> None:
    """PostgreSQL: take the number, insert the request and its first timeline entry in ONE
    statement (core/sql.py): the counter as `next_number` takes it, the number formatted as it
    formats it."""
    key = number_key(sr.kind, sr.created_at)
    sr.number = key  # the statement puts the counter's value after it
    event.request_id = 0  # the statement puts the new request's id in its place
    params = insert_params(sr)
    event_params = insert_params(event)
    del event_params[_EVENT_REQUEST_AT]
    # NULLs are written into the statement (one cached text per pattern of NULLs, a handful in
    # practice): it keeps the parameters under psycopg's limit for reusing a parsed statement.
    nulls = tuple(value is None for value in params)
    event_nulls = tuple(value is None for value in event_params)
    values = [key, *(v for v in params if v is not None), *(v for v in event_params if v is not None)]
    with sql.cursor() as cursor:
        cursor.execute(_registration_sql(connection.vendor, nulls, event_nulls), values)
        sr.pk, sr.number, event.pk = cursor.fetchone()
    event.request = sr
    for obj in (sr, event):
        obj._state.adding, obj._state.db = False, connection.alias


_EVENT_REQUEST_AT = [f.name for f in RequestEvent._meta.concrete_fields if not f.primary_key].index("request")


@cache
def _registration_sql(vendor: str, nulls: tuple[bool, ...], event_nulls: tuple[bool, ...]) -> str:
    columns = insert_columns(ServiceRequest)
    placeholders = ["NULL" if null else "%s" for null in nulls]
    placeholders[columns.index(quote("number"))] = (
        "%s || (SELECT CASE WHEN v < 10000 THEN lpad(v::text, 4, '0') ELSE v::text END FROM n)"
    )
    event_columns = insert_columns(RequestEvent)
    event_placeholders = ["NULL" if null else "%s" for null in event_nulls]
    event_placeholders.insert(_EVENT_REQUEST_AT, "(SELECT id FROM sr)")
    return (
        f"WITH n AS ({_counter_sql(vendor)}),"
        f" sr AS (INSERT INTO {quote(ServiceRequest._meta.db_table)} ({', '.join(columns)})"
        f" VALUES ({', '.join(placeholders)}) RETURNING id, number),"
        f" ev AS (INSERT INTO {quote(RequestEvent._meta.db_table)} ({', '.join(event_columns)})"
        f" VALUES ({', '.join(event_placeholders)}) RETURNING id)"
        " SELECT sr.id, sr.number, ev.id FROM sr, ev"
    )
