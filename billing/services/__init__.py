"""Every write of the money side: keyword-only `<thing>_<verb>(*, actor, ...)`, one transaction,
the room's Account row locked (select_for_update) before any sum of the room changes, rules
checked, the audit trail written. One module per workflow; the public names are re-exported here."""

# ---- the arrears side (helper "arrears"): dunning, disputes, plans, late fees, one-off charges
from billing.services.charges import ChargeLine, charge_add, charge_create, paid_repair_record  # noqa: E402, F401
from billing.services.dunning import (  # noqa: E402, F401
    InstalmentInput,
    bill_dispute,
    bill_dispute_settle,
    dunning_step_record,
    payment_plan_agree,
    payment_plan_cancel,
    payment_plans_refresh,
)
from billing.services.late_fees import late_fees_charge  # noqa: E402, F401
