"""The money side's card on the household page (estate/panels.py): what the room owes, its prepaid
balance, its latest bills and payments, and the way to its account page."""

from django.template.loader import render_to_string

from estate.panels import household_panel


@household_panel("billing", order=10)
def account_panel(*, request, room):
    from billing.views_money import household_panel_context

    context = household_panel_context(request, room)
    if context is None:
        return None
    return render_to_string("billing/_household_panel.html", context, request=request)
