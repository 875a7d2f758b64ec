from django.db import models
from django.utils.translation import gettext_lazy as _


class RoomUse(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅")
    SHOP = "shop", _("商铺")
    OFFICE = "office", _("办公")
    PARKING = "parking", _("车位")
    STORAGE = "storage", _("储藏室")


class RoomState(models.TextChoices):
    UNSOLD = "unsold", _("未售")
    VACANT = "vacant", _("空置")
    OCCUPIED = "occupied", _("已入住")
    RENOVATING = "renovating", _("装修中")
    RENTED = "rented", _("出租")


class Relation(models.TextChoices):
    OWNER = "owner", _("业主")
    CO_OWNER = "co_owner", _("共有人")
    FAMILY = "family", _("家庭成员")
    TENANT = "tenant", _("租户")
    EMERGENCY = "emergency", _("紧急联系人")
