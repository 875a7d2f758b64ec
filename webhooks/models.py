"""Outgoing webhooks: a company's endpoints and the deliveries made to them (webhooks/sending.py)."""

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Company, User
from webhooks.choices import STATUS_COLOURS, WAITING, Event, Status

RESPONSE_EXCERPT = 2048  # characters of a receiver's answer kept


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Endpoint(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("公司"))
    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("接收地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=100, default=new_secret, editable=False)
    events = models.JSONField(_("订阅事件"), default=list)
    active = models.BooleanField(_("启用"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0, editable=False)
    disabled_at = models.DateTimeField(_("停用时间"), null=True, blank=True, editable=False)
    disabled_reason = models.CharField(_("停用原因"), max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("创建人")
    )
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("Webhook 接收端")
        verbose_name_plural = _("Webhook 接收端")
        indexes = [models.Index(fields=["company", "active"], name="wh_endpoint_company")]

    def __str__(self):
        return self.name

    @property
    def secret_hint(self) -> str:
        return f"whsec_…{self.secret[-4:]}"

    @property
    def event_labels(self) -> list[str]:
        return [str(Event(e).label) if e in Event.values else e for e in self.events]


class Delivery(models.Model):
    """One event sent to one endpoint, tried until delivered or given up (dead). A manual redelivery
    is a new row (`redelivery_of`) with the same event id: the receiver can tell it is the same event."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(_("事件编号"), default=uuid.uuid4)
    event = models.CharField(_("事件"), max_length=50)
    payload = models.JSONField(_("内容"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True, default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    response_code = models.PositiveSmallIntegerField(_("响应状态码"), null=True, blank=True)
    response_body = models.TextField(_("响应内容（节选）"), blank=True, max_length=RESPONSE_EXCERPT)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时(毫秒)"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("最近尝试"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("重发自")
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("手动发送人")
    )

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        indexes = [
            models.Index(fields=["endpoint", "-id"], name="wh_delivery_endpoint"),
            models.Index(fields=["endpoint", "status", "-id"], name="wh_delivery_endpoint_status"),
            models.Index(
                fields=["next_attempt_at"], name="wh_delivery_due", condition=Q(status__in=[s.value for s in WAITING])
            ),
        ]

    def __str__(self):
        return f"{self.event} #{self.pk}"

    @property
    def colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "secondary")


class Attempt(models.Model):
    """One try of a delivery: what went out and what came back."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField(default=timezone.now)
    timestamp = models.BigIntegerField()  # X-PropDesk-Timestamp sent
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, max_length=RESPONSE_EXCERPT)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["delivery", "-id"], name="wh_attempt_delivery")]

    def __str__(self):
        return f"{self.delivery_id} @ {self.at:%Y-%m-%d %H:%M:%S}"
