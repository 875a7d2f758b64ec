"""Who may do what to a service request, and in which states.

`refusal(actor, request, action)` returns None when the action is allowed, else the reason in
the user's language. Services call it before every write; pages and the API call
`allowed_actions` to offer exactly the actions that would succeed.
"""

from django.utils.translation import gettext as _

from core.choices import DESK_ROLES, SUPERVISING_ROLES, DepartmentKind, Role
from desk.choices import DESK_HANDLED_KINDS, WORK_STATES, Action, Kind, Severity, State, Validity

# action -> states it may start from
FROM_STATES: dict[str, frozenset[int]] = {
    Action.DISPATCH: frozenset({State.REGISTERED}),
    Action.ACCEPT: frozenset({State.DISPATCHED}),
    Action.RETURN: frozenset({State.DISPATCHED, State.ACCEPTED}),
    Action.TRANSFER: frozenset({State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS}),
    Action.ARRIVE: frozenset({State.ACCEPTED}),
    Action.PAUSE: frozenset({State.ACCEPTED, State.IN_PROGRESS}),
    Action.RESUME: frozenset({State.PAUSED}),
    Action.RESOLVE: frozenset({State.REGISTERED, State.ACCEPTED, State.IN_PROGRESS}),
    # Before resolution a reply is interim feedback (the state stays); after it, the final reply.
    Action.REPLY: frozenset(
        {State.REGISTERED, State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS, State.PAUSED, State.RESOLVED}
    ),
    Action.VISIT: frozenset({State.RESOLVED, State.REPLIED}),
    Action.CLOSE: frozenset({State.REGISTERED, State.RESOLVED, State.REPLIED, State.VISITED}),
    Action.CANCEL: frozenset({State.REGISTERED, State.DISPATCHED}),
    Action.REOPEN: frozenset({State.RESOLVED, State.REPLIED, State.VISITED, State.CLOSED}),
    Action.RECLASSIFY: frozenset(
        {
            State.REGISTERED,
            State.DISPATCHED,
            State.ACCEPTED,
            State.IN_PROGRESS,
            State.PAUSED,
        }
    ),
    # Valid <-> invalid while the work is not done; made invalid after dispatch, the request is
    # recalled to the desk (registered), where an invalid complaint is explained and closed.
    Action.VALIDITY: frozenset(
        {
            State.REGISTERED,
            State.DISPATCHED,
            State.ACCEPTED,
            State.IN_PROGRESS,
            State.PAUSED,
        }
    ),
    Action.ATTACH: frozenset(
        {
            State.REGISTERED,
            State.DISPATCHED,
            State.ACCEPTED,
            State.IN_PROGRESS,
            State.PAUSED,
            State.RESOLVED,
            State.REPLIED,
            State.VISITED,
        }
    ),
}
# The order in which a request page offers its actions.
ACTION_ORDER = (
    Action.DISPATCH,
    Action.ACCEPT,
    Action.ARRIVE,
    Action.RESOLVE,
    Action.PAUSE,
    Action.RESUME,
    Action.RETURN,
    Action.TRANSFER,
    Action.REPLY,
    Action.VISIT,
    Action.CLOSE,
    Action.REOPEN,
    Action.CANCEL,
    Action.RECLASSIFY,
    Action.VALIDITY,
    Action.ATTACH,
)

DESKLIKE = DESK_ROLES | SUPERVISING_ROLES

# Actions whose note is a required reason (the services refuse an empty one).
NOTE_REQUIRED = frozenset({Action.RETURN, Action.TRANSFER, Action.PAUSE, Action.CANCEL, Action.REOPEN, Action.VALIDITY})

# Roles that take work in any department they belong to (technicians, guards, cleaners; leads).
TAKES_WORK_ROLES = frozenset({Role.WORKER, Role.DEPT_LEAD})


def is_desklike(user) -> bool:
    return user.is_superuser or user.role in DESKLIKE


def has_desk_home(user) -> bool:
    """'My desk' (the queues); residents go to their list, technicians to their jobs."""
    return not user.is_resident and user.role != Role.WORKER


