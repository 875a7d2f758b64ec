"""Who may do what on the money side. One function per question; services call them before every
write, pages and the API ask the same (through core.questions for menus: billing/apps.py).

Roles (DOMAIN.md "Fees"): finance staff post payments, reverse, refund and reconcile; the front desk
(CS staff, lobby, supervisor, manager) takes payments too where the company lets it
(BillingSettings.desk_collects, on by default: most Chinese service centres collect at the desk),
sees accounts, hands out notices and records dunning steps; project managers see their projects'
accounts and figures; residents see only their own rooms' accounts (billing/selectors.py).
"""

from core.choices import DESK_ROLES, Role

ACCOUNT_VIEWERS = frozenset(DESK_ROLES | {Role.PROJECT_MANAGER, Role.FINANCE, Role.COMPANY_ADMIN})
# Who may run billing, set reliefs' approvals and reverse: money decisions.
MONEY_DECIDERS = frozenset({Role.FINANCE, Role.PROJECT_MANAGER, Role.COMPANY_ADMIN})
DUNNING_ROLES = frozenset(DESK_ROLES | {Role.PROJECT_MANAGER})
# A supervisor's override (goods pass or move-out of a room in arrears).
OVERRIDERS = frozenset({Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROJECT_MANAGER, Role.COMPANY_ADMIN})


def _in_project(user, project_id: int | None) -> bool:
    return project_id is None or project_id in user.project_ids()


def _staff(user) -> bool:
    return user.is_authenticated and user.is_active and not user.is_resident


def may_view_accounts(user, project_id: int | None = None) -> bool:
    """See rooms' bills, payments, balances and arrears (staff pages)."""
    return _staff(user) and (user.is_superuser or user.role in ACCOUNT_VIEWERS) and _in_project(user, project_id)


def desk_collects(company_id: int | None, *, read: dict | None = None) -> bool:
    """Whether the company lets its front desk take payments (BillingSettings.desk_collects).
    `read`: a dict the settings read are kept in, {company_id: BillingSettings}, for a caller that
    needs them again (a payment's prepayment cap) without a second query."""
    from billing.models import BillingSettings

    if company_id is None:
        return True
    if read is None:
        return BillingSettings.of(company_id).desk_collects
    if company_id not in read:
        read[company_id] = BillingSettings.of(company_id)
    return read[company_id].desk_collects


def may_take_payments(
    user, project_id: int | None = None, *, company_id: int | None = None, read: dict | None = None
) -> bool:
    """Post a payment (cash, transfer, card) or start an online one at the desk. `read`: see
    `desk_collects`."""
    if not (_staff(user) and _in_project(user, project_id)):
        return False
    if user.is_superuser or user.role == Role.FINANCE:
        return True
    company_id = company_id if company_id is not None else user.company_id
    return user.role in DESK_ROLES and desk_collects(company_id, read=read)


def may_reverse(user, project_id: int | None = None) -> bool:
    """Reverse a payment (冲红) or pay out a refund (退费): finance, or a project manager."""
    return _staff(user) and (user.is_superuser or user.role in MONEY_DECIDERS) and _in_project(user, project_id)


def may_run_billing(user, project_id: int | None = None) -> bool:
    """Preview, start and reverse billing runs; set meter readings in bulk."""
    return _staff(user) and (user.is_superuser or user.role in MONEY_DECIDERS) and _in_project(user, project_id)


def may_approve_relief(user, project_id: int | None = None) -> bool:
    """Approve a discount or waiver (someone other than its proposer: the service checks that)."""
    return (
        _staff(user)
        and (user.is_superuser or user.role in MONEY_DECIDERS | {Role.CS_MANAGER})
        and _in_project(user, project_id)
    )


def may_dun(user, project_id: int | None = None) -> bool:
    """Record a dunning step, hand out notices, agree a payment plan, mark a bill disputed."""
    return (
        _staff(user)
        and (user.is_superuser or user.role in DUNNING_ROLES | {Role.FINANCE})
        and _in_project(user, project_id)
    )


def may_override_arrears(user, project_id: int | None = None) -> bool:
    """Let a goods pass or a tenant's move-out through although the room owes money (with a reason)."""
    return _staff(user) and (user.is_superuser or user.role in OVERRIDERS) and _in_project(user, project_id)


