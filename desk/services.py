"""Every write to a service request. Each function is keyword-only, runs in one transaction,
checks the rules (desk/rules.py), changes the request with a compare-and-swap on its version
(so two people acting at once cannot both succeed), and writes one timeline entry per action.
"""

from dataclasses import dataclass
from functools import cache, wraps

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core import sql
from core.choices import Role
from core.errors import ActionRefused, Conflict, ServiceError
from core.models import Department, Project, User
from core.notify import notify
from core.phone import normalize_phone
from core.sql import build, insert_columns, insert_params, quote, select_list
from core.text import check_text_lengths, text_limit
from core.uploads import check_uploads
from desk import rules, selectors, sla
from desk.choices import DESK_HANDLED_KINDS, KIND_PREFIX, WORK_STATES, Action, Kind, Rating, Severity, State, Validity
from desk.intake import related_room_for
from desk.models import (
    Attachment,
    Category,
    DeskSettings,
    NumberSequence,
    RequestEvent,
    ServiceRequest,
    SlaPolicy,
)
from desk.search import grams
from desk.suggest import learn
from estate.models import Resident, Room

# ---------------------------------------------------------------- numbers


def number_key(kind: str, when) -> str:
    """'TS20261126': the kind's prefix and the local day, the counter a number is taken from."""
    return f"{KIND_PREFIX[Kind(kind)]}{timezone.localtime(when):%Y%m%d}"


@cache
def _counter_sql(vendor: str) -> str:
    """PostgreSQL: bump the day's counter, creating it on first use, and read it: one statement.
    The row lock is held to the end of the transaction, so concurrent registrations get distinct
    numbers; the unique index on `number` is the last line of defence."""
    table = quote(NumberSequence._meta.db_table)
    return (
        f"INSERT INTO {table} (key, value) VALUES (%s, 1)"
        f" ON CONFLICT (key) DO UPDATE SET value = {table}.value + 1 RETURNING value AS v"
    )


def next_number(kind: str, when=None) -> str:
    """'TS202611260001': kind prefix, local date, a per-prefix-and-day sequence."""
    return take_number(KIND_PREFIX[Kind(kind)], when)


def take_number(prefix: str, when=None) -> str:
    """'ZXSQ202611260001': any prefix, the local date, the day's next value of the one counter
    table every numbered record uses (SQLite serialises writers; PostgreSQL takes it with
    `_counter_sql`)."""
    key = f"{prefix}{timezone.localtime(when or timezone.now()):%Y%m%d}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_counter_sql(connection.vendor), [key])
            return f"{key}{cursor.fetchone()[0]:04d}"
    with transaction.atomic():
        if not NumberSequence.objects.filter(key=key).update(value=F("value") + 1):
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(key=key, value=1)
            except IntegrityError:
                NumberSequence.objects.filter(key=key).update(value=F("value") + 1)
        value = NumberSequence.objects.values_list("value", flat=True).get(key=key)
    return f"{key}{value:04d}"


# ---------------------------------------------------------------- register


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


def _validate_intake(actor, data: Intake):
    errors: dict[str, list[str]] = {}

    def err(field, message):
        errors.setdefault(field, []).append(message)

    if not rules.can_register(actor, data.project_id):
        raise ActionRefused(_("您不能在这个项目登记工单。"))
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
        receiver=actor,
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
    # Kept on the request for the caller (the API answers with the new request's timeline).
    sr.registered_event = event
    sr.new_events = [event]
    if project.auto_dispatch:
        dispatched = _auto_dispatch(actor, sr)
        if dispatched is not None:
            sr.new_events.append(dispatched)
    return sr


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


# ---------------------------------------------------------------- the transition engine


def _require(value: str, message: str, field: str = "note") -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [message]})
    return value


def _version_first(service):
    """A stale `expected_version` is a conflict, whatever else would be wrong: checked before the
    rules and the input, so the caller who read an older version learns that (409), not that the
    action no longer fits the new state (403). `_transition`'s guarded UPDATE stays the backstop
    for a change made between this check and the write."""

    @wraps(service)
    def checked(*, request, expected_version=None, **kwargs):
        if expected_version is not None and expected_version != request.version:
            raise Conflict(_("这张工单刚被其他人修改过，请刷新后再试。"))
        return service(request=request, expected_version=expected_version, **kwargs)

    return checked


# The request's free text an action writes, by model field, and the name the user typed it under.
_TEXTS = {"result": "result", "reply": "reply", "visit_comment": "comment"}
_DESCRIPTION = text_limit(ServiceRequest, "description")


