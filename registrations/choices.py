"""Codes of the household registrations: states (with gaps), colours, and the small lists the
forms choose from."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    MOVE_IN = "movein", _("收楼入住")
    LEASE = "lease", _("出租登记")
    TRANSFER = "transfer", _("过户")
    HANDOVER = "handover", _("接管验收")


# Short prefixes for the numbers people quote: pinyin initials (入住 RZ, 出租 CZ, 过户 GH, 接管 JG).
PREFIX = {Kind.MOVE_IN: "RZ", Kind.LEASE: "CZ", Kind.TRANSFER: "GH", Kind.HANDOVER: "JG"}


class MoveInState(models.IntegerChoices):
    OPEN = 10, _("办理中")
    COMPLETED = 50, _("已入住")
    CANCELLED = 90, _("已取消")


class LeaseState(models.IntegerChoices):
    DRAFT = 10, _("待生效")
    ACTIVE = 30, _("租住中")
    ENDED = 50, _("已退租")
    CANCELLED = 90, _("已取消")


class TransferState(models.IntegerChoices):
    OPEN = 10, _("办理中")
    COMPLETED = 50, _("已过户")
    CANCELLED = 90, _("已取消")


class HandoverState(models.IntegerChoices):
    OPEN = 10, _("验收中")
    SIGNED = 50, _("已签字")
    CANCELLED = 90, _("已取消")


STATE_COLOUR = {10: "primary", 30: "success", 50: "secondary", 90: "dark"}
OPEN_STATES = frozenset({10, 30})
# The state each kind starts in (being handled at the desk): the index's cards open their lists at it.
STARTED = {
    Kind.MOVE_IN: MoveInState.OPEN,
    Kind.LEASE: LeaseState.DRAFT,
    Kind.TRANSFER: TransferState.OPEN,
    Kind.HANDOVER: HandoverState.OPEN,
}


class IdType(models.TextChoices):
    ID_CARD = "id_card", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO = "hk_macao", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    FOREIGN_PR = "foreign_pr", _("外国人永久居留身份证")
    COMPANY = "company", _("统一社会信用代码")
    OTHER = "other", _("其他证件")


class ConfirmMethod(models.TextChoices):
    PRESENT = "present", _("业主到场")
    PHONE = "phone", _("电话确认")
    WRITTEN = "written", _("书面委托")
    APP = "app", _("业主在手机上确认")


class MoveInRelation(models.TextChoices):
    """Whom a move-in makes an occupant: the owner or, with the owner's consent, a family member."""

    OWNER = "owner", _("业主")
    FAMILY = "family", _("家庭成员")


class KeyKind(models.TextChoices):
    ENTRY = "entry", _("入户门钥匙")
    ROOM = "room", _("室内门钥匙")
    MAILBOX = "mailbox", _("信报箱钥匙")
    METER = "meter", _("水电表箱钥匙")
    CARD = "card", _("门禁卡")
    REMOTE = "remote", _("车库遥控器")
    OTHER = "other", _("其他")


class Section(models.TextChoices):
    """The parts of a handover acceptance from the developer."""

    BUILDING = "building", _("房屋本体")
    EQUIPMENT = "equipment", _("设施设备")
    KEYS = "keys", _("钥匙")
    DOCUMENTS = "documents", _("图纸资料")


CHECKED_SECTIONS = frozenset({Section.BUILDING, Section.EQUIPMENT})  # items with a result ok/defect
COUNTED_SECTIONS = frozenset({Section.KEYS, Section.DOCUMENTS})  # items with a count received


class Result(models.TextChoices):
    OK = "ok", _("合格")
    DEFECT = "defect", _("有缺陷")


class Meter(models.TextChoices):
    WATER = "water", _("水表")
    ELECTRICITY = "electricity", _("电表")
    GAS = "gas", _("燃气表")
