from datetime import time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Project
from core.phone import mask_phone
from estate.models import Resident, Room
from renovation.choices import (
    ACTIVE_STATES,
    OPEN_STATES,
    STATE_COLOUR,
    Action,
    FeeKind,
    FileKind,
    InspectionResult,
    State,
)

USER = settings.AUTH_USER_MODEL


class RenovationSettings(models.Model):
    """Per-project rules of renovation: review time, fees, holding period and quiet hours.
    A project without a row uses the defaults below (`for_project`)."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="renovation_settings", verbose_name=_("项目")
    )
    review_days = models.PositiveSmallIntegerField(
        _("审核时限（工作日）"), default=15, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    deposit_default = models.DecimalField(
        _("装修押金（默认）"), max_digits=10, decimal_places=2, default=Decimal("2000.00")
    )
    management_fee_per_m2 = models.DecimalField(
        _("装修管理费（元/m²）"), max_digits=8, decimal_places=2, default=Decimal("5.00")
    )
    pass_fee = models.DecimalField(_("出入证工本费（元/张）"), max_digits=8, decimal_places=2, default=Decimal("10.00"))
    holding_days = models.PositiveSmallIntegerField(
        _("押金保留天数"), default=90, help_text=_("验收合格后满这么多天才能退押金。")
    )
    quiet_on_rest_days = models.BooleanField(
        _("休息日和节假日禁止噪声作业"), default=True, help_text=_("按系统的节假日与调休日历判断。")
    )
    noon_quiet_start = models.TimeField(_("午间禁噪开始"), default=time(12, 0), null=True, blank=True)
    noon_quiet_end = models.TimeField(_("午间禁噪结束"), default=time(14, 0), null=True, blank=True)
    night_quiet_start = models.TimeField(_("夜间禁噪开始"), default=time(18, 0))
    night_quiet_end = models.TimeField(_("夜间禁噪结束（次日）"), default=time(8, 0))
    rules_note = models.TextField(_("其他装修规定"), blank=True, help_text=_("印在装修许可证上。"), max_length=2000)

    class Meta:
        verbose_name = _("装修设置")
        verbose_name_plural = _("装修设置")

    def __str__(self) -> str:
        return str(self.project)

    def clean(self):
        if bool(self.noon_quiet_start) != bool(self.noon_quiet_end):
            raise ValidationError({"noon_quiet_end": _("午间禁噪开始和结束要么都填，要么都不填。")})
        if self.noon_quiet_start and self.noon_quiet_end and self.noon_quiet_end <= self.noon_quiet_start:
            raise ValidationError({"noon_quiet_end": _("午间禁噪结束必须晚于开始。")})
        if self.night_quiet_start and self.night_quiet_end and self.night_quiet_end >= self.night_quiet_start:
            raise ValidationError(
                {"night_quiet_end": _("夜间禁噪应跨过午夜：结束（如 08:00）须早于开始（如 18:00）。")}
            )

    @classmethod
    def for_project(cls, project_id: int) -> "RenovationSettings":
        row = cls.objects.filter(project_id=project_id).first()
        return row or cls(project_id=project_id)


class Renovation(models.Model):
    """One renovation of one room: application, review, fees, permit, work, acceptance, refund."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="renovations", verbose_name=_("项目"))
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="renovations", verbose_name=_("房屋"))
    number = models.CharField(_("申请编号"), max_length=30, unique=True)
    owner = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="renovations", verbose_name=_("业主")
    )
    owner_name = models.CharField(_("业主姓名"), max_length=50)
    owner_phone = models.CharField(_("业主电话"), max_length=20, blank=True)
    scope = models.TextField(_("装修内容"), max_length=2000)
    planned_start = models.DateField(_("计划开工"))
    planned_end = models.DateField(_("计划完工"))
    contractor_name = models.CharField(_("装修单位"), max_length=100)
    contractor_licence = models.CharField(_("营业执照/资质证号"), max_length=50)
    contractor_person = models.CharField(_("现场负责人"), max_length=50)
    contractor_phone = models.CharField(_("负责人电话"), max_length=20)

    state = models.PositiveSmallIntegerField(_("状态"), choices=State.choices, default=State.SUBMITTED)
    version = models.PositiveIntegerField(default=1, editable=False)
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("提交人"))
    by_resident = models.BooleanField(_("业主自行提交"), default=False)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    review_due_at = models.DateTimeField(_("审核截止"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("审核人")
    )
    review_note = models.TextField(_("审核意见"), blank=True, max_length=500)
    deposit_due = models.DecimalField(_("应缴押金"), max_digits=10, decimal_places=2, null=True, blank=True)
    fee_due = models.DecimalField(_("应缴管理费"), max_digits=10, decimal_places=2, null=True, blank=True)
    permit_number = models.CharField(_("许可证号"), max_length=30, blank=True)
    permit_issued_at = models.DateTimeField(_("发证时间"), null=True, blank=True)
    permit_issued_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("发证人")
    )
    accepted_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    refund_due_on = models.DateField(_("可退押金日期"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("退押金时间"), null=True, blank=True)
    refund_amount = models.DecimalField(_("退还金额"), max_digits=10, decimal_places=2, null=True, blank=True)
    refund_receipt = models.CharField(_("退款凭证号"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("装修申请")
        verbose_name_plural = _("装修申请")
        indexes = [
            models.Index(fields=["project", "-created_at", "-id"], name="reno_project_recent"),
            models.Index(fields=["project", "state", "-created_at"], name="reno_project_state"),
            models.Index(
                fields=["project", "review_due_at"],
                name="reno_review_due",
                condition=Q(state=State.SUBMITTED),
            ),
            models.Index(fields=["room", "-created_at"], name="reno_room_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["room"],
                condition=Q(state__in=[int(s) for s in ACTIVE_STATES]),
                name="reno_one_active_per_room",
                violation_error_message=_("这套房屋已有一份进行中的装修申请。"),
            ),
            models.CheckConstraint(condition=Q(planned_end__gte=models.F("planned_start")), name="reno_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.room_id and self.room.code}"

    @property
    def state_colour(self) -> str:
        return STATE_COLOUR[State(self.state)]

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def review_overdue(self) -> bool:
        return self.state == State.SUBMITTED and self.review_due_at is not None and self.review_due_at < timezone.now()

    @property
    def masked_contractor_phone(self) -> str:
        return mask_phone(self.contractor_phone)


class RenovationEvent(models.Model):
    """One line of a renovation's timeline: who did what, when, and why."""

    renovation = models.ForeignKey(Renovation, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    action = models.CharField(_("动作"), max_length=20, choices=Action.choices)
    from_state = models.PositiveSmallIntegerField(_("原状态"), choices=State.choices, null=True, blank=True)
    to_state = models.PositiveSmallIntegerField(_("新状态"), choices=State.choices)
    note = models.TextField(_("说明"), blank=True, max_length=500)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("装修记录")
        verbose_name_plural = _("装修记录")
        indexes = [models.Index(fields=["renovation", "at", "id"], name="reno_event_at")]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} @ {self.at:%Y-%m-%d %H:%M}"


class Inspection(models.Model):
    """A visit to the site during the work, or the final acceptance inspection (竣工验收)."""

    renovation = models.ForeignKey(Renovation, on_delete=models.PROTECT, related_name="inspections")
    inspected_on = models.DateField(_("巡查日期"))
    inspector = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("巡查人"))
    result = models.CharField(_("结果"), max_length=20, choices=InspectionResult.choices)
    is_final = models.BooleanField(_("竣工验收"), default=False)
    note = models.TextField(_("说明"), blank=True, max_length=500)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("装修巡查")
        verbose_name_plural = _("装修巡查")
        ordering = ["inspected_on", "id"]

    def __str__(self) -> str:
        return f"{self.inspected_on} {self.get_result_display()}"


class Violation(models.Model):
    renovation = models.ForeignKey(Renovation, on_delete=models.PROTECT, related_name="violations")
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="violations")
    description = models.TextField(_("违规内容"), max_length=2000)
    rectified_at = models.DateTimeField(_("整改时间"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("确认人")
    )
    rectify_note = models.TextField(_("整改说明"), blank=True, max_length=500)
    request = models.ForeignKey(
        "desk.ServiceRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("转出工单"),
    )

    class Meta:
        verbose_name = _("装修违规")
        verbose_name_plural = _("装修违规")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["renovation"], name="reno_violation_open", condition=Q(rectified_at__isnull=True))
        ]

    def __str__(self) -> str:
        return self.description[:50]

    @property
    def is_open(self) -> bool:
        return self.rectified_at is None


def file_path(instance, filename: str) -> str:
    now = timezone.now()
    return f"renovation/{now:%Y/%m}/{instance.renovation_id}/{filename}"


class RenovationFile(models.Model):
    """A drawing of the application or a photo of a violation; served only through a view that
    checks who may see the renovation."""

    renovation = models.ForeignKey(Renovation, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("类型"), max_length=10, choices=FileKind.choices)
    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, null=True, blank=True, related_name="photos")
    file = models.FileField(upload_to=file_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("装修附件")
        verbose_name_plural = _("装修附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Worker(models.Model):
    """A worker of the contractor, registered before a temporary pass is issued."""

    renovation = models.ForeignKey(Renovation, on_delete=models.PROTECT, related_name="workers")
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号"), max_length=18)
    phone = models.CharField(_("手机"), max_length=20)
    trade = models.CharField(_("工种"), max_length=30, blank=True)
    added_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    added_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))

    class Meta:
        verbose_name = _("装修工人")
        verbose_name_plural = _("装修工人")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["renovation", "id_number"], name="reno_worker_once", condition=~Q(id_number="")
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        from core.privacy import mask_id

        return mask_id(self.id_number)


class WorkerPass(models.Model):
    """A temporary pass (临时出入证), valid until the permit's end unless revoked."""

    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="passes", verbose_name=_("工人"))
    number = models.CharField(_("出入证号"), max_length=30, unique=True)
    issued_at = models.DateTimeField(_("办理时间"), default=timezone.now)
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("办理人"))
    valid_until = models.DateField(_("有效期至"))
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("注销人")
    )
    revoke_reason = models.CharField(_("注销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("临时出入证")
        verbose_name_plural = _("临时出入证")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.number

    def is_valid(self, on=None) -> bool:
        return self.revoked_at is None and (on or timezone.localdate()) <= self.valid_until


class Payment(models.Model):
    """A fee or deposit received. Corrections are new entries, never edits."""

    renovation = models.ForeignKey(Renovation, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("费用类型"), max_length=20, choices=FeeKind.choices)
    amount = models.DecimalField(_("金额"), max_digits=10, decimal_places=2)
    paid_at = models.DateTimeField(_("缴费时间"))
    receipt_number = models.CharField(_("收据号"), max_length=50)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("装修缴费")
        verbose_name_plural = _("装修缴费")
        ordering = ["paid_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="reno_payment_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class Deduction(models.Model):
    """An amount kept back from the deposit at refund, with its reason."""

    renovation = models.ForeignKey(Renovation, on_delete=models.PROTECT, related_name="deductions")
    amount = models.DecimalField(_("扣款金额"), max_digits=10, decimal_places=2)
    reason = models.CharField(_("扣款原因"), max_length=200)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("押金扣款")
        verbose_name_plural = _("押金扣款")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="reno_deduction_positive")]

    def __str__(self) -> str:
        return f"{self.amount} {self.reason}"