def _check_text(note: str, changes: dict) -> None:
    """Refuse text longer than its field takes; `note` is checked when it is not one of them
    (resolve, reply and visit write their text into the timeline entry too)."""
    texts = {_TEXTS[f]: (value, text_limit(ServiceRequest, f)) for f, value in changes.items() if f in _TEXTS}
    check_text_lengths(texts or {"note": (note, text_limit(RequestEvent, "note"))})


def _allowed(actor, request, action) -> None:
    """Refuse before looking at the input: a user who may not act learns why, not what to fill in."""
    reason = rules.refusal(actor, request, action)
    if reason:
        raise ActionRefused(reason)


def _transition(
    *,
    actor,
    request: ServiceRequest,
    action: str,
    to_state: int,
    note: str = "",
    changes: dict | None = None,
    expected_version: int | None = None,
    data: dict | None = None,
    follows_from: str = "",
) -> RequestEvent:
    """Change the request's state with a compare-and-swap on its version and write the timeline
    entry. `follows_from` names the action this one is the consequence of (a reopen caused by an
    unsatisfied visit): the rules were checked for that action, not for this one."""
    if not follows_from:
        _allowed(actor, request, action)
    _check_text(note, changes or {})
    version = request.version if expected_version is None else expected_version
    if version != request.version:
        raise Conflict(_("这张工单刚被其他人修改过，请刷新后再试。"))
    now = timezone.now()
    changes = dict(changes or {})
    updated = ServiceRequest.objects.filter(pk=request.pk, version=version, state=request.state).update(
        state=to_state, version=version + 1, updated_at=now, **changes
    )
    if updated != 1:
        raise Conflict(_("这张工单刚被其他人修改过，请刷新后再试。"))
    event = RequestEvent.objects.create(
        request=request,
        actor=actor,
        at=now,
        action=action,
        from_state=request.state,
        to_state=to_state,
        note=note,
        data=data or {},
    )
    for field, value in changes.items():
        setattr(request, field, value)
    request.state, request.version, request.updated_at = to_state, version + 1, now
    sla.after_action(request, action, now)
    return event


def _target(request: ServiceRequest, department, assignee):
    """Validate where a request is sent: a department of its project and/or a person who may take
    its work there (rules.may_be_assigned). A department alone must have somebody who may accept,
    so that no request waits where nobody can act."""
    if department is None and assignee is None:
        raise ValidationError({"department": [_("请选择处理部门或处理人。")]})
    if department is not None and department.project_id != request.project_id:
        raise ValidationError({"department": [_("部门不属于这个项目。")]})
    if assignee is not None:
        if assignee.is_resident or not assignee.is_active or request.project_id not in assignee.project_ids():
            raise ValidationError({"assignee": [_("处理人不在这个项目工作。")]})
        if department is None:
            department = assignee.department
        elif assignee.department_id != department.pk:
            raise ValidationError({"assignee": [_("处理人不属于所选部门。")]})
        if department is None or department.project_id != request.project_id:
            raise ValidationError({"assignee": [_("处理人不属于这个项目的任何部门，不能派单给他。")]})
        if not rules.may_be_assigned(assignee, department):
            raise ValidationError(
                {
                    "assignee": [
                        _("%(name)s 不能接单：只能派给一线人员、部门主管，或客服中心的客服人员。")
                        % {"name": assignee.name}
                    ]
                }
            )
    elif not selectors.assignable_people(request.project_id, department).exists():
        raise ValidationError(
            {
                "department": [
                    _("“%(department)s”没有可以接单的人员，请选择其他部门或指定处理人。")
                    % {"department": department.name}
                ]
            }
        )
    return department, assignee


@_version_first
@transaction.atomic
def request_dispatch(*, actor, request, department=None, assignee=None, note="", expected_version=None, auto=False):
    """`auto`: the dispatch registering made by itself (DeskSettings.auto_dispatch), marked so in
    the timeline entry's data."""
    _allowed(actor, request, Action.DISPATCH)
    department, assignee = _target(request, department, assignee)
    data = {"department": department.name if department else "", "assignee": assignee.name if assignee else ""}
    if auto:
        data["auto"] = True
    return _transition(
        actor=actor,
        request=request,
        action=Action.DISPATCH,
        to_state=State.DISPATCHED,
        note=note,
        changes={"department": department, "assignee": assignee, "dispatched_at": timezone.now()},
        expected_version=expected_version,
        data=data,
    )


