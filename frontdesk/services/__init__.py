"""Every write of the front desk. Each function is keyword-only, checks who may act and the rules,
raises a ServiceError subclass with a translated message (and changes nothing), and writes the
record's history. A refused pickup code or a refused goods check is itself recorded: the refusal
row is written after the refused change has been rolled back, then the error is raised.

One module per workflow: `parcels`, `visitors`, `contractor_passes`, `goods_passes` (goods release
passes); `_common` holds the shared helpers. This package re-exports every public name, so
`from frontdesk import services` keeps working."""

from frontdesk.services._common import CODE_TRIES, OWNER_RELATIONS, _id_number, _new_code, _resident_relation
from frontdesk.services.contractor_passes import contractor_pass_issue, contractor_pass_revoke
from frontdesk.services.goods_passes import (
    ArrearsCheck,
    PassApplication,
    PassScan,
    find_goods_pass,
    goods_pass_apply,
    goods_pass_arrears,
    goods_pass_confirm,
    goods_pass_override_arrears,
    goods_pass_refusal,
    goods_pass_scan,
    goods_pass_verify,
    purge_carrier_data,
)
from frontdesk.services.parcels import (
    parcel_collect_by_code,
    parcel_hand_over,
    parcel_log,
    parcel_overdue_alerts,
    parcel_return,
)
from frontdesk.services.visitors import (
    WalkIn,
    purge_visitor_data,
    visit_admit_by_code,
    visit_cancel,
    visit_checkout,
    visit_preregister,
    visit_register,
)

__all__ = [
    "CODE_TRIES",
    "OWNER_RELATIONS",
    "PassApplication",
    "WalkIn",
    "_id_number",
    "_new_code",
    "_resident_relation",
    "contractor_pass_issue",
    "contractor_pass_revoke",
    "find_goods_pass",
    "goods_pass_apply",
    "goods_pass_confirm",
    "ArrearsCheck",
    "goods_pass_arrears",
    "goods_pass_override_arrears",
    "PassScan",
    "goods_pass_refusal",
    "goods_pass_scan",
    "goods_pass_verify",
    "parcel_collect_by_code",
    "parcel_hand_over",
    "parcel_log",
    "parcel_overdue_alerts",
    "parcel_return",
    "purge_carrier_data",
    "purge_visitor_data",
    "visit_admit_by_code",
    "visit_cancel",
    "visit_checkout",
    "visit_preregister",
    "visit_register",
]
