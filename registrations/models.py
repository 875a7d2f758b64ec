"""The household registrations (一户一档): move-in, rental registration, transfer of ownership and
the handover acceptance from the developer. Each is a small workflow with its own states, child
records (checklists, keys, defects, items) and one shared history table (`Event`)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Company, Project, User
from estate.models import Building, Occupancy, Resident, Room
from registrations.choices import (
    PREFIX,
    ConfirmMethod,
    HandoverState,
    IdType,
    KeyKind,
    Kind,
    LeaseState,
    MoveInRelation,
    MoveInState,
    Result,
    Section,
    TransferState,
)

DEFAULT_MOVEIN_CHECKLIST = "\n".join(
    [
        "*业主身份证明",
        "*购房合同或不动产权证",
        "*收楼通知书",
        "*前期物业服务合同（已签署）",
        "装修须知（已领取）",
        "业户资料登记表",
    ]
)
DEFAULT_TRANSFER_CHECKLIST = "\n".join(
    [
        # the property fees are not a line here: every transfer checks the room's account
        "水电燃气费结清",
        "停车费结清",
        "装修押金处理",
        "门禁卡/车辆登记变更",
    ]
)


# An item's count: the column's range (a PositiveIntegerField, 4 bytes on PostgreSQL). The page's form
# and the API stop there, so a larger count is a field error, not a 500.
QUANTITY_MAX = 2**31 - 1


class RegistrationSettings(models.Model):
    """Settings of the registrations for a company (project empty) or one of its projects; a
    project's row wins over the company's, and the defaults apply where neither exists."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("公司"))
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("项目"),
        help_text=_("留空表示全公司的默认设置"),
    )
    lease_reminder_days = models.PositiveSmallIntegerField(
        _("租约到期提前提醒(天)"), default=30, help_text=_("租约结束前多少天提醒客服和业户；每份租约只提醒一次")
    )
    movein_checklist = models.TextField(
        _("入住资料核验清单"),
        default=DEFAULT_MOVEIN_CHECKLIST,
        help_text=_("每行一项；以 * 开头的为必查项，未核验不能办结"),
        max_length=2000,
    )
    transfer_checklist = models.TextField(
        _("过户待结清事项"),
        default=DEFAULT_TRANSFER_CHECKLIST,
        help_text=_("每行一项，新建过户单时带出"),
        max_length=2000,
    )

    class Meta:
        verbose_name = _("登记设置")
        verbose_name_plural = _("登记设置")
        constraints = [
            models.UniqueConstraint(fields=["company", "project"], name="regsettings_project_unique"),
            models.UniqueConstraint(
                fields=["company"], condition=Q(project__isnull=True), name="regsettings_company_unique"
            ),
        ]

    def __str__(self) -> str:
        return str(self.project or self.company)


class Record(models.Model):
    """What every registration has: where, who registered it, when, its state."""

    KIND: str = ""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    note = models.TextField(_("备注"), blank=True, max_length=500)

    class Meta:
        abstract = True

    @property
    def number(self) -> str:
        return f"{PREFIX[self.KIND]}{self.pk:06d}" if self.pk else ""

    @property
    def kind_label(self):
        return Kind(self.KIND).label


# ---------------------------------------------------------------- move-in


