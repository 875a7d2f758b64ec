"""The events a company may send to its endpoints, and a delivery's states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    REQUEST_REGISTERED = "request.registered", _("工单登记")
    REQUEST_STATE_CHANGED = "request.state_changed", _("工单状态变化")
    REQUEST_RESOLVED = "request.resolved", _("工单完成")
    REQUEST_RATED = "request.rated", _("工单回访评价")
    PARCEL_LOGGED = "parcel.logged", _("快递到件登记")
    PARCEL_COLLECTED = "parcel.collected", _("快递已领取")
    VISITOR_CHECKED_IN = "visitor.checked_in", _("访客到访")
    PASS_VERIFIED = "pass.verified", _("放行单核验放行")
    BILL_ISSUED = "bill.issued", _("账单出账")
    PAYMENT_POSTED = "payment.posted", _("收款入账")


PING = "ping"  # the test an administrator sends by hand: not a choice, every endpoint takes it


class Status(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("失败待重试")
    DEAD = "dead", _("已放弃")


WAITING = (Status.PENDING, Status.FAILED)
STATUS_COLOURS = {
    Status.PENDING: "secondary",
    Status.DELIVERED: "success",
    Status.FAILED: "warning",
    Status.DEAD: "danger",
}
