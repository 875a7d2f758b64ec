"""Every write of the duty desk. Keyword-only functions named `<thing>_<verb>`, each in one
transaction: they check the actor's right and the record's state, raise a ServiceError (or a
ValidationError naming the field) with a translated message and change nothing when refused, and
leave a trace (the rows themselves keep their history; settings changes go to the audit trail).
"""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record, audit_refusal
from core.choices import Role
from core.errors import ActionRefused, Conflict
from core.models import User
from core.notify import notify
from core.phone import normalize_phone
from duty import registry, rules
from duty.choices import (
    OPEN_HANDOVER_STATES,
    AssignmentState,
    HandoverState,
    ItemAnswer,
    LogCategory,
    SwapState,
)
from duty.models import (
    Assignment,
    CountedThing,
    Handover,
    HandoverCount,
    HandoverItem,
    HandoverLogLine,
    Key,
    KeyLoan,
    LogEntry,
    Shift,
    SwapRequest,
)
from duty.selectors import period_start

FUTURE_TOLERANCE = timedelta(minutes=5)


def _in_project(actor, project_id):
    if not rules.in_project(actor, project_id):
        raise ActionRefused(_("您不在这个项目工作。"))


def _editor(actor, project_id):
    _in_project(actor, project_id)
    rules.require(rules.may_edit_roster(actor), _("只有客服主管、客服经理、项目经理可以排班和设置。"))


def _duty_keeper(actor, project_id):
    _in_project(actor, project_id)
    rules.require(rules.may_keep_duty(actor), _("只有客服前台/值班人员可以办理。"))


def _log_writer(actor, project_id):
    _in_project(actor, project_id)
    rules.require(rules.may_view(actor), _("只有客服人员和管理人员可以写值班记录。"))


def _required(errors, field, value, message):
    if not str(value or "").strip():
        errors.setdefault(field, []).append(message)


def _raise(errors):
    if errors:
        raise ValidationError(errors)


# ------------------------------------------------------------------ shifts and roster


@transaction.atomic
def shift_save(*, actor, project, name: str, start, end, order: int = 0, active: bool = True, shift=None) -> Shift:
    _editor(actor, project.pk)
    errors: dict = {}
    _required(errors, "name", name, _("请填写班次名称。"))
    if start is None:
        errors.setdefault("start", []).append(_("请填写开始时间。"))
    if end is None:
        errors.setdefault("end", []).append(_("请填写结束时间。"))
    if start is not None and end is not None and start == end:
        errors.setdefault("end", []).append(
            _("结束时间不能等于开始时间（跨夜班次请填次日的结束时间，如 16:00–00:00）。")
        )
    clash = Shift.objects.filter(project=project, name=name.strip())
    if shift is not None:
        clash = clash.exclude(pk=shift.pk)
    if name.strip() and clash.exists():
        errors.setdefault("name", []).append(_("这个项目已有同名班次。"))
    _raise(errors)
    before = None
    if shift is None:
        shift = Shift(project=project)
    else:
        if shift.project_id != project.pk:
            raise ActionRefused(_("班次不属于这个项目。"))
        before = {"name": shift.name, "start": str(shift.start), "end": str(shift.end), "active": shift.active}
    shift.name, shift.start, shift.end, shift.order, shift.active = name.strip(), start, end, order, active
    shift.save()
    after = {"name": shift.name, "start": str(shift.start), "end": str(shift.end), "active": shift.active}
    audit_record(
        actor=actor, obj=shift, action="update" if before else "create", changes={"before": before, "after": after}
    )
    return shift


