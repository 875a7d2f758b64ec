"""Codes of patrols and emergencies: kinds, states with labels and colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PointKind(models.TextChoices):
    PUBLIC_AREA = "public_area", _("公共区域")
    FIRE = "fire", _("消防设施")
    SANITATION = "sanitation", _("环境卫生")
    POSTERS = "posters", _("宣传张贴")
    OTHER = "other", _("其他")


# The request category a finding at a point of this kind suggests (desk Category.code, in order).
POINT_KIND_CATEGORIES = {
    PointKind.PUBLIC_AREA: ("facilities", "other"),
    PointKind.FIRE: ("facilities", "security", "other"),
    PointKind.SANITATION: ("sanitation", "other"),
    PointKind.POSTERS: ("other",),
    PointKind.OTHER: ("other",),
}


class RunState(models.IntegerChoices):
    SCHEDULED = 10, _("待开始")
    IN_PROGRESS = 20, _("进行中")
    DONE = 30, _("已完成")
    MISSED = 40, _("未执行")


RUN_COLOUR = {
    RunState.SCHEDULED: "secondary",
    RunState.IN_PROGRESS: "warning",
    RunState.DONE: "success",
    RunState.MISSED: "danger",
}


class StopState(models.IntegerChoices):
    PENDING = 10, _("待检")
    DONE = 20, _("已检")
    MISSED = 30, _("漏检")


STOP_COLOUR = {StopState.PENDING: "secondary", StopState.DONE: "success", StopState.MISSED: "danger"}


class FindingState(models.IntegerChoices):
    NEW = 10, _("待转工单")
    HANDED = 20, _("已交客服")
    REQUESTED = 30, _("已转工单")


class IncidentKind(models.TextChoices):
    FIRE = "fire", _("火灾")
    FLOOD = "flood", _("水灾")
    POWER = "power", _("停电")
    LIFT = "lift", _("电梯困人")


class IncidentLevel(models.IntegerChoices):
    GENERAL = 1, _("一般")
    SERIOUS = 2, _("较大")
    MAJOR = 3, _("重大")


LEVEL_COLOUR = {IncidentLevel.GENERAL: "secondary", IncidentLevel.SERIOUS: "warning", IncidentLevel.MAJOR: "danger"}


class IncidentState(models.IntegerChoices):
    OPEN = 10, _("处置中")
    RESOLVED = 20, _("已排除")
    CLOSED = 30, _("已结案")


INCIDENT_COLOUR = {IncidentState.OPEN: "danger", IncidentState.RESOLVED: "success", IncidentState.CLOSED: "dark"}


class EntryKind(models.TextChoices):
    REPORT = "report", _("接报")
    NOTIFY = "notify", _("通知")
    ACK = "ack", _("确认收到")
    ACTION = "action", _("处置")
    LINK = "link", _("关联工单")
    RESOLVE = "resolve", _("排除")
    REVIEW = "review", _("复盘")
    CLOSE = "close", _("结案")
