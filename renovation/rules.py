"""Who may do what to a renovation, and in which states.

`role_refusal` answers "may this person do this kind of thing at all" (a resident or a worker
acting as staff gets a 403 from the pages); `refusal` adds the project, the state and the rules of
the step (a 'no' with the reason in the user's language). Services call `refusal` before every
write; pages offer exactly the actions `allowed_actions` returns.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.choices import DESK_ROLES, SUPERVISING_ROLES, DepartmentKind, Role
from renovation.choices import Action, State

DESKLIKE = frozenset(DESK_ROLES | SUPERVISING_ROLES)
CASHIERS = frozenset(DESKLIKE | {Role.FINANCE})
REFUNDERS = frozenset(SUPERVISING_ROLES | {Role.FINANCE})
INSPECTOR_DEPARTMENTS = frozenset({DepartmentKind.ENGINEERING, DepartmentKind.SECURITY})

FROM_STATES: dict[str, frozenset[int]] = {
    Action.RESUBMIT: frozenset({State.RETURNED}),
    Action.ADD_DRAWINGS: frozenset({State.SUBMITTED, State.RETURNED}),
    Action.APPROVE: frozenset({State.SUBMITTED}),
    Action.SEND_BACK: frozenset({State.SUBMITTED}),
    Action.REJECT: frozenset({State.SUBMITTED}),
    Action.CANCEL: frozenset({State.SUBMITTED, State.RETURNED, State.APPROVED}),
    Action.PAY: frozenset({State.APPROVED, State.PAID, State.IN_PROGRESS}),
    Action.ISSUE_PERMIT: frozenset({State.APPROVED, State.PAID}),
    Action.ADD_WORKER: frozenset({State.APPROVED, State.PAID, State.IN_PROGRESS}),
    Action.ISSUE_PASS: frozenset({State.IN_PROGRESS}),
    Action.REVOKE_PASS: frozenset({State.IN_PROGRESS, State.ACCEPTED, State.REFUNDED}),
    Action.INSPECT: frozenset({State.IN_PROGRESS}),
    Action.RECTIFY: frozenset({State.IN_PROGRESS}),
    Action.TO_REQUEST: frozenset({State.IN_PROGRESS}),
    Action.ACCEPT: frozenset({State.IN_PROGRESS}),
    Action.REFUND: frozenset({State.ACCEPTED}),
}
# The order in which the page offers the actions.
ACTION_ORDER = (
    Action.APPROVE,
    Action.SEND_BACK,
    Action.REJECT,
    Action.RESUBMIT,
    Action.ADD_DRAWINGS,
    Action.PAY,
    Action.ISSUE_PERMIT,
    Action.ADD_WORKER,
    Action.ISSUE_PASS,
    Action.INSPECT,
    Action.ACCEPT,
    Action.REFUND,
    Action.CANCEL,
)
# Actions about one worker, pass or violation: offered beside that row, not in the action bar.
ROW_ACTIONS = frozenset({Action.REVOKE_PASS, Action.RECTIFY, Action.TO_REQUEST})
# What the owner may do on their own application.
RESIDENT_ACTIONS = frozenset({Action.RESUBMIT, Action.ADD_DRAWINGS, Action.CANCEL})


def is_staff(user) -> bool:
    return user.is_authenticated and not user.is_resident


def is_desklike(user) -> bool:
    return user.is_superuser or user.role in DESKLIKE


def may_inspect(user) -> bool:
    if user.is_superuser or user.role in DESKLIKE or user.role == Role.DEPT_LEAD:
        return True
    department = user.department if user.department_id else None
    return user.role == Role.WORKER and department is not None and department.kind in INSPECTOR_DEPARTMENTS


def _in_engineering(user) -> bool:
    department = user.department if user.department_id else None
    return department is not None and department.kind == DepartmentKind.ENGINEERING


def is_reviewer(user) -> bool:
    """CS supervisors and managers, the project manager, and the ENGINEERING lead (not the leads
    of security or cleaning, who are department leads too)."""
    if user.is_superuser or user.role in SUPERVISING_ROLES:
        return True
    return user.role == Role.DEPT_LEAD and _in_engineering(user)


def may_accept(user) -> bool:
    """Final acceptance: the reviewers and engineering staff. Guards and front-line CS staff
    inspect but do not sign off the works."""
    return is_reviewer(user) or (user.role == Role.WORKER and _in_engineering(user))


def may_apply_for_others(user) -> bool:
    return is_desklike(user)


_ROLE_CHECKS = {
    Action.RESUBMIT: is_desklike,
    Action.ADD_DRAWINGS: is_desklike,
    Action.CANCEL: is_desklike,
    Action.APPROVE: is_reviewer,
    Action.SEND_BACK: is_reviewer,
    Action.REJECT: is_reviewer,
    Action.PAY: lambda u: u.is_superuser or u.role in CASHIERS,
    Action.ISSUE_PERMIT: is_desklike,
    Action.ADD_WORKER: is_desklike,
    Action.ISSUE_PASS: is_desklike,
    Action.REVOKE_PASS: lambda u: is_desklike(u) or may_inspect(u),
    Action.INSPECT: may_inspect,
    Action.RECTIFY: may_inspect,
    Action.TO_REQUEST: is_desklike,
    Action.ACCEPT: may_accept,
    Action.REFUND: lambda u: u.is_superuser or u.role in REFUNDERS,
}

_ROLE_MESSAGES = {
    Action.APPROVE: gettext_lazy("只有客服主管、经理或工程主管可以审核装修申请。"),
    Action.SEND_BACK: gettext_lazy("只有客服主管、经理或工程主管可以审核装修申请。"),
    Action.REJECT: gettext_lazy("只有客服主管、经理或工程主管可以审核装修申请。"),
    Action.PAY: gettext_lazy("只有客服人员或财务可以登记缴费。"),
    Action.INSPECT: gettext_lazy("只有客服、工程或秩序人员可以登记装修巡查。"),
    Action.RECTIFY: gettext_lazy("只有客服、工程或秩序人员可以确认整改。"),
    Action.ACCEPT: gettext_lazy("只有工程或客服管理人员可以做竣工验收。"),
    Action.REFUND: gettext_lazy("只有财务或主管可以退还押金。"),
}


def is_owner_of(user, renovation) -> bool:
    """The resident user holds the room as owner or co-owner today."""
    if not (user.is_authenticated and user.is_resident):
        return False
    return renovation.room_id in owned_room_ids(user)


def owned_room_ids(user) -> frozenset[int]:
    """Rooms the resident user owns (or co-owns) today; cached on the user for the request."""
    cached = getattr(user, "_renovation_owned_rooms", None)
    if cached is None:
        from estate.choices import Relation
        from estate.models import Occupancy

        cached = frozenset(
            Occupancy.objects.current()
            .filter(resident__user=user, relation__in=[Relation.OWNER, Relation.CO_OWNER])
            .values_list("room_id", flat=True)
        )
        user._renovation_owned_rooms = cached
    return cached


def role_refusal(user, action: str) -> str | None:
    """None when the user's role may take this action at all; otherwise why not (a 403)."""
    if not user.is_authenticated:
        return _("请先登录。")
    if user.is_resident:
        return None if action in RESIDENT_ACTIONS else _("业户不能执行此操作。")
    check = _ROLE_CHECKS.get(action)
    if check is None or check(user):
        return None
    return str(_ROLE_MESSAGES.get(action) or _("您的岗位不能执行此操作。"))


def refusal(user, renovation, action: str) -> str | None:
    reason = role_refusal(user, action)
    if reason:
        return reason
    if user.is_resident:
        if not is_owner_of(user, renovation):
            return _("您不是这套房屋的业主。")
    elif not (user.is_superuser or renovation.project_id in user.project_ids()):
        return _("您无权处理这份装修申请。")
    if renovation.state not in FROM_STATES[action]:
        return _("装修申请当前状态为“%(state)s”，不能执行“%(action)s”。") % {
            "state": State(renovation.state).label,
            "action": Action(action).label,
        }
    return None


def allowed_actions(user, renovation) -> list[str]:
    return [a for a in ACTION_ORDER if refusal(user, renovation, a) is None]


def allowed_row_actions(user, renovation) -> set[str]:
    return {a for a in ROW_ACTIONS if refusal(user, renovation, a) is None}


def may_browse(user) -> bool:
    """The renovation list: staff see their projects' applications, residents their own."""
    return user.is_authenticated
