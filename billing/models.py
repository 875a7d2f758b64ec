"""The money side (物业费收缴): what is charged, the bills, the money that came in and where it went.

Amounts are integer fen (`*_fen`, BigIntegerField); prices are Decimal yuan with four places. Money
rows are never edited or deleted once they count: a payment is put right by a reversal entry (冲红),
a billing run by cancelling its bills as a whole before anything is paid. Denormalised sums
(`Bill.total_fen`, `Bill.paid_fen`, `BillLine.paid_fen`, `Account.balance_fen`) are kept by the
services under a lock on the room's `Account`, and the property tests check them against the rows.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.choices import (
    ArrearsPolicy,
    Basis,
    BillState,
    Counts,
    Cycle,
    DayState,
    DunningStepKind,
    EntryKind,
    EntryState,
    InvoiceState,
    Meter,
    Method,
    Payer,
    PlanState,
    ReliefKind,
    ReliefState,
    RunState,
)
from core.models import Company, Project
from estate.choices import RoomUse
from estate.models import Building, Room

User = settings.AUTH_USER_MODEL


class BillingSettings(models.Model):
    """Per-company settings of the money side. Every number is a default of common practice."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="billing_settings")
    due_days = models.PositiveSmallIntegerField(
        _("账单缴费期限(天)"), default=15, validators=[MaxValueValidator(365)], help_text=_("出账日起多少天内缴清。")
    )
    prepay_cap_months = models.PositiveSmallIntegerField(
        _("预存上限(月)"), default=12, validators=[MinValueValidator(0), MaxValueValidator(60)]
    )
    vacancy_discount_percent = models.PositiveSmallIntegerField(
        _("空置房物业费优惠(%)"), default=0, validators=[MaxValueValidator(100)]
    )
    desk_collects = models.BooleanField(
        _("客服前台可以收款"), default=True, help_text=_("关闭后只有财务人员可以收款。")
    )
    goods_pass_arrears = models.CharField(
        _("欠费房屋办理放行条"), max_length=10, choices=ArrearsPolicy.choices, default=ArrearsPolicy.WARN
    )
    move_out_arrears = models.CharField(
        _("欠费房屋租户退租"), max_length=10, choices=ArrearsPolicy.choices, default=ArrearsPolicy.BLOCK
    )
    late_fee_enabled = models.BooleanField(_("收取滞纳金"), default=False, help_text=_("仅在合同约定时开启。"))
    late_fee_daily_permille = models.DecimalField(
        _("滞纳金日费率(‰)"),
        max_digits=5,
        decimal_places=3,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(3)],
        help_text=_("如 0.5 表示每日万分之五。"),
    )
    late_fee_grace_days = models.PositiveSmallIntegerField(_("滞纳金宽限期(天)"), default=30)
    late_fee_cap_percent = models.PositiveSmallIntegerField(
        _("滞纳金上限(占欠费%)"), default=10, validators=[MaxValueValidator(100)]
    )
    lobby_notice_rooms = models.BooleanField(
        _("大堂公示欠费房号与金额"), default=False, help_text=_("只公示房号与金额，从不公示姓名。")
    )

    class Meta:
        verbose_name = _("收费设置")
        verbose_name_plural = _("收费设置")

    def __str__(self) -> str:
        return str(self.company)

    @classmethod
    def of(cls, company_id: int | None) -> "BillingSettings":
        """The company's settings: its row, or (none saved yet) an unsaved one holding the defaults.
        The one way every part of the money side reads them."""
        found = cls.objects.filter(company_id=company_id).first() if company_id is not None else None
        return found or cls(company_id=company_id)