@transaction.atomic
def assignment_add(*, actor, project, day, shift: Shift, user: User) -> Assignment:
    _editor(actor, project.pk)
    if shift.project_id != project.pk or not shift.active:
        raise ValidationError({"shift": [_("班次不存在或已停用。")]})
    if not (rules.rosterable(user) and project.pk in user.project_ids()):
        raise ValidationError({"user": [_("只能安排本项目的客服、前台和各部门一线人员值班。")]})
    if Assignment.objects.filter(day=day, shift=shift, user=user, state=AssignmentState.ACTIVE).exists():
        raise ValidationError({"user": [_("%(name)s 这一天已经排在这个班次。") % {"name": user.name}]})
    try:
        with transaction.atomic():
            a = Assignment.objects.create(project=project, day=day, shift=shift, user=user, created_by=actor)
    except IntegrityError:
        raise Conflict(_("刚刚有人排了同样的班，请刷新后再试。")) from None
    return a


@transaction.atomic
def assignment_remove(*, actor, assignment: Assignment, reason: str) -> Assignment:
    _editor(actor, assignment.project_id)
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写撤销原因。")]})
    a = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if a.state != AssignmentState.ACTIVE:
        raise ActionRefused(_("这条排班已经变更过了。"))
    a.state, a.ended_by, a.ended_at, a.end_reason = AssignmentState.REMOVED, actor, timezone.now(), reason.strip()[:200]
    a.save(update_fields=["state", "ended_by", "ended_at", "end_reason"])
    SwapRequest.objects.filter(assignment=a, state=SwapState.PENDING).update(
        state=SwapState.WITHDRAWN, decided_by=actor, decided_at=a.ended_at, decision_note=_("排班已撤销")
    )
    return a


@transaction.atomic
def swap_request(*, actor, assignment: Assignment, cover: User, reason: str) -> SwapRequest:
    """The person on duty (or a supervisor on their behalf) asks for someone to cover the shift."""
    _in_project(actor, assignment.project_id)
    if actor.pk != assignment.user_id and not rules.may_edit_roster(actor):
        raise ActionRefused(_("只能为自己的班次申请调班。"))
    a = Assignment.objects.select_for_update().select_related("shift", "user").get(pk=assignment.pk)
    if a.state != AssignmentState.ACTIVE:
        raise ActionRefused(_("这条排班已经变更过了。"))
    if a.shift.window(a.day)[1] <= timezone.now():
        raise ActionRefused(_("这个班次已经结束，不能再调班。"))
    errors: dict = {}
    _required(errors, "reason", reason, _("请填写调班原因。"))
    if cover.pk == a.user_id:
        errors.setdefault("cover", []).append(_("顶班人不能是原值班人。"))
    elif not (rules.rosterable(cover) and a.project_id in cover.project_ids()):
        errors.setdefault("cover", []).append(_("顶班人必须是本项目可以排班的人员。"))
    elif not rules.may_cover(cover, a.user):
        errors.setdefault("cover", []).append(_("顶班人必须和原值班人在同一个部门。"))
    elif Assignment.objects.filter(day=a.day, shift=a.shift, user=cover, state=AssignmentState.ACTIVE).exists():
        errors.setdefault("cover", []).append(_("顶班人这一班已经在岗。"))
    _raise(errors)
    if SwapRequest.objects.filter(assignment=a, state=SwapState.PENDING).exists():
        raise ActionRefused(_("这个班次已有待审批的调班申请。"))
    swap = SwapRequest.objects.create(assignment=a, asked_by=actor, cover=cover, reason=reason.strip()[:200])
    supervisors = _supervisors(a.project_id)
    notify(
        supervisors,
        title=_("调班申请：%(day)s %(shift)s %(who)s → %(cover)s")
        % {"day": a.day.isoformat(), "shift": a.shift.name, "who": a.user.name, "cover": cover.name},
        body=swap.reason,
        url=reverse("duty:roster", args=[a.project_id]) + "#swaps",
    )
    return swap


