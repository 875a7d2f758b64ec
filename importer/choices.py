from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    ROOMS = "rooms", _("楼栋/单元/房屋")
    RESIDENTS = "residents", _("业户及房屋关系")


class SessionStatus(models.IntegerChoices):
    """Steps of a staged import; gaps leave room for steps added later."""

    MAPPING = 10, _("待匹配列")
    STAGING = 20, _("校验中")
    REVIEW = 30, _("待确认")
    COMMITTING = 40, _("导入中")
    DONE = 50, _("已导入")
    FAILED = 60, _("失败")


STATUS_COLOURS = {
    SessionStatus.MAPPING: "secondary",
    SessionStatus.STAGING: "info",
    SessionStatus.REVIEW: "warning",
    SessionStatus.COMMITTING: "info",
    SessionStatus.DONE: "success",
    SessionStatus.FAILED: "danger",
}
# A background job is working on the session: the page polls.
RUNNING = frozenset({SessionStatus.STAGING, SessionStatus.COMMITTING})
