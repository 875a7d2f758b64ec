"""Codes of a renovation (装修): the lifecycle's states and the actions that move it.

States have gaps (10, 20, ...) like the desk's, each with a label and a colour."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.IntegerChoices):
    SUBMITTED = 10, _("待审核")
    RETURNED = 20, _("退回修改")
    APPROVED = 30, _("已批准，待缴费")
    PAID = 40, _("已缴费，待发证")
    IN_PROGRESS = 50, _("装修中")
    ACCEPTED = 60, _("已验收，待退押金")
    REFUNDED = 70, _("已退押金")
    REJECTED = 80, _("不予批准")
    CANCELLED = 90, _("已撤回")


STATE_COLOUR = {
    State.SUBMITTED: "primary",
    State.RETURNED: "warning",
    State.APPROVED: "info",
    State.PAID: "info",
    State.IN_PROGRESS: "warning",
    State.ACCEPTED: "success",
    State.REFUNDED: "dark",
    State.REJECTED: "secondary",
    State.CANCELLED: "light",
}
OPEN_STATES = (
    State.SUBMITTED,
    State.RETURNED,
    State.APPROVED,
    State.PAID,
    State.IN_PROGRESS,
    State.ACCEPTED,
)
# A room has at most one renovation in these states at a time.
ACTIVE_STATES = OPEN_STATES
# The permit is valid (printable) in these states.
PERMIT_STATES = (State.IN_PROGRESS, State.ACCEPTED, State.REFUNDED)


class Action(models.TextChoices):
    APPLY = "apply", _("提交申请")
    RESUBMIT = "resubmit", _("修改后重新提交")
    ADD_DRAWINGS = "drawings", _("上传图纸")
    APPROVE = "approve", _("批准")
    SEND_BACK = "send_back", _("退回修改")
    REJECT = "reject", _("不予批准")
    CANCEL = "cancel", _("撤回申请")
    PAY = "pay", _("登记缴费")
    ISSUE_PERMIT = "permit", _("发放装修许可证")
    ADD_WORKER = "worker", _("登记工人")
    ISSUE_PASS = "pass", _("办理出入证")
    REVOKE_PASS = "revoke_pass", _("注销出入证")
    INSPECT = "inspect", _("装修巡查")
    RECTIFY = "rectify", _("违规已整改")
    TO_REQUEST = "to_request", _("违规转工单")
    ACCEPT = "accept", _("竣工验收")
    REFUND = "refund", _("退还押金")


class FeeKind(models.TextChoices):
    DEPOSIT = "deposit", _("装修押金")
    MANAGEMENT = "management", _("装修管理费")
    PASS = "pass", _("出入证工本费")
    OTHER = "other", _("其他")


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("合格")
    VIOLATION = "violation", _("发现违规")


class FileKind(models.TextChoices):
    DRAWING = "drawing", _("图纸")
    PHOTO = "photo", _("违规照片")
