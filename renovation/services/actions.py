"""The service behind each action of the renovation page."""

from __future__ import annotations

from renovation.choices import Action
from renovation.services.application import (
    renovation_add_drawings,
    renovation_approve,
    renovation_cancel,
    renovation_reject,
    renovation_send_back,
)
from renovation.services.fees import renovation_pay
from renovation.services.inspections import (
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
from renovation.services.refund import renovation_refund

ACTION_SERVICES = {
    Action.APPROVE: renovation_approve,
    Action.SEND_BACK: renovation_send_back,
    Action.REJECT: renovation_reject,
    Action.CANCEL: renovation_cancel,
    Action.ADD_DRAWINGS: renovation_add_drawings,
    Action.PAY: renovation_pay,
    Action.ISSUE_PERMIT: renovation_issue_permit,
    Action.ADD_WORKER: renovation_add_worker,
    Action.ISSUE_PASS: renovation_issue_pass,
    Action.REVOKE_PASS: renovation_revoke_pass,
    Action.INSPECT: renovation_inspect,
    Action.RECTIFY: renovation_rectify,
    Action.TO_REQUEST: renovation_violation_to_request,
    Action.ACCEPT: renovation_accept,
    Action.REFUND: renovation_refund,
}
