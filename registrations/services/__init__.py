"""Every write to the household registrations. Each function is keyword-only, runs in one
transaction, locks the record it changes, checks who may act and the workflow's rules, and writes
one history entry (`Event`). Input errors raise ValidationError (field -> messages); refusals
raise ActionRefused with the reason in the user's language. Nothing is deleted: a wrong entry is
corrected by a new one (an unchecked item, a cancelled record with its reason).

One module per workflow: `movein` (收楼/入住), `defects` (move-in and handover defects), `lease`
(出租登记), `transfer` (过户), `handover` (接管验收); `_common` holds the shared helpers. This package
re-exports every public name, so `from registrations import services` keeps working."""

from registrations.services._common import (
    HOUSEHOLD_RELATIONS,
    OWNER_RELATIONS,
    Errors,
    _id_number,
    checklist_lines,
    current_owners,
    settings_for,
)
from registrations.services.defects import defect_add, defect_to_repair
from registrations.services.handover import (
    handover_add_item,
    handover_cancel,
    handover_missing,
    handover_open,
    handover_sign,
)
from registrations.services.lease import (
    lease_activate,
    lease_cancel,
    lease_confirm_owner,
    lease_move_out,
    lease_register,
    lease_reminder_recipients,
    lease_send_reminders,
    overlapping_active_lease,
    owner_confirm_in_app,
)
from registrations.services.movein import (
    movein_add_key,
    movein_cancel,
    movein_check,
    movein_complete,
    movein_inspect,
    movein_missing,
    movein_note_fees,
    movein_open,
    movein_sign_rules,
)
from registrations.services.transfer import (
    transfer_add_item,
    transfer_cancel,
    transfer_complete,
    transfer_missing,
    transfer_open,
    transfer_read_meters,
    transfer_settle_item,
)

__all__ = [
    "Errors",
    "HOUSEHOLD_RELATIONS",
    "OWNER_RELATIONS",
    "_id_number",
    "checklist_lines",
    "current_owners",
    "defect_add",
    "defect_to_repair",
    "handover_add_item",
    "handover_cancel",
    "handover_missing",
    "handover_open",
    "handover_sign",
    "lease_activate",
    "lease_cancel",
    "lease_confirm_owner",
    "lease_move_out",
    "owner_confirm_in_app",
    "lease_register",
    "lease_reminder_recipients",
    "lease_send_reminders",
    "movein_add_key",
    "movein_cancel",
    "movein_check",
    "movein_complete",
    "movein_inspect",
    "movein_missing",
    "movein_note_fees",
    "movein_open",
    "movein_sign_rules",
    "overlapping_active_lease",
    "settings_for",
    "transfer_add_item",
    "transfer_cancel",
    "transfer_complete",
    "transfer_missing",
    "transfer_open",
    "transfer_read_meters",
    "transfer_settle_item",
]
