"""What a request is: its severity and category (the time limits follow), and whether a complaint
is valid."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.notify import notify
from desk import selectors
from desk.choices import WORK_STATES, Action, Severity, State, Validity
from desk.services._common import _allowed, _require, _transition, _version_first


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