@transaction.atomic
def swap_decide(*, actor, swap: SwapRequest, approve: bool, note: str = "") -> SwapRequest:
    s = (
        SwapRequest.objects.select_for_update()
        .select_related("assignment__shift", "assignment__user", "cover")
        .get(pk=swap.pk)
    )
    _editor(actor, s.assignment.project_id)
    if s.state != SwapState.PENDING:
        raise ActionRefused(_("这条调班申请已经处理过了。"))
    if actor.pk in (s.asked_by_id, s.cover_id, s.assignment.user_id):
        raise ActionRefused(_("不能审批自己参与的调班，请另一位主管审批。"))
    if not approve and not note.strip():
        raise ValidationError({"note": [_("驳回时请填写原因。")]})
    now = timezone.now()
    a = Assignment.objects.select_for_update().get(pk=s.assignment_id)
    if approve:
        if a.state != AssignmentState.ACTIVE:
            raise ActionRefused(_("原排班已经变更，不能再批准。"))
        if Assignment.objects.filter(
            day=a.day, shift=a.shift_id, user=s.cover_id, state=AssignmentState.ACTIVE
        ).exists():
            raise ActionRefused(_("顶班人这一班已经在岗。"))
        a.state, a.ended_by, a.ended_at = AssignmentState.SWAPPED, actor, now
        a.end_reason = _("调班：%(cover)s 顶班") % {"cover": s.cover.name}
        a.save(update_fields=["state", "ended_by", "ended_at", "end_reason"])
        Assignment.objects.create(
            project_id=a.project_id,
            day=a.day,
            shift_id=a.shift_id,
            user=s.cover,
            created_by=actor,
            via_swap=s,
            created_at=now,
        )
    s.state = SwapState.APPROVED if approve else SwapState.REJECTED
    s.decided_by, s.decided_at, s.decision_note = actor, now, note.strip()[:200]
    s.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    notify(
        [s.asked_by, s.cover, s.assignment.user],
        title=(_("调班已批准：%(day)s %(shift)s") if approve else _("调班被驳回：%(day)s %(shift)s"))
        % {"day": a.day.isoformat(), "shift": s.assignment.shift.name},
        body=s.decision_note,
        url=reverse("duty:roster", args=[a.project_id]) + "#swaps",
    )
    return s


@transaction.atomic
def swap_withdraw(*, actor, swap: SwapRequest) -> SwapRequest:
    s = SwapRequest.objects.select_for_update().get(pk=swap.pk)
    if actor.pk != s.asked_by_id:
        raise ActionRefused(_("只有申请人可以撤回调班申请。"))
    if s.state != SwapState.PENDING:
        raise ActionRefused(_("这条调班申请已经处理过了。"))
    s.state, s.decided_by, s.decided_at = SwapState.WITHDRAWN, actor, timezone.now()
    s.save(update_fields=["state", "decided_by", "decided_at"])
    return s


def _supervisors(project_id) -> list[User]:
    return list(
        User.objects.filter(
            projects=project_id, is_active=True, role__in=[Role.CS_SUPERVISOR, Role.CS_MANAGER]
        ).distinct()
    )


# ------------------------------------------------------------------ duty log


@transaction.atomic
def log_add(*, actor, project, category: str, text: str, at=None, hand_over: bool = False, corrects=None) -> LogEntry:
    """A new line of the duty log; with `corrects`, a correction of an earlier line (which stays)."""
    _log_writer(actor, project.pk)
    now = timezone.now()
    at = at or now
    errors: dict = {}
    if category not in LogCategory.values:
        errors.setdefault("category", []).append(_("请选择类别。"))
    _required(errors, "text", text, _("请填写内容。"))
    if at > now + FUTURE_TOLERANCE:
        errors.setdefault("at", []).append(_("发生时间不能晚于现在。"))
    if corrects is not None and corrects.project_id != project.pk:
        errors.setdefault("corrects", []).append(_("被更正的记录不属于这个项目。"))
    _raise(errors)
    return LogEntry.objects.create(
        project=project,
        at=at,
        category=category,
        text=text.strip(),
        hand_over=hand_over,
        author=actor,
        created_at=now,
        corrects=corrects,
    )


# ------------------------------------------------------------------ keys