class FeeItem(models.Model):
    """A thing the company charges for (收费项目)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="fee_items", verbose_name=_("公司"))
    code = models.SlugField(_("代码"), max_length=30)
    name = models.CharField(_("名称"), max_length=50)
    basis = models.CharField(_("计费方式"), max_length=10, choices=Basis.choices)
    counts = models.CharField(_("计数对象"), max_length=10, choices=Counts.choices, default=Counts.ROOM)
    cycle = models.CharField(_("出账周期"), max_length=10, choices=Cycle.choices, default=Cycle.MONTH)
    meter = models.CharField(
        _("读哪块表"),
        max_length=12,
        choices=Meter.choices,
        blank=True,
        db_default="",
        help_text=_("按读数计费的项目：过户时抄的这块表的读数记为本项目的读数。"),
    )
    account_code = models.CharField(_("会计科目代码"), max_length=30, blank=True, help_text=_("导出给财务软件时使用。"))
    periodic = models.BooleanField(
        _("周期性出账"), default=True, help_text=_("一次性收费（装修、有偿维修）不参与批量出账。")
    )
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("收费项目")
        verbose_name_plural = _("收费项目")
        ordering = ["company_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="fee_item_code_unique")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.meter and self.basis != Basis.METERED:
            raise ValidationError({"meter": _("只有按读数计费的项目才对应一块表。")})


class FeeRate(models.Model):
    """A price of an item from a date (收费标准). The most specific row wins: a building's over its
    project's over the company's, a room use's over any use; among those, the latest
    `effective_from` on or before the day billed. Issued bills keep the price on their lines."""

    item = models.ForeignKey(FeeItem, on_delete=models.CASCADE, related_name="rates", verbose_name=_("收费项目"))
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("项目")
    )
    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("楼栋")
    )
    room_use = models.CharField(_("房屋用途"), max_length=20, choices=RoomUse.choices, blank=True)
    price = models.DecimalField(_("单价(元)"), max_digits=12, decimal_places=4, validators=[MinValueValidator(0)])
    effective_from = models.DateField(_("生效日期"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("收费标准")
        verbose_name_plural = _("收费标准")
        ordering = ["item_id", "-effective_from"]
        indexes = [models.Index(fields=["item", "effective_from"], name="fee_rate_item_from")]

    def __str__(self) -> str:
        return f"{self.item} {self.price}"


class MeterReading(models.Model):
    """A meter read for a metered item (water, electricity, shared-area apportionment). Readings taken
    at a transfer (过户抄表) are rows here too."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="meter_readings", verbose_name=_("房屋"))
    item = models.ForeignKey(FeeItem, on_delete=models.PROTECT, related_name="readings", verbose_name=_("收费项目"))
    read_on = models.DateField(_("抄表日期"))
    value = models.DecimalField(_("读数"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    source = models.CharField(_("来源"), max_length=20, blank=True, db_default="")
    read_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("抄表读数")
        verbose_name_plural = _("抄表读数")
        constraints = [models.UniqueConstraint(fields=["room", "item", "read_on"], name="meter_reading_once_a_day")]

    def __str__(self) -> str:
        return f"{self.room_id}/{self.item_id} {self.read_on}: {self.value}"


class BillingRun(models.Model):
    """One billing run (批量出账) of a project for a period. It runs on the task queue and counts its
    progress; running the same period again creates nothing twice (bill lines are unique per room,
    item and period); it can be reversed as a whole until something of it is paid."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="billing_runs", verbose_name=_("项目"))
    period_start = models.DateField(_("账期开始"))
    period_end = models.DateField(_("账期结束"))
    cycle = models.CharField(_("周期"), max_length=10, choices=Cycle.choices, default=Cycle.MONTH)
    items = models.ManyToManyField(FeeItem, related_name="+", verbose_name=_("收费项目"))
    state = models.PositiveSmallIntegerField(_("状态"), choices=RunState.choices, default=RunState.QUEUED)
    rooms_total = models.PositiveIntegerField(default=0)
    rooms_done = models.PositiveIntegerField(default=0)
    bills_created = models.PositiveIntegerField(default=0)
    total_fen = models.BigIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    # Where a run that stopped half way (a worker killed) goes on from: rooms are billed in the order
    # of their id, a chunk at a time, each chunk committed with this mark (billing/services/runs.py).
    resume_after_room_id = models.BigIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reversed_at = models.DateTimeField(null=True, blank=True)
    reverse_reason = models.CharField(max_length=200, blank=True)
    # When its bills were told to the rooms' paying residents (billing/notices.py): once per run.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("出账批次")
        verbose_name_plural = _("出账批次")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="billing_run_period"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.period_start}–{self.period_end}"


class Bill(models.Model):
    """What one room owes for one period (or one charge). Its total is the sum of its lines."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="bills", verbose_name=_("项目"))
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bills", verbose_name=_("房屋"))
    run = models.ForeignKey(BillingRun, on_delete=models.PROTECT, null=True, blank=True, related_name="bills")
    number = models.CharField(_("账单号"), max_length=30, unique=True)
    period_start = models.DateField(_("账期开始"))
    period_end = models.DateField(_("账期结束"))
    payer = models.CharField(_("付款方"), max_length=10, choices=Payer.choices, default=Payer.OWNER)
    issued_on = models.DateField(_("出账日期"), default=timezone.localdate)
    due_on = models.DateField(_("应缴日期"))
    total_fen = models.BigIntegerField(_("应收(分)"), default=0)
    paid_fen = models.BigIntegerField(_("已收(分)"), default=0)
    state = models.PositiveSmallIntegerField(_("状态"), choices=BillState.choices, default=BillState.OPEN)
    disputed = models.BooleanField(_("有争议"), default=False)
    dispute_reason = models.CharField(_("争议原因"), max_length=200, blank=True)
    dispute_request = models.ForeignKey(
        "desk.ServiceRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("关联工单"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("账单")
        verbose_name_plural = _("账单")
        ordering = ["period_start", "id"]
        indexes = [
            models.Index(fields=["room", "period_start", "id"], name="bill_room_period"),
            models.Index(
                fields=["project", "due_on", "id"], name="bill_open_project_due", condition=Q(state=BillState.OPEN)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(paid_fen__gte=0) & Q(paid_fen__lte=models.F("total_fen")), name="bill_paid_within_total"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def open_fen(self) -> int:
        return 0 if self.state == BillState.CANCELLED else self.total_fen - self.paid_fen

    # what the pages ask (no state numbers in templates)
    @property
    def is_open(self) -> bool:
        return self.state == BillState.OPEN

    @property
    def is_cancelled(self) -> bool:
        return self.state == BillState.CANCELLED

    @property
    def state_colour(self) -> str:
        return {BillState.OPEN: "warning", BillState.PAID: "success"}.get(self.state, "secondary")

    @property
    def by_developer(self) -> bool:
        return self.payer == Payer.DEVELOPER


class BillLine(models.Model):
    """One item of a bill: quantity × price × months, rounded once (billing/money.py)."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="lines")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(FeeItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("收费项目"))
    period_start = models.DateField()
    description = models.CharField(_("说明"), max_length=200, blank=True)
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=2)
    price = models.DecimalField(_("单价"), max_digits=12, decimal_places=4)
    months = models.DecimalField(_("计费月数"), max_digits=8, decimal_places=4, default=1)
    amount_fen = models.BigIntegerField(_("金额(分)"))
    paid_fen = models.BigIntegerField(_("已收(分)"), default=0)
    cancelled = models.BooleanField(default=False)
    # A line of a billing run (once per room, item and period) or a one-off charge (renovation fee,
    # paid repair, value-added service: as many as there are, billing/services/charges.py).
    periodic = models.BooleanField(default=True)
    request = models.ForeignKey(
        "desk.ServiceRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charges",
        verbose_name=_("工单"),
    )

    class Meta:
        verbose_name = _("账单明细")
        verbose_name_plural = _("账单明细")
        ordering = ["bill_id", "item__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "item", "period_start"],
                condition=Q(cancelled=False, periodic=True),
                name="bill_line_once_per_period",
            ),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="bill_line_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(paid_fen__gte=0) & Q(paid_fen__lte=models.F("amount_fen")), name="bill_line_paid_within"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id}/{self.item_id} {self.amount_fen}"


class Account(models.Model):
    """A room's account: the lock every money change of the room takes (select_for_update), and its
    prepaid balance (预存), i.e. money received and not yet allocated to a bill line."""

    room = models.OneToOneField(Room, on_delete=models.PROTECT, related_name="account")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    balance_fen = models.BigIntegerField(_("预存余额(分)"), default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("房屋账户")
        verbose_name_plural = _("房屋账户")
        constraints = [models.CheckConstraint(condition=Q(balance_fen__gte=0), name="account_balance_not_negative")]

    def __str__(self) -> str:
        return f"{self.room_id}: {self.balance_fen}"


class CashierDay(models.Model):
    """A cashier's day (日结): open while they take money, closed with totals by method, handed to
    finance, signed and frozen. A closed day takes no more entries."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    cashier = models.ForeignKey(User, on_delete=models.PROTECT, related_name="cashier_days", verbose_name=_("收款人"))
    day = models.DateField(_("日期"))
    state = models.PositiveSmallIntegerField(_("状态"), choices=DayState.choices, default=DayState.OPEN)
    totals = models.JSONField(_("分方式合计(分)"), default=dict, blank=True)
    count = models.PositiveIntegerField(default=0)
    net_fen = models.BigIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    handed_to = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("交接财务")
    )
    signature = models.CharField(_("签名"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("收款日结")
        verbose_name_plural = _("收款日结")
        constraints = [models.UniqueConstraint(fields=["project", "cashier", "day"], name="cashier_day_once")]

    def __str__(self) -> str:
        return f"{self.cashier_id} {self.day}"


class Entry(models.Model):
    """Money in or out of a room's account: a payment (收款), a reversal of one (冲红, negative, pointing
    at it), or a refund of prepaid balance (退费, negative). Its receipt number is its `number`."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="money_entries")
    number = models.CharField(_("收据号"), max_length=30, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=EntryKind.choices, default=EntryKind.PAYMENT)
    method = models.CharField(_("方式"), max_length=10, choices=Method.choices)
    amount_fen = models.BigIntegerField(_("金额(分)"))
    state = models.PositiveSmallIntegerField(_("状态"), choices=EntryState.choices, default=EntryState.POSTED)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by", verbose_name=_("冲红原单")
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    payer_name = models.CharField(_("缴款人"), max_length=50, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    cashier = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("收款人")
    )
    day = models.ForeignKey(CashierDay, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    # what was asked with that key (a hash of the request): the same key with another body is refused
    request_hash = models.CharField(max_length=64, blank=True, db_default="")
    # A payment's money neither allocated to a bill line nor refunded: its part of the room's prepaid
    # balance (Account.balance_fen is the sum of its entries' rests). Kept under the Account lock.
    rest_fen = models.BigIntegerField(_("未核销(分)"), default=0)
    gateway_ref = models.CharField(_("支付平台单号"), max_length=64, null=True, blank=True)
    # An online payment started by a resident in the residents' app: who paid (told when it posts),
    # and the bills they picked (the money goes on those first; none picked: the oldest first).
    paid_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("线上缴费人")
    )
    bill_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("收退款记录")
        verbose_name_plural = _("收退款记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["room", "created_at", "id"], name="entry_room_time"),
            models.Index(fields=["room", "id"], name="entry_room_rest", condition=Q(rest_fen__gt=0)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["project", "idempotency_key"], name="entry_idempotency_once"),
            models.UniqueConstraint(fields=["method", "gateway_ref"], name="entry_gateway_ref_once"),
            models.CheckConstraint(
                condition=(Q(kind=EntryKind.PAYMENT) & Q(amount_fen__gt=0))
                | (Q(kind=EntryKind.REFUND) & Q(amount_fen__lt=0))
                | (Q(kind=EntryKind.REVERSAL) & ~Q(amount_fen=0)),
                name="entry_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind=EntryKind.REVERSAL, reverses__isnull=False)
                | (~Q(kind=EntryKind.REVERSAL) & Q(reverses__isnull=True)),
                name="entry_reversal_points_back",
            ),
            models.CheckConstraint(
                condition=Q(rest_fen__gte=0) & Q(rest_fen__lte=models.F("amount_fen")) | Q(rest_fen=0),
                name="entry_rest_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    # what the pages ask (no state numbers in templates)
    @property
    def is_posted(self) -> bool:
        return self.state == EntryState.POSTED

    @property
    def is_payment(self) -> bool:
        return self.kind == EntryKind.PAYMENT

    @property
    def kind_colour(self) -> str:
        return {EntryKind.PAYMENT: "primary", EntryKind.REVERSAL: "danger"}.get(self.kind, "info")


class Allocation(models.Model):
    """Money of an entry put on a bill line. A payment's allocations are positive; its reversal's are
    the same amounts negated on the same lines. An entry's unallocated rest is the room's prepaid
    balance; using the balance for a later bill is an allocation of the entry that brought it."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="allocations")
    line = models.ForeignKey(BillLine, on_delete=models.PROTECT, related_name="allocations")
    amount_fen = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("核销")
        verbose_name_plural = _("核销")
        constraints = [models.CheckConstraint(condition=~Q(amount_fen=0), name="allocation_not_zero")]

    def __str__(self) -> str:
        return f"{self.entry_id}→{self.line_id} {self.amount_fen}"


class GatewayCallback(models.Model):
    """Every callback an online payment gateway sent, kept: a replayed one (same nonce) is refused."""

    method = models.CharField(max_length=10, choices=Method.choices)
    nonce = models.CharField(max_length=64)
    gateway_ref = models.CharField(max_length=64, blank=True)
    body = models.TextField(max_length=10000)
    valid = models.BooleanField(default=False)
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["method", "nonce"], name="gateway_callback_nonce_once")]

    def __str__(self) -> str:
        return f"{self.method} {self.nonce}"


class Relief(models.Model):
    """A discount or waiver (优惠/减免) on a room's bill lines, proposed and approved by someone else."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="reliefs")
    kind = models.CharField(_("类型"), max_length=10, choices=ReliefKind.choices)
    line = models.ForeignKey(BillLine, on_delete=models.PROTECT, null=True, blank=True, related_name="reliefs")
    amount_fen = models.BigIntegerField(_("金额(分)"))
    reason = models.CharField(_("原因"), max_length=200)
    state = models.PositiveSmallIntegerField(_("状态"), choices=ReliefState.choices, default=ReliefState.PROPOSED)
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("优惠减免")
        verbose_name_plural = _("优惠减免")
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="relief_positive")]

    def __str__(self) -> str:
        return f"{self.room_id} {self.kind} {self.amount_fen}"


class InvoiceRequest(models.Model):
    """A resident's request for a fapiao (发票) on a payment; issued through the e-invoice interface."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="invoices")
    title = models.CharField(_("发票抬头"), max_length=100)
    tax_number = models.CharField(_("税号"), max_length=30, blank=True)
    email = models.EmailField(_("接收邮箱"), blank=True)
    state = models.PositiveSmallIntegerField(_("状态"), choices=InvoiceState.choices, default=InvoiceState.REQUESTED)
    invoice_number = models.CharField(_("发票号码"), max_length=40, blank=True)
    error = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("发票申请")
        verbose_name_plural = _("发票申请")

    def __str__(self) -> str:
        return self.title


class DunningStep(models.Model):
    """One step of the dunning ladder (催缴) taken for a room: who, when, and the resident's answer."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="dunning_steps")
    kind = models.PositiveSmallIntegerField(_("催缴方式"), choices=DunningStepKind.choices)
    owed_fen = models.BigIntegerField(_("当时欠费(分)"))
    answer = models.CharField(_("业户答复"), max_length=500, blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人"))
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("催缴记录")
        verbose_name_plural = _("催缴记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["room", "at"], name="dunning_room_at")]

    def __str__(self) -> str:
        return f"{self.room_id} {self.kind} {self.at:%Y-%m-%d}"


class PaymentPlan(models.Model):
    """Instalments (分期) agreed with a household for its arrears."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="payment_plans")
    total_fen = models.BigIntegerField(_("分期总额(分)"))
    state = models.PositiveSmallIntegerField(_("状态"), choices=PlanState.choices, default=PlanState.ACTIVE)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    agreed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    agreed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("分期协议")
        verbose_name_plural = _("分期协议")
        constraints = [models.CheckConstraint(condition=Q(total_fen__gt=0), name="plan_positive")]

    def __str__(self) -> str:
        return f"{self.room_id} {self.total_fen}"


class Instalment(models.Model):
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="instalments")
    due_on = models.DateField(_("到期日"))
    amount_fen = models.BigIntegerField(_("金额(分)"))
    paid_fen = models.BigIntegerField(_("已缴(分)"), default=0)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="instalment_positive")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.due_on} {self.amount_fen}"


class PriceListItem(models.Model):
    """A published price of a paid service (有偿服务价目表), picked on site for a paid repair."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="price_list", verbose_name=_("公司"))
    name = models.CharField(_("服务项目"), max_length=60)
    unit = models.CharField(_("单位"), max_length=10, help_text=_("如 次、米、个"))
    price = models.DecimalField(_("单价(元)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    item = models.ForeignKey(FeeItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("入账收费项目"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("有偿服务价目")
        verbose_name_plural = _("有偿服务价目")
        ordering = ["company_id", "name"]

    def __str__(self) -> str:
        return self.name
