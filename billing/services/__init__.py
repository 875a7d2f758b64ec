"""Every write of the money side: keyword-only `<thing>_<verb>(*, actor, ...)`, one transaction,
the room's Account row locked (select_for_update) before any sum of the room changes, rules
checked, the audit trail written. One module per workflow; the public names are re-exported here."""

# ---------------------------------------------------------------- the cashier side (helper "money")
from billing.services.charges import charge_add, meter_reading_record, transfer_meter_readings  # noqa: E402
from billing.services.days import cashier_day_close, day_totals  # noqa: E402
from billing.services.payments import (  # noqa: E402
    balance_refund,
    entry_reverse,
    payment_confirm_online,
    payment_post,
    payment_start_online,
)
from billing.services.rates import RateTable, fee_rate_add, monthly_charge_fen, rate_for  # noqa: E402
from billing.services.reliefs import invoice_request, relief_decide, relief_propose  # noqa: E402
from billing.services.runs import (  # noqa: E402
    billing_run_execute,
    billing_run_preview,
    billing_run_resume,
    billing_run_reverse,
    billing_run_start,
    resume_stale_runs,
)

__all__ = [
    "RateTable",
    "balance_refund",
    "billing_run_execute",
    "billing_run_preview",
    "billing_run_resume",
    "billing_run_reverse",
    "billing_run_start",
    "cashier_day_close",
    "charge_add",
    "day_totals",
    "entry_reverse",
    "fee_rate_add",
    "invoice_request",
    "meter_reading_record",
    "monthly_charge_fen",
    "payment_confirm_online",
    "payment_post",
    "payment_start_online",
    "rate_for",
    "transfer_meter_readings",
    "relief_decide",
    "relief_propose",
    "resume_stale_runs",
]

# ---- the arrears side (helper "arrears"): dunning, disputes, plans, late fees, one-off charges
from billing.services.charges import ChargeLine, charge_create  # noqa: E402, F401
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
from billing.services.repair_charges import paid_repair_record  # noqa: E402, F401
