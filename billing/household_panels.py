"""The money side's cards on the household page (estate/panels.py): the account, then the arrears
with the dunning history. Both read one context per request (billing/household_arrears.py)."""

from estate.panels import household_panel


@household_panel("billing", order=10)
def account_panel(*, request, room):
    from billing.household_arrears import account_panel

    return account_panel(request, room) or None


@household_panel("arrears", order=20)
def arrears_panel(*, request, room):
    from billing.household_arrears import dunning_panel

    return dunning_panel(request, room) or None
