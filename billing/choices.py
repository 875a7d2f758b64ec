"""Codes of the money side. States have gaps (10, 20, 30) like every app's; groups name what the
rules speak of."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Basis(models.TextChoices):
    """How a fee item's quantity is found for a room."""

    AREA = "area", _("按面积（元/m²/月）")
    UNIT = "unit", _("按个数（元/个/月）")
    METERED = "metered", _("按读数（元/单位用量）")
    ONE_OFF = "one_off", _("一次性")


class Counts(models.TextChoices):
    """What a per-unit item counts for a room."""

    ROOM = "room", _("每户")
    PARKING = "parking", _("每个车位")
    VEHICLE = "vehicle", _("每辆车")
    PET = "pet", _("每只宠物")


class Meter(models.TextChoices):
    """Which of a room's meters a metered fee item reads: the readings a transfer (过户) takes land
    on the item of their meter."""

    WATER = "water", _("水表")
    ELECTRICITY = "electricity", _("电表")
    GAS = "gas", _("燃气表")


class Cycle(models.TextChoices):
    MONTH = "month", _("按月")
    QUARTER = "quarter", _("按季")
    YEAR = "year", _("按年")


CYCLE_MONTHS = {Cycle.MONTH: 1, Cycle.QUARTER: 3, Cycle.YEAR: 12}


class Payer(models.TextChoices):
    OWNER = "owner", _("业主")
    DEVELOPER = "developer", _("开发商")


class RunState(models.IntegerChoices):
    QUEUED = 10, _("排队中")
    RUNNING = 20, _("出账中")
    DONE = 30, _("已出账")
    FAILED = 40, _("失败")
    REVERSED = 90, _("已撤销")


RUN_ACTIVE = frozenset({RunState.QUEUED, RunState.RUNNING})


class BillState(models.IntegerChoices):
    OPEN = 10, _("待缴")
    PAID = 30, _("已缴清")
    CANCELLED = 90, _("已作废")


class Method(models.TextChoices):
    CASH = "cash", _("现金")
    TRANSFER = "transfer", _("银行转账")
    CARD = "card", _("刷卡")
    WECHAT = "wechat", _("微信支付")
    ALIPAY = "alipay", _("支付宝")


ONLINE_METHODS = frozenset({Method.WECHAT, Method.ALIPAY})


class EntryKind(models.TextChoices):
    """A money entry. Nothing about money is edited or deleted: a mistake is put right by a new
    entry (冲红) that points at the one it reverses."""

    PAYMENT = "payment", _("收款")
    REVERSAL = "reversal", _("冲红")
    REFUND = "refund", _("退费")


class EntryState(models.IntegerChoices):
    PENDING = 10, _("待支付")  # an online payment waiting for the gateway's callback
    POSTED = 20, _("已入账")
    FAILED = 40, _("支付失败")


class DayState(models.IntegerChoices):
    OPEN = 10, _("未日结")
    CLOSED = 30, _("已日结")


class ArrearsPolicy(models.TextChoices):
    """What a goods pass or a tenant's move-out meets when the room owes money."""

    WARN = "warn", _("提示")
    BLOCK = "block", _("需主管批准")


class DunningStepKind(models.IntegerChoices):
    """The ladder (催缴). There is deliberately no step that cuts water, power, gas, heat or a lift, or
    that refuses a service: the law forbids it (Civil Code art. 944)."""

    REMINDER = 10, _("缴费提醒")
    PHONE = 20, _("电话催缴")
    LETTER = 30, _("书面催缴函")
    VISIT = 40, _("上门拜访")
    LEGAL = 50, _("法律途径")


class PlanState(models.IntegerChoices):
    ACTIVE = 10, _("执行中")
    DONE = 30, _("已完成")
    BROKEN = 40, _("已违约")
    CANCELLED = 90, _("已取消")


class ReliefKind(models.TextChoices):
    """Discounts and waivers (优惠/减免); each needs an approver."""

    PREPAY = "prepay", _("预缴优惠")
    VACANCY = "vacancy", _("空置减免")
    HARDSHIP = "hardship", _("困难减免")
    OTHER = "other", _("其他")


class ReliefState(models.IntegerChoices):
    PROPOSED = 10, _("待审批")
    APPROVED = 30, _("已批准")
    REJECTED = 40, _("已驳回")


class InvoiceState(models.IntegerChoices):
    REQUESTED = 10, _("已申请")
    ISSUED = 30, _("已开具")
    FAILED = 40, _("开具失败")
