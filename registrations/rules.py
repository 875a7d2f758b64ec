"""Who may do what with the household registrations."""

from core.choices import DESK_ROLES, Role

# CS staff and lobby register and complete; the supervisor, manager and project manager too.
REGISTER_ROLES = frozenset(DESK_ROLES | {Role.PROJECT_MANAGER, Role.COMPANY_ADMIN})
# The handover acceptance from the developer is signed by the project manager.
SIGN_HANDOVER_ROLES = frozenset({Role.PROJECT_MANAGER, Role.COMPANY_ADMIN})


def may_use(user) -> bool:
    """Sees the registration pages at all (the menu entry, the lists)."""
    return user.is_authenticated and (user.is_superuser or user.role in REGISTER_ROLES)


def may_register(user, project_id: int) -> bool:
    return may_use(user) and project_id in user.project_ids()


def may_sign_handover(user, project_id: int) -> bool:
    return (
        user.is_authenticated
        and (user.is_superuser or user.role in SIGN_HANDOVER_ROLES)
        and project_id in user.project_ids()
    )
