"""The residents' sign-in codes: only a keyed hash of (phone, code) is kept, so a code is bound to
the phone it was sent to and a leaked table gives nothing away."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SignInCode(models.Model):
    """One code asked for (every request is a row, sent or not, so the throttles count it)."""

    phone = models.CharField(_("手机"), max_length=20)
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("登录验证码")
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["phone", "-created_at"], name="portal_code_phone"),
            models.Index(fields=["ip", "-created_at"], name="portal_code_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"


class SignInFailure(models.Model):
    """A wrong code for a phone: five within 15 minutes lock that phone out."""

    phone = models.CharField(max_length=20)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["phone", "-at"], name="portal_fail_phone")]

    def __str__(self) -> str:
        return f"{self.phone} {self.at:%Y-%m-%d %H:%M}"


class DevOutbox(models.Model):
    """Development only: a text that would have gone out by SMS while no SMS channel is wired."""

    phone = models.CharField(max_length=20)
    text = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"