class MoveIn(Record):
    KIND = Kind.MOVE_IN

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="moveins", verbose_name=_("房屋"))
    state = models.PositiveSmallIntegerField(_("状态"), choices=MoveInState.choices, default=MoveInState.OPEN)
    person_name = models.CharField(_("入住人姓名"), max_length=50)
    person_phone = models.CharField(_("入住人手机"), max_length=20, blank=True)
    relation = models.CharField(
        _("与房屋关系"), max_length=20, choices=MoveInRelation.choices, default=MoveInRelation.OWNER
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("业户档案")
    )
    move_in_on = models.DateField(_("入住日期"))
    fees_amount = models.DecimalField(_("预交费用(元)"), max_digits=12, decimal_places=2, null=True, blank=True)
    fees_months = models.PositiveSmallIntegerField(_("预交月数"), null=True, blank=True)
    fees_receipt = models.CharField(_("收据号"), max_length=50, blank=True)
    fees_noted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    fees_noted_at = models.DateTimeField(_("费用登记时间"), null=True, blank=True)
    rules_signed_at = models.DateTimeField(_("规约签署时间"), null=True, blank=True)
    rules_signed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    inspected_at = models.DateTimeField(_("验房时间"), null=True, blank=True)
    inspected_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    inspection_note = models.TextField(_("验房情况"), blank=True, max_length=2000)
    occupancy = models.ForeignKey(
        Occupancy, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("居住关系")
    )
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    completed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("收楼入住")
        verbose_name_plural = _("收楼入住")
        indexes = [
            models.Index(fields=["project", "-created_at", "-id"], name="movein_project_recent"),
            models.Index(fields=["room", "-created_at"], name="movein_room_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.room_id and self.room.code}"


class MoveInCheck(models.Model):
    movein = models.ForeignKey(MoveIn, on_delete=models.CASCADE, related_name="checks")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(_("核验项"), max_length=100)
    mandatory = models.BooleanField(_("必查"), default=False)
    checked_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    checked_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("资料核验项")
        verbose_name_plural = _("资料核验项")
        ordering = ["movein_id", "position", "id"]

    def __str__(self) -> str:
        return self.label


class MoveInKey(models.Model):
    movein = models.ForeignKey(MoveIn, on_delete=models.CASCADE, related_name="keys")
    kind = models.CharField(_("钥匙/卡类别"), max_length=20, choices=KeyKind.choices)
    count = models.PositiveSmallIntegerField(_("数量"))
    receiver = models.CharField(_("领取人"), max_length=50)
    handed_at = models.DateTimeField(_("交付时间"), default=timezone.now)
    handed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人"))

    class Meta:
        verbose_name = _("钥匙交付")
        verbose_name_plural = _("钥匙交付")
        ordering = ["movein_id", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ×{self.count}"


# ---------------------------------------------------------------- handover from the developer


class Handover(Record):
    KIND = Kind.HANDOVER

    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("楼栋"),
        help_text=_("留空表示整个项目"),
    )
    state = models.PositiveSmallIntegerField(_("状态"), choices=HandoverState.choices, default=HandoverState.OPEN)
    developer = models.CharField(_("移交单位（开发商）"), max_length=100)
    developer_contact = models.CharField(_("开发商代表"), max_length=50, blank=True)
    accepted_on = models.DateField(_("验收日期"))
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("签字人")
    )
    sign_note = models.TextField(_("验收意见"), blank=True, max_length=500)

    class Meta:
        verbose_name = _("接管验收")
        verbose_name_plural = _("接管验收")
        indexes = [models.Index(fields=["project", "-created_at", "-id"], name="handover_project_recent")]

    def __str__(self) -> str:
        return f"{self.number} {self.developer}"


class HandoverItem(models.Model):
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    section = models.CharField(_("类别"), max_length=20, choices=Section.choices)
    name = models.CharField(_("项目名称"), max_length=100)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices, blank=True)
    quantity = models.PositiveIntegerField(_("数量"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人"))
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("验收项")
        verbose_name_plural = _("验收项")
        ordering = ["handover_id", "section", "id"]

    def __str__(self) -> str:
        return self.name


class Defect(models.Model):
    """A defect found at a move-in inspection or a handover acceptance; one click turns it into a
    repair request, linked back here."""

    movein = models.ForeignKey(MoveIn, on_delete=models.CASCADE, null=True, blank=True, related_name="defects")
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, null=True, blank=True, related_name="defects")
    location = models.CharField(_("部位"), max_length=100)
    description = models.CharField(_("缺陷描述"), max_length=300)
    request = models.ForeignKey(
        "desk.ServiceRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报修工单"),
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人"))
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("缺陷")
        verbose_name_plural = _("缺陷")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(movein__isnull=False, handover__isnull=True)
                | Q(movein__isnull=True, handover__isnull=False),
                name="defect_one_parent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.location} {self.description}"


# ---------------------------------------------------------------- rental registration


class Lease(Record):
    KIND = Kind.LEASE

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="leases", verbose_name=_("房屋"))
    state = models.PositiveSmallIntegerField(_("状态"), choices=LeaseState.choices, default=LeaseState.DRAFT)
    tenant_name = models.CharField(_("租户姓名"), max_length=50)
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices, default=IdType.ID_CARD)
    id_number = models.CharField(_("证件号码"), max_length=40)
    tenant_phone = models.CharField(_("租户手机"), max_length=20)
    start = models.DateField(_("租期开始"))
    end = models.DateField(_("租期结束"))
    contract_no = models.CharField(_("租赁合同编号"), max_length=50, blank=True)
    emergency_name = models.CharField(_("紧急联系人"), max_length=50, blank=True)
    emergency_phone = models.CharField(_("紧急联系人电话"), max_length=20, blank=True)
    owner_name = models.CharField(_("确认业主"), max_length=50, blank=True)
    confirm_method = models.CharField(_("确认方式"), max_length=20, choices=ConfirmMethod.choices, blank=True)
    confirmed_at = models.DateTimeField(_("业主确认时间"), null=True, blank=True)
    confirm_recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("确认经办人")
    )
    confirm_note = models.CharField(_("确认说明"), max_length=200, blank=True)
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("业户档案")
    )
    occupancy = models.ForeignKey(
        Occupancy, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("居住关系")
    )
    activated_at = models.DateTimeField(_("生效登记时间"), null=True, blank=True)
    moved_out_on = models.DateField(_("退租日期"), null=True, blank=True)
    move_out_note = models.CharField(_("退租说明"), max_length=200, blank=True)
    # What the room's account owed when the move-out was registered (checked by the system, not
    # ticked), and a supervisor's override when the company blocks a move-out in arrears.
    move_out_owed_fen = models.BigIntegerField(_("退租时欠费(分)"), null=True, blank=True)
    move_out_override_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("欠费退租批准人")
    )
    move_out_override_reason = models.CharField(_("欠费退租原因"), max_length=200, blank=True)
    reminded_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("出租登记")
        verbose_name_plural = _("出租登记")
        indexes = [
            models.Index(fields=["project", "-created_at", "-id"], name="lease_project_recent"),
            models.Index(fields=["room", "-created_at"], name="lease_room_recent"),
            models.Index(
                fields=["end"],
                name="lease_reminder_due",
                condition=Q(state=LeaseState.ACTIVE, reminded_at__isnull=True),
            ),
        ]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="lease_dates_ordered")]

    def __str__(self) -> str:
        return f"{self.number} {self.tenant_name}"


