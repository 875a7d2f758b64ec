"""Who works the front desk's pages: desk staff, supervisors and guards (workers of the security
department) of the project; residents only for their own rooms."""

from core.choices import DESK_ROLES, SUPERVISING_ROLES, DepartmentKind, Role

FRONT_ROLES = frozenset(DESK_ROLES | SUPERVISING_ROLES)


def is_guard(user) -> bool:
    if not getattr(user, "is_authenticated", False) or user.role not in (Role.WORKER, Role.DEPT_LEAD):
        return False
    department = user.department if user.department_id else None
    return department is not None and department.kind == DepartmentKind.SECURITY


def is_front(user) -> bool:
    """Desk staff, supervisors and guards: the people who log parcels, visitors and passes."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or user.role in FRONT_ROLES or is_guard(user)


def works_in(user, project_id) -> bool:
    return is_front(user) and project_id in user.project_ids()


def may_call_owner(user, goods_pass) -> bool:
    """The gate (and the desk) may ring the owner of a tenant's pass that waits for the owner's
    confirmation (core/calls.py logs the reveal); never a resident, never another project."""
    from frontdesk.choices import PassState

    return works_in(user, goods_pass.project_id) and goods_pass.state == PassState.AWAITING_OWNER