@transaction.atomic
def key_save(*, actor, project, code: str, name: str, location: str = "", active: bool = True, key=None) -> Key:
    _editor(actor, project.pk)
    errors: dict = {}
    _required(errors, "code", code, _("请填写钥匙编号。"))
    _required(errors, "name", name, _("请填写钥匙名称。"))
    clash = Key.objects.filter(project=project, code=code.strip())
    if key is not None:
        clash = clash.exclude(pk=key.pk)
    if code.strip() and clash.exists():
        errors.setdefault("code", []).append(_("这个编号已经用过了。"))
    _raise(errors)
    created = key is None
    if created:
        key = Key(project=project)
    elif key.project_id != project.pk:
        raise ActionRefused(_("钥匙不属于这个项目。"))
    key.code, key.name, key.location, key.active = code.strip(), name.strip(), location.strip(), active
    key.save()
    audit_record(actor=actor, obj=key, action="create" if created else "update", changes={"active": active})
    return key


@transaction.atomic
def key_lend(
    *, actor, key: Key, borrower_name: str, purpose: str, due_back, borrower_phone: str = "", borrower_unit: str = ""
) -> KeyLoan:
    _duty_keeper(actor, key.project_id)
    now = timezone.now()
    errors: dict = {}
    _required(errors, "borrower_name", borrower_name, _("请填写借用人。"))
    _required(errors, "purpose", purpose, _("请填写用途。"))
    if due_back is None:
        errors.setdefault("due_back", []).append(_("请填写应还时间。"))
    elif due_back <= now:
        errors.setdefault("due_back", []).append(_("应还时间必须晚于现在。"))
    phone = ""
    if borrower_phone.strip():
        try:
            phone = normalize_phone(borrower_phone)
        except ValidationError as exc:
            errors.setdefault("borrower_phone", []).append(exc.messages[0])
    _raise(errors)
    k = Key.objects.select_for_update().get(pk=key.pk)
    if not k.active:
        raise ActionRefused(_("这把钥匙已停用。"))
    if KeyLoan.objects.filter(key=k, returned_at__isnull=True).exists():
        raise ActionRefused(_("这把钥匙已经借出，尚未归还。"))
    try:
        with transaction.atomic():
            return KeyLoan.objects.create(
                key=k,
                project_id=k.project_id,
                borrower_name=borrower_name.strip(),
                borrower_phone=phone,
                borrower_unit=borrower_unit.strip(),
                purpose=purpose.strip(),
                lent_at=now,
                due_back=due_back,
                lent_by=actor,
            )
    except IntegrityError:
        raise ActionRefused(_("这把钥匙已经借出，尚未归还。")) from None


@transaction.atomic
def key_return(*, actor, loan: KeyLoan, note: str = "") -> KeyLoan:
    _duty_keeper(actor, loan.project_id)
    loan = KeyLoan.objects.select_for_update().get(pk=loan.pk)
    if loan.returned_at is not None:
        raise ActionRefused(_("这把钥匙已经归还了。"))
    loan.returned_at, loan.returned_to, loan.return_note = timezone.now(), actor, note.strip()[:200]
    loan.save(update_fields=["returned_at", "returned_to", "return_note"])
    return loan


# ------------------------------------------------------------------ counted things


@transaction.atomic
def counted_thing_save(
    *, actor, project, name: str, expected, unit: str = "", order: int = 0, active: bool = True, thing=None
) -> CountedThing:
    _editor(actor, project.pk)
    errors: dict = {}
    _required(errors, "name", name, _("请填写名称。"))
    if expected is None or expected < 0:
        errors.setdefault("expected", []).append(_("应有数量不能为负。"))
    clash = CountedThing.objects.filter(project=project, name=name.strip())
    if thing is not None:
        clash = clash.exclude(pk=thing.pk)
    if name.strip() and clash.exists():
        errors.setdefault("name", []).append(_("已有同名清点项。"))
    _raise(errors)
    created = thing is None
    if created:
        thing = CountedThing(project=project)
    elif thing.project_id != project.pk:
        raise ActionRefused(_("清点项不属于这个项目。"))
    before = None if created else str(thing.expected)
    thing.name, thing.expected, thing.unit, thing.order, thing.active = (
        name.strip(),
        expected,
        unit.strip(),
        order,
        active,
    )
    thing.save()
    audit_record(
        actor=actor,
        obj=thing,
        action="create" if created else "update",
        changes={"expected": [before, str(expected)], "active": active},
    )
    return thing