@_version_first
@transaction.atomic
def request_accept(*, actor, request, note="", expected_version=None):
    changes = {"accepted_at": timezone.now()}
    if request.assignee_id is None:
        changes["assignee"] = actor  # a department member takes the job
    return _transition(
        actor=actor,
        request=request,
        action=Action.ACCEPT,
        to_state=State.ACCEPTED,
        note=note,
        changes=changes,
        expected_version=expected_version,
    )


@_version_first
@transaction.atomic
def request_return(*, actor, request, note="", expected_version=None):
    _allowed(actor, request, Action.RETURN)
    note = _require(note, _("退单须说明原因。"))
    return _transition(
        actor=actor,
        request=request,
        action=Action.RETURN,
        to_state=State.REGISTERED,
        note=note,
        changes={"department": None, "assignee": None, "accepted_at": None},
        expected_version=expected_version,
    )


@_version_first
@transaction.atomic
def request_transfer(*, actor, request, department=None, assignee=None, note="", expected_version=None):
    _allowed(actor, request, Action.TRANSFER)
    note = _require(note, _("转单须说明原因。"))
    department, assignee = _target(request, department, assignee)
    if department == request.department and assignee == request.assignee:
        raise ValidationError({"assignee": [_("转单须换一个部门或处理人。")]})
    return _transition(
        actor=actor,
        request=request,
        action=Action.TRANSFER,
        to_state=State.DISPATCHED,
        note=note,
        changes={"department": department, "assignee": assignee, "accepted_at": None, "dispatched_at": timezone.now()},
        expected_version=expected_version,
        data={"department": department.name if department else "", "assignee": assignee.name if assignee else ""},
    )


@_version_first
@transaction.atomic
def request_arrive(*, actor, request, note="", expected_version=None):
    return _transition(
        actor=actor,
        request=request,
        action=Action.ARRIVE,
        to_state=State.IN_PROGRESS,
        note=note,
        changes={"arrived_at": request.arrived_at or timezone.now()},
        expected_version=expected_version,
    )


@_version_first
@transaction.atomic
def request_pause(*, actor, request, note="", expected_version=None):
    _allowed(actor, request, Action.PAUSE)
    note = _require(note, _("暂停须说明原因（如等待配件、等待业户）。"))
    return _transition(
        actor=actor,
        request=request,
        action=Action.PAUSE,
        to_state=State.PAUSED,
        note=note,
        changes={"pause_reason": note[:200]},
        expected_version=expected_version,
        data={"from": request.state},
    )


@_version_first
@transaction.atomic
def request_resume(*, actor, request, note="", expected_version=None):
    """Back to where the pause began: accepted (nobody on site yet) or in progress."""
    _allowed(actor, request, Action.RESUME)
    paused = RequestEvent.objects.filter(request=request, action=Action.PAUSE).order_by("-at", "-id").first()
    back_to = paused.from_state if paused else None
    return _transition(
        actor=actor,
        request=request,
        action=Action.RESUME,
        to_state=back_to if back_to in (State.ACCEPTED, State.IN_PROGRESS) else State.IN_PROGRESS,
        note=note,
        changes={"pause_reason": ""},
        expected_version=expected_version,
    )


