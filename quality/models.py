from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Project


class DailyCloseout(models.Model):
    """A supervisor's sign-off of one project's day (每日结清). The page of a signed day is drawn
    from `snapshot`, frozen at signing, so later changes to the requests do not rewrite it."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="closeouts", verbose_name=_("项目"))
    date = models.DateField(_("日期"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("签字人")
    )
    signed_at = models.DateTimeField(_("签字时间"))
    comment = models.TextField(_("说明"), blank=True, max_length=500)
    snapshot = models.JSONField(_("结清快照"), default=dict, editable=False)

    class Meta:
        verbose_name = _("每日结清")
        verbose_name_plural = _("每日结清")
        ordering = ["-date", "project_id"]
        constraints = [models.UniqueConstraint(fields=["project", "date"], name="closeout_once_a_day")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.date}"