# ------------------------------------------------------------------ handover


def _locked(handover: Handover) -> Handover:
    return Handover.objects.select_for_update().select_related("project", "outgoing", "incoming").get(pk=handover.pk)


def _not_finished(h: Handover):
    if h.state == HandoverState.COMPLETED:
        raise ActionRefused(_("交接班已完成，不能再修改。"))
    if h.state == HandoverState.CANCELLED:
        raise ActionRefused(_("交接班已作废，不能再修改。"))


def handover_start(*, actor, project, incoming: User, at=None) -> Handover:
    """The outgoing person (the actor) starts a handover to `incoming`: every registered kind of open
    item is gathered and written down as it is now, with the shift's duty log and the things to count.
    A handover to oneself is refused, and the attempt is recorded (outside the transaction)."""
    _duty_keeper(actor, project.pk)
    if incoming.pk == actor.pk:
        message = _("交班人和接班人不能是同一个人。")
        audit_refusal(
            actor=actor,
            object_type="duty.Handover",
            object_id="-",
            object_repr=_("%(project)s 交接班") % {"project": project.name},
            reason=message,
            data={"project": project.pk, "incoming": incoming.pk},
        )
        raise ValidationError({"incoming": [message]})
    return _handover_start(actor=actor, project=project, incoming=incoming, at=at)


@transaction.atomic
def _handover_start(*, actor, project, incoming: User, at=None) -> Handover:
    if not (incoming.is_active and rules.may_keep_duty(incoming) and project.pk in incoming.project_ids()):
        raise ValidationError({"incoming": [_("接班人必须是本项目的客服/前台人员。")]})
    if Handover.objects.filter(project=project, outgoing=actor, state__in=OPEN_HANDOVER_STATES).exists():
        raise ActionRefused(_("您在这个项目还有一份未完成的交接班，请先完成或作废它。"))
    at = at or timezone.now()
    since, shift = period_start(project, actor, at)
    gathered = registry.gather(project=project, user=actor, at=at)
    labels = {k.code: str(k.label) for k in registry.kinds()}
    try:
        with transaction.atomic():
            h = Handover.objects.create(
                project=project, outgoing=actor, incoming=incoming, shift=shift, period_start=since, started_at=at
            )
    except IntegrityError:
        raise Conflict(_("您在这个项目还有一份未完成的交接班，请先完成或作废它。")) from None
    rows = []
    seen = set()
    for code, found in gathered.items():
        label = labels.get(code, code)[:50]
        for item in found:
            if item.key in seen:
                continue
            seen.add(item.key)
            rows.append(
                {
                    "handover_id": h.pk,
                    "kind": code,
                    "kind_label": label,
                    "key": item.key[:100],
                    "title": str(item.title)[:300],
                    "detail": str(item.detail or ""),
                    "url": (item.url or "")[:300],
                    "since": item.since,
                    "order": len(rows),
                    "answer": ItemAnswer.PENDING,
                    "reason": "",
                }
            )
    _write_rows(HandoverItem, rows)
    h.item_count = len(rows)
    h.save(update_fields=["item_count"])
    HandoverCount.objects.bulk_create(
        [
            HandoverCount(handover=h, thing=t, name=t.name, unit=t.unit, expected=t.expected)
            for t in CountedThing.objects.filter(project=project, active=True).order_by("order", "id")
        ]
    )
    names = {}
    lines = []
    for pk, when, category, text, author_id, corrects_id in (
        LogEntry.objects.filter(project=project, at__gte=since, at__lte=at)
        .order_by("at", "id")
        .values_list("id", "at", "category", "text", "author_id", "corrects_id")
    ):
        names.setdefault(author_id, None)
        lines.append([pk, when, category, text, author_id, corrects_id])
    if names:
        names = {u.pk: u.name[:50] for u in User.objects.filter(pk__in=names)}
    _write_rows(
        HandoverLogLine,
        [
            {
                "handover_id": h.pk,
                "entry_id": pk,
                "at": when,
                "category": category,
                "text": text,
                "author_name": names.get(author_id, ""),
                "corrects_id_snapshot": corrects_id,
            }
            for pk, when, category, text, author_id, corrects_id in lines
        ],
    )
    notify(
        [incoming],
        title=_("%(name)s 向您发起交接班") % {"name": actor.name},
        url=reverse("duty:handover", args=[h.pk]),
    )
    return h


