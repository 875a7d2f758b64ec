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


class Orientation(models.TextChoices):
    SOUTH = "S", _("朝南")
    NORTH = "N", _("朝北")
    EAST = "E", _("朝东")
    WEST = "W", _("朝西")
    SOUTH_NORTH = "SN", _("南北通透")
    SOUTH_EAST = "SE", _("东南")
    SOUTH_WEST = "SW", _("西南")
    NORTH_EAST = "NE", _("东北")
    NORTH_WEST = "NW", _("西北")
    EAST_WEST = "EW", _("东西")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class IdType(models.TextChoices):
    ID_CARD = "id_card", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO = "hk_macao", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    FOREIGN_PR = "foreign_pr", _("外国人永久居留身份证")
    COMPANY = "company", _("统一社会信用代码")
    OTHER = "other", _("其他证件")


class ParkingKind(models.TextChoices):
    OWNED = "owned", _("产权车位")
    RENTED = "rented", _("租赁车位")


class PetKind(models.TextChoices):
    DOG = "dog", _("狗")
    CAT = "cat", _("猫")
    OTHER = "other", _("其他")


class TagColour(models.TextChoices):
    DANGER = "danger", _("红")
    WARNING = "warning", _("黄")
    INFO = "info", _("蓝")
    SECONDARY = "secondary", _("灰")
    SUCCESS = "success", _("绿")
