"""Codes of the community work: announcements, activities, visiting groups."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.choices import Role


class Audience(models.TextChoices):
    PROJECT = "project", _("全项目")
    BUILDINGS = "buildings", _("指定楼栋")
    ROOMS = "rooms", _("指定房屋")


class NoticeState(models.IntegerChoices):
    DRAFT = 10, _("草稿")
    SCHEDULED = 20, _("待发布")
    PUBLISHED = 30, _("已发布")
    WITHDRAWN = 40, _("已撤回")


NOTICE_COLOURS = {
    NoticeState.DRAFT: "secondary",
    NoticeState.SCHEDULED: "info",
    NoticeState.PUBLISHED: "success",
    NoticeState.WITHDRAWN: "dark",
}


class NoticeAction(models.TextChoices):
    CREATE = "create", _("起草")
    EDIT = "edit", _("修改")
    SCHEDULE = "schedule", _("定时发布")
    UNSCHEDULE = "unschedule", _("取消定时")
    PUBLISH = "publish", _("发布")
    WITHDRAW = "withdraw", _("撤回")


class ActivityState(models.IntegerChoices):
    PLANNED = 10, _("已发布")
    CANCELLED = 40, _("已取消")


class SignupState(models.IntegerChoices):
    CONFIRMED = 10, _("已报名")
    WAITLISTED = 20, _("候补")
    CANCELLED = 40, _("已取消")


SIGNUP_COLOURS = {
    SignupState.CONFIRMED: "success",
    SignupState.WAITLISTED: "warning",
    SignupState.CANCELLED: "secondary",
}


# Who does what.
DRAFTING_ROLES = frozenset({Role.CS_STAFF, Role.LOBBY, Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROJECT_MANAGER})
PUBLISHING_ROLES = frozenset({Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROJECT_MANAGER, Role.COMPANY_ADMIN})
PHRASE_EDITING_ROLES = frozenset({Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.COMPANY_ADMIN})
COMMUNITY_STAFF_ROLES = frozenset(DRAFTING_ROLES | PUBLISHING_ROLES)