def _attach_files(*, actor, request, event, checked) -> list[Attachment]:
    """Store files already passed by core.uploads.check_uploads."""
    saved = []
    for upload, content_type, ext in checked:
        attachment = Attachment(
            request=request,
            event=event,
            name=upload.name[:200],
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        attachment.file.save(f"{timezone.now():%d%H%M%S}-{len(saved)}.{ext}", upload, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


@_version_first
@transaction.atomic
def request_resolve(*, actor, request, result="", files=(), paid=None, expected_version=None):
    _allowed(actor, request, Action.RESOLVE)
    result = _require(result, _("请填写处理结果。"), field="result")
    checked = check_uploads(files, field="photos")
    changes = {"result": result, "resolved_at": timezone.now(), "implementer": actor, "pause_reason": ""}
    if paid is not None:
        if request.kind != Kind.REPAIR:
            raise ValidationError({"paid": [_("只有报修区分有偿与无偿。")]})
        changes["paid"] = paid  # confirmed on site
    changes["needs_return_visit"] = sla.choose_return_visit(request, paid=changes.get("paid", request.paid))
    event = _transition(
        actor=actor,
        request=request,
        action=Action.RESOLVE,
        to_state=State.RESOLVED,
        note=result,
        changes=changes,
        expected_version=expected_version,
    )
    _attach_files(actor=actor, request=request, event=event, checked=checked)
    return event


@_version_first
@transaction.atomic
def request_reply(*, actor, request, reply="", expected_version=None):
    _allowed(actor, request, Action.REPLY)
    reply = _require(reply, _("请填写回复业户的内容。"), field="reply")
    # After resolution this is the final reply (state: replied). Before it, an interim reply
    # (first feedback to the resident) is recorded and meets the reply time limit; the state stays.
    final = request.state == State.RESOLVED
    return _transition(
        actor=actor,
        request=request,
        action=Action.REPLY,
        to_state=State.REPLIED if final else request.state,
        note=reply,
        changes={"reply": reply, "replied_at": request.replied_at or timezone.now()},
        expected_version=expected_version,
        data={} if final else {"interim": True},
    )


def _reopen_changes(request, now) -> dict:
    """Back to whoever did the work (or to the desk when nobody was assigned), with the work's
    timestamps cleared so the new round's time limits count afresh."""
    to_state = State.DISPATCHED if (request.assignee_id or request.department_id) else State.REGISTERED
    return {
        "state": to_state,
        "reopen_count": request.reopen_count + 1,
        "dispatched_at": now if to_state == State.DISPATCHED else None,
        "accepted_at": None,
        "arrived_at": None,
        "resolved_at": None,
        "replied_at": None,
        "visited_at": None,
        "closed_at": None,
    }


@_version_first
@transaction.atomic
def request_visit(*, actor, request, rating="", comment="", expected_version=None):
    _allowed(actor, request, Action.VISIT)
    if rating not in Rating.values:
        raise ValidationError({"rating": [_("请选择回访结果：满意、基本满意或不满意。")]})
    comment = comment.strip()
    if rating == Rating.UNSATISFIED and not comment:
        raise ValidationError({"comment": [_("不满意时请记录业户的意见。")]})
    event = _transition(
        actor=actor,
        request=request,
        action=Action.VISIT,
        to_state=State.VISITED,
        note=comment,
        changes={"rating": rating, "visit_comment": comment, "visited_at": timezone.now()},
        expected_version=expected_version,
        data={"rating": rating},
    )
    if rating == Rating.UNSATISFIED:
        # Unsatisfied reopens the request: back to whoever did the work, to be done again,
        # and the supervisors hear of it.
        changes = _reopen_changes(request, timezone.now())
        _transition(
            actor=actor,
            request=request,
            action=Action.REOPEN,
            to_state=changes.pop("state"),
            note=_("回访不满意，工单重新打开：%(comment)s") % {"comment": comment},
            changes=changes,
            data={"by": "visit"},
            follows_from=Action.VISIT,
        )
        supervisors = User.objects.filter(
            is_active=True, projects=request.project_id, role__in=[Role.CS_SUPERVISOR, Role.CS_MANAGER]
        )
        notify(
            supervisors,
            title=_("回访不满意，已重新打开：%(number)s %(title)s")
            % {"number": request.number, "title": request.title},
            body=comment,
            url=f"/requests/{request.pk}/",
        )
    return event


@_version_first
@transaction.atomic
def request_close(*, actor, request, note="", expected_version=None):
    _allowed(actor, request, Action.CLOSE)
    now = timezone.now()
    changes = {"closed_at": now}
    if request.state == State.REGISTERED:
        # An invalid complaint: the explanation given to the resident is the reply (text and time,
        # as request_reply records them), so the reply deadline and the reply figures count it.
        note = _require(note, _("无效投诉结案须记录向业户所作的解释。"))
        changes.update(reply=note, replied_at=request.replied_at or now)
    return _transition(
        actor=actor,
        request=request,
        action=Action.CLOSE,
        to_state=State.CLOSED,
        note=note,
        changes=changes,
        expected_version=expected_version,
    )


@_version_first
@transaction.atomic
def request_cancel(*, actor, request, note="", expected_version=None):
    _allowed(actor, request, Action.CANCEL)
    note = _require(note, _("取消须说明原因。"))
    return _transition(
        actor=actor,
        request=request,
        action=Action.CANCEL,
        to_state=State.CANCELLED,
        note=note,
        changes={"closed_at": timezone.now()},
        expected_version=expected_version,
    )


@_version_first
@transaction.atomic
def request_reopen(*, actor, request, note="", expected_version=None):
    _allowed(actor, request, Action.REOPEN)
    note = _require(note, _("重新打开须说明原因。"))
    changes = _reopen_changes(request, timezone.now())
    return _transition(
        actor=actor,
        request=request,
        action=Action.REOPEN,
        to_state=changes.pop("state"),
        note=note,
        changes=changes,
        expected_version=expected_version,
    )


@_version_first
@transaction.atomic
def request_attach(*, actor, request, files, note="", expected_version=None):
    _allowed(actor, request, Action.ATTACH)
    if not files:
        raise ValidationError({"photos": [_("请选择要上传的文件。")]})
    checked = check_uploads(files, field="photos")
    event = _transition(
        actor=actor,
        request=request,
        action=Action.ATTACH,
        to_state=request.state,
        note=note,
        expected_version=expected_version,
        data={"count": len(files)},
    )
    return _attach_files(actor=actor, request=request, event=event, checked=checked)


@_version_first
@transaction.atomic
def request_reclassify(*, actor, request, severity="", category=None, note="", expected_version=None):
    """Change severity or category; the time limits are computed again from the new policy."""
    _allowed(actor, request, Action.RECLASSIFY)
    severity = severity or request.severity
    if severity not in Severity.values:
        raise ValidationError({"severity": [_("级别无效。")]})
    if category is not None and (
        not category.active or not category.company.projects.filter(pk=request.project_id).exists()
    ):
        raise ValidationError({"category": [_("分类不存在或已停用。")]})
    category_id = category.pk if category is not None else request.category_id
    if severity == request.severity and category_id == request.category_id:
        raise ValidationError({"severity": [_("级别和分类都没有变化。")]})
    before = {"severity": request.severity, "category": request.category.name if request.category_id else ""}
    return _transition(
        actor=actor,
        request=request,
        action=Action.RECLASSIFY,
        to_state=request.state,
        note=note,
        changes={"severity": severity, "category_id": category_id},
        expected_version=expected_version,
        data={"before": before, "severity": severity, "category": category.name if category else before["category"]},
    )


@_version_first
@transaction.atomic
def request_validity(*, actor, request, validity="", note="", expected_version=None):
    """A complaint found valid or invalid after all (e.g. 无效投诉 after investigation), with the
    reason. Made invalid while with an implementer, it is recalled to the desk (registered, nobody
    assigned), where an invalid complaint is explained and closed; whoever had it is told."""
    _allowed(actor, request, Action.VALIDITY)
    if validity not in Validity.values:
        raise ValidationError({"validity": [_("请选择有效投诉或无效投诉。")]})
    if validity == request.validity:
        raise ValidationError({"validity": [_("投诉性质没有变化。")]})
    note = _require(note, _("更改投诉性质须说明原因。"))
    recall = validity == Validity.INVALID and request.state in WORK_STATES
    changes = {"validity": validity}
    told = []
    if recall:
        if request.assignee_id:
            told = [request.assignee]
        elif request.department_id:
            told = list(selectors.assignable_people(request.project_id, request.department_id))
        changes.update(
            department=None,
            assignee=None,
            dispatched_at=None,
            accepted_at=None,
            arrived_at=None,
            pause_reason="",
        )
    data = {"before": request.validity, "validity": validity}
    if recall:
        data["recalled_from"] = {
            "department": request.department.name if request.department_id else "",
            "assignee": request.assignee.name if request.assignee_id else "",
        }
    event = _transition(
        actor=actor,
        request=request,
        action=Action.VALIDITY,
        to_state=State.REGISTERED if recall else request.state,
        note=note,
        changes=changes,
        expected_version=expected_version,
        data=data,
    )
    if told:
        notify(
            told,
            title=_("工单已撤回（认定为无效投诉）：%(number)s %(title)s")
            % {"number": request.number, "title": request.title},
            body=note,
            url=f"/requests/{request.pk}/",
        )
    return event


# One table that pages and the API share: action -> (service, the fields it takes).
ACTION_SERVICES = {
    Action.DISPATCH: (request_dispatch, ("department", "assignee", "note")),
    Action.ACCEPT: (request_accept, ("note",)),
    Action.RETURN: (request_return, ("note",)),
    Action.TRANSFER: (request_transfer, ("department", "assignee", "note")),
    Action.ARRIVE: (request_arrive, ("note",)),
    Action.PAUSE: (request_pause, ("note",)),
    Action.RESUME: (request_resume, ("note",)),
    Action.RESOLVE: (request_resolve, ("result", "files", "paid")),
    Action.REPLY: (request_reply, ("reply",)),
    Action.VISIT: (request_visit, ("rating", "comment")),
    Action.CLOSE: (request_close, ("note",)),
    Action.CANCEL: (request_cancel, ("note",)),
    Action.REOPEN: (request_reopen, ("note",)),
    Action.ATTACH: (request_attach, ("files", "note")),
    Action.RECLASSIFY: (request_reclassify, ("severity", "category", "note")),
    Action.VALIDITY: (request_validity, ("validity", "note")),
}
