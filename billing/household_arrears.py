"""The household page's arrears panel (一户一档): what the room owes, aged, and its dunning history.

`dunning_panel(request, room)` returns the panel's HTML ("" for users who may not see accounts),
for the household panel registry the cashier side adds to estate (estate/panels.py): registering
it is one function in billing/household_panels.py,

    @household_panel("arrears", order=20)
    def arrears_panel(*, request, room):
        return dunning_panel(request, room) or None

The household timeline shows the dunning steps already (billing/timeline_arrears.py)."""

from django.template.loader import render_to_string

from billing.choices import PlanState
from billing.ledger import room_arrears
from billing.models import PaymentPlan
from billing.rules import may_view_ledger
from billing.selectors import dunning_history


def dunning_panel(request, room) -> str:
    if request.user.is_resident or not may_view_ledger(request.user, room.project_id):
        return ""
    return render_to_string(
        "billing/arrears/_household_dunning.html",
        {
            "room": room,
            "a": room_arrears(room),
            "history": dunning_history(room, limit=5),
            "plan": PaymentPlan.objects.filter(room_id=room.pk, state=PlanState.ACTIVE).exists(),
        },
        request=request,
    )