def _write_rows(model, rows: list[dict]) -> None:
    """Many rows of a snapshot at once: COPY on PostgreSQL (10,000 handover items in a fraction of
    the time of building model instances and INSERTs), bulk_create elsewhere. Each row is a dict of
    column attribute names to values; every row has the same keys."""
    from django.db import connection

    if not rows:
        return
    if connection.vendor != "postgresql" or len(rows) < 200:
        model.objects.bulk_create([model(**row) for row in rows], batch_size=2000)
        return
    fields = list(rows[0])
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[f] for f in fields])


@transaction.atomic
def handover_save(*, actor, handover: Handover, notes: str, counts: dict) -> Handover:
    """The outgoing person writes notes and counts. `counts`: {HandoverCount id: (counted, explanation)}."""
    h = _locked(handover)
    _not_finished(h)
    if actor.pk != h.outgoing_id:
        raise ActionRefused(_("只有交班人可以填写交班内容。"))
    if h.state != HandoverState.DRAFT:
        raise ActionRefused(_("交班人已签字，交班内容不能再修改。"))
    rows = {c.pk: c for c in h.counts.all()}
    errors: dict = {}
    for pk, (counted, explanation) in counts.items():
        row = rows.get(pk)
        if row is None:
            raise ActionRefused(_("清点项不属于这次交接班。"))
        if counted is not None and counted < 0:
            errors.setdefault(f"count_{pk}", []).append(_("数量不能为负。"))
        row.counted = counted
        row.explanation = (explanation or "").strip()[:200]
    _raise(errors)
    for row in rows.values():
        row.save(update_fields=["counted", "explanation"])
    h.notes = notes.strip()
    h.save(update_fields=["notes"])
    return h


def count_problems(counts) -> dict:
    """Counts not entered, or differing from the expected number without an explanation."""
    problems: dict = {}
    for c in counts:
        if c.counted is None:
            problems.setdefault(f"count_{c.pk}", []).append(_("请填写%(name)s的实点数量。") % {"name": c.name})
        elif Decimal(c.counted) != Decimal(c.expected) and not c.explanation.strip():
            problems.setdefault(f"count_{c.pk}", []).append(
                _("%(name)s应有 %(expected)s，实点 %(counted)s，请说明差异。")
                % {"name": c.name, "expected": _num(c.expected), "counted": _num(c.counted)}
            )
    return problems


def _num(value) -> str:
    value = Decimal(value)
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value.normalize())


@transaction.atomic
def handover_sign_out(*, actor, handover: Handover) -> Handover:
    h = _locked(handover)
    _not_finished(h)
    if actor.pk != h.outgoing_id:
        raise ActionRefused(_("只有交班人本人可以在交班栏签字。"))
    if h.state != HandoverState.DRAFT:
        raise ActionRefused(_("交班人已经签过字了。"))
    problems = count_problems(h.counts.all())
    if problems:
        raise ValidationError(problems)
    h.state, h.outgoing_signed_at = HandoverState.OUTGOING_SIGNED, timezone.now()
    h.save(update_fields=["state", "outgoing_signed_at"])
    notify(
        [h.incoming],
        title=_("%(name)s 已在交班栏签字，请逐项确认后接班") % {"name": h.outgoing.name},
        url=reverse("duty:handover", args=[h.pk]),
    )
    return h


