from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Company, Department, Project
from core.phone import mask_phone
from desk.choices import (
    OPEN_STATES,
    SEVERITY_COLOUR,
    STATE_COLOUR,
    Action,
    Channel,
    Kind,
    Rating,
    Severity,
    State,
    Validity,
)
from estate.models import Resident, Room


class Category(models.Model):
    """An editable list of what requests are about (设施设备, 环境卫生, ...)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="categories", verbose_name=_("公司"))
    name = models.CharField(_("名称"), max_length=50)
    code = models.SlugField(_("代码"), max_length=30)
    department_kind = models.CharField(_("默认处理部门"), max_length=20, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("分类")
        verbose_name_plural = _("分类")
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="category_code_unique")]
        ordering = ["company_id", "order", "name"]

    def __str__(self) -> str:
        return self.name


class NumberSequence(models.Model):
    """Counters behind the human-readable numbers; one row per prefix and day, bumped atomically."""

    key = models.CharField(max_length=30, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ServiceRequest(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="requests", verbose_name=_("项目"))
    number = models.CharField(_("单号"), max_length=30, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("来源"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("分类")
    )
    severity = models.CharField(_("级别"), max_length=10, choices=Severity.choices, default=Severity.GENERAL)
    validity = models.CharField(_("投诉性质"), max_length=10, choices=Validity.choices, blank=True)
    paid = models.BooleanField(_("有偿维修"), null=True, blank=True)

    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="requests", verbose_name=_("房屋")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="requests", verbose_name=_("业户")
    )
    caller_name = models.CharField(_("联系人"), max_length=50, blank=True)
    caller_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    location = models.CharField(_("位置"), max_length=200, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("描述"), blank=True)

    state = models.PositiveSmallIntegerField(_("状态"), choices=State.choices, default=State.REGISTERED)
    version = models.PositiveIntegerField(default=1, editable=False)
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="received_requests",
        verbose_name=_("首问责任人"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="requests", verbose_name=_("处理部门")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_requests",
        verbose_name=_("处理人"),
    )
    implementer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="implemented_requests",
        verbose_name=_("完成人"),
    )
    needs_return_visit = models.BooleanField(_("需回访"), default=False)
    result = models.TextField(_("处理结果"), blank=True)
    reply = models.TextField(_("回复内容"), blank=True)
    rating = models.CharField(_("回访评价"), max_length=1, choices=Rating.choices, blank=True)
    visit_comment = models.TextField(_("回访意见"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重开次数"), default=0)
    pause_reason = models.CharField(_("暂停原因"), max_length=200, blank=True)

    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    # Two-character shingles of number, title, description and location: PostgreSQL answers
    # Chinese searches such as 漏水 from a GIN index on this column (see desk/search.py).
    search_grams = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        indexes = [
            models.Index(fields=["project", "-created_at", "-id"], name="sr_project_recent"),
            models.Index(
                fields=["project", "-created_at", "-id"],
                name="sr_project_open_recent",
                condition=Q(state__in=[int(s) for s in OPEN_STATES]),
            ),
            models.Index(fields=["assignee", "state"], name="sr_assignee_state"),
            models.Index(fields=["department", "state"], name="sr_department_state"),
            models.Index(fields=["receiver", "state"], name="sr_receiver_state"),
            models.Index(fields=["room", "-created_at"], name="sr_room_recent"),
            models.Index(fields=["project", "state", "-created_at"], name="sr_project_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="complaint") | Q(paid__isnull=True), name="sr_paid_only_for_repairs"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def state_colour(self) -> str:
        return STATE_COLOUR[State(self.state)]

    @property
    def severity_colour(self) -> str:
        return SEVERITY_COLOUR[Severity(self.severity)]

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def masked_caller_phone(self) -> str:
        return mask_phone(self.caller_phone)


class RequestEvent(models.Model):
    """One line of a request's timeline: who did what, when, from which state to which, and why."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    action = models.CharField(_("动作"), max_length=20, choices=Action.choices)
    from_state = models.PositiveSmallIntegerField(_("原状态"), choices=State.choices, null=True, blank=True)
    to_state = models.PositiveSmallIntegerField(_("新状态"), choices=State.choices)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("工单记录")
        verbose_name_plural = _("工单记录")
        indexes = [models.Index(fields=["request", "at", "id"], name="event_request_at")]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} @ {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename: str) -> str:
    now = timezone.now()
    return f"requests/{now:%Y/%m}/{instance.request_id}/{filename}"


class Attachment(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        RequestEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
