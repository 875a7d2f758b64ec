"""Every write to a renovation. Keyword-only functions in one transaction each: they check the
rules (renovation/rules.py), change the renovation with a compare-and-swap on its version, and
write one timeline entry per action. Nothing is deleted: corrections are new entries.

One module per workflow: `application` (apply, resubmit, review, review reminders), `fees`
(payments), `permit` (permit, workers and their passes), `inspections` (inspections, violations,
acceptance), `refund` (deposit refund), `actions` (the action -> service table); `_common` holds the
shared helpers. This package re-exports every public name, so `from renovation import services`
keeps working."""

from renovation.services._common import CENT, _reviewers, normalize_id_number, review_deadline
from renovation.services.actions import ACTION_SERVICES
from renovation.services.application import (
    Application,
    WorkerInput,
    fees_for,
    remind_due,
    renovation_add_drawings,
    renovation_apply,
    renovation_approve,
    renovation_cancel,
    renovation_reject,
    renovation_resubmit,
    renovation_send_back,
)
from renovation.services.fees import paid_totals, renovation_pay
from renovation.services.inspections import (
    ViolationInput,
    renovation_accept,
    renovation_inspect,
    renovation_rectify,
    renovation_violation_to_request,
)
from renovation.services.permit import (
    renovation_add_worker,
    renovation_issue_pass,
    renovation_issue_permit,
    renovation_revoke_pass,
)
from renovation.services.refund import DeductionInput, renovation_refund

__all__ = [
    "ACTION_SERVICES",
    "Application",
    "CENT",
    "DeductionInput",
    "ViolationInput",
    "WorkerInput",
    "_reviewers",
    "fees_for",
    "normalize_id_number",
    "paid_totals",
    "remind_due",
    "renovation_accept",
    "renovation_add_drawings",
    "renovation_add_worker",
    "renovation_apply",
    "renovation_approve",
    "renovation_cancel",
    "renovation_inspect",
    "renovation_issue_pass",
    "renovation_issue_permit",
    "renovation_pay",
    "renovation_rectify",
    "renovation_refund",
    "renovation_reject",
    "renovation_resubmit",
    "renovation_revoke_pass",
    "renovation_send_back",
    "renovation_violation_to_request",
    "review_deadline",
]