def may_view_board(user) -> bool:
    """The supervisor's board (desk/board.py): the CS supervisor and manager, the project manager,
    the company's administrator."""
    return user.is_superuser or user.role in SUPERVISING_ROLES


def lands_on_board(user) -> bool:
    """Whose home is the board rather than the clerk's workbench (the workbench stays one click away)."""
    return user.role in SUPERVISING_ROLES


def may_view_jobs(user) -> bool:
    """'My jobs', the phone page of the work sent to me: any staff member can be sent work."""
    return not user.is_resident


def in_scope(user, request) -> bool:
    return user.is_authenticated and not user.is_resident and request.project_id in user.project_ids()


def may_be_assigned(user, department) -> bool:
    """May `user` be sent work of `department` (by name, or accept it while nobody is named)?
    An active member of that department, working in its project, in a role that takes work:
    technicians and department leads; in the customer-service department (客服中心) also the desk's
    own people, who handle complaints about staff attitude and mediate neighbour disputes.
    `selectors.assignable_people` is the same rule as a query: keep the two in step."""
    if department is None or not user.is_active or user.department_id != department.pk:
        return False
    takes_work = user.role in TAKES_WORK_ROLES or (
        user.role in DESK_ROLES and department.kind == DepartmentKind.CUSTOMER_SERVICE
    )
    return takes_work and department.project_id in user.project_ids()


def is_worker_on(user, request) -> bool:
    """The assignee, or (while nobody is named) a member of the department it was sent to who may
    take its work (`may_be_assigned`); a department lead always counts for their department's
    requests."""
    if request.assignee_id:
        if request.assignee_id == user.pk:
            return True
        return user.role == Role.DEPT_LEAD and user.department_id == request.department_id
    return (
        request.department_id is not None
        and user.department_id == request.department_id
        and may_be_assigned(user, request.department)
    )


def may_call_caller(user, request) -> bool:
    """May `user` ring the request's caller from a phone page (core/calls.py)? Those who see full
    numbers anyway (the desk, supervisors), and the person working on it (`is_worker_on`) while the
    work is under way; never a resident, never outside the user's projects."""
    if not in_scope(user, request) or not request.caller_phone:
        return False
    if user.sees_full_phone:
        return True
    return request.state in WORK_STATES and is_worker_on(user, request)


def is_owner_or_supervisor(user, request) -> bool:
    return user.pk == request.receiver_id or user.is_superuser or user.role in SUPERVISING_ROLES


# What a resident may do to their own request (from the residents' pages): rate the result. A
# message (with photos) is `message_refusal`'s, not the staff's ATTACH (any file type).
RESIDENT_ACTIONS = frozenset({Action.VISIT})


def is_resident_of(user, request) -> bool:
    """A resident who may see this request (their room's during their occupancy, about them, or
    reported by them): `selectors.visible_requests`, the one scoping rule."""
    if not (user.is_authenticated and user.is_resident):
        return False
    from desk.selectors import visible_requests  # selectors imports this module

    return visible_requests(user).filter(pk=request.pk).exists()


def message_refusal(user, request) -> str | None:
    """A resident's message on their own request (`services.request_message`), while files may
    still be added to it."""
    if not is_resident_of(user, request):
        return _("只有业户本人可以在这里留言。")
    if request.state not in FROM_STATES[Action.ATTACH]:
        return _("这张工单已结束，不能再评价或留言。")
    return None


def refusal(user, request, action: str) -> str | None:
    if user.is_authenticated and user.is_resident:
        if action not in RESIDENT_ACTIONS or not is_resident_of(user, request):
            return _("您无权处理这张工单。")
        if request.state not in FROM_STATES[action]:
            return _("这张工单已结束，不能再评价或留言。")
        return None
    if not in_scope(user, request):
        return _("您无权处理这张工单。")
    if request.state not in FROM_STATES[action]:
        return _("工单当前状态为“%(state)s”，不能执行“%(action)s”。") % {
            "state": State(request.state).label,
            "action": Action(action).label,
        }
    check = _CHECKS.get(action)
    return check(user, request) if check else None


