"""Who may configure the company's webhooks: its administrators only (they send the company's data
to another system)."""

from core.choices import Role


def may_manage(user) -> bool:
    return bool(user.is_authenticated and user.role == Role.COMPANY_ADMIN and user.company_id)
