"""Who may do what with patrols and incidents."""

from core.choices import DESK_ROLES, SUPERVISING_ROLES, Role


def in_project(user, project_id) -> bool:
    return user.is_authenticated and not user.is_resident and project_id in user.project_ids()


def is_supervisor(user) -> bool:
    return user.is_superuser or user.role in SUPERVISING_ROLES


def edits_setup(user, project_id) -> bool:
    """Check points, routes and call trees: supervisors of the project."""
    return in_project(user, project_id) and is_supervisor(user)


def handles_incidents(user, project_id=None) -> bool:
    """Desk staff and supervisors start incidents, write their timeline, link requests, resolve."""
    ok = user.is_authenticated and (user.is_superuser or user.role in DESK_ROLES | SUPERVISING_ROLES)
    return ok and (project_id is None or project_id in user.project_ids())


def walks(user, route) -> bool:
    """The people named on the route, its department's workers and lead, and supervisors."""
    if not in_project(user, route.project_id):
        return False
    if is_supervisor(user):
        return True
    if user.role not in (Role.WORKER, Role.DEPT_LEAD):
        return False
    if route.department_id and user.department_id == route.department_id:
        return True
    return route.people.filter(pk=user.pk).exists()


def sees_patrols(user) -> bool:
    return (
        user.is_authenticated
        and not user.is_resident
        and (user.is_superuser or user.role in DESK_ROLES | SUPERVISING_ROLES | {Role.WORKER, Role.DEPT_LEAD})
    )


def sees_incidents(user) -> bool:
    """The incident list and pages: every staff member (anyone may need to know of a fire)."""
    return user.is_authenticated and not user.is_resident


def maintains_setup(user) -> bool:
    """The supervisors' pages: missed patrols, check points and routes, call trees."""
    return sees_patrols(user) and is_supervisor(user)