def _desk_only(user, request):
    return None if is_desklike(user) else _("只有客服人员可以执行此操作。")


def _dispatch(user, request):
    if not is_desklike(user):
        return _("只有客服人员可以派单。")
    if request.kind == Kind.COMPLAINT and request.validity == Validity.INVALID:
        return _("无效投诉不派单：向业户解释后直接结案。")
    return None


def _worker(user, request):
    return None if is_worker_on(user, request) else _("只有被派单的处理人或其部门可以执行此操作。")


def _worker_or_desk(user, request):
    return None if is_worker_on(user, request) or is_desklike(user) else _("只有处理人或客服人员可以执行此操作。")


def _transfer(user, request):
    if is_desklike(user) or (user.role == Role.DEPT_LEAD and user.department_id == request.department_id):
        return None
    return _("只有客服人员或该部门主管可以转单。")


def _resolve(user, request):
    if request.state == State.REGISTERED:
        if request.kind not in DESK_HANDLED_KINDS:
            return _("投诉和报修需先派单处理，不能直接完成。")
        return None if is_desklike(user) else _("只有客服人员可以直接答复咨询、建议和表扬。")
    return _worker(user, request)


def _visit(user, request):
    if not is_desklike(user):
        return _("只有客服人员可以回访。")
    if user.pk in (request.implementer_id, request.assignee_id):
        return _("回访须由处理人以外的人员进行。")
    if request.kind == Kind.COMPLAINT and request.severity == Severity.MAJOR:
        if not (user.is_superuser or user.role in (Role.PROJECT_MANAGER, Role.COMPANY_ADMIN)):
            return _("重大投诉须由项目经理回访。")
    return None


def _close(user, request):
    if request.state == State.REGISTERED:
        if not (request.kind == Kind.COMPLAINT and request.validity == Validity.INVALID):
            return _("未处理的工单不能结案；无效投诉除外。")
        return _desk_only(user, request)
    if request.state in (State.RESOLVED, State.REPLIED) and request.needs_return_visit:
        return _("这张工单需要先回访才能结案。")
    if not is_owner_or_supervisor(user, request):
        return _("只有首问责任人或主管可以结案。")
    return None


def _owner_or_supervisor(user, request):
    return None if is_owner_or_supervisor(user, request) else _("只有首问责任人或主管可以执行此操作。")


def _validity(user, request):
    if not is_desklike(user):
        return _("只有客服人员可以更改投诉性质。")
    if request.kind != Kind.COMPLAINT:
        return _("只有投诉区分有效与无效。")
    return None


def _attach(user, request):
    return None if is_desklike(user) or is_worker_on(user, request) else _("您不能为这张工单上传附件。")


_CHECKS = {
    Action.DISPATCH: _dispatch,
    Action.ACCEPT: _worker,
    Action.RETURN: _worker,
    Action.TRANSFER: _transfer,
    Action.ARRIVE: _worker,
    Action.PAUSE: _worker_or_desk,
    Action.RESUME: _worker_or_desk,
    Action.RESOLVE: _resolve,
    Action.REPLY: _desk_only,
    Action.VISIT: _visit,
    Action.CLOSE: _close,
    Action.CANCEL: _owner_or_supervisor,
    Action.REOPEN: _owner_or_supervisor,
    Action.ATTACH: _attach,
    Action.RECLASSIFY: _desk_only,
    Action.VALIDITY: _validity,
}


def allowed_actions(user, request) -> list[str]:
    """The actions `refusal` would let through (without writing the refusals' messages)."""
    if not in_scope(user, request):
        return []
    allowed = []
    for action in ACTION_ORDER:
        if request.state in FROM_STATES[action]:
            check = _CHECKS.get(action)
            if check is None or check(user, request) is None:
                allowed.append(action)
    return allowed


def can_register(user, project_id: int) -> bool:
    """The desk in its projects; a resident for their own rooms (the intake checks the room and
    the channel, `services.intake._resident_intake`)."""
    if user.is_authenticated and user.is_resident:
        return True
    return is_desklike(user) and project_id in user.project_ids()
