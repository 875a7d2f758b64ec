"""The front desk's records: parcels and mail, visitors and contractors' passes, goods release
passes. Nothing is deleted: a correction or a refusal is a new row (events, attempts, checks)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Project, User
from estate.models import Room
from frontdesk.choices import (
    AgreedVia,
    ApplicantRelation,
    CheckOutcome,
    HandoverMethod,
    IdType,
    ParcelKind,
    ParcelState,
    PassState,
    VisitState,
)


class FrontdeskSettings(models.Model):
    """The front desk's numbers for one project (defaults of common practice, not law)."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="frontdesk_settings", verbose_name=_("项目")
    )
    hold_days = models.PositiveSmallIntegerField(_("快递最长保管天数"), default=30)
    important_mail_hours = models.PositiveSmallIntegerField(_("重要邮件送达时限（小时）"), default=2)
    preregistration_hours = models.PositiveSmallIntegerField(_("访客预约码有效期（小时）"), default=24)

    class Meta:
        verbose_name = _("前台设置")
        verbose_name_plural = _("前台设置")

    def __str__(self) -> str:
        return str(self.project)

    @classmethod
    def for_project(cls, project_id: int) -> "FrontdeskSettings":
        found = cls.objects.filter(project_id=project_id).first()
        return found or cls(project_id=project_id)


# ---------------------------------------------------------------- parcels

WAITING = Q(state=ParcelState.WAITING)


