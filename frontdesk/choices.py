"""Codes of the front desk: parcels, visitors and goods release passes.

States have gaps (10, 20, 30) so later states can slot in; each has a label and a colour."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ParcelKind(models.TextChoices):
    PARCEL = "parcel", _("快递包裹")
    LETTER = "letter", _("普通信件")
    IMPORTANT = "important", _("重要邮件")


class ParcelState(models.IntegerChoices):
    WAITING = 10, _("待领取")
    COLLECTED = 20, _("已领取")
    RETURNED = 30, _("已退回")


PARCEL_COLOUR = {ParcelState.WAITING: "warning", ParcelState.COLLECTED: "success", ParcelState.RETURNED: "secondary"}


class HandoverMethod(models.TextChoices):
    CODE = "code", _("取件码")
    SIGNATURE = "signature", _("签字领取")


# Carriers offered in the arrival form's list; any other name may be typed.
CARRIERS = ["顺丰", "中通", "圆通", "韵达", "申通", "京东", "邮政EMS", "极兔", "德邦"]


class IdType(models.TextChoices):
    ID_CARD = "id_card", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO = "hk_macao", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    OTHER = "other", _("其他证件")


class AgreedVia(models.TextChoices):
    PHONE = "phone", _("电话确认")
    IN_PERSON = "in_person", _("当面确认")
    APP = "app", _("业主端确认")


class VisitState(models.IntegerChoices):
    EXPECTED = 10, _("已预约")
    ON_SITE = 20, _("在访")
    LEFT = 30, _("已离开")
    CANCELLED = 40, _("已取消")


VISIT_COLOUR = {
    VisitState.EXPECTED: "info",
    VisitState.ON_SITE: "warning",
    VisitState.LEFT: "secondary",
    VisitState.CANCELLED: "light",
}


class PassState(models.IntegerChoices):
    AWAITING_OWNER = 10, _("待业主确认")
    AUTHORISED = 20, _("已授权")
    RELEASED = 30, _("已放行")


PASS_COLOUR = {PassState.AWAITING_OWNER: "warning", PassState.AUTHORISED: "primary", PassState.RELEASED: "success"}


class ApplicantRelation(models.TextChoices):
    OWNER = "owner", _("业主")
    TENANT = "tenant", _("租户")


class CheckOutcome(models.TextChoices):
    RELEASED = "released", _("放行")
    REFUSED = "refused", _("拒绝放行")