def may_see_figures(user, project_id: int | None = None) -> bool:
    """Collection rates and the finance summaries."""
    return may_view_accounts(user, project_id) and (
        user.is_superuser or user.role in MONEY_DECIDERS | {Role.CS_SUPERVISOR, Role.CS_MANAGER}
    )


# ================================================================ the cashier side (helper "money")
# Rates, charges, meter readings and the cashier's day. Payments, reversals, refunds and runs use
# the rules above.


def may_set_rates(user, project_id: int | None, *, company_id: int | None = None) -> bool:
    """Add a rate from a date: a project's or a building's by its money deciders; a company-wide one
    (project_id None) by the company's administrator."""
    if not _staff(user):
        return False
    if user.is_superuser:
        return True
    if project_id is None:
        return user.role == Role.COMPANY_ADMIN and company_id is not None and user.company_id == company_id
    return may_run_billing(user, project_id)


def may_charge(user, project_id: int | None = None, *, for_request: bool = False) -> bool:
    """Put a one-off charge on a room's account (renovation fee, value-added service). A paid repair
    (linked to its request) is charged by any staff member of the project: the one who did it."""
    if not (_staff(user) and _in_project(user, project_id)):
        return False
    if for_request:
        return True
    return may_take_payments(user, project_id) or may_run_billing(user, project_id)


def may_record_readings(user, project_id: int | None = None) -> bool:
    """Record a meter reading: any staff member of the project (the engineering department usually
    reads the meters, the desk at a transfer)."""
    return _staff(user) and _in_project(user, project_id)


def may_receive_day(user, project_id: int | None = None) -> bool:
    """Take a cashier's closed day over (日结交接): finance staff of the project."""
    return _staff(user) and user.role == Role.FINANCE and _in_project(user, project_id)


def may_see_cashier(user) -> bool:
    """The cashier's page (today's money and the day close): whoever may take payments. The menu asks
    this on every page, so the answer is kept on the user object for the request (the services ask
    `may_take_payments` afresh)."""
    cached = getattr(user, "_billing_sees_cashier", None)
    if cached is None:
        cached = user._billing_sees_cashier = may_take_payments(user, read=settings_read(user))
    return cached


def settings_read(user) -> dict:
    """The billing settings this request has read already, kept on the user object for the request
    ({company_id: BillingSettings}): the menu's question and a page's own (the household card's
    "may take payments") share one read."""
    read = getattr(user, "_billing_settings_read", None)
    if read is None:
        read = user._billing_settings_read = {}
    return read


# ------------------------------------------------------------------ the arrears side (helper "arrears")

# Who may pick paid services on a repair and record the resident's answer: its implementer or
# assignee, the leads of the department it was sent to, and the desk's supervisors.
CHARGE_SUPERVISORS = frozenset({Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROJECT_MANAGER, Role.COMPANY_ADMIN})


def may_charge_repair(user, request) -> bool:
    """Record a paid repair's price-list items and the resident's yes or no on a request."""
    if not (_staff(user) and _in_project(user, request.project_id)):
        return False
    if user.is_superuser or user.role in CHARGE_SUPERVISORS:
        return True
    if user.pk in (request.assignee_id, getattr(request, "implementer_id", None)):
        return True
    return (
        user.role == Role.DEPT_LEAD and user.department_id is not None and user.department_id == request.department_id
    )


def may_view_ledger(user, project_id: int | None = None) -> bool:
    """The arrears ledger, the notices and the room's arrears page: staff who see accounts.
    Residents never see the ledger (it lists other households)."""
    return may_view_accounts(user, project_id)


# ------------------------------------------------------------------ residents paying in their app (helper "pmoney")

# Who of a room's residents sees its bills in the residents' app, pays them online and is told when
# a bill is issued: the owners (and co-owners), who owe the fees, and the tenants, who pay them in
# most leases. Family members and emergency contacts do not (docs/decisions.md "Residents' money
# pages: who pays").
PAYING_RELATIONS = frozenset({"owner", "co_owner", "tenant"})


def pays_for_room(user, room_id: int | None) -> bool:
    """A resident linked to the room today as owner, co-owner or tenant."""
    if room_id is None or not (user.is_authenticated and user.is_active and user.is_resident):
        return False
    from estate.rules import links_today

    # from the resident's occupancy scope: no query when the page keeps it (a residents' GET page)
    return any(rel in PAYING_RELATIONS for rel, _start, _rid in links_today(user, room_id))