@transaction.atomic
def handover_answer(*, actor, item: HandoverItem, accept: bool, reason: str = "") -> HandoverItem:
    """The incoming person acknowledges an item, or refuses it (an unexplained item) with a reason;
    a refusal is final, stays on the handover and is sent to the project's CS supervisors."""
    h = _locked(item.handover)
    _not_finished(h)
    if actor.pk != h.incoming_id:
        raise ActionRefused(_("只有接班人可以确认交接事项。"))
    if h.state != HandoverState.OUTGOING_SIGNED:
        raise ActionRefused(_("请等交班人签字后再逐项确认。"))
    it = HandoverItem.objects.select_for_update().get(pk=item.pk, handover=h)
    if it.answer != ItemAnswer.PENDING:
        raise ActionRefused(_("这一项已经确认过了。"))
    if not accept and not reason.strip():
        raise ValidationError({"reason": [_("拒收时请说明原因。")]})
    it.answer = ItemAnswer.ACKNOWLEDGED if accept else ItemAnswer.REFUSED
    it.reason = "" if accept else reason.strip()[:300]
    it.answered_at = timezone.now()
    it.save(update_fields=["answer", "reason", "answered_at"])
    if not accept:
        notify(
            _supervisors(h.project_id),
            title=_("交接事项被拒收：%(title)s") % {"title": it.title[:80]},
            body=_("%(incoming)s 拒收 %(outgoing)s 交来的事项。原因：%(reason)s")
            % {"incoming": h.incoming.name, "outgoing": h.outgoing.name, "reason": it.reason},
            url=reverse("duty:handover", args=[h.pk]) + f"#item-{it.pk}",
        )
    return it


@transaction.atomic
def handover_acknowledge_all(*, actor, handover: Handover) -> int:
    """Acknowledge every item not answered yet (the incoming person has checked them)."""
    h = _locked(handover)
    _not_finished(h)
    if actor.pk != h.incoming_id:
        raise ActionRefused(_("只有接班人可以确认交接事项。"))
    if h.state != HandoverState.OUTGOING_SIGNED:
        raise ActionRefused(_("请等交班人签字后再逐项确认。"))
    return h.items.filter(answer=ItemAnswer.PENDING).update(answer=ItemAnswer.ACKNOWLEDGED, answered_at=timezone.now())


@transaction.atomic
def handover_sign_in(*, actor, handover: Handover, comment: str = "") -> Handover:
    h = _locked(handover)
    _not_finished(h)
    if actor.pk != h.incoming_id:
        raise ActionRefused(_("只有接班人本人可以在接班栏签字。"))
    if h.state != HandoverState.OUTGOING_SIGNED:
        raise ActionRefused(_("交班人还没有签字。"))
    pending = h.items.filter(answer=ItemAnswer.PENDING).count()
    if pending:
        raise ActionRefused(_("还有 %(n)s 项没有确认或拒收，请逐项处理后再签字。") % {"n": pending})
    h.state, h.incoming_signed_at, h.incoming_comment = HandoverState.COMPLETED, timezone.now(), comment.strip()
    h.save(update_fields=["state", "incoming_signed_at", "incoming_comment"])
    notify(
        [h.outgoing],
        title=_("%(name)s 已接班签字，交接完成") % {"name": h.incoming.name},
        url=reverse("duty:handover", args=[h.pk]),
    )
    return h


@transaction.atomic
def handover_cancel(*, actor, handover: Handover, reason: str) -> Handover:
    """Void a handover not yet completed (wrong person chosen, started by mistake). It stays, marked void."""
    h = _locked(handover)
    _not_finished(h)
    if actor.pk != h.outgoing_id and not (rules.may_edit_roster(actor) and rules.in_project(actor, h.project_id)):
        raise ActionRefused(_("只有交班人或主管可以作废交接班。"))
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写作废原因。")]})
    h.state, h.cancelled_at, h.cancel_reason = HandoverState.CANCELLED, timezone.now(), reason.strip()[:200]
    h.save(update_fields=["state", "cancelled_at", "cancel_reason"])
    audit_record(actor=actor, obj=h, action="cancel", changes={"reason": h.cancel_reason})
    return h