# ---------------------------------------------------------------- transfer of ownership


class Transfer(Record):
    KIND = Kind.TRANSFER

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("房屋"))
    state = models.PositiveSmallIntegerField(_("状态"), choices=TransferState.choices, default=TransferState.OPEN)
    old_owners = models.CharField(_("原业主"), max_length=200, blank=True)
    new_owner_name = models.CharField(_("新业主姓名"), max_length=50)
    new_owner_phone = models.CharField(_("新业主手机"), max_length=20, blank=True)
    effective_on = models.DateField(_("过户日期"))
    water = models.DecimalField(_("水表读数"), max_digits=12, decimal_places=2, null=True, blank=True)
    electricity = models.DecimalField(_("电表读数"), max_digits=12, decimal_places=2, null=True, blank=True)
    gas = models.DecimalField(_("燃气表读数"), max_digits=12, decimal_places=2, null=True, blank=True)
    meters_read_at = models.DateTimeField(_("抄表时间"), null=True, blank=True)
    meters_read_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("新业主档案")
    )
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    completed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("过户")
        verbose_name_plural = _("过户")
        indexes = [
            models.Index(fields=["project", "-created_at", "-id"], name="transfer_project_recent"),
            models.Index(fields=["room", "-created_at"], name="transfer_room_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.new_owner_name}"


class TransferItem(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="items")
    label = models.CharField(_("待结清事项"), max_length=100)
    settled_at = models.DateTimeField(_("结清时间"), null=True, blank=True)  # for the account check: when checked
    settled_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(_("结清说明"), max_length=200, blank=True)
    # The room's fees: settled by the system's check of the room's account (nothing owed), never by
    # a tick; `settled_at` is when the check passed.
    account_check = models.BooleanField(_("按房屋账户核对"), default=False)

    class Meta:
        verbose_name = _("过户待结清事项")
        verbose_name_plural = _("过户待结清事项")
        ordering = ["transfer_id", "id"]

    def __str__(self) -> str:
        return self.label


# ---------------------------------------------------------------- history


class Event(models.Model):
    """One step of a registration: who did what, when, with what note. Shown on each record's page."""

    kind = models.CharField(_("登记类型"), max_length=10, choices=Kind.choices)
    record_id = models.PositiveBigIntegerField()
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("操作人")
    )  # empty: the system (a reminder job)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    action = models.CharField(_("动作"), max_length=30)
    text = models.CharField(_("内容"), max_length=300)
    note = models.TextField(_("说明"), blank=True, max_length=500)

    class Meta:
        verbose_name = _("登记历史")
        verbose_name_plural = _("登记历史")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["kind", "record_id", "at"], name="regevent_record")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.text}"