class Parcel(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="parcels", verbose_name=_("房屋"))
    kind = models.CharField(_("类型"), max_length=10, choices=ParcelKind.choices, default=ParcelKind.PARCEL)
    tracking_number = models.CharField(_("运单号"), max_length=40, blank=True)
    carrier = models.CharField(_("快递公司"), max_length=30, blank=True)
    shelf = models.CharField(_("货架位置"), max_length=20, blank=True)
    pickup_code = models.CharField(_("取件码"), max_length=6)
    state = models.PositiveSmallIntegerField(_("状态"), choices=ParcelState.choices, default=ParcelState.WAITING)
    arrived_at = models.DateTimeField(_("到件时间"), default=timezone.now)
    logged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))
    due_at = models.DateTimeField(_("送达时限"), null=True, blank=True)
    handed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    handed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("经办人")
    )
    method = models.CharField(_("领取方式"), max_length=10, choices=HandoverMethod.choices, blank=True)
    collector_name = models.CharField(_("领取人"), max_length=50, blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    returned_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("退回经办人")
    )
    return_note = models.CharField(_("退回说明"), max_length=200, blank=True)
    overdue_alerted_at = models.DateTimeField(_("超时提醒时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("快递/信件")
        verbose_name_plural = _("快递/信件")
        constraints = [
            models.UniqueConstraint(fields=["project", "pickup_code"], condition=WAITING, name="parcel_code_waiting")
        ]
        indexes = [
            # a room's waiting parcels (the hot read) and the project's waiting list, oldest first
            models.Index(fields=["room", "-arrived_at"], condition=WAITING, name="parcel_room_waiting"),
            models.Index(fields=["project", "arrived_at"], condition=WAITING, name="parcel_project_waiting"),
            # a used code: the latest parcel of the project with that code
            models.Index(fields=["project", "pickup_code", "-handed_at"], name="parcel_code"),
            models.Index(fields=["room", "-arrived_at"], name="parcel_room"),
            # important mail past its time, not yet alerted (the periodic job)
            models.Index(
                fields=["due_at"],
                condition=WAITING & Q(due_at__isnull=False, overdue_alerted_at__isnull=True),
                name="parcel_due_unalerted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.tracking_number or self.pk}"

    @property
    def is_overdue(self) -> bool:
        return self.state == ParcelState.WAITING and self.due_at is not None and self.due_at < timezone.now()


class ParcelEvent(models.Model):
    """A parcel's history: logged, notified, handed over, returned."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="events", verbose_name=_("快递/信件"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("操作人"))
    action = models.CharField(_("动作"), max_length=20)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("快递记录")
        verbose_name_plural = _("快递记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class PickupAttempt(models.Model):
    """A pickup code that was refused (unknown, used, returned, another project's): kept as evidence."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("项目"))
    code = models.CharField(_("取件码"), max_length=20)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人"))
    parcel = models.ForeignKey(
        Parcel,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="failed_attempts",
        verbose_name=_("快递/信件"),
    )
    reason = models.CharField(_("原因"), max_length=200)

    class Meta:
        verbose_name = _("取件失败记录")
        verbose_name_plural = _("取件失败记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} {self.reason}"


# ---------------------------------------------------------------- visitors

EXPECTED = Q(state=VisitState.EXPECTED)
ON_SITE = Q(state=VisitState.ON_SITE)


class Visit(models.Model):
    """A visitor: registered at the desk on arrival, or pre-registered by a resident with a code."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="visits", verbose_name=_("被访房屋"))
    name = models.CharField(_("访客姓名"), max_length=50)
    id_type = models.CharField(_("证件类型"), max_length=10, choices=IdType.choices, blank=True)
    id_number = models.CharField(_("证件号码"), max_length=30, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    people = models.PositiveSmallIntegerField(_("人数"), default=1)
    purpose = models.CharField(_("来访事由"), max_length=100)
    state = models.PositiveSmallIntegerField(_("状态"), choices=VisitState.choices, default=VisitState.ON_SITE)
    time_in = models.DateTimeField(_("到达时间"), null=True, blank=True)
    time_out = models.DateTimeField(_("离开时间"), null=True, blank=True)
    agreed_by = models.CharField(_("同意人"), max_length=50, blank=True)
    agreed_via = models.CharField(_("确认方式"), max_length=10, choices=AgreedVia.choices, blank=True)
    agreed_at = models.DateTimeField(_("同意时间"), null=True, blank=True)
    code = models.CharField(_("预约码"), max_length=8, blank=True)
    expected_on = models.DateField(_("预计来访日期"), null=True, blank=True)
    code_expires_at = models.DateTimeField(_("预约码失效时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))
    admitted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("放行人")
    )
    left_recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("离开登记人")
    )
    purged_at = models.DateTimeField(_("个人信息清除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("访客")
        verbose_name_plural = _("访客")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "code"], condition=EXPECTED & ~Q(code=""), name="visit_code_expected"
            )
        ]
        indexes = [
            models.Index(fields=["project", "time_in"], condition=ON_SITE, name="visit_on_site"),
            models.Index(fields=["code"], name="visit_code"),
            models.Index(fields=["room", "-created_at"], name="visit_room"),
            models.Index(fields=["project", "-created_at"], name="visit_project"),
        ]

    def __str__(self) -> str:
        return f"{self.name or '—'} → {self.room_id}"


class ContractorPass(models.Model):
    """A contractor's temporary pass: a company's people, valid for a period, for rooms or areas."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    company_name = models.CharField(_("施工单位"), max_length=100)
    people = models.TextField(_("人员名单"), help_text=_("每行一人"), max_length=2000)
    contact_phone = models.CharField(_("负责人手机"), max_length=20, blank=True)
    rooms = models.ManyToManyField(Room, blank=True, related_name="contractor_passes", verbose_name=_("房屋"))
    areas = models.CharField(_("区域"), max_length=200, blank=True)
    purpose = models.CharField(_("事由"), max_length=100)
    valid_from = models.DateTimeField(_("有效期自"))
    valid_to = models.DateTimeField(_("有效期至"))
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("签发人"))
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("施工临时出入证")
        verbose_name_plural = _("施工临时出入证")
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gt=models.F("valid_from")), name="contractor_pass_period")
        ]
        indexes = [models.Index(fields=["project", "valid_to"], name="contractor_pass_valid")]

    def __str__(self) -> str:
        return f"{self.company_name} {self.valid_from:%m-%d}~{self.valid_to:%m-%d}"

    @property
    def people_list(self) -> list[str]:
        return [line.strip() for line in self.people.splitlines() if line.strip()]


# ---------------------------------------------------------------- goods release passes


class GoodsPass(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="goods_passes", verbose_name=_("房屋"))
    code = models.CharField(_("放行码"), max_length=8)
    valid_on = models.DateField(_("放行日期"))
    state = models.PositiveSmallIntegerField(_("状态"), choices=PassState.choices)
    applicant_name = models.CharField(_("申请人"), max_length=50)
    applicant_relation = models.CharField(_("申请人身份"), max_length=10, choices=ApplicantRelation.choices)
    applicant_user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("申请账号")
    )
    carrier_name = models.CharField(_("搬运人"), max_length=50)
    carrier_id_number = models.CharField(_("搬运人证件号"), max_length=30)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))
    authorised_by = models.CharField(_("授权业主"), max_length=50, blank=True)
    authorised_via = models.CharField(_("授权方式"), max_length=10, choices=AgreedVia.choices, blank=True)
    authorised_at = models.DateTimeField(_("授权时间"), null=True, blank=True)
    authorised_user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("授权记录人")
    )
    released_at = models.DateTimeField(_("放行时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("放行人")
    )
    # A supervisor's override of the arrears check (BillingSettings.goods_pass_arrears = block): who,
    # when, why, and what the room owed then. Empty: no override was needed or given.
    arrears_override_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("欠费放行批准人")
    )
    arrears_override_at = models.DateTimeField(_("欠费放行批准时间"), null=True, blank=True)
    arrears_override_reason = models.CharField(_("欠费放行原因"), max_length=200, blank=True)
    arrears_owed_fen = models.BigIntegerField(_("批准时欠费(分)"), null=True, blank=True)

    class Meta:
        verbose_name = _("物品放行单")
        verbose_name_plural = _("物品放行单")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "code"],
                condition=Q(state__in=[PassState.AWAITING_OWNER, PassState.AUTHORISED]),
                name="goods_pass_code_open",
            )
        ]
        indexes = [
            models.Index(fields=["project", "valid_on"], name="goods_pass_day"),
            models.Index(fields=["code"], name="goods_pass_code"),
            models.Index(fields=["room", "-created_at"], name="goods_pass_room"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} {self.valid_on}"


class GoodsItem(models.Model):
    goods_pass = models.ForeignKey(GoodsPass, on_delete=models.CASCADE, related_name="items", verbose_name=_("放行单"))
    name = models.CharField(_("物品"), max_length=50)
    quantity = models.PositiveIntegerField(_("数量"))
    released_quantity = models.PositiveIntegerField(_("实际放行数量"), null=True, blank=True)

    class Meta:
        verbose_name = _("放行物品")
        verbose_name_plural = _("放行物品")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"


class GoodsCheck(models.Model):
    """The guard's check at the gate: released, or refused with a reason (nothing left)."""

    goods_pass = models.ForeignKey(GoodsPass, on_delete=models.CASCADE, related_name="checks", verbose_name=_("放行单"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    guard = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("核验人"))
    outcome = models.CharField(_("结果"), max_length=10, choices=CheckOutcome.choices)
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    differences = models.JSONField(_("差异"), default=list, blank=True)

    class Meta:
        verbose_name = _("放行核验")
        verbose_name_plural = _("放行核验")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"
