"""Where a request goes: dispatch to a department or person, accept, return to the desk, transfer."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from desk import resident_notices, rules, selectors
from desk.choices import Action, State
from desk.dispatch import resolve_assignee
from desk.models import ServiceRequest
from desk.services._common import _allowed, _require, _transition, _version_first


def _target(request: ServiceRequest, department, assignee):
    """Validate where a request is sent: a department of its project and/or a person who may take
    its work there (rules.may_be_assigned). A department alone must have somebody who may accept,
    so that no request waits where nobody can act."""
    assignee = resolve_assignee(request, department, assignee)  # "least loaded on duty" -> a person
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
    event = _transition(
        actor=actor,
        request=request,
        action=Action.DISPATCH,
        to_state=State.DISPATCHED,
        note=note,
        changes={"department": department, "assignee": assignee, "dispatched_at": timezone.now()},
        expected_version=expected_version,
        data=data,
    )
    resident_notices.tell_residents(request, "request_dispatched")
    return event


@_version_first
@transaction.atomic
def request_accept(*, actor, request, note="", expected_version=None):
    changes = {"accepted_at": timezone.now()}
    if request.assignee_id is None:
        changes["assignee"] = actor  # a department member takes the job
    event = _transition(
        actor=actor,
        request=request,
        action=Action.ACCEPT,
        to_state=State.ACCEPTED,
        note=note,
        changes=changes,
        expected_version=expected_version,
    )
    resident_notices.tell_residents(request, "request_on_the_way")
    return event


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
